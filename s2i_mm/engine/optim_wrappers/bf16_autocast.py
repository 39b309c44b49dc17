from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from s2i_mm.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16AutocastOptimWrapper(OptimWrapper):
    """Mixed precision on CPU: forward under ``torch.autocast('cpu', bf16)``.

    ``tools/train.py --amp`` picks this wrapper when no GPU is present
    (mmengine's ``AmpOptimWrapper`` needs one). bfloat16 has float32's
    exponent range, so no loss scaling is needed; parameters, gradients and
    the optimizer state stay float32.
    """

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=torch.bfloat16):
            yield
