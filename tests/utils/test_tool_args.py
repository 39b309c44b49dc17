"""Process-group teardown shared by tools/train.py and tools/test.py."""
import sys

from s2i_testing import free_port, run_cmd

# four gloo ranks exchange data, then end the way the tools end a run
_RANK_SCRIPT = '''
import torch, torch.distributed as dist
from s2i_mm.utils.tool_args import finish_distributed
dist.init_process_group('gloo')
world = dist.get_world_size()
for _ in range(20):
    out = [torch.empty(1000) for _ in range(world)]
    dist.all_gather(out, torch.full((1000, ), float(dist.get_rank())))
finish_distributed()
assert not dist.is_initialized()
'''


def test_finish_distributed_lets_gloo_ranks_exit_cleanly(tmp_path):
    """Without it, about half of such runs abort at exit ("terminate called
    without an active exception", pytorch/pytorch#190489: 7 of 15 here);
    the group must be gone when it returns."""
    script = tmp_path / 'rank.py'
    script.write_text(_RANK_SCRIPT)
    for _ in range(2):
        proc = run_cmd([sys.executable, '-m', 'torch.distributed.run',
                        '--nproc_per_node', '4', '--master_port',
                        str(free_port()), str(script)], timeout=120)
        assert 'terminate called' not in proc.stderr


def test_finish_distributed_without_a_group_does_nothing():
    from s2i_mm.utils.tool_args import finish_distributed
    finish_distributed()  # a plain, non-distributed run
