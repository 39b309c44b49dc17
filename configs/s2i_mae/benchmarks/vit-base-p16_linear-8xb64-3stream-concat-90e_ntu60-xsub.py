# ./vit-base-p16_linear-8xb64-3stream-90e_ntu60-xsub.py with feature
# fusion: the three streams' features concatenated before one linear layer.
_base_ = ['./vit-base-p16_linear-8xb64-3stream-90e_ntu60-xsub.py']
model = dict(
    head=dict(
        _delete_=True,
        type='FeatureConcatClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=768 * 3,
        loss=_base_.model.head.loss,
        init_cfg=_base_.model.head.init_cfg))
