# Universal pretraining at the CPU demo's scale: the MAE of
# ./mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py on the synthetic set in its
# three layouts at once (MixedFormatDataset of ntu25, kinect20 and
# lcrnet13); each sample is S2I-encoded in its own layout's joint order,
# and every image has the same shape, so one encoder sees all three.
# Data: tools/data/make_synthetic.py work_dirs/demo/data (all layouts).
_base_ = ['./mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py']
formats = ('ntu25', 'kinect20', 'lcrnet13')
train_dataloader = dict(
    # draws per epoch: `num_samples` (default: all members' samples)
    sampler=dict(type='MixedFormatSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='MixedFormatDataset',
        # ours: equal weights, as the three members are the same size
        weights=[1, 1, 1],
        datasets=[
            dict(
                type='SkeletonDataset',
                ann_file=f'work_dirs/demo/data/synthetic_{fmt}.pkl',
                skeleton_format=fmt,
                split='train',
                pipeline=_base_.train_pipeline) for fmt in formats
        ]))
