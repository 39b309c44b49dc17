# Linear probe on nw-ucla-xview of the universal encoder
# (../mae_vit-base-p16_8xb64-400e_universal.py): the protocol of
# ../benchmarks/vit-base-p16_linear-8xb64-90e_nw-ucla-xview.py.
_base_ = ['../benchmarks/vit-base-p16_linear-8xb64-90e_nw-ucla-xview.py']
pretrained = 'work_dirs/mae_vit-base-p16_8xb64-400e_universal/epoch_400.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
