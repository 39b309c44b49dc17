from .s2i_mae_head import S2IMAEPretrainHead, patchify, unpatchify

__all__ = ['S2IMAEPretrainHead', 'patchify', 'unpatchify']
