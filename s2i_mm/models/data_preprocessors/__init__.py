from .s2i_data_preprocessor import (
    S2IClsDataPreprocessor,
    S2ISelfSupDataPreprocessor,
    resize_batch,
)

__all__ = [
    'S2IClsDataPreprocessor', 'S2ISelfSupDataPreprocessor', 'resize_batch'
]
