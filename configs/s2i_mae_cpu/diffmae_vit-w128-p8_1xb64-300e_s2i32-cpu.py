# DiffMAE pretraining of the CPU recipe (benchmarks/league.py): the MAE
# pretraining of ./mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py (same 128-wide
# encoder, data, masking and schedule, from scratch) with DiffMAE's
# objective: the masked patches are noised at a random diffusion step and a
# diffusion decoder denoises them. The linear probe and fine-tuning configs
# of this folder read its encoder as they read MAE's (`backbone.*`).
_base_ = ['./mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py']
model = dict(
    type='S2IDiffMAE',
    # ours: the grid, patch and size settings of the MAE decoder (64 wide,
    # 2 blocks, 4 heads); cross-self, top-down: its 2 blocks attend to the
    # encoder's layers 4 and 3 (../demo/diffmae_vit-w16-p8_1xb32-500e_
    # synthetic-s2i32.py does the same at width 16)
    neck=dict(type='S2IDiffMAEDecoder', variant='cross_self'),
    # the paper's target (the clean masked pixels) and the diffusion
    # schedule of ../_base_/models/diffmae_vit-base-p16_s2i.py
    prediction='x0',
    diffusion=dict(num_steps=1000, beta_start=1e-4, beta_end=0.02,
                   exponent=0.8))
