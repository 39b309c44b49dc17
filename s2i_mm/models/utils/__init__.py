from .position_embedding import (
                                 build_grid_sincos_pos_embed,
                                 has_pretrained_init,
                                 resize_pos_embed_in_state_dict,
                                 to_grid,
)
from .weight_conversion import convert_vit_state_dict, load_source_state_dict

__all__ = [
    'build_grid_sincos_pos_embed', 'has_pretrained_init',
    'resize_pos_embed_in_state_dict', 'to_grid', 'convert_vit_state_dict',
    'load_source_state_dict'
]
