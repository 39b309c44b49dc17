# Cross-format transfer: the encoder pretrained on NTU-60 x-sub (ntu25,
# ../mae_vit-base-p16_8xb64-400e_ntu60-xsub.py) evaluated by the protocol
# of ../benchmarks/vit-base-p16_linear-8xb64-90e_pku-mmd2-xsub.py. It loads unchanged: S2I
# images have one shape whatever the skeleton layout.
_base_ = ['../benchmarks/vit-base-p16_linear-8xb64-90e_pku-mmd2-xsub.py']
pretrained = 'work_dirs/mae_vit-base-p16_8xb64-400e_ntu60-xsub/epoch_400.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
