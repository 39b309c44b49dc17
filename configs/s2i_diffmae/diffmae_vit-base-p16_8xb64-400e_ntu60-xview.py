# DiffMAE pretraining of ViT-B/16 on 224 x 224 S2I images (ImageNet MAE
# encoder init, cross-self diffusion decoder) with the data, masking and
# 400-epoch schedule of S2I-MAE's
# ../s2i_mae/mae_vit-base-p16_8xb64-400e_ntu60-xview.py,
# so that the two pretrainings compare like for like.
_base_ = [
    '../_base_/models/diffmae_vit-base-p16_s2i.py',
    '../_base_/datasets/ntu60_xview.py',
    '../_base_/schedules/mae_pretrain_400e.py',
    '../_base_/default_runtime.py',
]
# self-supervised: the training split only, its labels unused
val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None
train_dataloader = dict(batch_size=64)  # 8 GPUs x 64 = 512
