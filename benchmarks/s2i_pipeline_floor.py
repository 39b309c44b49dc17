"""How low can pipeline (a) of ``s2i_pipeline.py`` go with numpy + OpenCV?

A lower-bound study for ``ratio_vs_memcpy`` (a / c). On the same samples
and with the same timing loop as ``s2i_pipeline.py``, in one run:

(a) the real pipeline: FastUniformSampleFrames(100) -> PoseDecode ->
    SkeletonModality('j') -> S2IEncode(224 x 224);
(a_bare) the same three upstream / modality transforms, then a bare
    composition of the OpenCV / numpy kernels that S2IEncode's default path
    runs for these samples (gather into the S2I grid, presence mask,
    masked per-channel min / max, non-finite check, scaling, interleaving,
    zeroing absent persons, resize) with no validation, no options and no
    Python structure around them; it is checked to give S2IEncode's image
    bit for bit on every sample;
(a_fixed) the same transforms, then only the resize of a ready-made grid:
    the part every implementation pays (upstream sampling and decoding,
    the joint stream, the 600 KB output);
(c) the memcpy of one 224 x 224 x 3 float32 image.

It prints microseconds per sample and, last, JSON with each ratio to c.
``a_bare`` is what a rewrite of S2IEncode from these kernels could at best
reach; the gap between ``a_fixed`` and ``a_bare`` is the price of the
per-sample statistics and masking done as separate numpy / OpenCV passes.

Usage::

    python benchmarks/s2i_pipeline_floor.py [--samples 64] [--repeats 15]
"""
import json

import cv2
import numpy as np
from s2i_pipeline import FRAMES, best_times, parse_args, pipeline, prepare

import s2i_mm


def bare_encoder(encode, sample: dict):
    """The default-path kernels of ``encode`` (an ``S2IEncode`` with
    default options) for samples laid out like ``sample``: returns
    ``fn(results) -> image``."""
    keypoint = sample['keypoint']
    fmt = s2i_mm.formats.get_format(sample['skeleton_format'])
    # the transform's own gather plan: which keypoint value lands in which
    # cell of the planar [C, T, persons x V] grid
    _, axes, index = encode._gather_plan(fmt, keypoint)
    joints = keypoint.shape[2]
    height, width = encode.size

    def run(results):
        planes = results['keypoint'].transpose(axes).reshape(-1).take(
            index, mode='wrap')
        cells = results['keypoint_present'].T.view(np.uint8).repeat(
            joints, axis=1)
        lows, highs = zip(*[cv2.minMaxLoc(p, cells)[:2] for p in planes])
        assert np.isfinite(planes.max())
        low, span = np.array([lows, np.subtract(highs, lows)],
                             np.float32)[:, :, None, None]
        planes -= low
        planes /= span
        grid = cv2.copyTo(cv2.merge(tuple(planes)), cells)
        return cv2.resize(grid, (width, height),
                          interpolation=cv2.INTER_LINEAR)

    return run


def main():
    args = parse_args(__doc__.split('\n')[0])
    samples = prepare(args)
    upstream = [dict(type='FastUniformSampleFrames', clip_len=FRAMES),
                dict(type='PoseDecode'),
                dict(type='SkeletonModality', modalities='j')]
    full = pipeline(upstream + [dict(type='S2IEncode', size=(224, 224))])
    prefix = pipeline(upstream)
    encode = s2i_mm.datasets.transforms.S2IEncode(size=(224, 224))
    grid_of = pipeline(upstream + [dict(type='S2IEncode', size=None)])

    first = prefix(samples[0])
    bare = bare_encoder(encode, first)
    partial = 0
    for sample in samples:  # same kernels, same image
        np.random.seed(0)
        expected = full(sample)['img']
        np.random.seed(0)
        results = prefix(sample)
        partial += not results['keypoint_present'].all()
        assert np.array_equal(bare(results), expected), sample['frame_dir']
    grids = {s['frame_dir']: grid_of(s)['img'] for s in samples}

    def fixed(sample):
        prefix(sample)
        return cv2.resize(grids[sample['frame_dir']], (224, 224),
                          interpolation=cv2.INTER_LINEAR)

    img = full(samples[0])['img']
    out = np.empty_like(img)
    timings = best_times({
        'a_s2i_pipeline': (full, samples),
        'a_bare_kernels': (lambda s: bare(prefix(s)), samples),
        'a_fixed_upstream_and_resize': (fixed, samples),
        'c_memcpy_224x224x3_f32': (lambda s: np.copyto(out, img),
                                   samples * 20),
    }, args.repeats)
    for name, value in timings.items():
        print(f'{name:<32s} {value:9.1f} us/sample')
    c = timings['c_memcpy_224x224x3_f32']
    print(json.dumps(dict(
        {f'{name}_over_c': round(value / c, 2)
         for name, value in timings.items() if not name.startswith('c_')},
        c_us=round(c, 2), samples=len(samples),
        samples_with_absent_person_frames=partial, repeats=args.repeats)))


if __name__ == '__main__':
    main()
