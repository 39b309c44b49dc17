# ./vit-w16-p8_linear-1xb32-3stream-50e_synthetic-s2i32.py with feature
# fusion: the three streams' features concatenated before one linear layer.
_base_ = ['./vit-w16-p8_linear-1xb32-3stream-50e_synthetic-s2i32.py']
model = dict(
    head=dict(
        _delete_=True,
        type='FeatureConcatClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=_base_.vit_arch.embed_dims * 3,
        loss=_base_.model.head.loss,
        init_cfg=_base_.model.head.init_cfg))
