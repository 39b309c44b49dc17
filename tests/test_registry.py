"""The s2i_mm scope resolves names the way DESIGN.md promises."""
import torch
from mmengine.registry import DefaultScope

import s2i_mm
from s2i_mm.registry import DATASETS, METRICS, MODELS, TRANSFORMS


def setup_module():
    s2i_mm.register_all_modules(init_default_scope=False)


def _in_scope(fn):
    with DefaultScope.overwrite_default_scope('s2i_mm'):
        return fn()


def test_vision_transformer_is_mmpretrains_image_vit():
    from mmaction.models.backbones import VisionTransformer as ActionViT
    from mmpretrain.models import VisionTransformer as PretrainViT
    vit = _in_scope(lambda: MODELS.build(
        dict(type='VisionTransformer', arch='deit-tiny', img_size=32,
             patch_size=16)))
    assert type(vit) is PretrainViT and type(vit) is not ActionViT
    out = vit(torch.zeros(1, 3, 32, 32))
    assert out[-1].shape == (1, 192)  # image ViT: cls token features


def test_nested_builds_stay_in_mmpretrain():
    from mmpretrain.models.losses import CrossEntropyLoss
    head = _in_scope(lambda: MODELS.build(
        dict(type='LinearClsHead', num_classes=3, in_channels=4)))
    assert type(head.loss_module) is CrossEntropyLoss
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    labels = torch.tensor([0, 1])
    # mmpretrain's loss takes avg_factor (mmaction2's does not)
    loss = head.loss_module(logits, labels, avg_factor=4)
    full = head.loss_module(logits, labels)
    torch.testing.assert_close(loss * 4, full * 2)


def test_mmaction_transforms_resolve_unqualified():
    from mmaction.datasets.transforms import PoseDecode, UniformSampleFrames
    sampler = _in_scope(lambda: TRANSFORMS.build(
        dict(type='UniformSampleFrames', clip_len=8)))
    assert type(sampler) is UniformSampleFrames
    assert TRANSFORMS.get('PoseDecode') is PoseDecode


def test_scope_prefix_reaches_the_other_project():
    from mmpretrain.datasets.transforms import PackInputs
    assert TRANSFORMS.get('mmpretrain.PackInputs') is PackInputs
    from mmpretrain.evaluation import Accuracy
    assert METRICS.get('Accuracy') is Accuracy
    assert DATASETS.get('PoseDataset').__module__.startswith('mmaction')


def test_register_all_modules_sets_scope():
    DefaultScope._instance_dict.pop('s2i_mm', None)
    s2i_mm.register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 's2i_mm'
    assert METRICS.get('DumpScores').__module__.startswith('s2i_mm')
