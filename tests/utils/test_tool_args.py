"""Process-group teardown shared by tools/train.py and tools/test.py."""
import json
import sys

import torch.distributed as dist

from s2i_testing import free_port, run_cmd

# two gloo ranks exchange data, then end the way the tools end a run; rank
# 1 arrives late, so a rank that does not wait for the others leaves first
_RANK_SCRIPT = '''
import json, sys, time
import torch, torch.distributed as dist
from s2i_mm.utils.tool_args import finish_distributed
dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
for _ in range(20):
    out = [torch.empty(1000) for _ in range(world)]
    dist.all_gather(out, torch.full((1000, ), float(rank)))
if rank == 1:
    time.sleep(1.0)
entered = time.time()
finish_distributed()
left = time.time()
assert not dist.is_initialized()
with open(f'{sys.argv[1]}/rank{rank}.json', 'w') as f:
    json.dump(dict(entered=entered, left=left), f)
'''


def test_finish_distributed_waits_for_every_rank_then_closes(tmp_path):
    """Without it, a gloo rank that exits with a live group can abort
    ("terminate called without an active exception",
    pytorch/pytorch#190489): the ranks meet at a barrier, then each closes
    the group (the script asserts it is gone) and exits with 0."""
    script = tmp_path / 'rank.py'
    script.write_text(_RANK_SCRIPT)
    proc = run_cmd([sys.executable, '-m', 'torch.distributed.run',
                    '--nproc_per_node', '2', '--master_port',
                    str(free_port()), str(script), str(tmp_path)],
                   timeout=120)
    assert 'terminate called' not in proc.stderr
    times = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in (0, 1)]
    # rank 0 left the barrier only once the late rank 1 had reached it
    assert times[0]['left'] >= times[1]['entered']


def test_finish_distributed_without_a_group_does_nothing():
    from s2i_mm.utils.tool_args import finish_distributed
    assert not dist.is_initialized()
    finish_distributed()  # a plain run: no barrier (it would raise)
    assert not dist.is_initialized()
