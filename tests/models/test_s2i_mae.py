import copy

import pytest
import torch
from mmpretrain.models.utils import resize_pos_embed

from s2i_mm.models.heads import motion_image, patchify
from s2i_mm.models.utils import build_grid_sincos_pos_embed
from s2i_mm.registry import MODELS

STRATEGIES = ['random', 'block', 'joint', 'temporal', 'motion_tube']


def _build(cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('img_size', [(32, 32), (48, 32)])
@pytest.mark.parametrize('strategy', STRATEGIES)
def test_pretrain_loss_and_backward_any_grid(mae_cfg, img_size, strategy):
    torch.manual_seed(0)
    model = _build(mae_cfg(img_size, 8, mask_strategy=strategy))
    x = torch.randn(3, 3, *img_size)
    loss = model.loss(x, None)['loss']
    assert torch.isfinite(loss)
    loss.backward()
    assert model.backbone.patch_embed.projection.weight.grad.abs().sum() > 0
    assert model.neck.decoder_pred.weight.grad.abs().sum() > 0


def test_backbone_masks_with_its_strategy(mae_cfg):
    torch.manual_seed(0)
    model = _build(mae_cfg((48, 32), 8, mask_strategy='joint',
                           mask_ratio=0.5))
    latent, mask, ids_restore = model.backbone(torch.randn(2, 3, 48, 32))
    grid_mask = mask.view(2, 6, 4).bool()
    cols = grid_mask.any(dim=1)
    assert torch.equal(grid_mask, cols[:, None, :].expand(2, 6, 4))
    assert (cols.sum(1) == 2).all()
    # cls token + the visible patches only
    assert latent.shape == (2, 1 + 6 * 2, 32)
    assert ids_restore.shape == (2, 24)


def test_motion_tube_masks_the_moving_columns_of_the_image(mae_cfg):
    """The motion comes from the image: only patch column 2 of 4 changes
    from row to row (frame to frame), so it is masked most often."""
    model = _build(mae_cfg((32, 32), 8, mask_strategy='motion_tube',
                           mask_ratio=0.5, tube_len=2, motion_tau=1.0))
    images = torch.zeros(200, 3, 32, 32)
    images[:, :, :, 16:24] = torch.linspace(0, 1, 32)[:, None]
    torch.manual_seed(0)
    _, mask, _ = model.backbone(images)
    rate = mask.view(200, 4, 4).mean(dim=(0, 1))
    assert rate[2] > 0.95
    assert rate.sum() == pytest.approx(2.0)  # half of the columns
    # tubes of 2 patch rows: rows 0-1 and 2-3 mask the same columns
    grid = mask.view(200, 4, 4)
    assert torch.equal(grid[:, 0], grid[:, 1])
    assert torch.equal(grid[:, 2], grid[:, 3])


def test_mask_ratio_and_strategy_are_validated(mae_cfg):
    with pytest.raises(ValueError, match='mask_strategy'):
        MODELS.build(mae_cfg(mask_strategy='tube'))
    with pytest.raises(ValueError, match='mask_ratio'):
        MODELS.build(mae_cfg(mask_ratio=1.0))
    with pytest.raises(ValueError, match='tube_len'):
        MODELS.build(mae_cfg(mask_strategy='motion_tube', tube_len=0))


@pytest.mark.parametrize('part, key, value, message', [
    ('neck', 'patch_resolution', (8, 4), 'neck.patch_resolution'),
    ('neck', 'patch_resolution', (3, 3), 'neck.num_patches=9'),
    ('neck', 'embed_dim', 64, 'neck.embed_dim=64'),
    ('neck', 'patch_size', 4, 'decoder predicts 48'),
    ('head', 'patch_size', 16, 'head.patch_size=16'),
])
def test_parts_that_disagree_raise_one_clear_error(mae_cfg, part, key, value,
                                                   message):
    cfg = mae_cfg((32, 64), 8)
    cfg[part][key] = value
    with pytest.raises(ValueError, match='S2IMAE parts disagree') as err:
        MODELS.build(cfg)
    assert message in str(err.value)


def test_decoder_num_patches_must_fit_a_grid():
    with pytest.raises(ValueError, match='not a square number'):
        MODELS.build(dict(type='S2IMAEPretrainDecoder', num_patches=32))
    with pytest.raises(ValueError, match='contradicts'):
        MODELS.build(
            dict(
                type='S2IMAEPretrainDecoder',
                num_patches=16,
                patch_resolution=(4, 8)))
    neck = MODELS.build(dict(type='S2IMAEPretrainDecoder', num_patches=64))
    assert neck.patch_resolution == (8, 8)


def test_masked_forward_refuses_other_image_sizes(mae_cfg):
    model = _build(mae_cfg((32, 32), 8))
    with pytest.raises(ValueError, match='img_size'):
        model.backbone(torch.randn(1, 3, 64, 32))


@pytest.mark.parametrize('flag', [None, False])
def test_unmasked_forward_returns_all_tokens(mae_cfg, flag):
    model = _build(mae_cfg((48, 32), 8))
    out = model.backbone(torch.randn(2, 3, 48, 32), mask=flag)
    assert isinstance(out, tuple) and out[0].shape == (2, 1 + 24, 32)
    feats = model.extract_feat(torch.randn(2, 3, 48, 32))
    assert feats[0].shape == (2, 25, 32)


def test_init_uses_sincos_on_the_real_grid(mae_cfg):
    model = _build(mae_cfg((48, 32), 8))
    assert torch.equal(model.backbone.pos_embed,
                       build_grid_sincos_pos_embed((6, 4), 32))
    assert torch.equal(model.neck.decoder_pos_embed,
                       build_grid_sincos_pos_embed((6, 4), 16))
    assert not model.backbone.pos_embed.requires_grad


def test_sincos_rows_and_columns():
    pe = build_grid_sincos_pos_embed((3, 5), 16, cls_token=False)
    pe = pe.view(3, 5, 16)
    # half of the channels depend on the row only, half on the column only
    assert torch.allclose(pe[:, :, :8], pe[:, :1, :8].expand(3, 5, 8))
    assert torch.allclose(pe[:, :, 8:], pe[:1, :, 8:].expand(3, 5, 8))
    assert len({tuple(r.tolist()) for r in pe[:, 0, :8]}) == 3
    assert len({tuple(c.tolist()) for c in pe[0, :, 8:]}) == 5


def _save(tmp_path, state_dict):
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': state_dict}, path)
    return str(path)


def _randomized_state(model):
    torch.manual_seed(7)
    return {k: torch.randn_like(v) for k, v in model.state_dict().items()}


def test_pretrained_backbone_keeps_loaded_weights(mae_cfg, tmp_path):
    """MAEViT.init_weights would overwrite pos_embed/patch_embed/cls_token."""
    source = _randomized_state(_build(mae_cfg()))
    ckpt = _save(tmp_path, source)
    cfg = mae_cfg()
    cfg['backbone']['init_cfg'] = dict(
        type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    cfg['neck']['init_cfg'] = dict(
        type='Pretrained', checkpoint=ckpt, prefix='neck.')
    model = _build(cfg)
    for key, value in model.state_dict().items():
        assert torch.equal(value, source[key]), key


def test_model_level_pretrained_init(mae_cfg, tmp_path):
    source = _randomized_state(_build(mae_cfg()))
    cfg = mae_cfg()
    cfg['init_cfg'] = dict(type='Pretrained',
                           checkpoint=_save(tmp_path, source))
    model = _build(cfg)
    for key, value in model.state_dict().items():
        assert torch.equal(value, source[key]), key


def test_checkpoint_of_another_grid_is_interpolated(mae_cfg, tmp_path):
    source = _randomized_state(_build(mae_cfg((32, 32), 8)))  # 4x4 grid
    cfg = mae_cfg((64, 48), 8)  # 8x6 grid
    cfg['init_cfg'] = dict(type='Pretrained',
                           checkpoint=_save(tmp_path, source))
    model = _build(cfg)
    state = model.state_dict()
    for key in ('backbone.pos_embed', 'neck.decoder_pos_embed'):
        expected = resize_pos_embed(source[key], (4, 4), (8, 6), 'bicubic',
                                    1)
        assert state[key].shape[1] == 1 + 48
        assert torch.allclose(state[key], expected), key
    for key, value in state.items():
        if 'pos_embed' not in key:
            assert torch.equal(value, source[key]), key


def test_reconstruction_matches_the_training_loss(mae_cfg):
    cfg = mae_cfg((48, 32), 8, mask_strategy='block')
    cfg['head']['norm_pix'] = False
    model = _build(cfg)
    x = torch.randn(2, 3, 48, 32)
    torch.manual_seed(3)
    loss = model.loss(x, None)['loss']
    torch.manual_seed(3)
    out = model.reconstruct(x)
    mask = out['mask']
    assert mask.shape == (2, 1, 48, 32)
    assert float(mask.mean()) == pytest.approx(0.75, abs=0.01)
    masked_mse = (((out['reconstruction'] - x)**2) * mask).sum() / (
        mask.sum() * 3)
    assert masked_mse.item() == pytest.approx(loss.item(), rel=1e-5)
    visible = (1 - mask).bool().expand_as(x)
    assert torch.equal(out['pasted'][visible], x[visible])


def test_norm_pix_reconstruction_is_denormalised(mae_cfg):
    cfg = mae_cfg((32, 32), 8)
    model = _build(cfg)
    # a decoder predicting exactly the normalised target reconstructs x
    x = torch.rand(1, 3, 32, 32) * 5 + 2
    target = model.head.construct_target(x)
    model.neck.forward = lambda latent, ids: target
    out = model.reconstruct(x)
    assert torch.allclose(out['reconstruction'], x, atol=1e-3)


def test_deep_copy_keeps_strategy(mae_cfg):
    model = _build(mae_cfg(mask_strategy='temporal'))
    assert copy.deepcopy(model).backbone.mask_strategy == 'temporal'


def test_both_collate_functions_feed_the_model(mae_cfg):
    """default_collate gives a tensor, pseudo_collate a list of images."""
    from mmengine.dataset import default_collate, pseudo_collate
    from mmpretrain.structures import DataSample
    cfg = mae_cfg((32, 32), 8)
    cfg['data_preprocessor'] = dict(
        type='SelfSupDataPreprocessor', mean=[0.5] * 3, std=[0.2] * 3)
    model = _build(cfg)
    samples = [
        dict(inputs=torch.rand(3, 32, 32), data_samples=DataSample())
        for _ in range(2)
    ]
    losses = []
    for collate in (default_collate, pseudo_collate):
        data = model.data_preprocessor(collate(samples), True)
        torch.manual_seed(0)
        losses.append(model(**data, mode='loss')['loss'])
    assert torch.allclose(losses[0], losses[1])
    with pytest.raises(ValueError, match='one view'):
        model.loss([torch.rand(2, 3, 32, 32)] * 2, None)


def test_motion_target_is_the_row_to_row_change_of_the_image(mae_cfg):
    cfg = mae_cfg((32, 32), 8)
    cfg['head'].update(target='motion', norm_pix=False)
    model = _build(cfg)
    # rows are frames: a joint moving 0.5 per frame along x (channel 0)
    rows = torch.arange(32.).view(1, 1, 32, 1) * 0.5
    x = torch.cat([rows.expand(1, 1, 32, 32),
                   torch.ones(1, 2, 32, 32)], dim=1)
    target = model.head.construct_target(x)
    motion = torch.zeros_like(x)
    motion[:, 0] = 0.5
    assert torch.allclose(target, patchify(motion, 8, 3))
    # the loss is reconstruction of that target: a decoder predicting it
    # exactly has zero loss, predicting the pixels does not
    model.neck.forward = lambda latent, ids: target
    assert model.loss(x, None)['loss'].item() == pytest.approx(0, abs=1e-6)
    model.neck.forward = lambda latent, ids: patchify(x, 8, 3)
    assert model.loss(x, None)['loss'].item() > 1


def test_motion_target_reconstruction_is_denormalised(mae_cfg):
    cfg = mae_cfg((32, 32), 8)
    cfg['head']['target'] = 'motion'
    model = _build(cfg)
    x = torch.rand(1, 3, 32, 32).cumsum(dim=2)
    target = model.head.construct_target(x)
    model.neck.forward = lambda latent, ids: target
    out = model.reconstruct(x)
    assert torch.allclose(out['reconstruction'], motion_image(x), atol=1e-3)


def test_unknown_target_is_refused(mae_cfg):
    cfg = mae_cfg((32, 32), 8)
    cfg['head']['target'] = 'depth'
    with pytest.raises(ValueError, match="Unknown MAE target 'depth'"):
        MODELS.build(cfg)
