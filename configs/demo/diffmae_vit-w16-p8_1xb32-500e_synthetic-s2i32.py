# The CPU demo's DiffMAE pretraining (demo/s2i_demo.py --algo diffmae): the
# demo's MAE pretraining (same 16-wide ViT encoder, data, masking and
# schedule, from scratch) with DiffMAE's objective: the masked patches are
# noised at a random diffusion step and a diffusion decoder denoises them.
# The linear probes of the demo read its encoder as they read MAE's.
_base_ = ['./mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py']
model = dict(
    type='S2IDiffMAE',
    # ours: the grid, patch and size settings of the demo's MAE decoder
    # (32 wide, 2 blocks, 4 heads); top-down, its 2 blocks attend to the
    # encoder's layers 4 and 3.
    neck=dict(
        type='S2IDiffMAEDecoder',
        # 'cross_self' | 'cross' | 'joint' (demo/s2i_demo.py
        # --diffmae-decoder); cross_self is s2i_mm's default decoder.
        # Only it was probed on this demo (docs/benchmarks.md, "The CPU
        # demo"); benchmarks/ssl_step_time.py times all three
        variant='cross_self'),
    prediction='x0',
    diffusion=dict(num_steps=1000, beta_start=1e-4, beta_end=0.02,
                   exponent=0.8))
