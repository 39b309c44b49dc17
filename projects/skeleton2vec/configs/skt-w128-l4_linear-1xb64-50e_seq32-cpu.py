# Linear probe of the Skeleton2vec encoder pretrained by
# ./skeleton2vec_skt-w128-l4_1xb64-300e_seq32-cpu.py, with the S2I CPU
# recipe's probe protocol on sequences
# (../../../configs/s2i_mae_cpu/_base_/sequence_linear_probe_cpu.py), for
# benchmarks/league.py. `model.backbone.init_cfg=None` probes a randomly
# initialised encoder.
_base_ = [
    '../../../configs/s2i_mae_cpu/_base_/sequence_linear_probe_cpu.py']
custom_imports = dict(
    imports=['projects.skeleton2vec.models'], allow_failed_imports=False)

# the teacher's weights, as the official linear probe (using_ema_model)
pretrained = 'work_dirs/league/skeleton2vec/epoch_300.pth'
model = dict(
    backbone=dict(
        type='SkeletonTransformer',
        num_joints=20,  # kinect20
        clip_len=_base_.clip_len,
        segment_len=8,
        embed_dims=_base_.embed_dims,
        num_layers=4,
        num_heads=4,
        frozen=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained,
            prefix='teacher.module.')))
