# Linear probe of the SkeletonMAE encoder pretrained by
# ./skeletonmae_gin-w128-l3_1xb64-300e_seq32-cpu.py, with the S2I CPU
# recipe's probe protocol on sequences
# (../../../configs/s2i_mae_cpu/_base_/sequence_linear_probe_cpu.py), for
# benchmarks/league.py. `model.backbone.init_cfg=None` probes a randomly
# initialised encoder.
_base_ = [
    '../../../configs/s2i_mae_cpu/_base_/sequence_linear_probe_cpu.py']
custom_imports = dict(
    imports=['projects.skeletonmae.models'], allow_failed_imports=False)

pretrained = 'work_dirs/league/skeletonmae/epoch_300.pth'
model = dict(
    backbone=dict(
        type='SkeletonGINEncoder',
        skeleton_format=_base_.data.skeleton_format,
        clip_len=_base_.clip_len,
        segment_len=4,
        embed_dims=_base_.embed_dims,
        num_layers=3,
        frozen=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
