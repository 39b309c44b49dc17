"""Skeleton2vec's core: the EMA teacher and its schedule, the
contextualized targets, motion-aware tube masks on skeleton tokens and the
masked-token loss."""
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub

from projects.skeleton2vec.models import (
    LinearMomentumEMA,
    contextualized_targets,
    token_motion,
)
from s2i_mm.models.selfsup import num_masked
from s2i_mm.registry import MODELS

T, V, SEG = 16, 5, 4  # 4 segments x 5 joints = 20 tokens per person


def tiny_skeleton2vec(**kwargs):
    """A 2-layer Skeleton2vec on 16-frame, 5-joint sequences."""
    encoder = dict(type='SkeletonTransformer', num_joints=V, clip_len=T,
                   segment_len=SEG, embed_dims=8, num_layers=2, num_heads=2)
    cfg = dict(
        type='Skeleton2vec',
        backbone=encoder,
        neck=dict(type='Skeleton2vecDecoder', grid=(T // SEG, V),
                  embed_dims=8, decoder_embed_dims=8, num_layers=1,
                  num_heads=2),
        head=dict(type='MIMHead',
                  loss=dict(type='PixelReconstructionLoss',
                            criterion='L2')),
        mask_ratio=0.6, tube_len=2, average_top_k_layers=2,
        teacher=dict(momentum=0.1, anneal_iters=4))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_ema_momentum_falls_linearly_then_stays():
    ema = LinearMomentumEMA(nn.Linear(1, 1), momentum=0.1,
                            end_momentum=0.02, anneal_iters=4)
    got = [ema.momentum_at(k) for k in range(1, 7)]
    # m_k = end + (start - end) * (1 - k / K), then end from K on
    assert got == pytest.approx([0.08, 0.06, 0.04, 0.02, 0.02, 0.02])


def test_ema_update_hand_checked():
    student = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(student.weight)
    ema = LinearMomentumEMA(student, momentum=0.1, anneal_iters=4)
    ema.update_parameters(student)  # update 0 copies the student: 0
    student.weight.data.fill_(1.)
    values = []
    for _ in range(5):
        ema.update_parameters(student)
        values.append(ema.module.weight.item())
    # avg += m_k * (1 - avg), m_k = 0.075, 0.05, 0.025, 0, 0
    a1 = 0.075
    a2 = a1 + 0.05 * (1 - a1)
    a3 = a2 + 0.025 * (1 - a2)
    assert values == pytest.approx([a1, a2, a3, a3, a3])
    # the teacher never trains
    assert not ema.module.weight.requires_grad


def test_ema_anneals_over_the_run_by_default():
    hub = MessageHub.get_instance('skeleton2vec_ema_test')
    hub.update_info('max_iters', 10)
    ema = LinearMomentumEMA(nn.Linear(1, 1), momentum=0.1)
    assert ema.momentum_at(5) == pytest.approx(0.05)
    assert ema.momentum_at(10) == 0.


def test_model_updates_its_teacher_every_loss():
    torch.manual_seed(0)
    model = tiny_skeleton2vec()
    inputs = torch.randn(2, 1, 2, T, V, 3)
    model.loss(inputs)  # update 0: the teacher copies the student
    for p in model.backbone.parameters():
        p.data.add_(1.)
    before = model.teacher.module.norm.bias.clone()
    model.loss(inputs)  # update 1, momentum 0.075 (0.1 -> 0 over 4)
    moved = model.teacher.module.norm.bias - before
    assert torch.allclose(moved, torch.full_like(moved, 0.075), atol=1e-6)


def test_teacher_starts_as_the_initialised_student(tmp_path):
    torch.manual_seed(4)
    model = tiny_skeleton2vec()
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(model.teacher.module.state_dict()[key], value)
    # a whole-model checkpoint keeps its own teacher
    model.teacher.module.norm.bias.data.fill_(3.)
    path = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    loaded = tiny_skeleton2vec(
        init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    assert (loaded.teacher.module.norm.bias == 3.).all()
    assert not (loaded.backbone.norm.bias == 3.).all()


def test_targets_hand_checked():
    # one sequence of 2 tokens, 2 channels, 2 layers
    layer1 = torch.tensor([[[1., 2.], [3., 6.]]])
    layer2 = torch.tensor([[[5., 0.], [5., 4.]]])
    # instance norm: each channel over the tokens -> -1 / +1 (a constant
    # channel -> 0); the mean of the two layers:
    mean = contextualized_targets([layer1, layer2], top_k=2,
                                  final_layer_norm=False)
    assert torch.allclose(mean, torch.tensor([[[-.5, -1.], [.5, 1.]]]),
                          atol=1e-4)
    # then a layer norm of every token over its channels
    target = contextualized_targets([layer1, layer2], top_k=2)
    assert torch.allclose(target, torch.tensor([[[1., -1.], [-1., 1.]]]),
                          atol=1e-3)
    # top-1: only the last layer
    last = contextualized_targets([layer1, layer2], top_k=1,
                                  final_layer_norm=False)
    assert torch.allclose(last, torch.tensor([[[0., -1.], [0., 1.]]]),
                          atol=1e-4)
    # layer norm per layer instead: each token over its channels
    ln = contextualized_targets([layer1], top_k=1, per_layer_norm='layer_norm',
                                final_layer_norm=False)
    assert torch.allclose(ln, torch.tensor([[[-1., 1.], [-1., 1.]]]),
                          atol=1e-3)
    with pytest.raises(ValueError, match='top_k'):
        contextualized_targets([layer1], top_k=2)


def test_token_motion_hand_checked():
    seq = torch.zeros(1, 4, 2, 3)
    seq[0, :, 1, 0] = torch.tensor([0., 3., 0., 6.])  # joint 1 moves in x
    motion = token_motion(seq, segment_len=2)
    # |step| per frame: 3, 3, 6, 0 (after the last frame); over 3 channels
    # 1, 1, 2, 0; per segment of 2 frames: 1 and 1
    assert torch.allclose(motion, torch.tensor([[[0., 1.], [0., 1.]]]))


def test_tube_masks_on_tokens():
    torch.manual_seed(1)
    model = tiny_skeleton2vec(mask_ratio=0.6, tube_len=2, motion_tau=0.1)
    # joint j moves with speed j
    speed = torch.arange(V, dtype=torch.float)
    frames = torch.arange(T, dtype=torch.float)[:, None] * speed
    seqs = frames[None, :, :, None].expand(4000, T, V, 3).contiguous()
    mask = model.mask(seqs).view(4000, T // SEG, V)
    # ratio: in every segment row, num_masked(5, 0.6) = 3 of 5 joints
    assert (mask.sum(dim=2) == num_masked(V, 0.6)).all()
    # persistence: tubes of 2 segments mask the same joints
    assert torch.equal(mask[:, 0], mask[:, 1])
    assert torch.equal(mask[:, 2], mask[:, 3])
    # motion bias, over many draws with a fixed seed: faster joints are
    # masked more often, the still joint least
    rate = mask.float().mean(dim=(0, 1))
    assert rate[-1] - rate[0] > 0.08
    assert torch.all(rate[1:] > rate[0])


def test_loss_is_the_mse_of_the_masked_tokens(monkeypatch):
    torch.manual_seed(2)
    model = tiny_skeleton2vec()
    inputs = torch.randn(1, 1, 1, T, V, 3)
    num_tokens = (T // SEG) * V
    mask = torch.zeros(1, num_tokens, dtype=torch.bool)
    mask[0, :12] = True  # 12 masked tokens, 8 visible
    pred = torch.randn(1, num_tokens, 8)
    target = torch.randn(1, num_tokens, 8)
    seen = {}

    def encode(tokens, return_layers=False):
        seen['tokens'] = tokens.shape[1]
        return tokens

    monkeypatch.setattr(model, 'mask', lambda seqs: mask)
    monkeypatch.setattr(model, 'targets', lambda seqs: target)
    monkeypatch.setattr(model.backbone, 'encode', encode)
    monkeypatch.setattr(model.neck, 'forward', lambda latent, ids: pred)
    loss = model.loss(inputs)['loss']
    expected = ((pred - target)**2).mean(dim=-1)[mask].mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    # the student encoded the visible tokens only
    assert seen['tokens'] == 8


def test_probe_features_pool_persons_and_clips():
    torch.manual_seed(3)
    model = tiny_skeleton2vec()
    inputs = torch.randn(3, 1, 2, T, V, 3)
    feats = model.backbone(inputs)[0]
    assert feats.shape == (3, 8)
    # [B, M, T, V, C] (one clip) gives the same features
    assert torch.allclose(model.backbone(inputs[:, 0])[0], feats)
    with pytest.raises(ValueError, match='clip_len, num_joints'):
        model.backbone(torch.randn(1, 1, 1, T, V + 1, 3))


def test_parts_that_disagree_are_refused():
    with pytest.raises(ValueError, match='neck.grid'):
        tiny_skeleton2vec(neck=dict(type='Skeleton2vecDecoder', grid=(3, V),
                                    embed_dims=8, num_heads=2))
    with pytest.raises(ValueError, match='average_top_k_layers'):
        tiny_skeleton2vec(average_top_k_layers=3)
    with pytest.raises(ValueError, match='tube_len'):
        tiny_skeleton2vec(tube_len=0)
