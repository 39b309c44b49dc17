_base_ = [
    '../../_base_/models/vit-base-p16_s2i_finetune.py',
    '../../_base_/datasets/toyota_cs.py',
    '../../_base_/schedules/finetune_100e.py',
    '../../_base_/default_runtime.py',
]
# the encoder pretrained by ../mae_vit-base-p16_8xb64-400e_toyota-cs.py
pretrained = 'work_dirs/mae_vit-base-p16_8xb64-400e_toyota-cs/epoch_400.pth'
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=pretrained)),
    head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(batch_size=32)  # 8 GPUs x 32 = 256
