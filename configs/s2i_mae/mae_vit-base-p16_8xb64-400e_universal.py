# Universal pretraining: one MAE on NTU-120 (25 joints), PKU-MMD I and II
# (25), Toyota Smarthome (13) and NW-UCLA (20) at once. Every sample is
# S2I-encoded in its own layout's joint order, and every image has the same
# shape, so one encoder learns from all layouts. The training split of each
# dataset (its labels unused); the members' files and splits are those of
# ../_base_/datasets/<dataset>.py. Linear probes: ./universal/.
_base_ = [
    '../_base_/models/mae_vit-base-p16_s2i.py',
    '../_base_/datasets/s2i_skeleton.py',
    '../_base_/schedules/mae_pretrain_400e.py',
    '../_base_/default_runtime.py',
]
members = [
    dict(ann_file='data/ntu/ntu120_3d.pkl', skeleton_format='ntu25',
         split='xsub_train'),
    dict(ann_file='data/pku_mmd/pku_mmd1.pkl', skeleton_format='ntu25',
         split='xsub_train'),
    dict(ann_file='data/pku_mmd/pku_mmd2.pkl', skeleton_format='ntu25',
         split='xsub_train'),
    dict(ann_file='data/toyota/toyota.pkl', skeleton_format='lcrnet13',
         split='cs_train'),
    dict(ann_file='data/nw_ucla/nw_ucla.pkl', skeleton_format='kinect20',
         split='xview_train'),
]
# ours: each dataset drawn in proportion to the square root of its training
# split's size (about 63k, 19k, 5.3k, 11k and 1.0k sequences; check against
# your converted files), as multilingual pretraining samples languages: a
# plain concatenation would draw NW-UCLA for ~1 % of the samples and NTU-120
# for ~64 %; square roots give it ~5 % and NTU-120 ~42 %. The paper does not
# say how it mixes the datasets.
weights = [251, 137, 73, 105, 32]
train_dataloader = dict(
    batch_size=64,  # 8 GPUs x 64 = 512
    # draws per epoch: all members' samples (set `num_samples` to change)
    sampler=dict(_delete_=True, type='MixedFormatSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='MixedFormatDataset',
        weights=weights,
        datasets=[
            dict(type='SkeletonDataset', pipeline=_base_.train_pipeline,
                 **member) for member in members
        ]))
# self-supervised: the training splits only
val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None
