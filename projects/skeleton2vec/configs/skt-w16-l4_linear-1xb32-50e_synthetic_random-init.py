# The baseline of ./skt-w16-l4_linear-1xb32-50e_synthetic.py: the same
# probe on the same encoder shape, randomly initialised (truncated normal,
# as the official code) instead of pretrained.
_base_ = ['./skt-w16-l4_linear-1xb32-50e_synthetic.py']
model = dict(backbone=dict(init_cfg=None))
