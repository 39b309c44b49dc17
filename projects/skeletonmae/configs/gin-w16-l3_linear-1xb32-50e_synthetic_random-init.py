# The baseline of ./gin-w16-l3_linear-1xb32-50e_synthetic.py: the same
# probe on the same encoder shape, randomly initialised (PyTorch's default
# initialisation) instead of pretrained.
_base_ = ['./gin-w16-l3_linear-1xb32-50e_synthetic.py']
model = dict(backbone=dict(init_cfg=None))
