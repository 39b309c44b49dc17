"""Jobs made of the project's tools (s2i_mm/apis/tool_jobs.py), as the
demo and the benchmarks run them."""
import json
import os
import os.path as osp
import subprocess
import sys
import time

import pytest
from rich.console import Console
from rich.progress import Progress

from s2i_mm.apis.tool_jobs import (
    InProcessRunner,
    Step,
    StepFailed,
    StepRunner,
    data_options,
    dataset_facts,
    git_commit,
    read_test_metrics,
    repo_path,
    schedule_options,
    warmup_fraction,
    write_json,
)

from s2i_testing import REPO

BURN = 'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n'  # noqa: E501


def _runner():
    progress = Progress(console=Console(file=open('/dev/null', 'w')))
    return StepRunner(progress, threads=1)


def test_lanes_run_their_steps_in_order_and_record_each_steps_times(
        tmp_path):
    out = tmp_path / 'order.txt'
    lanes = [[
        Step(f'{lane}{i}', [
            sys.executable, '-c',
            BURN + f'open({str(out)!r}, "a").write("{lane}{i} ")'
        ], str(tmp_path / 'logs' / f'{lane}{i}.log')) for i in range(2)
    ] for lane in 'ab']
    runner = _runner()
    runner.run_parallel(lanes)
    order = out.read_text().split()
    for lane in 'ab':
        assert order.index(f'{lane}0') < order.index(f'{lane}1')
    assert set(runner.times) == {'a0', 'a1', 'b0', 'b1'}
    for t in runner.times.values():
        # the child's own CPU time (it burnt 0.3 s), within its wall time
        assert 0.25 < t.cpu < t.wall + 0.05


def test_a_failing_step_stops_the_others_and_names_its_log(tmp_path):
    fail = Step('fails', [sys.executable, '-c',
                          'print("the reason"); raise SystemExit(3)'],
                str(tmp_path / 'fails.log'))
    slow = Step('slow', [sys.executable, '-c', 'import time; '
                         'time.sleep(60)'], str(tmp_path / 'slow.log'))
    never = Step('never', [sys.executable, '-c', 'pass'],
                 str(tmp_path / 'never.log'))
    runner = _runner()
    start = time.perf_counter()
    with pytest.raises(StepFailed) as err:
        runner.run_parallel([[fail], [slow, never]])
    assert time.perf_counter() - start < 30  # the slow step was stopped
    message = str(err.value)
    assert 'exit code 3' in message and 'the reason' in message
    assert str(tmp_path / 'fails.log') in message
    assert set(runner.times) == {'fails'}  # the others did not finish
    assert not (tmp_path / 'never.log').exists()


def _script(path, body):
    path.write_text('import sys\n\n\ndef main(argv=None):\n' + ''.join(
        f'    {line}\n' for line in body.splitlines()))
    return str(path)


def test_in_process_steps_run_main_in_order_and_stop_at_a_failure(
        tmp_path):
    """InProcessRunner: each step's main(argv) in this process, its output
    in its log, lanes one after another; a failing step (exit status or
    SystemExit) names its log and the later steps do not run."""
    out = tmp_path / 'order.txt'
    record = _script(tmp_path / 'record.py', (
        f'open({str(out)!r}, "a").write(argv[0] + " ")\n'
        'print("ran", argv[0]); print("to stderr", file=sys.stderr)'))
    fails = _script(tmp_path / 'fails.py',
                    'print("the reason")\nraise SystemExit(3)')
    returns = _script(tmp_path / 'returns.py', 'return 2')

    def step(script, name):
        return Step(name, [sys.executable, script, name],
                    str(tmp_path / 'logs' / f'{name}.log'))

    progress = Progress(console=Console(file=open('/dev/null', 'w')))
    runner = InProcessRunner(progress, threads=1)
    runner.run_parallel([[step(record, 'a0'), step(record, 'a1')],
                         [step(record, 'b0')]])
    assert out.read_text().split() == ['a0', 'a1', 'b0']
    assert (tmp_path / 'logs' / 'a1.log').read_text() == (
        'ran a1\nto stderr\n')
    assert set(runner.times) == {'a0', 'a1', 'b0'}
    for script, code in ((fails, 3), (returns, 2)):
        runner = InProcessRunner(progress, threads=1)
        with pytest.raises(StepFailed) as err:
            runner.run_parallel([[step(script, 'x'), step(record, 'late')]])
        assert f'exit code {code}' in str(err.value)
        assert str(tmp_path / 'logs' / 'x.log') in str(err.value)
        assert 'late' not in out.read_text()


def test_schedule_options_move_warmup_and_cosine_together():
    assert schedule_options(50, 0.1) == {
        'train_cfg.max_epochs': 50,
        'param_scheduler.0.end': 5,
        'param_scheduler.1.begin': 5,
        'param_scheduler.1.end': 50,
        'param_scheduler.1.T_max': 45,
        'default_hooks.checkpoint.interval': 50,
    }
    # at least one warm-up epoch, and at least one cosine epoch
    assert schedule_options(2, 0.01)['param_scheduler.0.end'] == 1
    assert schedule_options(2, 0.9)['param_scheduler.1.T_max'] == 1


def test_read_test_metrics_reads_the_last_record_in_percent(tmp_path):
    run = tmp_path / '20261129_000000'
    run.mkdir()
    (run / '20261129_000000.json').write_text(
        json.dumps({'acc/top1': 0.1}) + '\n' + json.dumps(
            {'acc/top1': 0.5, 'acc/top5': 0.75, 'acc/mean1': 0.25}) + '\n')
    assert read_test_metrics(str(tmp_path)) == {
        'acc/top1': 50.0, 'acc/top5': 75.0, 'acc/mean1': 25.0}
    (run / '20261129_000000.json').write_text(json.dumps({'acc/top1': 1}))
    with pytest.raises(StepFailed, match='lacks'):
        read_test_metrics(str(tmp_path))
    with pytest.raises(StepFailed, match='no metrics JSON'):
        read_test_metrics(str(tmp_path / 'missing'))


def test_git_commit_names_the_checkout_and_marks_changes(tmp_path):
    assert git_commit(str(tmp_path)) == 'unknown'  # not a repository
    run = [('init', '-q'), ('add', 'f'),
           ('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm',
            'x')]
    (tmp_path / 'f').write_text('a')
    for args in run:
        subprocess.run(['git', *args], cwd=tmp_path, check=True)
    head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                          cwd=tmp_path, capture_output=True,
                          text=True).stdout.strip()
    assert git_commit(str(tmp_path)) == head
    (tmp_path / 'f').write_text('b')
    assert git_commit(str(tmp_path)) == head + '+dirty'


def test_warmup_fraction_is_read_from_the_config_without_its_imports(
        tmp_path):
    config = tmp_path / 'job.py'
    config.write_text(
        "custom_imports = dict(imports=['no_such_module'])\n"
        "train_cfg = dict(max_epochs=40)\n"
        "param_scheduler = [dict(type='LinearLR', end=6),\n"
        "                   dict(type='CosineAnnealingLR', begin=6)]\n")
    assert warmup_fraction(str(config)) == 0.15
    demo = osp.join(REPO, 'configs', 'demo',
                    'mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py')
    assert warmup_fraction(demo) == 0.1


def test_paths_data_options_and_json_of_a_job(tmp_path):
    assert repo_path(str(tmp_path / 'a' / 'b'), str(tmp_path)) == \
        osp.join('a', 'b')
    assert repo_path('/elsewhere/x', str(tmp_path)) == '/elsewhere/x'
    assert repo_path(str(tmp_path) + '-sibling', str(tmp_path)) == \
        str(tmp_path) + '-sibling'
    assert data_options('d.pkl', ('train', )) == {
        'train_dataloader.dataset.ann_file': 'd.pkl'}
    assert sorted(data_options('d.pkl')) == [
        f'{s}_dataloader.dataset.ann_file' for s in ('test', 'train', 'val')]
    out = tmp_path / 'results.json'
    write_json(str(out), {'top1': 50.0})
    write_json(str(out), {'top1': 75.0})
    assert json.loads(out.read_text()) == {'top1': 75.0}
    assert os.listdir(tmp_path) == ['results.json']  # no temporary left


def test_dataset_facts_read_a_recorded_spec_beside_the_file(tmp_path,
                                                            monkeypatch):
    """A file recording its layout as a spec path beside it, read from
    another folder: the steps' datasets are left to read the record
    (``format`` None) and models get the spec by its absolute path."""
    from mocap30_layout import mocap_annotations, write_yaml_spec
    data = tmp_path / 'data'
    data.mkdir()
    write_yaml_spec(data / 'mocap30.yaml', 'mocap30_facts')
    ann_file = mocap_annotations(data / 'set.pkl', recorded='mocap30.yaml')
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    facts = dataset_facts(osp.relpath(ann_file), None, ('train', 'val'))
    assert facts['format'] is None
    assert facts['format_ref'] == str(data / 'mocap30.yaml')
    assert facts['format_name'] == 'mocap30_facts'
    assert facts['num_joints'] == 30
    given = dataset_facts(ann_file, osp.relpath(data / 'mocap30.yaml'))
    assert given['format'] == given['format_ref'] == str(
        data / 'mocap30.yaml')
    with pytest.raises(SystemExit, match="no split 'test'"):
        dataset_facts(ann_file, None, ('train', 'test'))
