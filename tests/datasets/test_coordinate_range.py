"""Values S2I cannot encode are refused where samples enter: finite values
beyond ``MAX_COORDINATE`` (near the float32 limit, 3e38, S2I's min-max
scaling makes NaN pixels) stop the dataset, the annotation writer, the
converters and the inference input with one error naming the file and the
sample; values up to the bound encode to finite images through every
step between the file and the image."""
import re

import numpy as np
import pytest
from skeleton_data import make_data

from s2i_mm.apis.inference import prepare_input
from s2i_mm.converters import MalformedInputError, write_annotation_file
from s2i_mm.converters.pipeline import check_parsed
from s2i_mm.datasets import SkeletonDataset
from s2i_mm.datasets.preprocess import normalize_preprocess, preprocess_sample
from s2i_mm.datasets.transforms import (
    RandomSkeletonAffine,
    S2IEncode,
    SkeletonModality,
)
from s2i_mm.fileio.annotation import (
    MAX_COORDINATE,
    SkeletonDataError,
    check_sample,
    dump_annotation_file,
)
from s2i_mm.formats import get_format


def extreme_sample(value):
    """Two persons whose joints alternate between ``+value`` and
    ``-value`` in every channel and frame: the largest ranges, bones and
    motions that values of that size can make."""
    signs = np.where(np.indices((2, 8, 25, 3)).sum(0) % 2, 1, -1)
    return (signs * np.float32(value)).astype(np.float32)


def encode(keypoint, modalities, scaling):
    """The longest way from the file to the image: preprocessing with
    centring and view alignment, the random affine augmentation, a
    modality, S2I."""
    fmt = get_format('ntu25')
    keypoint = preprocess_sample(keypoint, fmt, normalize_preprocess(
        dict(drop_empty=True, center=True, align=True)))
    results = dict(keypoint=keypoint, skeleton_format='ntu25')
    for step in (RandomSkeletonAffine(rotate=180, scale=0.9, shear=1,
                                      seed=0),
                 SkeletonModality(modalities),
                 S2IEncode(scaling=scaling, size=None)):
        results = step(results)
    return results['img']


@pytest.mark.parametrize('modalities', [('j', ), ('bm', ),
                                        ('j', 'b', 'm', 'bm')])
@pytest.mark.parametrize('scaling', ['minmax', 'centred'])
def test_values_up_to_the_bound_encode_to_finite_images(modalities,
                                                        scaling):
    keypoint = extreme_sample(MAX_COORDINATE)
    check_sample(dict(frame_dir='x', label=0, keypoint=keypoint), 0, 'f',
                 25, [3])
    img = encode(keypoint, modalities, scaling)
    assert np.isfinite(img).all()
    assert img.min() == 0 and img.max() == 1  # the full range, not blank


def test_why_there_is_a_bound():
    """Finite values near the float32 limit: S2I's min-max range (max -
    min) overflows and the image holds NaN pixels."""
    results = dict(keypoint=extreme_sample(3e38), skeleton_format='ntu25')
    assert np.isfinite(results['keypoint']).all()
    assert np.isnan(S2IEncode(size=None)(results)['img']).any()


@pytest.mark.parametrize('value', [3e38, -3e38, 1.01 * MAX_COORDINATE])
def test_check_sample_refuses_values_beyond_the_bound(value):
    sample = dict(frame_dir='walk_7', label=0,
                  keypoint=np.zeros((1, 4, 25, 3), np.float32))
    sample['keypoint'][0, 2, 5, 1] = value
    with pytest.raises(SkeletonDataError) as info:
        check_sample(sample, 3, 'f.pkl', 25, [3])
    message = str(info.value)
    assert message.startswith("f.pkl: sample 3 ('walk_7'): keypoint holds ")
    assert 'body 0, frame 2, joint 5' in message
    assert f'beyond ±{MAX_COORDINATE:g}' in message
    sample['keypoint'][0, 2, 5, 1] = np.sign(value) * MAX_COORDINATE
    check_sample(sample, 3, 'f.pkl', 25, [3])


def test_every_entry_point_refuses_them(tmp_path):
    data = make_data()
    data['annotations'][5]['keypoint'][0, 1, 2, 0] = 3e38
    name = data['annotations'][5]['frame_dir']
    ann_file = str(tmp_path / 'big.pkl')
    dump_annotation_file(data, ann_file)
    where = re.escape(f"sample 5 ('{name}'): keypoint holds 3e+38")
    with pytest.raises(SkeletonDataError, match=f'big.pkl: {where}'):
        SkeletonDataset(ann_file, cache=False)
    with pytest.raises(SkeletonDataError, match=where):
        write_annotation_file(str(tmp_path / 'out.pkl'), data['annotations'],
                              'ntu25')
    assert not (tmp_path / 'out.pkl').exists()
    with pytest.raises(MalformedInputError, match=f"'{name}': keypoint "
                       'holds 3e'):
        check_parsed('raw.skeleton', data['annotations'])
    with pytest.raises(SkeletonDataError, match='keypoint holds 3e'):
        prepare_input(data['annotations'][5]['keypoint'],
                      dict(skeleton_format='ntu25'))
