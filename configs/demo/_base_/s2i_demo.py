# Settings shared by the CPU demo's configs (demo/s2i_demo.py): the
# synthetic data as small S2I images, the encoder shape, the runtime.
# The pretraining and both linear probes inherit them, so all three see
# the same images and the probes the same encoder.
_base_ = [
    '../../_base_/datasets/s2i_skeleton.py',
    '../../_base_/default_runtime.py',
]

# ---- data: tools/data/make_synthetic.py (`ntu25` layout, 14 classes,
# train / val split by simulated subject), where demo/s2i_demo.py writes it
num_classes = 14
data = dict(
    ann_file='work_dirs/demo/data/synthetic_ntu25.pkl',
    skeleton_format='ntu25')

# ---- encoder shape. ours: a ViT far narrower than ViT-tiny. At widths of
# 64 and more, the features of a randomly initialised ViT are already
# linearly separable on the synthetic set (about 90-95 % top-1), so
# pretraining has nothing left to show; a 16-wide encoder must compress,
# and what MAE teaches it to keep is what the probe measures.
img_size = 32  # 64 frames x 50 joint columns resized to 32 x 32
patch_size = 8
patch_grid = (img_size // patch_size, img_size // patch_size)
# (`_delete_`: it replaces the arch name of the ViT-B bases)
vit_arch = dict(
    _delete_=True,
    embed_dims=16,
    num_layers=4,
    num_heads=4,
    feedforward_channels=64)

# ---- pipelines: the base ones with small S2I images
to_image = [
    dict(type='PoseDecode'),
    dict(type='SkeletonModality', modalities='j'),
    dict(type='S2IEncode', size=(img_size, img_size)),
    dict(type='mmpretrain.PackInputs', meta_keys=('sample_idx', 'frame_dir')),
]
train_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len={{_base_.clip_len}},
         num_clips=1),
    *to_image,
]
test_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len={{_base_.clip_len}},
         num_clips=1, test_mode=True),
    *to_image,
]
# the stream configs' pipelines (see ../../_base_/datasets/s2i_skeleton.py;
# rebuilt here because the pipelines above replace the base ones)
stream_pipelines = {
    key: {
        split: [
            dict(step, modalities=stream)
            if step['type'] == 'SkeletonModality' else step
            for step in pipeline
        ]
        for split, pipeline in (('train', train_pipeline),
                                ('test', test_pipeline))
    }
    for key, stream in (('j', 'j'), ('b', 'b'), ('m', 'm'),
                        ('jmb', ('j', 'm', 'b')))
}
# the data is prepared in the main process: its cost is small next to the
# model's, and 2 cores have no room for workers
loader = dict(batch_size=32, num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **loader, dataset=dict(**data, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    **loader, dataset=dict(**data, split='val', pipeline=test_pipeline))
test_dataloader = val_dataloader

