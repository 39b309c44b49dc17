"""SkeletonMAE's core: the graph of any skeleton format, body-part joint
masking, the mask token and re-masking, and the joint and edge losses."""
import pytest
import torch

from projects.skeletonmae.models import (
    JointEdgeReconstructionHead,
    bone_adjacency,
    joint_mask,
    part_ids,
)
from s2i_mm.formats import get_format
from s2i_mm.registry import MODELS

#: a 3-joint chain a - b - c (c the tip), defined inline as any user could
CHAIN = dict(name='chain3', joint_names=['a', 'b', 'c'],
             parents=[None, 'a', 'b'],
             parts=['torso', 'left_arm', 'left_arm'])


def tiny_skeletonmae(fmt='lcrnet13', clip_len=8, segment_len=2, **kwargs):
    cfg = dict(
        type='SkeletonMAE',
        backbone=dict(type='SkeletonGINEncoder', skeleton_format=fmt,
                      clip_len=clip_len, segment_len=segment_len,
                      embed_dims=8, num_layers=2),
        neck=dict(type='SkeletonGINDecoder', skeleton_format=fmt,
                  embed_dims=8, out_dims=segment_len * 3),
        head=dict(type='JointEdgeReconstructionHead', skeleton_format=fmt),
        mask_ratio=0.4)
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_graph_comes_from_the_lcrnet13_bones():
    fmt = get_format('lcrnet13')
    adjacency = bone_adjacency(fmt)
    assert adjacency.shape == (13, 13)
    assert torch.equal(adjacency, adjacency.T)
    assert adjacency.sum() == 2 * 12  # a tree of 13 joints: 12 bones
    assert adjacency.diagonal().sum() == 0
    i = fmt.index
    for a, b in [('right_ankle', 'right_knee'), ('left_hip', 'left_shoulder'),
                 ('right_shoulder', 'head')]:
        assert adjacency[i(a), i(b)] == 1
    assert adjacency[i('right_ankle'), i('left_ankle')] == 0
    # the encoder aggregates over exactly these neighbours
    model = tiny_skeletonmae('lcrnet13')
    assert torch.equal(model.backbone.adjacency, adjacency)
    assert torch.equal(model.neck.adjacency, adjacency)


def test_gin_layer_sums_the_bone_neighbours():
    model = tiny_skeletonmae(CHAIN, clip_len=1, segment_len=1)
    layer = model.backbone.layers[0]
    seen = {}
    layer.mlp.register_forward_hook(
        lambda m, args, out: seen.setdefault('in', args[0]))
    nodes = torch.tensor([[[1., 0, 0], [0, 2., 0], [0, 0, 4.]]])
    layer(nodes, model.backbone.adjacency)
    # (1 + eps) h_i + sum of its neighbours, eps = 0: a+b, a+b+c, b+c
    assert torch.equal(seen['in'], torch.tensor(
        [[[1., 2, 0], [1, 2, 4], [0, 2, 4]]]))


def test_any_format_pretrains():
    for fmt in ('lcrnet13', 'kinect20', CHAIN):
        model = tiny_skeletonmae(fmt)
        num_joints = model.backbone.num_joints
        losses = model.loss(torch.randn(2, 1, 2, 8, num_joints, 3))
        total = sum(losses.values())
        assert torch.isfinite(total)
        total.backward()
        assert model.mask_token.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='neck.skeleton_format'):
        tiny_skeletonmae('lcrnet13', neck=dict(
            type='SkeletonGINDecoder', skeleton_format='kinect20',
            embed_dims=8, out_dims=6))


def test_joint_loss_hand_checked():
    head = JointEdgeReconstructionHead(CHAIN, gamma=2.)
    target = torch.tensor([[[1., 0.], [2., 0.], [0., 3.]]])
    pred = torch.tensor([[[5., 5.], [0., 1.], [0., 7.]]])
    mask = torch.tensor([[False, True, True]])
    losses = head.loss(pred, target, mask)
    # masked joints b, c: cos(b) = 0 -> (1 - 0)^2 = 1; cos(c) = 1 -> 0;
    # a is visible and does not count
    assert losses['loss_joint'].item() == pytest.approx(0.5)
    # gamma 1: plain cosine error
    head1 = JointEdgeReconstructionHead(CHAIN, gamma=1.)
    assert head1.loss(pred, target, mask)['loss_joint'].item() == \
        pytest.approx(0.5)
    pred[0, 1] = torch.tensor([-1., 0.])  # opposite: (1 - (-1))^2 = 4
    assert head.loss(pred, target, mask)['loss_joint'].item() == \
        pytest.approx(2.0)


def test_edge_loss_hand_checked():
    head = JointEdgeReconstructionHead(CHAIN, gamma=2., edge_loss_weight=3.)
    target = torch.tensor([[[0., -1.], [1., -1.], [1., 0.]]])
    pred = torch.tensor([[[0., -1.], [1., -1.], [2., -1.]]])
    # only c is masked: the edge to rebuild is bone (c, b); bone (b, a) has
    # no masked end. target bone c - b = (0, 1), rebuilt (1, 0): cos 0
    mask = torch.tensor([[False, False, True]])
    losses = head.loss(pred, target, mask)
    assert losses['loss_edge'].item() == pytest.approx(3. * 1.)
    # masking b too adds bone (b, a): target (1, 0), rebuilt (1, 0): 0
    mask = torch.tensor([[False, True, True]])
    losses = head.loss(pred, target, mask)
    assert losses['loss_edge'].item() == pytest.approx(3. * 0.5)
    # an absent person (all zero) has nothing to rebuild
    zeros = torch.zeros(1, 3, 2)
    losses = head.loss(pred, zeros, mask)
    assert losses['loss_joint'].item() == 0 and losses['loss_edge'] == 0


def test_body_part_masks_take_whole_parts_first():
    torch.manual_seed(0)
    parts = part_ids(get_format('ntu25'))
    sizes = torch.bincount(parts)  # torso 5, arms 6, legs 4
    mask = joint_mask(500, parts, 10, 'body_part')
    assert (mask.sum(dim=1) == 10).all()
    for m in mask:
        counts = torch.bincount(parts[m], minlength=len(sizes))
        partial = [(0 < c < s) for c, s in zip(counts, sizes)]
        # whole parts plus at most one partly masked part
        assert sum(partial) <= 1
    # random masking scatters joints over the parts
    scattered = joint_mask(500, parts, 10, 'random')
    partial = [
        sum(0 < c < s for c, s in zip(
            torch.bincount(parts[m], minlength=len(sizes)), sizes))
        for m in scattered
    ]
    assert max(partial) >= 3
    # every joint gets masked sometimes
    assert mask.any(dim=0).all()


def test_masked_joints_get_the_mask_token_and_are_remasked(monkeypatch):
    torch.manual_seed(1)
    model = tiny_skeletonmae('lcrnet13', mask_ratio=0.3)
    model.mask_token.data.fill_(7.)
    seen = {}
    encode = model.backbone.encode

    def spy(nodes):
        seen['nodes'] = nodes
        seen['codes'] = encode(nodes)
        return seen['codes']

    monkeypatch.setattr(model.backbone, 'encode', spy)
    inputs = torch.randn(1, 1, 1, 8, 13, 3)
    model.loss(inputs)
    nodes = model.backbone.node_features(inputs.flatten(0, 2))
    masked = (seen['nodes'] == 7.).all(dim=-1)
    assert (masked.sum(dim=1) == round(0.3 * 13)).all()
    # visible joints keep their features
    assert torch.equal(seen['nodes'][~masked], nodes[~masked])
    # re-masking: what the encoder says at masked joints never reaches the
    # decoder's output
    out = model.neck(seen['codes'], masked)
    noisy = seen['codes'].clone()
    noisy[masked] += 100.
    assert torch.allclose(model.neck(noisy, masked), out)
    noisy[~masked] += 1.
    assert not torch.allclose(model.neck(noisy, masked), out)


def test_encoder_features_and_freezing():
    model = tiny_skeletonmae('lcrnet13')
    feats = model.backbone(torch.randn(3, 1, 2, 8, 13, 3))[0]
    assert feats.shape == (3, 8)
    frozen = MODELS.build(dict(type='SkeletonGINEncoder',
                               skeleton_format='lcrnet13', clip_len=8,
                               frozen=True))
    frozen.train()
    assert not frozen.training
    assert not any(p.requires_grad for p in frozen.parameters())
    with pytest.raises(ValueError, match='T x V x C'):
        model.backbone(torch.randn(1, 1, 1, 8, 25, 3))
