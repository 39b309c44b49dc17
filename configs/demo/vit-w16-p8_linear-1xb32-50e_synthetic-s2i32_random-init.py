# The demo's baseline (demo/s2i_demo.py): the same linear probe, on the
# same encoder shape, randomly initialised (VisionTransformer's own init)
# instead of MAE-pretrained.
_base_ = ['./vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py']
model = dict(backbone=dict(init_cfg=None))
