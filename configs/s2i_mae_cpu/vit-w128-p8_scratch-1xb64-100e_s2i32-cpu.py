# Supervised training of the CPU recipe's encoder from scratch
# (benchmarks/real_data.py): the fine-tuning recipe with a randomly
# initialised encoder and no layer-wise lr decay (every layer is new).
_base_ = ['./vit-w128-p8_ft-1xb64-100e_s2i32-cpu.py']
model = dict(backbone=dict(init_cfg=None))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=1.0))
