# DiffMAE ViT-B/16 on 224 x 224 S2I images (s2i_mm's S2IDiffMAE): MAE's
# encoder, initialised from the same ImageNet-1k MAE weights as S2I-MAE
# (`imagenet_mae_vit_b16` of the base below, loaded into the backbone only),
# and a diffusion decoder trained from scratch. Set
# `model.backbone.init_cfg=None` to start from scratch, or give a local
# path (tools/convert_weights.py converts the official MAE / timm releases).
_base_ = ['./mae_vit-base-p16_s2i.py']

model = dict(
    type='S2IDiffMAE',
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint={{_base_.imagenet_mae_vit_b16}},
            prefix='backbone.')),
    # The decoder keeps the grid, patch and size settings of S2I-MAE's
    # (ours: the paper does not list DiffMAE's decoder size for ViT-B; width
    # 512, 8 blocks, 16 heads is MAE's, so the two cost alike).
    neck=dict(
        type='S2IDiffMAEDecoder',
        # 'cross_self' | 'cross' | 'joint' (see docs/models.md): the paper's
        # cross-self decoder, whose blocks attend to the encoder blocks
        # top-down (the first decoder block to the last encoder block; its 8
        # blocks read encoder blocks 12 down to 5).
        variant='cross_self'),
    # the decoder predicts the clean masked pixels, as in the paper ('eps':
    # the noise, the usual DDPM target)
    prediction='x0',
    # DDPM's linear betas, 1e-4 .. 0.02 over T = 1000 steps, raised to
    # `exponent` (< 1: more noise at every step). ours: 0.8, the value we
    # read for the paper's linear schedule with an exponent (see
    # docs/models.md, which also says what the demo measured).
    diffusion=dict(num_steps=1000, beta_start=1e-4, beta_end=0.02,
                   exponent=0.8),
    init_cfg=None)
