# Linear probe of the SkeletonMAE encoder pretrained by
# ./skeletonmae_gin-w16-l3_1xb32-200e_synthetic.py, with the S2I demo's
# probe protocol (../../../configs/demo/_base_/sequence_linear_probe.py:
# same splits, loaders, schedule, non-affine BatchNorm + linear layer on
# mean-pooled features), for benchmarks/ssl_peers.py.
_base_ = ['../../../configs/demo/_base_/sequence_linear_probe.py']
custom_imports = dict(
    imports=['projects.skeletonmae.models'], allow_failed_imports=False)

pretrained = 'work_dirs/ssl_peers/skeletonmae/pretrain/epoch_200.pth'
model = dict(
    backbone=dict(
        type='SkeletonGINEncoder',
        skeleton_format='ntu25',
        clip_len=64,
        segment_len=4,
        embed_dims=16,
        num_layers=3,
        frozen=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
