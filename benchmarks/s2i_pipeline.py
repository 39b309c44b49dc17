"""Per-sample cost of the S2I data pipeline, measured against baselines.

On the same synthetic 2 x 100 x 25 x 3 (persons x frames x joints x xyz)
ntu25 samples, in one run, this measures:

(a) ours: FastUniformSampleFrames(100) -> PoseDecode -> SkeletonModality
    ('j') -> S2IEncode (224 x 224);
(b) mmaction2's GCN pipeline: PreNormalize3D -> GenSkeFeat(j) ->
    UniformSampleFrames(100) -> PoseDecode -> FormatGCNInput ->
    PackActionInputs;
(c) a memcpy of one 224 x 224 x 3 float32 output (``np.copyto``);

plus, for information, (a) with mmaction2's own UniformSampleFrames, each
prefix of (a), (a) with ``S2IEncode(size=None)`` (the T x J grid, no
resize) and the OpenCV bilinear resize of those grids to 224 x 224 alone:
a is about the grid pipeline plus the resize plus the cost of the 600 KB
output pushing the next sample's data out of the CPU cache.

OpenCV runs single-threaded, as under mmengine's Runner
(``opencv_num_threads=0``). Every figure is the best of ``--repeats``
passes over all samples (microseconds per sample; 15 by default: on a
shared, loaded machine the best of 7 still varied by about 10 %); the
candidates take turns within each repeat so that a change in machine load
hits all of them. The last line is JSON with ``speedup_vs_mmaction2`` =
b / a and ``ratio_vs_memcpy`` = a / c.

Usage::

    python benchmarks/s2i_pipeline.py [--samples 64] [--repeats 15]
"""
import argparse
import json
import time

import cv2
import numpy as np
from mmengine.dataset import Compose

import s2i_mm  # noqa: F401  (compat fixes)
from s2i_mm.datasets.synthetic import generate

FRAMES, PERSONS = 100, 2


def parse_args(description: str = __doc__.split('\n')[0]):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--samples', type=int, default=64,
                        help='number of synthetic samples')
    parser.add_argument('--repeats', type=int, default=15,
                        help='passes over the samples; the best one counts')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


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


def best_times(candidates: dict, repeats: int) -> dict:
    """Best-of-``repeats`` mean wall time per sample (us) of each
    candidate ``name -> (fn, inputs)``.

    The candidates are timed in turn within every repeat, so a change in
    machine load affects all of them alike.
    """
    best = {name: float('inf') for name in candidates}
    for _ in range(repeats):
        for name, (fn, inputs) in candidates.items():
            start = time.perf_counter()
            for item in inputs:
                fn(item)
            elapsed = (time.perf_counter() - start) / len(inputs) * 1e6
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


def prepare(args) -> list:
    """Set up as in training and return the benchmark samples."""
    # mmengine's Runner sets env_cfg.mp_cfg opencv_num_threads=0 (no
    # OpenCV thread pool inside data workers)
    cv2.setNumThreads(0)
    s2i_mm.register_all_modules()
    samples = synthetic_samples(args.samples, args.seed)
    assert all(s['keypoint'].shape == (PERSONS, FRAMES, 25, 3)
               for s in samples)
    return samples


def main():
    args = parse_args()
    samples = prepare(args)

    ours = [dict(type='FastUniformSampleFrames', clip_len=FRAMES),
            dict(type='PoseDecode'),
            dict(type='SkeletonModality', modalities='j'),
            dict(type='S2IEncode', size=(224, 224))]
    upstream_sampling = [dict(type='UniformSampleFrames', clip_len=FRAMES)
                         ] + ours[1:]
    mmaction2 = [dict(type='PreNormalize3D'),
                 dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
                 dict(type='UniformSampleFrames', clip_len=FRAMES),
                 dict(type='PoseDecode'),
                 dict(type='FormatGCNInput', num_person=PERSONS),
                 dict(type='PackActionInputs')]
    img = pipeline(ours)(samples[0])['img']
    assert img.shape == (224, 224, 3) and img.dtype == np.float32
    out = np.empty_like(img)

    candidates = {
        'a_s2i_pipeline': (pipeline(ours), samples),
        'b_mmaction2_gcn_pipeline': (pipeline(mmaction2), samples),
        'c_memcpy_224x224x3_f32': (lambda s: np.copyto(out, img),
                                   samples * 20),
        'a_with_mmaction2_UniformSampleFrames':
        (pipeline(upstream_sampling), samples),
    }
    for i in range(len(ours) - 1):
        candidates[f'a_upto_{ours[i]["type"]}'] = (pipeline(ours[:i + 1]),
                                                   samples)
    grid_only = ours[:-1] + [dict(type='S2IEncode', size=None)]
    candidates['a_with_S2IEncode_size_None'] = (pipeline(grid_only),
                                                samples)
    grids = [pipeline(grid_only)(s)['img'] for s in samples]
    candidates['cv2_resize_grid_to_224x224'] = (
        lambda grid: cv2.resize(grid, (224, 224),
                                interpolation=cv2.INTER_LINEAR), grids)
    timings = best_times(candidates, args.repeats)

    for name, value in timings.items():
        print(f'{name:<40s} {value:9.1f} us/sample')
    a = timings['a_s2i_pipeline']
    summary = dict(
        a_us=round(a, 2),
        b_us=round(timings['b_mmaction2_gcn_pipeline'], 2),
        c_us=round(timings['c_memcpy_224x224x3_f32'], 2),
        speedup_vs_mmaction2=round(timings['b_mmaction2_gcn_pipeline'] / a,
                                   2),
        ratio_vs_memcpy=round(a / timings['c_memcpy_224x224x3_f32'], 2),
        samples=len(samples), repeats=args.repeats)
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
