"""Per-sample cost of the S2I data pipeline, both resize modes, against
mmaction2's GCN pipeline.

Times the CPU time per sample of ``cpu_resize``, ``device_resize`` and
``mmaction2_gcn`` (and ``cpu_resize`` cut after each transform) on the
same synthetic samples, single-threaded as in a data worker, and the bytes
each mode sends to the model. What each pipeline holds and the figures:
see docs/benchmarks.md, "S2I data pipeline".

Usage::

    python benchmarks/s2i_pipeline.py [--samples 64] [--repeats 15]
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np
import torch
from mmengine.dataset import Compose

import s2i_mm
from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.datasets.synthetic import generate

FRAMES, PERSONS = 100, 2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--samples', type=int, default=64,
                        help='number of synthetic samples')
    parser.add_argument('--repeats', type=int, default=15,
                        help='passes over the samples; the best one counts')
    parser.add_argument('--seed', type=int, default=0)
    add_debug_arg(parser)
    return parser.parse_args(argv)


def synthetic_samples(count: int, seed: int) -> list:
    """ntu25 synthetic actions brought to exactly 2 persons x 100 frames:
    frames are cycled, a one-person sample gets a second actor (the first
    one shifted by 1 m)."""
    classes = len(generate(num_per_class=1, seed=seed,
                           formats=('ntu25', ))['ntu25']['classes'])
    data = generate(num_per_class=-(-count // classes), seed=seed,
                    formats=('ntu25', ))['ntu25']['annotations'][:count]
    samples = []
    for ann in data:
        kp = ann['keypoint'][:, np.resize(np.arange(ann['total_frames']),
                                          FRAMES)]
        if kp.shape[0] < PERSONS:
            kp = np.concatenate([kp, kp + np.float32([1., 0., 0.])])
        samples.append(dict(keypoint=np.ascontiguousarray(kp[:PERSONS]),
                            label=ann['label'], frame_dir=ann['frame_dir']))
    return samples


def best_times(candidates: dict, samples: list, repeats: int) -> dict:
    """Best-of-``repeats`` CPU time per sample (us) of each candidate
    ``name -> fn(sample)`` over all ``samples``.

    CPU time of this thread (``time.thread_time``), not wall time: what a
    data worker spends, unaffected by other processes taking the CPU on a
    shared machine. The candidates are timed in turn within every pass.
    """
    best = {name: float('inf') for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.thread_time()
            for sample in samples:
                fn(sample)
            elapsed = (time.thread_time() - start) / len(samples) * 1e6
            best[name] = min(best[name], elapsed)
    return best


def pipeline(transforms):
    compose = Compose(transforms)

    def run(sample):
        results = compose(dict(
            keypoint=sample['keypoint'], label=sample['label'],
            frame_dir=sample['frame_dir'], total_frames=FRAMES,
            start_index=0, modality='Pose', skeleton_format='ntu25'))
        assert results is not None
        return results

    return run


@tool_main
def main(argv=None):
    args = parse_args(argv)
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    s2i_mm.register_all_modules()
    samples = synthetic_samples(args.samples, args.seed)

    def ours(size):
        return [dict(type='FastUniformSampleFrames', clip_len=FRAMES),
                dict(type='PoseDecode'),
                dict(type='SkeletonModality', modalities='j'),
                dict(type='S2IEncode', size=size),
                dict(type='mmpretrain.PackInputs')]

    mmaction2 = [dict(type='PreNormalize3D'),
                 dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
                 dict(type='UniformSampleFrames', clip_len=FRAMES),
                 dict(type='PoseDecode'),
                 dict(type='FormatGCNInput', num_person=PERSONS),
                 dict(type='PackActionInputs')]
    modes = {'cpu_resize': ours((224, 224)), 'device_resize': ours(None)}
    candidates = {name: pipeline(transforms)
                  for name, transforms in modes.items()}
    candidates['mmaction2_gcn'] = pipeline(mmaction2)
    steps = modes['cpu_resize']
    for i in range(len(steps) - 1):
        candidates[f'upto_{steps[i]["type"]}'] = pipeline(steps[:i + 1])
    timings = best_times(candidates, samples, args.repeats)

    for name, value in timings.items():
        print(f'{name:<28s} {value:9.1f} us/sample')
    summary = dict(samples=len(samples), repeats=args.repeats)
    for mode in modes:
        inputs = candidates[mode](samples[0])['inputs']
        summary[f'{mode}_us'] = round(timings[mode], 2)
        summary[f'{mode}_input_shape'] = list(inputs.shape)
        summary[f'{mode}_bytes'] = inputs.numel() * inputs.element_size()
        summary[f'speedup_vs_mmaction2_{mode}'] = round(
            timings['mmaction2_gcn'] / timings[mode], 2)
    summary['mmaction2_gcn_us'] = round(timings['mmaction2_gcn'], 2)
    print(json.dumps(summary))


if __name__ == '__main__':
    sys.exit(main())
