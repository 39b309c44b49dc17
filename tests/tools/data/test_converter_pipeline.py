import os
import pickle

import numpy as np
import pytest

from s2i_mm.datasets.annotation import SkeletonDataError
from s2i_mm.datasets.converters import MalformedInputError, pipeline
from s2i_mm.datasets.converters.bodies import motion_energy, select_bodies


def sample(name, label=0, frames=3):
    keypoint = np.arange(frames * 75, dtype=np.float32).reshape(1, frames,
                                                                25, 3)
    return {'frame_dir': name, 'label': label, 'total_frames': frames,
            'keypoint': keypoint}


def test_error_message_and_pickling():
    err = MalformedInputError('/d/x.skeleton', 'bad thing', 7)
    assert str(err) == '/d/x.skeleton:7: bad thing'
    back = pickle.loads(pickle.dumps(err))
    assert (back.path, back.line, str(back)) == (err.path, 7, str(err))
    assert isinstance(err, SkeletonDataError)


def test_motion_energy_ignores_absent_frames():
    body = np.zeros((4, 25, 3), np.float32)
    body[2:] = 1.0  # appears late but never moves
    assert motion_energy(body) == 0.0
    body[3] = 2.0
    assert motion_energy(body) == pytest.approx(1.5)
    bodies = np.stack([body, np.zeros_like(body), body * 3])
    kept = select_bodies(bodies, 2)
    np.testing.assert_array_equal(kept, bodies[[2, 0]])
    assert select_bodies(np.zeros((2, 4, 25, 3)), 2).shape[0] == 0


def test_assemble_rejects_duplicates_and_unknown_members():
    with pytest.raises(ValueError, match='duplicate'):
        pipeline.assemble([sample('a'), sample('a')], {}, 'ntu25')
    with pytest.raises(ValueError, match="split 'x_train' names unknown"):
        pipeline.assemble([sample('a')], {'x_train': ['b']}, 'ntu25')


def test_failed_store_leaves_neither_output(tmp_path, monkeypatch):
    def broken_store(data, path, **kwargs):
        with open(os.path.join(path, 'keypoint.npy'), 'wb') as f:
            f.write(b'partial')
        raise OSError('disk full')

    monkeypatch.setattr(pipeline, 'store_writer', lambda: broken_store)
    data = pipeline.assemble([sample('a')], {'t': ['a']}, 'ntu25')
    with pytest.raises(OSError, match='disk full'):
        pipeline.write_outputs(data, str(tmp_path / 'a.pkl'),
                               str(tmp_path / 'store'))
    assert os.listdir(tmp_path) == []


def test_nothing_to_write(tmp_path):
    def always_bad(item):
        raise MalformedInputError(item, 'bad')

    with pytest.raises(SkeletonDataError, match='nothing to write'):
        pipeline.convert_files(always_bad, ['f1', 'f2'], lambda a: {},
                               str(tmp_path / 'o.pkl'), 'ntu25',
                               skip_bad=True)
    assert os.listdir(tmp_path) == []
