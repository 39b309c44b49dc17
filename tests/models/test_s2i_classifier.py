import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from s2i_mm.registry import MODELS

from tiny_models import TINY_ARCH, tiny_vit_cfg


def _classifier_cfg(**kwargs):
    cfg = dict(
        type='S2IClassifier',
        backbone=tiny_vit_cfg(out_type='cls_token'),
        head=dict(
            type='LinearClsHead',
            num_classes=5,
            in_channels=TINY_ARCH['embed_dims'],
            loss=dict(type='CrossEntropyLoss')))
    cfg.update(kwargs)
    return cfg


def _build(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(_classifier_cfg(**kwargs))
    model.init_weights()
    return model.eval()


def _samples(labels):
    return [DataSample().set_gt_label(int(label)) for label in labels]


def test_single_clip_behaves_like_image_classifier():
    model = _build()
    reference = MODELS.build(
        dict(_classifier_cfg(), type='mmpretrain.ImageClassifier'))
    reference.load_state_dict(model.state_dict())
    reference.eval()
    x = torch.randn(3, 3, 32, 32)
    ours = model(x, _samples([0, 1, 2]), mode='predict')
    theirs = reference(x, _samples([0, 1, 2]), mode='predict')
    for a, b in zip(ours, theirs):
        assert torch.allclose(a.pred_score, b.pred_score)


@pytest.mark.parametrize('mode', ['score', 'prob'])
def test_multi_clip_scores_are_averaged(mode):
    model = _build(average_clips=mode)
    clips = torch.randn(2, 4, 3, 32, 32)
    with torch.no_grad():
        per_clip = model(clips.flatten(0, 1), mode='tensor').view(2, 4, 5)
        preds = model(clips, _samples([1, 3]), mode='predict')
    if mode == 'score':
        expected = per_clip.mean(1).softmax(-1)
    else:
        expected = per_clip.softmax(-1).mean(1)
    scores = torch.stack([p.pred_score for p in preds])
    assert torch.allclose(scores, expected, atol=1e-6)
    assert torch.equal(
        torch.cat([p.pred_label for p in preds]), expected.argmax(-1))
    # the clips really differ, so averaging is not a no-op
    assert not torch.allclose(per_clip[:, 0], per_clip[:, 1])


def test_multi_clip_tensor_and_loss_modes():
    model = _build().train()
    clips = torch.randn(2, 3, 3, 32, 32)
    logits = model(clips, mode='tensor')
    assert logits.shape == (2, 5)
    losses = model(clips, _samples([0, 4]), mode='loss')
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([0,
                                                                       4]))
    assert torch.allclose(losses['loss'], expected)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='average_clips'):
        MODELS.build(_classifier_cfg(average_clips='max'))
    model = _build()
    with pytest.raises(ValueError, match='num_clips'):
        model(torch.randn(3, 32, 32), mode='tensor')


def test_layer_wise_lr_decay_reaches_backbone_layers():
    model = _build()
    wrapper = build_optim_wrapper(
        model,
        dict(
            optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
            constructor='LearningRateDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=0.5)))
    lr_of = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for param in group['params']:
            lr_of[names[id(param)]] = group['lr']
    # 2 layers -> depths: stem 0, layers 1..2, rest 3 (max 4)
    assert lr_of['backbone.patch_embed.projection.weight'] == 0.5**3
    assert lr_of['backbone.cls_token'] == 0.5**3
    assert lr_of['backbone.layers.0.attn.qkv.weight'] == 0.5**2
    assert lr_of['backbone.layers.1.attn.qkv.weight'] == 0.5
    assert lr_of['head.fc.weight'] == 1.0


@pytest.mark.parametrize('out_type', ['cls_token', 'avg_featmap'])
def test_linear_probe_from_pretraining_checkpoint(mae_cfg, tmp_path,
                                                  out_type):
    """MAE checkpoint -> frozen ViT + non-affine BN + linear layer."""
    torch.manual_seed(1)
    mae = MODELS.build(mae_cfg((32, 32), 8))
    mae.init_weights()
    ckpt = tmp_path / 'mae.pth'
    torch.save({'state_dict': mae.state_dict()}, ckpt)

    cfg = _classifier_cfg(neck=dict(type='ClsBatchNormNeck',
                                     input_features=32))
    cfg['backbone'].update(
        out_type=out_type,
        frozen_stages=2,
        init_cfg=dict(
            type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
    model = MODELS.build(cfg)
    model.init_weights()
    mae_state = mae.state_dict()
    for key, value in model.backbone.state_dict().items():
        if not key.startswith('ln2'):  # avg_featmap's new pooled-LN
            assert torch.equal(value, mae_state['backbone.' + key]), key
    assert not model.neck.bn.affine
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'head.fc.weight', 'head.fc.bias'}

    wrapper = build_optim_wrapper(
        model, dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9)))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    data = dict(inputs=torch.randn(8, 3, 32, 32),
                data_samples=_samples([i % 5 for i in range(8)]))
    for _ in range(2):
        model.train_step(data, wrapper)
    after = model.state_dict()
    for key in before:
        changed = not torch.equal(before[key], after[key])
        expect = key.startswith('head.') or key.startswith('neck.bn.running')
        expect = expect or key == 'neck.bn.num_batches_tracked'
        assert changed == expect, key
