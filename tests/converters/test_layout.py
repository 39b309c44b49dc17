"""One data layout: the configs read the files where the documented
converter commands write them, and a missing one names its command."""
import glob
import os.path as osp
import re
import shlex

import pytest

from s2i_mm.converters.layout import DATA_FILES, making_command

from s2i_testing import REPO, run_tool

PATHS = {entry.path for entry in DATA_FILES}


def config_ann_files():
    """Every literal ``ann_file`` of the shipped configs (the synthetic
    f-string expanded), with its config."""
    found = []
    for path in sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                                 recursive=True) +
                       glob.glob(osp.join(REPO, 'projects', '*', 'configs',
                                          '**', '*.py'), recursive=True)):
        with open(path) as f:
            text = f.read()
        for match in re.finditer(r"ann_file=(f?)'([^']+)'", text):
            value = match.group(2)
            if match.group(1):  # the mixed synthetic config's f-string
                value = [value.replace('{fmt}', fmt)
                         for fmt in ('ntu25', 'kinect20', 'lcrnet13')]
            for one in ([value] if isinstance(value, str) else value):
                found.append((osp.relpath(path, REPO), one))
    return found


def test_every_config_reads_a_file_the_table_makes():
    found = config_ann_files()
    assert len(found) > 10
    assert [(c, p) for c, p in found if p not in PATHS] == []


def doc_commands(doc):
    """The ``python tools/data/...`` commands of a doc's shell blocks,
    continuation lines joined."""
    with open(osp.join(REPO, doc)) as f:
        text = f.read()
    commands = []
    for block in re.findall(r'```(?:shell|bash)\n(.*?)```', text, re.S):
        for line in block.replace('\\\n', ' ').splitlines():
            if line.startswith('python tools/data/'):
                commands.append(' '.join(line.split()))
    return commands


def test_the_converter_docs_write_where_the_configs_read():
    """Each dataset converter's documented command (docs/converters.md) is
    the table's, so its output is a path the configs read."""
    documented = {shlex.split(c)[1]: c for c in doc_commands(
        'docs/converters.md') if 'convert_generic' not in c
        and 'convert_mmpose' not in c and 'INPUT OUTPUT' not in c}
    table = {e.command for e in DATA_FILES if 'tools/data/convert_' in
             e.command}
    documented_cmds = set(doc_commands('docs/converters.md'))
    assert table <= documented_cmds, table - documented_cmds
    for script, command in documented.items():
        if script.startswith('tools/data/convert_'):
            assert command in table, command


def test_the_where_files_go_table_is_the_code_table():
    with open(osp.join(REPO, 'docs', 'datasets.md')) as f:
        text = f.read()
    section = text.split('## Where files go')[1].split('\n## ')[0]
    for entry in DATA_FILES:
        if entry.path.startswith('work_dirs/'):
            continue
        assert f'| `{entry.path}` | `{entry.command}` |' in section
    assert '`python tools/data/make_synthetic.py work_dirs/demo/data`' in \
        section
    for doc in ('README.md', 'docs/converters.md', 'projects/README.md',
                'projects/skeleton2vec/README.md',
                'projects/skeletonmae/README.md'):
        with open(osp.join(REPO, doc)) as f:
            assert 'datasets.md#where-files-go' in f.read(), doc


def test_making_command_matches_relative_and_absolute_paths():
    command = making_command('data/toyota/toyota.pkl')
    assert command.startswith('python tools/data/convert_toyota.py ')
    assert making_command(osp.abspath('data/toyota/toyota.pkl')) == command
    assert making_command('data/elsewhere.pkl') is None


@pytest.mark.parametrize('config,data_file', [
    ('configs/s2i_mae/mae_vit-base-p16_8xb64-400e_ntu60-xsub.py',
     'data/ntu/ntu60_3d.pkl'),
    ('configs/s2i_mae/benchmarks/vit-base-p16_linear-8xb64-90e_toyota-cs.py',
     'data/toyota/toyota.pkl'),
    ('projects/skeleton2vec/configs/'
     'skeleton2vec_skt-w256-l8_2xb64-800e_ntu60-xsub.py',
     'data/ntu/ntu60_3d.pkl'),
])
def test_a_paper_config_without_its_data_names_the_command(config,
                                                           data_file):
    if osp.exists(osp.join(REPO, data_file)):
        pytest.skip(f'{data_file} exists in this checkout')
    run = run_tool('tools/train.py', config, '--work-dir', '/nonexistent',
                   env={'PYTHONPATH': REPO}, check=False)
    assert run.returncode == 1
    assert run.stderr.splitlines()[-1] == (
        f'error: {data_file}: no such data file (the config\'s '
        'train_dataloader.dataset.ann_file); make it with: '
        f'{making_command(data_file)} (docs/datasets.md, "Where files go")')
    assert run.stdout == ''
