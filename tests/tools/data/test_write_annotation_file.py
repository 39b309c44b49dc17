import os
import pickle

import numpy as np
import pytest

from s2i_mm.converters import write_annotation_file
from s2i_mm.datasets import SkeletonDataset
from s2i_mm.fileio import SkeletonDataError

SPEC = """name: toy5w
joint_names: [pelvis, head, lhand, rhand, lfoot]
parents: [null, pelvis, pelvis, pelvis, pelvis]
parts: [torso, torso, left_arm, right_arm, left_leg]
"""


def samples(num=4, joints=5, channels=3):
    rng = np.random.default_rng(0)
    return [dict(frame_dir=f's{i}', label=i % 2,
                 keypoint=rng.normal(size=(1, 6, joints, channels)))
            for i in range(num)]


def test_writes_a_file_the_dataset_reads_with_the_recorded_spec(tmp_path):
    (tmp_path / 'toy5w.yaml').write_text(SPEC)
    out = tmp_path / 'data' / 'mine.pkl'
    os.makedirs(out.parent)
    written = samples()
    write_annotation_file(str(out), written, str(tmp_path / 'toy5w.yaml'),
                          splits={'train': ['s0', 's1', 's2'],
                                  'val': ['s3']},
                          classes=['a', 'b'], store_dir=str(tmp_path / 'st'))
    data = pickle.load(open(out, 'rb'))
    # a spec outside the pkl's folder: recorded by its name (a data file
    # records no path outside its folder)
    assert data['skeleton_format'] == 'toy5w'
    assert data['classes'] == ['a', 'b']
    ann = data['annotations'][2]
    assert ann['keypoint'].dtype == np.float32 and ann['total_frames'] == 6
    np.testing.assert_allclose(ann['keypoint'], written[2]['keypoint'],
                               rtol=1e-6)
    ds = SkeletonDataset(str(out), split='train', preprocess=None,
                         cache=False)
    assert len(ds) == 3 and ds[0]['skeleton_format'] == 'toy5w'
    assert os.path.isdir(tmp_path / 'st')
    # a spec below the pkl's folder is recorded relative to it
    (out.parent / 'toy5w.yaml').write_text(SPEC)
    write_annotation_file(str(out), written, str(out.parent / 'toy5w.yaml'))
    assert pickle.load(open(out, 'rb'))['skeleton_format'] == 'toy5w.yaml'


@pytest.mark.parametrize('edit,problem', [
    (lambda s: s[1].__setitem__('keypoint', s[1]['keypoint'][..., :4, :]),
     "sample 1 ('s1'): keypoint has 4 joints, the skeleton format has 5"),
    (lambda s: s[2]['keypoint'].__setitem__((0, 3, 1, 0), np.nan),
     "sample 2 ('s2'): keypoint holds NaN/inf"),
    (lambda s: s[0].__setitem__('label', -1),
     "sample 0 ('s0'): label must be a non-negative integer"),
    (lambda s: s[3].__setitem__('label', 2),
     "sample 3 ('s3'): label 2 but only 2 classes"),
    (lambda s: s[3].__setitem__('frame_dir', 's0'), "'s0' names more than"),
])
def test_bad_samples_are_refused_and_nothing_is_written(tmp_path, edit,
                                                        problem):
    bad = samples()
    edit(bad)
    with pytest.raises(SkeletonDataError) as info:
        write_annotation_file(str(tmp_path / 'o.pkl'), bad,
                              _spec(tmp_path), classes=['a', 'b'])
    assert problem in str(info.value)
    assert str(tmp_path / 'o.pkl') in str(info.value)
    assert not (tmp_path / 'o.pkl').exists()


def _spec(tmp_path):
    (tmp_path / 'toy5w.yaml').write_text(SPEC)
    return str(tmp_path / 'toy5w.yaml')


def test_unknown_format_and_unknown_split_member(tmp_path):
    with pytest.raises(SkeletonDataError, match="'nope'"):
        write_annotation_file(str(tmp_path / 'o.pkl'), samples(), 'nope')
    with pytest.raises(SkeletonDataError, match="names unknown samples"):
        write_annotation_file(str(tmp_path / 'o.pkl'), samples(),
                              _spec(tmp_path), splits={'t': ['zz']})
    assert not (tmp_path / 'o.pkl').exists()
