# The bone stream of ./mae_vit-base-p16_8xb64-400e_ntu120-xset.py.
_base_ = ['./mae_vit-base-p16_8xb64-400e_ntu120-xset.py']
modality = 'b'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
