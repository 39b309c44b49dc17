"""DiffMAE on S2I images: masked patches reconstructed by a diffusion decoder.

:class:`S2IDiffMAE` encodes the visible patches with MAE's encoder, noises
the masked patches' pixels to a random step ``t`` of
:class:`DiffusionSchedule`, and trains the decoder to predict them (or the
noise) with an MSE loss; :meth:`S2IDiffMAE.inpaint` samples them back
(DDPM or DDIM). The method and the choices the paper leaves open: see
docs/models.md, "DiffMAE pretraining on S2I images".
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

from s2i_mm.registry import MODELS

from .masked_base import S2IMaskedSelfSupervisor

__all__ = ['DiffusionSchedule', 'S2IDiffMAE', 'SAMPLERS', 'PREDICTIONS']

SAMPLERS = ('ddpm', 'ddim')
PREDICTIONS = ('x0', 'eps')


def _per_sample(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``[B]`` -> ``[B, 1, ...]`` broadcasting against ``like``."""
    return values.view(-1, *([1] * (like.dim() - 1))).to(like.dtype)


class DiffusionSchedule(nn.Module):
    """Gaussian diffusion with linear betas raised to a power.

    ``beta_t = linspace(beta_start, beta_end, num_steps)[t] ** exponent``
    for ``t = 0 .. num_steps - 1``, ``abar_t = prod_{s <= t} (1 - beta_s)``.
    ``exponent=1`` is DDPM's linear schedule. The tables are buffers that
    are not saved in checkpoints (the config defines them).

    Args:
        num_steps (int): ``T``. Defaults to 1000.
        beta_start (float): First beta before the power. Defaults to 1e-4.
        beta_end (float): Last beta before the power. Defaults to 0.02.
        exponent (float): Power applied to the betas, > 0. Defaults to 1.
    """

    def __init__(self,
                 num_steps: int = 1000,
                 beta_start: float = 1e-4,
                 beta_end: float = 0.02,
                 exponent: float = 1.0) -> None:
        super().__init__()
        if int(num_steps) != num_steps or num_steps < 1:
            raise ValueError(f'num_steps must be a positive integer, got '
                             f'{num_steps}')
        if not 0 < beta_start <= beta_end < 1:
            raise ValueError('need 0 < beta_start <= beta_end < 1, got '
                             f'{beta_start} and {beta_end}')
        if not exponent > 0:
            raise ValueError(f'exponent must be > 0, got {exponent}')
        self.num_steps = int(num_steps)
        self.exponent = float(exponent)
        betas = torch.linspace(
            beta_start, beta_end, self.num_steps,
            dtype=torch.float64)**self.exponent
        self.register_buffer('betas', betas.float(), persistent=False)
        self.register_buffer(
            'alphas_cumprod',
            torch.cumprod(1 - betas, dim=0).float(),
            persistent=False)

    def abar(self, t: torch.Tensor) -> torch.Tensor:
        """``abar_t`` for a tensor of steps; step ``-1`` (clean) gives 1."""
        t = torch.as_tensor(t, device=self.alphas_cumprod.device)
        return torch.where(t >= 0, self.alphas_cumprod[t.clamp(min=0)],
                           torch.ones_like(self.alphas_cumprod[0]))

    def sample_steps(self, batch_size: int, device=None) -> torch.Tensor:
        """One uniform random step per sample, ``[B]`` int64."""
        return torch.randint(0, self.num_steps, (batch_size, ), device=device)

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor,
                 noise: torch.Tensor) -> torch.Tensor:
        """``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise``, ``t`` per
        sample."""
        abar = _per_sample(self.abar(t), x0)
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise

    def predict_x0(self, xt: torch.Tensor, t: torch.Tensor,
                   eps: torch.Tensor) -> torch.Tensor:
        """Invert :meth:`q_sample` for ``x0`` given the noise."""
        abar = _per_sample(self.abar(t), xt)
        return (xt - (1 - abar).sqrt() * eps) / abar.sqrt()

    def predict_eps(self, xt: torch.Tensor, t: torch.Tensor,
                    x0: torch.Tensor) -> torch.Tensor:
        """Invert :meth:`q_sample` for the noise given ``x0``."""
        abar = _per_sample(self.abar(t), xt)
        return (xt - abar.sqrt() * x0) / (1 - abar).sqrt()

    def timesteps(self, num_steps: int) -> List[int]:
        """``num_steps`` sampling steps from ``T - 1`` down to 0."""
        if int(num_steps) != num_steps or not 1 <= num_steps <= \
                self.num_steps:
            raise ValueError(f'num_steps must be an integer in 1 .. '
                             f'{self.num_steps}, got {num_steps}')
        if num_steps == 1:
            return [self.num_steps - 1]
        steps = torch.linspace(self.num_steps - 1, 0, int(num_steps))
        return [int(s) for s in steps.round().long()]

    def ddpm_step(self, x0: torch.Tensor, xt: torch.Tensor, t: int, s: int,
                  noise: torch.Tensor) -> torch.Tensor:
        """Sample ``x_s ~ q(x_s | x_t, x_0)`` for ``s < t`` (ancestral step).

        The posterior of the chain that jumps from ``t`` to ``s``:
        ``beta = 1 - abar_t / abar_s``, mean
        ``sqrt(abar_s) beta / (1 - abar_t) x0
        + sqrt(1 - beta) (1 - abar_s) / (1 - abar_t) x_t``, variance
        ``beta (1 - abar_s) / (1 - abar_t)``; for ``s = t - 1`` these are
        DDPM's. At ``s = -1`` it returns ``x0``.
        """
        if s < 0:
            return x0
        abar_t, abar_s = float(self.abar(t)), float(self.abar(s))
        beta = 1 - abar_t / abar_s
        mean = ((abar_s**.5) * beta / (1 - abar_t) * x0 +
                ((1 - beta)**.5) * (1 - abar_s) / (1 - abar_t) * xt)
        var = beta * (1 - abar_s) / (1 - abar_t)
        return mean + var**.5 * noise

    def ddim_step(self,
                  x0: torch.Tensor,
                  xt: torch.Tensor,
                  t: int,
                  s: int,
                  noise: Optional[torch.Tensor] = None,
                  eta: float = 0.) -> torch.Tensor:
        """DDIM step from ``t`` to ``s < t`` (Song et al., eq. 12).

        ``x_s = sqrt(abar_s) x0 + sqrt(1 - abar_s - sigma^2) eps + sigma z``
        with ``eps`` implied by ``x_t`` and ``x0`` and
        ``sigma = eta sqrt((1 - abar_s) / (1 - abar_t)
        (1 - abar_t / abar_s))``; ``eta = 0`` is deterministic. At
        ``s = -1`` it returns ``x0``.
        """
        if s < 0:
            return x0
        abar_t, abar_s = float(self.abar(t)), float(self.abar(s))
        eps = (xt - abar_t**.5 * x0) / (1 - abar_t)**.5
        sigma = eta * ((1 - abar_s) / (1 - abar_t) *
                       (1 - abar_t / abar_s))**.5
        out = abar_s**.5 * x0 + max(1 - abar_s - sigma**2, 0.)**.5 * eps
        if sigma > 0:
            out = out + sigma * noise
        return out


@MODELS.register_module()
class S2IDiffMAE(S2IMaskedSelfSupervisor):
    """DiffMAE for S2I images.

    Args:
        backbone (dict): An :class:`~.S2IMAEViT` (MAE's encoder, any mask
            strategy).
        neck (dict): An :class:`~s2i_mm.models.necks.S2IDiffMAEDecoder`.
        head (dict): An :class:`~s2i_mm.models.heads.S2IMAEPretrainHead`:
            its ``norm_pix`` and ``patch_size`` define the pixel target
            ``x_0`` and its ``loss`` (``PixelReconstructionLoss``, L2) the
            loss.
        prediction (str): What the decoder predicts, ``'x0'`` (the clean
            masked patches, the paper's choice) or ``'eps'`` (the noise).
            Defaults to 'x0'.
        diffusion (dict): Arguments of :class:`DiffusionSchedule`.
        data_preprocessor (dict, optional): As for MAE.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 prediction: str = 'x0',
                 diffusion: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if prediction not in PREDICTIONS:
            raise ValueError(f'Unknown prediction {prediction!r}; choose '
                             f'one of {", ".join(PREDICTIONS)}')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.prediction = prediction
        self.diffusion = DiffusionSchedule(**(diffusion or {}))

    def _part_problems(self) -> List[str]:
        problems = super()._part_problems()
        neck, backbone = self.neck, self.backbone
        if (getattr(neck, 'connection', None) == 'top_down'
                and neck.num_layers > backbone.num_layers):
            problems.append(
                f'the top-down decoder has {neck.num_layers} blocks but the '
                f'encoder only {backbone.num_layers} layers to connect them '
                "to: lower neck.decoder_depth or use connection='last'")
        return problems

    def _encode(self, inputs: torch.Tensor):
        """Encoder outputs the decoder reads, the mask and ``ids_restore``."""
        layers = self.neck.connection == 'top_down'
        return self.backbone(inputs, return_layers=layers)

    @staticmethod
    def masked_ids(ids_restore: torch.Tensor,
                   num_masked: int) -> torch.Tensor:
        """Grid indices ``[B, num_masked]`` of the masked patches."""
        return torch.argsort(ids_restore, dim=1)[:, ids_restore.shape[1] -
                                                 num_masked:]

    def _masked_targets(self, inputs: torch.Tensor, mask: torch.Tensor,
                        ids_restore: torch.Tensor) -> torch.Tensor:
        """Target pixels ``x_0`` of the masked patches, ``[B, L_m, P]``."""
        target = self.head.construct_target(inputs)
        ids = self.masked_ids(ids_restore, int(mask[0].sum()))
        return torch.gather(target, 1,
                            ids.unsqueeze(-1).expand(-1, -1,
                                                     target.shape[-1]))

    def loss(self, inputs, data_samples, **kwargs) -> Dict[str, torch.Tensor]:
        """Denoising loss on the masked patches at one random step each.

        Args:
            inputs (torch.Tensor | list[torch.Tensor]): Images
                ``[B, C, H, W]`` (or a list of ``[C, H, W]`` images).
            data_samples: Unused (self-supervised).

        Returns:
            dict[str, torch.Tensor]: ``loss``, the MSE between the decoder
            output and ``x_0`` (or ``eps``) over the masked patches.
        """
        inputs = self._as_batch(inputs)
        features, mask, ids_restore = self._encode(inputs)
        x0 = self._masked_targets(inputs, mask, ids_restore)
        t = self.diffusion.sample_steps(x0.shape[0], x0.device)
        noise = torch.randn_like(x0)
        xt = self.diffusion.q_sample(x0, t, noise)
        pred = self.neck(features, ids_restore, xt, t)
        goal = x0 if self.prediction == 'x0' else noise
        return dict(loss=self.head.loss_module(pred, goal))

    def _predict_x0(self, features, ids_restore, xt, t: int):
        steps = torch.full((xt.shape[0], ), t, dtype=torch.long,
                           device=xt.device)
        out = self.neck(features, ids_restore, xt, steps)
        if self.prediction == 'eps':
            return self.diffusion.predict_x0(xt, steps, out)
        return out

    @torch.no_grad()
    def inpaint(self,
                inputs,
                sampler: str = 'ddim',
                num_steps: int = 50,
                eta: Optional[float] = None,
                record_steps: Sequence[int] = ()) -> Dict[str, object]:
        """Mask a batch, then fill the masked patches by reverse diffusion.

        The encoder runs once on the visible patches; the masked patches
        start as Gaussian noise at step ``T - 1`` and are denoised over
        ``num_steps`` steps (see :meth:`DiffusionSchedule.timesteps`).
        Random numbers (mask, noise) come from torch's global generator.

        Args:
            inputs (torch.Tensor | list[torch.Tensor]): Preprocessed images
                ``[B, C, H, W]``.
            sampler (str): ``'ddpm'`` (ancestral) or ``'ddim'``. Defaults to
                'ddim'.
            num_steps (int): Denoising steps, 1 .. T. Defaults to 50.
            eta (float, optional): DDIM's noise scale (0: deterministic).
                Only for ``ddim``; defaults to 0.
            record_steps (Sequence[int]): Which of the sampler's steps to
                record, counted in the order they run (``0 .. num_steps -
                1``; 0 is the first, noisiest one), not diffusion steps
                ``t``: the noisy state ``x_t`` each step starts from is
                returned, e.g. for drawing the trajectory, with its ``t``
                in ``trajectory_steps``.

        Returns:
            dict: ``mask`` ``[B, 1, H, W]`` (1 = masked);
            ``inpainting`` ``[B, C, H, W]``: the input with the sampled
            patches in the masked ones (visible pixels are the input's,
            exactly); ``prediction``: the sampled patches as full images;
            ``trajectory``: one ``[B, C, H, W]`` image per recorded step,
            the noisy state pasted into the input; ``trajectory_steps``:
            the diffusion step ``t`` of each.
        """
        if sampler not in SAMPLERS:
            raise ValueError(f'Unknown sampler {sampler!r}; choose one of '
                             f'{", ".join(SAMPLERS)}')
        if eta is not None and sampler != 'ddim':
            raise ValueError('eta applies to the ddim sampler only')
        timesteps = self.diffusion.timesteps(num_steps)
        bad = [i for i in record_steps if not 0 <= i < len(timesteps)]
        if bad:
            raise ValueError(f'record_steps {bad} are outside 0 .. '
                             f'{len(timesteps) - 1}')
        inputs = self._as_batch(inputs)
        features, mask, ids_restore = self._encode(inputs)
        grid_mask = mask.bool()
        pixel_mask = self.pixel_mask(mask)
        shape = (inputs.shape[0], int(mask[0].sum()),
                 self.head.patch_size**2 * self.head.in_channels)
        xt = torch.randn(shape, device=inputs.device, dtype=inputs.dtype)
        ids = self.masked_ids(ids_restore, shape[1])

        def to_images(masked_patches):
            full = torch.zeros(*grid_mask.shape, shape[-1],
                               dtype=inputs.dtype, device=inputs.device)
            full.scatter_(1, ids.unsqueeze(-1).expand(-1, -1, shape[-1]),
                          masked_patches)
            return self.patches_to_images(full, inputs)

        trajectory, trajectory_steps = [], []
        for i, t in enumerate(timesteps):
            if i in record_steps:
                trajectory.append(
                    self.paste(inputs, to_images(xt), pixel_mask))
                trajectory_steps.append(t)
            s = timesteps[i + 1] if i + 1 < len(timesteps) else -1
            x0 = self._predict_x0(features, ids_restore, xt, t)
            if sampler == 'ddpm':
                xt = self.diffusion.ddpm_step(x0, xt, t, s,
                                              torch.randn_like(xt))
            else:
                xt = self.diffusion.ddim_step(x0, xt, t, s,
                                              torch.randn_like(xt), eta
                                              or 0.)
        prediction = to_images(xt)
        return dict(
            mask=pixel_mask,
            inpainting=self.paste(inputs, prediction, pixel_mask),
            prediction=prediction,
            trajectory=trajectory,
            trajectory_steps=trajectory_steps)
