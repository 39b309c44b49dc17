"""Writers of tiny raw dataset files in the published formats (test data).

Each writer follows the format description the converter documents, so a
test that round-trips through it checks the parser against the format, not
against itself.
"""
import json
import os
import os.path as osp

import numpy as np


def ntu_body_lines(xyz, body_id=72057594037931101):
    """Lines of one body of an NTU ``.skeleton`` frame: the 10-value info
    line, the joint count and 25 lines of 12 values."""
    lines = [f'{body_id} 0 1 1 1 1 0 0.02764709 0.05745083 2', '25']
    for j, (x, y, z) in enumerate(xyz):
        # x y z depthX depthY colorX colorY orientW X Y Z trackingState
        lines.append(f'{x:.7f} {y:.7f} {z:.7f} 277.4 191.6 1036.3 '
                     f'{500 + j:.1f} -0.2 0.01 0.97 -0.05 2')
    return lines


def write_ntu_skeleton(path, frames):
    """Write ``frames`` (list over time of lists of ``[25, 3]`` bodies) as
    an NTU RGB+D ``.skeleton`` file; returns its lines."""
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for k, xyz in enumerate(bodies):
            lines += ntu_body_lines(xyz, 72057594037931101 + k)
    write_lines(path, lines)
    return lines


def write_lines(path, lines):
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def random_motion(rng, num_frames, num_joints, scale=0.1, offset=0.0):
    """A smooth random trajectory ``[T, V, 3]``."""
    steps = rng.normal(0, scale, size=(num_frames, num_joints, 3))
    return (np.cumsum(steps, axis=0) + offset).astype(np.float32)


def write_pku_video(skeleton_dir, label_dir, video, bodies, intervals):
    """Write a PKU-MMD video: skeleton file (one line per frame, 150
    comma-free values: 2 bodies x 25 joints x xyz, second body zero when
    absent) and label file (``label,start,end,confidence`` lines)."""
    num_frames = bodies[0].shape[0]
    rows = np.zeros((num_frames, 2, 25, 3), np.float32)
    for k, body in enumerate(bodies):
        rows[:, k] = body
    write_lines(osp.join(skeleton_dir, f'{video}.txt'),
                [' '.join(f'{v:.6f}' for v in r.ravel())
                 for r in rows])
    write_lines(osp.join(label_dir, f'{video}.txt'),
                [f'{a},{s},{e},1' for a, s, e in intervals])


def write_pku_split(path, train, val):
    """A PKU-MMD split file as published (note the upstream spelling
    'Validataion')."""
    write_lines(path, ['Training videos: ', ', '.join(train),
                       'Validataion videos: ', ', '.join(val)])


def write_ucla_json(directory, file_name, skeletons, label):
    """The CTR-GCN redistribution of NW-UCLA: one JSON per sequence."""
    path = osp.join(directory, f'{file_name}.json')
    with open(path, 'w') as f:
        json.dump({'file_name': file_name,
                   'skeletons': np.asarray(skeletons).tolist(),
                   'label': label}, f)
    return path


def lcrnet_detection(xyz, score=1.0):
    """One LCR-Net++ detection: pose3d = all x, then all y, then all z."""
    xyz = np.asarray(xyz, dtype=np.float64)
    return {'pose2d': [0.0] * 26,
            'pose3d': np.concatenate([xyz[:, 0], xyz[:, 1],
                                      xyz[:, 2]]).tolist(),
            'cumscore': score}


def write_toyota_json(directory, name, frames, njts=13):
    """Toyota Smarthome skeleton v1.2 file ``<name>_pose3d.json``;
    ``frames`` is a list over time of lists of detections."""
    path = osp.join(directory, f'{name}_pose3d.json')
    with open(path, 'w') as f:
        json.dump({'njts': njts, 'K': [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1]],
                   'frames': frames}, f)
    return path


def write_mocap_csv(path, joint_names, xyz, channels='xyz', extra=True):
    """A motion-capture style CSV: one row per frame, a ``frame`` and a
    ``time`` column, then ``<joint>.<channel>`` columns (the layout the
    generic converter documents); ``xyz`` is ``[T, V, C]``, NaN written
    as an empty cell."""
    header = ['frame', 'time'] + [f'{j}.{c}' for j in joint_names
                                  for c in channels]
    lines = [','.join(header)]
    for t, frame in enumerate(np.asarray(xyz)):
        cells = ['' if np.isnan(v) else f'{v:.6f}' for v in frame.ravel()]
        lines.append(','.join([str(t), f'{t / 30:.4f}'] + cells))
    write_lines(path, lines)
    return lines


def mmpose_instance(keypoints, scores, bbox=True, flat_bbox=False):
    """One instance as mmpose's ``split_instances`` writes it."""
    keypoints = np.asarray(keypoints, np.float64)
    inst = {'keypoints': keypoints.tolist(),
            'keypoint_scores': np.asarray(scores, np.float64).tolist()}
    if bbox:
        box = [*keypoints.min(0), *keypoints.max(0)]
        inst['bbox'] = box if flat_bbox else [box]
        inst['bbox_score'] = 0.9
    return inst


def write_mmpose_video_json(path, frames, first_id=0):
    """Schema a (MMPoseInferencer on a video, pred_out_dir): a list of
    ``{"frame_id", "instances"}``; ``frames`` is a list of instance
    lists."""
    with open(path, 'w') as f:
        json.dump([{'frame_id': first_id + i, 'instances': inst}
                   for i, inst in enumerate(frames)], f)


def write_mmpose_demo_json(path, frames, first_id=1):
    """Schema b (topdown_demo_with_mmdet.py --save-predictions on a
    video): ``{"meta_info", "instance_info": [{"frame_id", ...}]}``,
    frame ids from 1 as the demo counts them; indented with tabs."""
    with open(path, 'w') as f:
        json.dump({'meta_info': {'dataset_name': 'coco'},
                   'instance_info': [
                       {'frame_id': first_id + i, 'instances': inst}
                       for i, inst in enumerate(frames)]}, f, indent='\t')


def write_mmpose_frame_folder(folder, frames):
    """Schema c (MMPoseInferencer on a folder of frame images): one
    ``<frame>.json`` list of instances per frame, names not zero-padded
    (``img_2`` sorts before ``img_10`` only naturally)."""
    os.makedirs(folder, exist_ok=True)
    for i, inst in enumerate(frames):
        with open(osp.join(folder, f'img_{i}.json'), 'w') as f:
            json.dump(inst, f)


def write_msr_skeleton(path, frames, confidence=1.0):
    """An MSR-Action3D ``*_skeleton3D.txt`` file: ``frames`` ``[T, 20, 3]``
    (joints in the file's order) as one ``x y z confidence`` line per
    joint, 20 lines per frame; an all-zero frame gets confidence 0, as in
    the release. Returns its lines."""
    lines = []
    for frame in np.asarray(frames, np.float64):
        score = confidence if frame.any() else 0.0
        lines += [f'{x:.6f} {y:.6f} {z:.6f} {score:.6f}'
                  for x, y, z in frame]
    write_lines(path, lines)
    return lines


def write_mat(path, **variables):
    """A MATLAB v5 file, as the datasets ship them (scipy's writer)."""
    from scipy.io import savemat
    savemat(path, variables)


def mat_cell(strings):
    """A 1 x N MATLAB cell of strings (e.g. ``action_names``)."""
    cell = np.empty((1, len(strings)), dtype=object)
    for i, text in enumerate(strings):
        cell[0, i] = text
    return cell
