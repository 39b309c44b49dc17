"""Acceptance: ST-GCN on a layout mmaction2 does not know (a 30-joint
mocap spec file), trained through tools/train.py with the CPU-scale GCN
config; the graph in the checkpoint is the layout's bones."""
import json

import numpy as np
import pytest
from mmengine.runner import CheckpointLoader
from mocap30_layout import MOCAP30, write_yaml_spec

from s2i_mm.converters import write_annotation_file

from s2i_testing import REPO, run_tool

CONFIG = f'{REPO}/configs/gcn_cpu/stgcn_1xb64-joint-100e_gcn32-cpu.py'


def _mocap_samples(num=6, frames=20, seed=0):
    """Two classes, each moving another arm of a noisy rest pose."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(size=(30, 3)).astype(np.float32)
    arms = [[17, 18, 19], [24, 25, 26]]
    t = np.sin(np.linspace(0, 2 * np.pi, frames, dtype=np.float32))
    samples = []
    for i in range(num):
        kp = np.repeat(rest[None, None], frames, axis=1)
        kp[0, :, arms[i % 2], 1] += t[None, :]
        kp += rng.normal(scale=0.01, size=kp.shape).astype(np.float32)
        samples.append(dict(frame_dir=f'mocap_{i}', label=i % 2,
                            keypoint=kp))
    return samples


@pytest.mark.e2e
def test_stgcn_trains_on_a_spec_file_layout_through_the_tools(tmp_path):
    spec = write_yaml_spec(tmp_path / 'mocap30.yaml', 'mocap30_train')
    ann_file = str(tmp_path / 'mocap.pkl')
    samples = _mocap_samples()
    names = [s['frame_dir'] for s in samples]
    write_annotation_file(ann_file, samples, spec,
                          splits=dict(train=names, val=names[:2]),
                          classes=['left', 'right'])
    work = tmp_path / 'work'
    options = ['model.cls_head.num_classes=2',
               f'model.backbone.graph_cfg.layout={spec}',
               'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
               'train_dataloader.batch_size=4',
               'val_dataloader.batch_size=2',
               'default_hooks.logger.interval=1']
    for loader, split in (('train', 'train'), ('val', 'val'),
                          ('test', 'val')):
        options += [f'{loader}_dataloader.dataset.ann_file={ann_file}',
                    f'{loader}_dataloader.dataset.skeleton_format={spec}',
                    f'{loader}_dataloader.dataset.split={split}',
                    f'{loader}_dataloader.dataset.cache=False']
    run_tool('tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
             *options)

    logs = [json.loads(line) for line in
            next(work.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    losses = [row['loss'] for row in logs if 'loss' in row]
    assert len(losses) == 2 and all(np.isfinite(losses))  # 6 / 4: 2 steps
    assert any('acc/top1' in row for row in logs)  # validated, 10 clips

    state = CheckpointLoader.load_checkpoint(
        str(work / 'epoch_1.pth'), map_location='cpu')['state_dict']
    # ST-GCN keeps the graph as a buffer in every block: its links are
    # the spec's bones (by joint name), both directions
    names = [row[0] for row in MOCAP30]
    bones = np.zeros((30, 30), bool)
    for name, parent, _ in MOCAP30:
        if parent is not None:
            i, j = names.index(name), names.index(parent)
            bones[i, j] = bones[j, i] = True
    graphs = [k for k in state if k.startswith('backbone.gcn.')
              and k.endswith('.gcn.A')]
    assert len(graphs) == 10
    for key in graphs:
        A = state[key].numpy()
        assert A.shape == (3, 30, 30)  # ST-GCN's spatial partitioning
        linked = np.abs(A).sum(0) > 0
        assert linked.diagonal().all()
        np.fill_diagonal(linked, False)
        np.testing.assert_array_equal(linked, bones, err_msg=key)
