_base_ = [
    '../../_base_/models/vit-base-p16_s2i_linear.py',
    '../../_base_/datasets/ntu60_xsub.py',
    '../../_base_/schedules/linear_probe_90e.py',
    '../../_base_/default_runtime.py',
]
# the encoder pretrained by ../mae_vit-base-p16_8xb64-400e_ntu60-xsub.py
pretrained = 'work_dirs/mae_vit-base-p16_8xb64-400e_ntu60-xsub/epoch_400.pth'
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=pretrained)),
    head=dict(num_classes={{_base_.num_classes}}))
