"""S2IDiffMAE: its noise schedule, loss, samplers, decoders and weights."""
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint_with_prefix

from s2i_mm.models.necks import S2IDiffMAEDecoder
from s2i_mm.models.selfsup import DiffusionSchedule
from s2i_mm.registry import MODELS

from s2i_testing import REPO

STRATEGIES = ['random', 'block', 'joint', 'temporal']
VARIANTS = [('cross_self', None), ('cross', None), ('cross', 'top_down'),
            ('joint', None)]


def _build(cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _hand_patches(images, patch, cells, norm_pix):
    """The pixels of grid cells ``[(row, col), ...]`` as ``[N, p*p*C]``,
    flattened (row, col, channel), optionally normalised per patch."""
    out = []
    for row, col in cells:
        block = images[:, row * patch:(row + 1) * patch,
                       col * patch:(col + 1) * patch]
        flat = block.permute(1, 2, 0).reshape(-1)
        if norm_pix:
            flat = (flat - flat.mean()) / (flat.var() + 1e-6)**.5
        out.append(flat)
    return torch.stack(out)


def _hand_abar(t, num_steps=1000, exponent=0.8):
    betas = torch.linspace(1e-4, 0.02, num_steps,
                           dtype=torch.float64)**exponent
    return float(torch.prod(1 - betas[:t + 1]))


def test_schedule_endpoints_and_q_sample():
    schedule = DiffusionSchedule(num_steps=1000, exponent=0.8)
    assert schedule.betas.shape == (1000, )
    assert schedule.betas[0].item() == pytest.approx(1e-4**0.8, rel=1e-6)
    assert schedule.betas[-1].item() == pytest.approx(0.02**0.8, rel=1e-6)
    assert schedule.alphas_cumprod[0].item() == pytest.approx(
        1 - 1e-4**0.8, rel=1e-7)
    assert schedule.alphas_cumprod[-1].item() == pytest.approx(
        _hand_abar(999), rel=1e-4)
    assert float(schedule.abar(torch.tensor(-1))) == 1.0
    # exponent 1 is DDPM's linear schedule: equal beta increments
    linear = DiffusionSchedule(num_steps=11, beta_start=0.01,
                               beta_end=0.02, exponent=1.0)
    assert torch.allclose(linear.betas.diff(),
                          torch.full((10, ), 0.001), atol=1e-7)

    x0 = torch.randn(3, 5, 12)
    noise = torch.randn(3, 5, 12)
    t = torch.tensor([0, 500, 999])
    xt = schedule.q_sample(x0, t, noise)
    for i, step in enumerate(t.tolist()):
        abar = _hand_abar(step)
        expected = math.sqrt(abar) * x0[i] + math.sqrt(1 - abar) * noise[i]
        assert torch.allclose(xt[i], expected, atol=1e-5), step
    # the inverses (x0 from the noise is ill-conditioned at t = 999, where
    # sqrt(abar) is about 1e-4: float32 rounding is amplified 1e4 times)
    assert torch.allclose(schedule.predict_x0(xt[:2], t[:2], noise[:2]),
                          x0[:2], atol=1e-4)
    assert torch.allclose(schedule.predict_eps(xt, t, x0), noise, atol=1e-4)


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_steps=0), 'num_steps'),
    (dict(beta_start=0.0), 'beta_start'),
    (dict(beta_start=0.1, beta_end=0.05), 'beta_start'),
    (dict(exponent=0.0), 'exponent'),
])
def test_schedule_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DiffusionSchedule(**kwargs)


def test_ddpm_step_is_ddpm_posterior_and_ddim_step_keeps_the_noise():
    schedule = DiffusionSchedule(num_steps=1000, exponent=0.8)
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)**0.8
    gen = torch.Generator().manual_seed(0)
    x0, xt, z = torch.randn(3, 2, 4, 12, generator=gen).unbind(0)
    for t in (5, 600):  # early steps: the variance is well below beta_t
        abar_t, abar_prev = _hand_abar(t), _hand_abar(t - 1)
        beta = float(betas[t])
        # DDPM, eq. 7: the posterior q(x_{t-1} | x_t, x_0)
        mean = (math.sqrt(abar_prev) * beta / (1 - abar_t) * x0 +
                math.sqrt(1 - beta) * (1 - abar_prev) / (1 - abar_t) * xt)
        var = beta * (1 - abar_prev) / (1 - abar_t)
        # the schedule keeps abar in float32: 1 - abar_5 (~7e-4) keeps
        # about 4 digits, and the step is off the float64 formula by up to
        # 2e-5 (300 random draws); a wrong term is off by 1e-3 or more
        assert torch.allclose(
            schedule.ddpm_step(x0, xt, t, t - 1, z), mean + var**.5 * z,
            atol=5e-5), t
    assert torch.equal(schedule.ddpm_step(x0, xt, 3, -1, z), x0)
    # DDIM with eta=0 moves x_t to x_s along the same noise
    eps = torch.randn(2, 4, 12, generator=gen)
    t = 600
    steps = torch.full((2, ), t)
    xt = schedule.q_sample(x0, steps, eps)
    xs = schedule.ddim_step(x0, xt, t, 250)
    assert torch.allclose(xs, schedule.q_sample(x0, torch.full((2, ), 250),
                                                eps), atol=1e-4)
    assert torch.equal(schedule.ddim_step(x0, xt, t, -1), x0)


def test_sampling_timesteps():
    schedule = DiffusionSchedule(num_steps=1000)
    assert schedule.timesteps(1000) == list(range(999, -1, -1))
    steps = schedule.timesteps(10)
    assert len(steps) == 10 and steps[0] == 999 and steps[-1] == 0
    assert all(a > b for a, b in zip(steps, steps[1:]))
    for bad in (0, 1001, 2.5):
        with pytest.raises(ValueError, match='num_steps'):
            schedule.timesteps(bad)


@pytest.mark.parametrize('prediction', ['x0', 'eps'])
@pytest.mark.parametrize('norm_pix', [False, True])
def test_loss_equals_hand_computation(diffmae_cfg, prediction, norm_pix):
    cfg = diffmae_cfg((16, 16), 8, prediction=prediction, mask_ratio=0.5,
                      diffusion=dict(exponent=0.8))
    cfg['head']['norm_pix'] = norm_pix
    model = _build(cfg)
    x = torch.rand(2, 3, 16, 16)
    torch.manual_seed(5)
    _, mask, _ = model.backbone(x)  # the mask the loss will draw
    seen = {}
    out = torch.randn(2, 2, 8 * 8 * 3)

    def fake_decoder(features, ids_restore, noisy, timesteps):
        seen.update(noisy=noisy, t=timesteps)
        return out

    model.neck.forward = fake_decoder
    torch.manual_seed(5)
    loss = model.loss(x, None)['loss']

    x0 = torch.stack([
        _hand_patches(x[b], 8, [divmod(int(i), 2)
                                for i in mask[b].nonzero()], norm_pix)
        for b in range(2)
    ])
    if prediction == 'x0':
        expected = ((out - x0)**2).mean()
    else:
        eps = torch.stack([(seen['noisy'][b] - _hand_abar(t)**.5 * x0[b]) /
                           (1 - _hand_abar(t))**.5
                           for b, t in enumerate(seen['t'].tolist())])
        expected = ((out - eps)**2).mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


class _Oracle(torch.nn.Module):
    """A decoder that knows the true masked patches of ``images``."""

    def __init__(self, model, images):
        super().__init__()
        self.model, self.images = model, images
        self.connection = model.neck.connection

    def forward(self, features, ids_restore, noisy, timesteps):
        model = self.model
        target = model.head.construct_target(self.images)
        ids = model.masked_ids(ids_restore, noisy.shape[1])
        x0 = torch.gather(target, 1,
                          ids.unsqueeze(-1).expand(-1, -1, target.shape[-1]))
        if model.prediction == 'x0':
            return x0
        return model.diffusion.predict_eps(noisy, timesteps, x0)


@pytest.mark.parametrize('sampler, num_steps', [('ddpm', 1000), ('ddpm', 7),
                                                ('ddim', 20)])
@pytest.mark.parametrize('prediction', ['x0', 'eps'])
@pytest.mark.parametrize('norm_pix', [False, True])
def test_oracle_inpainting_is_exact(diffmae_cfg, sampler, num_steps,
                                    prediction, norm_pix):
    cfg = diffmae_cfg((48, 32), 8, prediction=prediction)
    cfg['head']['norm_pix'] = norm_pix
    model = _build(cfg)
    x = torch.randn(2, 3, 48, 32) * 2 + 1
    model.neck = _Oracle(model, x)
    torch.manual_seed(0)
    out = model.inpaint(x, sampler=sampler, num_steps=num_steps)
    masked = out['mask'].bool().expand_as(x)
    assert float(out['mask'].mean()) == pytest.approx(0.75, abs=0.01)
    assert torch.equal(out['inpainting'][~masked], x[~masked])
    tolerance = 1e-5 if prediction == 'x0' and not norm_pix else 1e-3
    assert torch.allclose(out['inpainting'][masked], x[masked],
                          atol=tolerance)


def test_inpainting_keeps_visible_pixels_and_records_the_trajectory(
        diffmae_cfg):
    model = _build(diffmae_cfg((48, 32), 8, mask_strategy='joint'))
    x = torch.randn(2, 3, 48, 32)
    torch.manual_seed(1)
    out = model.inpaint(x, 'ddpm', num_steps=10, record_steps=[0, 4, 9])
    assert out['trajectory_steps'] == DiffusionSchedule().timesteps(10)[::4][
        :2] + [0]
    visible = (out['mask'] == 0).expand_as(x)
    for image in [out['inpainting'], *out['trajectory']]:
        assert torch.equal(image[visible], x[visible])
    assert not torch.allclose(out['inpainting'][~visible], x[~visible])
    # x_t at t = 999 is (almost) pure noise: far from the input
    first = out['trajectory'][0][~visible]
    assert (first - x[~visible]).std() > 0.5
    with pytest.raises(ValueError, match='sampler'):
        model.inpaint(x, 'euler')
    with pytest.raises(ValueError, match='eta'):
        model.inpaint(x, 'ddpm', eta=0.5)
    with pytest.raises(ValueError, match='record_steps'):
        model.inpaint(x, 'ddim', num_steps=5, record_steps=[5])


@pytest.mark.parametrize('variant, connection', VARIANTS)
@pytest.mark.parametrize('strategy', STRATEGIES)
def test_variants_train_on_a_rectangular_grid(diffmae_cfg, variant,
                                              connection, strategy):
    kwargs = dict(connection=connection) if connection else {}
    torch.manual_seed(0)
    model = _build(
        diffmae_cfg((48, 32), 8, variant, mask_strategy=strategy, **kwargs))
    assert model.neck.patch_resolution == (6, 4)
    loss = model.loss(torch.randn(3, 3, 48, 32), None)['loss']
    assert torch.isfinite(loss)
    loss.backward()
    # gradients reach the encoder's first layer and its patch embedding
    first = model.backbone.layers[0].attn.qkv.weight.grad
    assert first is not None and first.abs().sum() > 0
    assert model.backbone.patch_embed.projection.weight.grad.abs().sum() > 0
    assert model.neck.decoder_pred.weight.grad.abs().sum() > 0
    assert model.neck.noisy_embed.weight.grad.abs().sum() > 0


def test_top_down_blocks_read_the_encoder_from_its_last_layer():
    features = [torch.full((1, 3, 8), float(i)) for i in range(4)]
    top_down = S2IDiffMAEDecoder(
        'cross_self', num_patches=4, patch_size=2, embed_dim=8,
        decoder_embed_dim=8, decoder_depth=3, decoder_num_heads=2)
    assert top_down.connection == 'top_down'
    assert [int(m[0, 0, 0]) for m in top_down.memories(features)] == [3, 2, 1]
    last = S2IDiffMAEDecoder(
        'cross', num_patches=4, patch_size=2, embed_dim=8,
        decoder_embed_dim=8, decoder_depth=3, decoder_num_heads=2)
    assert last.connection == 'last'
    assert [int(m[0, 0, 0]) for m in last.memories(features)] == [3, 3, 3]
    assert not hasattr(last.decoder_blocks[0], 'self_attn')
    with pytest.raises(ValueError, match='variant'):
        S2IDiffMAEDecoder('self')
    with pytest.raises(ValueError, match="connection must be 'last'"):
        S2IDiffMAEDecoder('joint', connection='top_down')


def test_parts_that_disagree_raise_one_clear_error(diffmae_cfg):
    cfg = diffmae_cfg((32, 64), 8, decoder_depth=3)
    cfg['neck']['embed_dim'] = 64
    with pytest.raises(ValueError, match='S2IDiffMAE parts disagree') as err:
        MODELS.build(cfg)
    assert 'neck.embed_dim=64' in str(err.value)
    assert 'top-down decoder has 3 blocks' in str(err.value)
    with pytest.raises(ValueError, match='prediction'):
        MODELS.build(diffmae_cfg(prediction='v'))


def test_imagenet_mae_weights_init_the_encoder_only(mae_cfg, diffmae_cfg,
                                                   tmp_path):
    """An MAE checkpoint (as tools/convert_weights.py writes one) fills the
    backbone through its init_cfg; the diffusion decoder starts fresh."""
    from mmengine.runner import save_checkpoint
    mae = _build(mae_cfg())
    torch.manual_seed(3)
    source = {k: torch.randn_like(v) for k, v in mae.state_dict().items()}
    ckpt = str(tmp_path / 'mae.pth')
    save_checkpoint({'state_dict': source}, ckpt)
    cfg = diffmae_cfg()
    cfg['backbone']['init_cfg'] = dict(
        type='Pretrained', checkpoint=ckpt, prefix='backbone.')
    model = _build(cfg)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, source['backbone.' + key]), key
    assert not torch.equal(model.neck.decoder_pos_embed[0],
                           source['neck.decoder_pos_embed'][0, 1:])
    # the shipped configs: the same ImageNet MAE weights as S2I-MAE
    mae_base = Config.fromfile(
        f'{REPO}/configs/_base_/models/mae_vit-base-p16_s2i.py')
    diffmae_base = Config.fromfile(
        f'{REPO}/configs/_base_/models/diffmae_vit-base-p16_s2i.py')
    init = diffmae_base.model.backbone.init_cfg
    assert init.checkpoint == mae_base.model.init_cfg.checkpoint
    assert init.prefix == 'backbone.' and diffmae_base.model.init_cfg is None


def test_checkpoint_encoder_loads_into_the_linear_probe(tmp_path):
    """Every backbone key of a DiffMAE checkpoint is a key of the probe's
    ViT and vice versa (ViT-B configs; shapes compared)."""
    pretrain = Config.fromfile(
        f'{REPO}/configs/s2i_diffmae/'
        'diffmae_vit-base-p16_8xb64-400e_ntu60-xsub.py').model
    pretrain.backbone.init_cfg = None
    probe = Config.fromfile(
        f'{REPO}/configs/s2i_diffmae/benchmarks/'
        'vit-base-p16_linear-8xb64-90e_ntu60-xsub.py').model
    assert 'diffmae' in probe.backbone.init_cfg.checkpoint
    assert probe.backbone.init_cfg.prefix == 'backbone.'
    probe.backbone.init_cfg = None
    diffmae = MODELS.build(pretrain)
    classifier = MODELS.build(probe)
    encoder = {
        k[len('backbone.'):]: v.shape
        for k, v in diffmae.state_dict().items() if k.startswith('backbone.')
    }
    assert encoder == {
        k: v.shape
        for k, v in classifier.backbone.state_dict().items()
    }


def test_tiny_checkpoint_loads_strictly_into_a_probe_backbone(
        diffmae_cfg, tmp_path):
    from mmengine.runner import save_checkpoint
    model = _build(diffmae_cfg())
    ckpt = str(tmp_path / 'diffmae.pth')
    save_checkpoint({'state_dict': model.state_dict()}, ckpt)
    vit = MODELS.build(
        dict(type='VisionTransformer', arch=diffmae_cfg()['backbone']['arch'],
             img_size=32, patch_size=8, out_type='cls_token'))
    state = _load_checkpoint_with_prefix('backbone.', ckpt)
    vit.load_state_dict(state, strict=True)
    for key, value in vit.state_dict().items():
        assert torch.equal(value, model.backbone.state_dict()[key]), key
