# Semi-supervised: fine-tuning on a class-balanced 1% of the labels
# (the subset is deterministic from SkeletonDataset's `semi_seed`).
_base_ = ['./vit-base-p16_ft-8xb32-100e_pku-mmd2-xsub.py']
train_dataloader = dict(dataset=dict(split='xsub_train_1pct'))
