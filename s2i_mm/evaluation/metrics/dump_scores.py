"""Per-sample class scores for score fusion: mmengine's ``DumpResults``
with a compact, aligned, plain-numpy content."""
from typing import Any, Dict, List, Sequence

import mmengine
import numpy as np
from mmengine.evaluator import DumpResults
from mmengine.logging import print_log

from s2i_mm.fileio.atomic import atomic_path
from s2i_mm.registry import METRICS

__all__ = ['DumpScores']


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class DumpScores(DumpResults):
    """Write per-sample class scores and labels to a pickle file.

    ``tools/test.py --dump FILE`` appends this metric. The file holds a dict
    that fusion tools (e.g. three-stream fusion) read with numpy alone:

    - ``scores``: float32 [N, num_classes], the model's class scores;
    - ``labels``: int64 [N], ground-truth labels (-1 where unknown);
    - ``sample_idx``: int64 [N], index of the sample in the test dataset;
    - ``frame_dir``: list of N sample names (``None`` where unknown).

    It is mmengine's ``DumpResults`` (same arguments, same ``.pkl`` check,
    same collection over ranks) except for what it keeps and how it
    writes: upstream keeps every prediction whole (a dict of torch tensors
    and meta information per sample, held in memory until the end) and
    pickles that list in the order the ranks return it, in place. Here only
    the four fields above are kept, the rows are sorted by ``sample_idx``
    (dumps of different streams of one dataset align row by row) and the
    file appears only once completely written.

    Args:
        out_file_path (str): Output path, ending in ``.pkl`` or ``.pickle``.
        collect_device (str): Device to gather results on. Defaults to 'cpu'.
        collect_dir (str, optional): As in ``DumpResults``.
    """

    default_prefix = 'dump'

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's scores, label, index and name."""
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
        """Write the dump (atomically); no metric."""
        results = sorted(results, key=lambda r: r['sample_idx'])
        dump = dict(
            scores=np.stack([r['score'] for r in results]),
            labels=np.array([r['label'] for r in results], dtype=np.int64),
            sample_idx=np.array([r['sample_idx'] for r in results],
                                dtype=np.int64),
            frame_dir=[r['frame_dir'] for r in results])
        with atomic_path(self.out_file_path) as tmp:
            mmengine.dump(dump, tmp, file_format='pkl')
        print_log(f'Scores of {len(results)} samples written to '
                  f'{self.out_file_path}.', logger='current')
        return {}
