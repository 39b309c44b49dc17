_base_ = [
    '../_base_/models/mae_vit-base-p16_s2i.py',
    '../_base_/datasets/ntu120_xsub.py',
    '../_base_/schedules/mae_pretrain_400e.py',
    '../_base_/default_runtime.py',
]
# self-supervised: the training split only, its labels unused
val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None
train_dataloader = dict(batch_size=64)  # 8 GPUs x 64 = 512
