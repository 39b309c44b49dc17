# Linear probe of the Skeleton2vec encoder pretrained by
# ./skeleton2vec_skt-w16-l4_1xb32-200e_synthetic.py, with the S2I demo's
# probe protocol (../../../configs/demo/_base_/sequence_linear_probe.py:
# same splits, loaders, schedule, non-affine BatchNorm + linear layer on
# mean-pooled features), for benchmarks/ssl_peers.py.
_base_ = ['../../../configs/demo/_base_/sequence_linear_probe.py']
custom_imports = dict(
    imports=['projects.skeleton2vec.models'], allow_failed_imports=False)

# the teacher's weights, as the official linear probe (using_ema_model)
pretrained = 'work_dirs/ssl_peers/skeleton2vec/pretrain/epoch_200.pth'
model = dict(
    backbone=dict(
        type='SkeletonTransformer',
        num_joints=25,
        clip_len=64,
        segment_len=16,
        embed_dims=16,
        num_layers=4,
        num_heads=4,
        frozen=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained,
            prefix='teacher.module.')))
