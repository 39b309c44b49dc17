import json
import os.path as osp
import pickle
import re

import numpy as np
import pytest
from raw_files import (
    mmpose_instance,
    write_lines,
    write_mmpose_demo_json,
    write_mmpose_frame_folder,
    write_mmpose_video_json,
)

from s2i_mm.converters import MalformedInputError
from s2i_mm.converters.mmpose import (
    convert_mmpose,
    parse_mmpose_clip,
    read_clip,
)
from s2i_mm.fileio.annotation import SkeletonDataError

from s2i_testing import FIXTURES, run_tool

K = 17


def person(rng, x0, frames, step=2.0, score=0.9):
    """A person walking right from ``x0``: ``frames`` x (keypoints
    ``[17, 2]``, scores ``[17]``)."""
    base = rng.uniform(0, 40, size=(K, 2)) + [x0, 100]
    return [(base + [t * step, 0], np.full(K, score)) for t in range(frames)]


def instances(*people_at_t, **kwargs):
    return [mmpose_instance(kp, sc, **kwargs) for kp, sc in people_at_t]


def expected(track):
    return np.array([np.concatenate([kp, sc[:, None]], 1)
                     for kp, sc in track], np.float32)


def test_three_schemas_read_the_same(tmp_path):
    rng = np.random.default_rng(0)
    a, b = person(rng, 0, 12), person(rng, 300, 12, score=0.5)
    frames = [instances(a[t], b[t]) for t in range(12)]
    frames[0] = frames[4] = []  # nobody detected: frames of zeros
    write_mmpose_video_json(str(tmp_path / 'video.json'), frames)
    write_mmpose_demo_json(str(tmp_path / 'demo.json'), frames)
    # flat boxes and no boxes are accepted too
    flat = [instances(a[t], b[t], flat_bbox=True) for t in range(12)]
    flat[0] = flat[4] = []
    write_mmpose_frame_folder(str(tmp_path / 'frames'), flat)
    nobox = [instances(a[t], b[t], bbox=False) for t in range(12)]
    nobox[0] = nobox[4] = []
    write_mmpose_video_json(str(tmp_path / 'nobox.json'), nobox)
    want = np.zeros((2, 12, K, 3), np.float32)
    want[0], want[1] = expected(a), expected(b)
    want[:, [0, 4]] = 0
    for clip, rule in (('video.json', 'track'), ('demo.json', 'track'),
                       ('frames', 'track'), ('nobox.json', 'track'),
                       ('video.json', 'score')):
        ann, = parse_mmpose_clip((str(tmp_path / clip), 3), str(tmp_path),
                                 K, person_rule=rule)
        assert ann['frame_dir'] == osp.splitext(clip)[0]
        assert ann['label'] == 3 and ann['total_frames'] == 12
        np.testing.assert_allclose(ann['keypoint'], want, atol=1e-5,
                                   err_msg=clip)


def test_track_and_score_rules_differ_under_occlusion(tmp_path):
    """A (confident) is partly occluded in frames 6-9: its scores drop
    below B's. Keeping one person, the track rule follows A throughout
    (highest summed score); the score rule switches to B in frames 6-9."""
    rng = np.random.default_rng(1)
    a, b = person(rng, 0, 10), person(rng, 300, 10, score=0.5)
    a[6:] = [(kp, np.full(K, 0.2)) for kp, _ in a[6:]]
    frames = [instances(b[t], a[t]) for t in range(10)]
    frames[3] = instances(b[3])  # A missed in frame 3: picked up again
    path = str(tmp_path / 'clip.json')
    write_mmpose_video_json(path, frames)
    track, = parse_mmpose_clip((path, 0), str(tmp_path), K, 1, 'track')
    want = expected(a)
    want[3] = 0
    np.testing.assert_allclose(track['keypoint'][0], want, atol=1e-5)
    score, = parse_mmpose_clip((path, 0), str(tmp_path), K, 1, 'score')
    mixed = np.concatenate([expected(a)[:6], expected(b)[6:]])
    mixed[3] = expected(b)[3]
    np.testing.assert_allclose(score['keypoint'][0], mixed, atol=1e-5)
    # two persons: tracks in order of summed score, A first
    both, = parse_mmpose_clip((path, 0), str(tmp_path), K, 2, 'track')
    np.testing.assert_allclose(both['keypoint'][1], expected(b), atol=1e-5)


def test_tracks_follow_boxes_not_list_order(tmp_path):
    """mmpose lists instances in detection order, which changes from
    frame to frame; a track follows its box."""
    rng = np.random.default_rng(2)
    a, b = person(rng, 0, 6), person(rng, 300, 6, score=0.8)
    frames = [instances(*((a[t], b[t]) if t % 2 else (b[t], a[t])))
              for t in range(6)]
    path = str(tmp_path / 'clip.json')
    write_mmpose_video_json(path, frames)
    ann, = parse_mmpose_clip((path, 0), str(tmp_path), K, 2, 'track')
    np.testing.assert_allclose(ann['keypoint'][0], expected(a), atol=1e-5)
    np.testing.assert_allclose(ann['keypoint'][1], expected(b), atol=1e-5)


def _edit_first(content, edit):
    edit(content[0]['instances'][0])
    return content


@pytest.mark.parametrize('edit,problem', [
    (lambda c: _edit_first(c, lambda i: i['keypoints'].pop()),
     'frame_id 0, instance 0: 16 keypoints, the format has 17'),
    (lambda c: _edit_first(c, lambda i: i['keypoints'][2].append(1.0)),
     'every keypoint must be [x, y]'),
    (lambda c: _edit_first(c, lambda i: i.pop('keypoint_scores')),
     'frame_id 0, instance 0: expected an instance'),
    (lambda c: _edit_first(c, lambda i: i['keypoint_scores'].pop()),
     '16 keypoint_scores for 17 keypoints'),
    (lambda c: _edit_first(
        c, lambda i: i['keypoint_scores'].__setitem__(3, float('nan'))),
     'frame_id 0, instance 0: keypoint_scores: NaN'),
    (lambda c: _edit_first(c, lambda i: i['keypoints'][1].__setitem__(
        0, '3')), "keypoints: '3' is not a number"),
    (lambda c: _edit_first(c, lambda i: i.__setitem__('bbox', [[1, 2]])),
     'bbox must be'),
    (lambda c: (c[1].__setitem__('frame_id', 0), c)[1],
     'frame record 1: frame_id 0 repeats'),
    (lambda c: (c[1].pop('instances'), c)[1], 'frame record 1: expected'),
    (lambda c: [dict(f, instances=[]) for f in c],
     'no person detected in any of its 3 frames'),
    (lambda c: [], 'zero frames'),
    (lambda c: {'instances': c}, 'expected mmpose predictions'),
])
def test_malformed_clips(tmp_path, edit, problem):
    rng = np.random.default_rng(3)
    a = person(rng, 0, 3)
    path = str(tmp_path / 'clip.json')
    write_mmpose_video_json(path, [instances(a[t]) for t in range(3)])
    content = json.load(open(path))
    with open(path, 'w') as f:
        json.dump(edit(content), f)
    with pytest.raises(MalformedInputError) as info:
        parse_mmpose_clip((path, 0), str(tmp_path), K)
    assert str(info.value).startswith(f'{path}: ')
    assert problem in str(info.value)


def test_bad_frame_file_names_its_line(tmp_path):
    rng = np.random.default_rng(4)
    a = person(rng, 0, 3)
    write_mmpose_frame_folder(str(tmp_path / 'clip'),
                              [instances(a[t]) for t in range(3)])
    bad = str(tmp_path / 'clip' / 'img_2.json')
    write_lines(bad, ['[{"keypoints":', '  [[1, 2] [3, 4]]}]'])
    with pytest.raises(MalformedInputError) as info:
        read_clip(str(tmp_path / 'clip'), K)
    assert str(info.value).startswith(f'{bad}:2: bad JSON')
    with open(bad, 'w') as f:  # 16 keypoints in the third frame
        json.dump(instances((a[2][0][:16], a[2][1][:16])), f)
    with pytest.raises(MalformedInputError) as info:
        read_clip(str(tmp_path / 'clip'), K)
    assert str(info.value).startswith(f'{bad}: frame file, instance 0: 16 '
                                      'keypoints')


def test_input_must_hold_clips_not_the_frames_of_one(tmp_path):
    a = person(np.random.default_rng(6), 0, 2)
    write_mmpose_frame_folder(str(tmp_path / 'clip'),
                              [instances(a[t]) for t in range(2)])
    with pytest.raises(SkeletonDataError, match='holds the frame files of '
                       'one clip'):
        convert_mmpose(str(tmp_path / 'clip'), str(tmp_path / 'o.pkl'))
    assert not (tmp_path / 'o.pkl').exists()


def test_format_must_have_a_score_channel(tmp_path):
    with pytest.raises(SkeletonDataError, match="channels .'x', 'y', 'z'."):
        convert_mmpose(str(tmp_path), str(tmp_path / 'o.pkl'), 'ntu25')


def test_predictions_convert_and_train_one_epoch(tmp_path):
    """Frame folders (schema c) and video files (a, b) of two classes ->
    convert_mmpose.py (labels and splits from a labels file, recorded
    coco17) -> tools/train.py trains and validates one epoch on the output."""
    rng = np.random.default_rng(5)
    preds = tmp_path / 'preds'
    rows = ['name,label,split']
    for i in range(8):
        step = 4.0 if i % 2 else -4.0  # class 1 walks right, class 0 left
        a = person(rng, 100, 10, step=step)
        b = person(rng, 400, 10, step=-step, score=0.6)
        frames = [instances(a[t], b[t]) for t in range(10)]
        name = f'clip{i}'
        if i < 3:
            write_mmpose_frame_folder(str(preds / name), frames)
        elif i < 6:
            write_mmpose_video_json(str(preds / f'{name}.json'), frames)
        else:
            write_mmpose_demo_json(str(preds / f'{name}.json'), frames)
        rows.append(f'{name},{"right" if i % 2 else "left"},'
                    f'{"train" if i < 6 else "val"}')
    labels = tmp_path / 'labels.csv'
    write_lines(str(labels), rows)
    out = tmp_path / 'clips_2d.pkl'
    proc = run_tool('tools/data/convert_mmpose.py', preds, out, '--labels',
                    labels, '--num-workers', '1')
    assert '8 samples from 8 input files' in proc.stdout
    data = pickle.load(open(out, 'rb'))
    assert data['skeleton_format'] == 'coco17'
    assert data['classes'] == ['left', 'right']
    assert {a['keypoint'].shape for a in data['annotations']} == {
        (2, 10, 17, 3)}
    work_dir = tmp_path / 'work'
    proc = run_tool(
        'tools/train.py', f'{FIXTURES}/configs/tiny_s2i_classifier.py',
        '--work-dir', work_dir, '--cfg-options',
        f'train_dataloader.dataset.ann_file={out}',
        f'val_dataloader.dataset.ann_file={out}',
        'train_dataloader.dataset.skeleton_format=None',
        'val_dataloader.dataset.skeleton_format=None',
        'model.head.num_classes=2',
        'optim_wrapper.optimizer.type=SGD', 'optim_wrapper.optimizer.lr=0.01',
        'train_cfg.by_epoch=True', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1')
    log = proc.stdout + proc.stderr
    assert re.search(r'Epoch\(val\) \[1\]\[\d+/\d+\]\s+acc/top1: [\d.]+',
                     log), log[-3000:]
    assert (work_dir / 'epoch_1.pth').exists()
