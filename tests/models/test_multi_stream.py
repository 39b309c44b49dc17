"""MultiStreamS2IClassifier with the fusion heads: forward / backward,
per-stream checkpoints, frozen streams, layer-wise lr decay, and the
stacked-stream images it reads."""
import numpy as np
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from s2i_mm.datasets.synthetic import generate
from s2i_mm.datasets.transforms import S2IEncode, SkeletonModality
from s2i_mm.registry import MODELS

from tiny_models import TINY_ARCH, tiny_mae_cfg, tiny_vit_cfg

STREAMS = ('j', 'm', 'b')
WIDTH = TINY_ARCH['embed_dims']
HEADS = {
    'late_fixed': dict(type='LateFusionClsHead', num_classes=5,
                       in_channels=WIDTH, weights=[2., 0., 1.]),
    'late_learnable': dict(type='LateFusionClsHead', num_classes=5,
                           in_channels=WIDTH, num_streams=3,
                           learnable_weights=True),
    'concat': dict(type='FeatureConcatClsHead', num_classes=5,
                   in_channels=3 * WIDTH),
}


def _vit(**kwargs):
    return tiny_vit_cfg(out_type='avg_featmap', **kwargs)


def _model(head='late_learnable', frozen=(), checkpoints=None, neck=True):
    """Three tiny streams; those in ``frozen`` as in a linear probe."""
    streams = {}
    for name in STREAMS:
        backbone = _vit(frozen_stages=TINY_ARCH['num_layers']
                        if name in frozen else -1)
        if checkpoints:
            backbone['init_cfg'] = dict(
                type='Pretrained', checkpoint=checkpoints[name],
                prefix='backbone.')
        streams[name] = dict(backbone=backbone)
        if neck:
            streams[name]['neck'] = dict(type='ClsBatchNormNeck',
                                         input_features=WIDTH)
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='MultiStreamS2IClassifier', streams=streams, head=HEADS[head],
        data_preprocessor=dict(type='ClsDataPreprocessor', mean=[.5] * 9,
                               std=[.25] * 9)))
    model.init_weights()
    return model


def _samples(labels):
    return [DataSample().set_gt_label(int(label)) for label in labels]


@pytest.mark.parametrize('head', sorted(HEADS))
def test_forward_backward_with_each_head(head):
    model = _model(head, frozen=('j', ))
    images = torch.rand(4, 9, 32, 32)
    losses = model(images, _samples([0, 1, 2, 3]), mode='loss')
    assert torch.isfinite(losses['loss'])
    losses['loss'].backward()
    for name, param in model.named_parameters():
        if name.startswith('backbone.j.'):
            assert param.grad is None, name  # frozen stream
        elif param.requires_grad:
            assert param.grad is not None, name
    model.eval()
    with torch.no_grad():
        assert model(images).shape == (4, 5)
        # multi-clip test samples: [B, num_clips, 9, H, W], scores averaged
        clips = torch.rand(2, 3, 9, 32, 32)
        per_clip = model(clips.flatten(0, 1)).view(2, 3, 5)
        preds = model(clips, _samples([0, 1]), mode='predict')
    expected = per_clip.mean(dim=1).softmax(dim=-1)
    assert torch.allclose(torch.stack([p.pred_score for p in preds]),
                          expected, atol=1e-6)


def test_heads_fuse_the_streams_features():
    model = _model('late_fixed').eval()
    images = torch.rand(3, 9, 32, 32)
    with torch.no_grad():
        feats = model.extract_feat(images)
        assert len(feats) == 3 and feats[0].shape == (3, WIDTH)
        # each stream reads its own channel group
        alone = model.neck['m'](model.backbone['m'](images[:, 3:6]))[-1]
        assert torch.allclose(feats[1], alone)
        head = model.head
        expected = 2 * head.fcs[0](feats[0]) + head.fcs[2](feats[2])
        assert torch.allclose(model(images), expected, atol=1e-6)
    assert 'head.weights' not in model.state_dict()  # fixed: from config

    concat = _model('concat').eval()
    with torch.no_grad():
        feats = concat.extract_feat(images)
        expected = concat.head.fc(torch.cat(feats, dim=1))
        assert torch.allclose(concat(images), expected, atol=1e-6)


def test_wrong_channel_count_is_refused():
    with pytest.raises(ValueError, match=r'\[B, C \* num_streams'):
        _model()(torch.rand(2, 8, 32, 32))


def _mae_checkpoint(tmp_path, name, seed):
    torch.manual_seed(seed)
    mae = MODELS.build(tiny_mae_cfg())
    mae.init_weights()
    path = tmp_path / f'mae_{name}.pth'
    torch.save({'state_dict': mae.state_dict()}, path)
    return str(path), mae.state_dict()


def test_each_stream_loads_its_own_pretraining_checkpoint(tmp_path):
    checkpoints, weights = {}, {}
    for seed, name in enumerate(STREAMS):
        checkpoints[name], weights[name] = _mae_checkpoint(
            tmp_path, name, seed)
    model = _model(checkpoints=checkpoints, frozen=STREAMS)
    state = model.state_dict()
    keys = [k for k in weights['j'] if k.startswith('backbone.layers.')]
    assert keys
    for name in STREAMS:
        for key in keys:
            ours = state[key.replace('backbone.', f'backbone.{name}.', 1)]
            assert torch.equal(ours, weights[name][key]), (name, key)
    # the three checkpoints differ, so each stream got its own
    qkv = 'backbone.layers.0.attn.qkv.weight'
    assert not torch.equal(weights['j'][qkv], weights['b'][qkv])


def test_frozen_streams_stay_frozen_others_train():
    model = _model('late_learnable', frozen=('j', 'b'))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='SGD', lr=0.5, momentum=0.9)))
    model.train()
    for step in range(3):
        data = model.data_preprocessor(
            dict(inputs=[torch.rand(9, 32, 32) for _ in range(4)],
                 data_samples=_samples([0, 1, 2, step])), training=True)
        losses = model(**data, mode='loss')
        wrapper.update_params(losses['loss'])
    after = model.state_dict()
    for key, value in after.items():
        if key.startswith(('backbone.j.', 'backbone.b.')):
            assert torch.equal(value, before[key]), key
    for name in ('backbone.j.layers.0.attn.qkv.weight',
                 'backbone.b.ln1.weight'):
        assert not dict(model.named_parameters())[name].requires_grad
    changed = [k for k in after
               if k.startswith('backbone.m.')
               and not torch.equal(after[k], before[k])]
    assert any('layers.1.attn' in k for k in changed)
    assert not torch.equal(after['head.weights'], before['head.weights'])


def test_layer_wise_lr_decay_by_depth_in_each_stream():
    model = _model('concat', neck=False)
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
        constructor='LearningRateDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=0.5)))
    lrs = {g['param_name']: g['lr'] for g in wrapper.optimizer.param_groups}
    depth = TINY_ARCH['num_layers'] + 2  # stem, layers, head
    for name in STREAMS:
        assert lrs[f'backbone.{name}.patch_embed.projection.weight'] == (
            0.5**(depth - 1))
        assert lrs[f'backbone.{name}.layers.1.attn.qkv.weight'] == 0.5**(
            depth - 3)
    assert lrs['head.fc.weight'] == 1.0


@pytest.mark.parametrize('scaling', [
    dict(scaling='minmax'),
    dict(scaling='centred'),
    dict(scaling='fixed', value_range=((-1, -1, -2), (1, 1, 2))),
])
def test_stacked_streams_are_the_single_streams_images(scaling):
    """What the recognizer reads: SkeletonModality(('j', 'm', 'b')) then
    S2IEncode gives the three single-stream images of the same frames,
    stacked along the channels, whatever the scaling (each stream is scaled
    as it would be alone; OpenCV resizes 9 channels with another kernel
    than 3: the values agree to float32 rounding)."""
    data = generate(1, seed=0, formats=('ntu25', ))['ntu25']
    sample = data['annotations'][0]

    def encode(modalities):
        results = dict(keypoint=sample['keypoint'].copy(),
                       skeleton_format='ntu25')
        results = SkeletonModality(modalities)(results)
        return S2IEncode(size=(32, 32), **scaling)(results)['img']

    stacked = encode(('j', 'm', 'b'))
    assert stacked.shape == (32, 32, 9)
    for i, stream in enumerate(STREAMS):
        np.testing.assert_allclose(stacked[..., 3 * i:3 * i + 3],
                                   encode(stream), rtol=0, atol=1e-6)
