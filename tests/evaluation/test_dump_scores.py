"""DumpScores: mmengine's DumpResults with aligned plain-numpy content."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.evaluator import DumpResults
from mmpretrain.structures import DataSample

from s2i_mm.evaluation import DumpScores


def prediction(idx, label=None):
    sample = DataSample().set_pred_score(torch.full((3, ), float(idx)))
    if label is not None:
        sample.set_gt_label(label)
    sample.set_metainfo(dict(sample_idx=idx, frame_dir=f'clip{idx}'))
    return sample.to_dict()


def test_rows_sorted_by_sample_idx_in_plain_numpy(tmp_path):
    path = tmp_path / 'out' / 'scores.pkl'
    metric = DumpScores(out_file_path=str(path))
    assert isinstance(metric, DumpResults)
    metric.process(None, [prediction(2, 1), prediction(0)])
    metric.process(None, [prediction(1, 0)])
    assert metric.evaluate(3) == {}
    with open(path, 'rb') as f:
        dump = pickle.load(f)
    assert set(dump) == {'scores', 'labels', 'sample_idx', 'frame_dir'}
    assert dump['scores'].dtype == np.float32
    np.testing.assert_array_equal(dump['scores'][:, 0], [0, 1, 2])
    assert dump['labels'].tolist() == [-1, 0, 1]
    assert dump['sample_idx'].tolist() == [0, 1, 2]
    assert dump['frame_dir'] == ['clip0', 'clip1', 'clip2']
    assert [p.name for p in path.parent.iterdir()] == ['scores.pkl']


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / 'scores.pkl'
    metric = DumpScores(out_file_path=str(path))
    metric.process(None, [prediction(0)])

    def broken_dump(obj, file, **kwargs):
        open(file, 'wb').write(b'half')
        raise OSError('disk full')

    monkeypatch.setattr('mmengine.dump', broken_dump)
    with pytest.raises(OSError, match='disk full'):
        metric.evaluate(1)
    assert list(tmp_path.iterdir()) == []


def test_needs_a_pkl_path():
    with pytest.raises(ValueError, match='pkl'):
        DumpScores(out_file_path='scores.json')
