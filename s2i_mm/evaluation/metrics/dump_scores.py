import os
import os.path as osp
import pickle
import tempfile
from typing import Any, Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from s2i_mm.registry import METRICS


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class DumpScores(BaseMetric):
    """Write per-sample class scores and labels to a pickle file.

    ``tools/test.py --dump FILE`` appends this metric. The file holds a dict
    that fusion tools (e.g. three-stream fusion) read without s2i_mm:

    - ``scores``: float32 [N, num_classes], the model's class scores;
    - ``labels``: int64 [N], ground-truth labels (-1 where unknown);
    - ``sample_idx``: int64 [N], index of the sample in the test dataset;
    - ``frame_dir``: list of N sample names (``None`` where unknown).

    Rows are sorted by ``sample_idx``, so dumps of different streams of the
    same dataset align row by row. The file is written atomically.

    Args:
        out_file_path (str): Output path, ending in ``.pkl``.
        collect_device (str): Device to gather results on. Defaults to 'cpu'.
    """

    default_prefix = 'dump'

    def __init__(self, out_file_path: str, collect_device: str = 'cpu'):
        super().__init__(collect_device=collect_device)
        if not out_file_path.endswith(('.pkl', '.pickle')):
            raise ValueError(
                f'--dump expects a .pkl path, got {out_file_path!r}')
        self.out_file_path = out_file_path

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            label = sample.get('gt_label', None)
            self.results.append(
                dict(
                    score=_to_numpy(sample['pred_score']).astype(np.float32),
                    label=int(_to_numpy(label).reshape(-1)[0])
                    if label is not None else -1,
                    sample_idx=int(sample.get('sample_idx', -1)),
                    frame_dir=sample.get('frame_dir', None)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        results = sorted(results, key=lambda r: r['sample_idx'])
        dump = dict(
            scores=np.stack([r['score'] for r in results]),
            labels=np.array([r['label'] for r in results], dtype=np.int64),
            sample_idx=np.array([r['sample_idx'] for r in results],
                                dtype=np.int64),
            frame_dir=[r['frame_dir'] for r in results])
        out_dir = osp.dirname(osp.abspath(self.out_file_path))
        os.makedirs(out_dir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out_dir, suffix='.tmp')
        try:
            with os.fdopen(fd, 'wb') as f:
                pickle.dump(dump, f)
            os.replace(tmp, self.out_file_path)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise
        return {}
