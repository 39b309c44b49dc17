# Semi-supervised fine-tuning (1% of the labels)
# of a DiffMAE encoder: S2I-MAE's protocol
# ../../s2i_mae/benchmarks/
#     vit-base-p16_ft-8xb32-100e-semi1pct_pku-mmd2-xsub.py
# on the encoder pretrained by
# ../diffmae_vit-base-p16_8xb64-400e_pku-mmd2-xsub.py
# (a DiffMAE checkpoint's `backbone.` weights load where an MAE one's do).
_base_ = [
    '../../s2i_mae/benchmarks/'
    'vit-base-p16_ft-8xb32-100e-semi1pct_pku-mmd2-xsub.py'
]
pretrained = ('work_dirs/diffmae_vit-base-p16_8xb64-400e_pku-mmd2-xsub/'
              'epoch_400.pth')
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
