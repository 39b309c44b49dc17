# Semi-supervised: fine-tuning on a class-balanced 10% of the labels
# (the subset is deterministic from SkeletonDataset's `semi_seed`).
_base_ = ['./vit-base-p16_ft-8xb32-100e_ntu60-xview.py']
train_dataloader = dict(dataset=dict(split='xview_train_10pct'))
