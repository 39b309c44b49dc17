# The bone stream of ./mae_vit-base-p16_8xb64-400e_pku-mmd1-xsub.py.
_base_ = ['./mae_vit-base-p16_8xb64-400e_pku-mmd1-xsub.py']
modality = 'b'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
