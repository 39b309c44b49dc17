from .s2i_diffmae_decoder import S2IDiffMAEDecoder
from .s2i_mae_decoder import S2IMAEPretrainDecoder

__all__ = ['S2IMAEPretrainDecoder', 'S2IDiffMAEDecoder']
