"""S2I pictures: panel content, axis labels, and tools/visualize_s2i.py."""
import pickle

import numpy as np
import pytest

from s2i_mm.formats import get_format
from s2i_mm.visualization import (
    draw_s2i_figure,
    encode_modalities,
    save_figure,
)

from s2i_testing import load_script, run_tool


def kinect_sample(frames=12, seed=0, persons=2):
    rng = np.random.default_rng(seed)
    kp = rng.normal(size=(persons, frames, 20, 3)).astype(np.float32)
    return dict(keypoint=kp, frame_dir=f'a01_s01_e0{seed}_v01',
                total_frames=frames)


def test_panels_show_the_encoded_modalities_with_joint_names():
    fmt = get_format('kinect20')
    sample = kinect_sample()
    fig = draw_s2i_figure(sample, 'kinect20', modalities=('j', 'b', 'm'),
                          size=(64, 64))
    axes = fig.axes
    assert len(axes) == 3
    expected = encode_modalities(sample, fmt, ('j', 'b', 'm'), size=(64, 64))
    for ax, results in zip(axes, expected):
        shown = ax.get_images()[0].get_array()
        np.testing.assert_array_equal(np.asarray(shown), results['img'])
        labels = [t.get_text() for t in ax.get_xticklabels()]
        names = [fmt.joint_names[j] for j in fmt.s2i_order]
        assert labels == names * 2  # two persons side by side
        texts = [t.get_text() for t in ax.texts]
        assert texts == ['torso', 'left arm', 'right arm', 'left leg',
                         'right leg'] * 2
    # bone and motion differ from the joint image
    assert not np.allclose(expected[0]['img'], expected[1]['img'])
    assert not np.allclose(expected[0]['img'], expected[2]['img'])


@pytest.mark.parametrize('persons, max_persons', [(1, 1), (2, 2), (1, 2)])
def test_stacked_time_separates_the_persons_the_encoding_placed(
        persons, max_persons):
    """The solid lines between persons sit where S2IEncode put them, for
    the dataset's person count (``max_persons``, as in training)."""
    sample = dict(kinect_sample(frames=12, persons=persons),
                  max_persons=max_persons)
    fig = draw_s2i_figure(sample, 'kinect20', modalities=('j', ),
                          persons='stacked_time', size=(32, 32))
    rows = [line.get_ydata()[0] for line in fig.axes[0].get_lines()
            if line.get_linestyle() == '-' and line.get_ydata()[0] ==
            line.get_ydata()[1]]
    assert rows == [12 * i - 0.5 for i in range(1, max_persons)]
    assert fig.axes[0].get_images()[0].get_array().shape[:2] == (32, 32)


def test_save_figure_is_atomic(tmp_path):
    fig = draw_s2i_figure(kinect_sample(), 'kinect20', modalities=('j', ),
                          size=(32, 32))
    out = tmp_path / 'sub' / 'pic.png'
    save_figure(fig, str(out))
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert [p.name for p in out.parent.iterdir()] == ['pic.png']

    class Broken:
        def savefig(self, *args, **kwargs):
            raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        save_figure(Broken(), str(tmp_path / 'sub' / 'other.png'))
    assert [p.name for p in out.parent.iterdir()] == ['pic.png']


def test_visualize_tool_writes_pngs(tmp_path):
    samples = [kinect_sample(seed=i) for i in range(3)]
    for i, s in enumerate(samples):
        s['label'] = i
    ann = tmp_path / 'ucla.pkl'
    with open(ann, 'wb') as f:
        pickle.dump(dict(split=dict(val=[s['frame_dir'] for s in samples]),
                         annotations=samples), f)
    out_dir = tmp_path / 'vis'
    cmd = ['tools/visualize_s2i.py', ann, '--split', 'val',
           '--skeleton-format', 'kinect20', '--samples', '1',
           'a01_s01_e02_v01', '--clip-len', '8', '--out-dir', out_dir]
    run_tool(*cmd)
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == ['a01_s01_e01_v01_s2i.png', 'a01_s01_e02_v01_s2i.png']
    for name in written:
        assert (out_dir / name).read_bytes()[:4] == b'\x89PNG'
    bad = run_tool(*cmd[:6], '--samples', 'nope', '--out-dir', out_dir,
                   check=False)
    assert bad.returncode != 0
    assert "No sample 'nope'" in bad.stderr


#: sample names that would be paths (every kind of name is in
#: tests/fileio/test_file_names.py; a figure costs about 2 s here)
HOSTILE_NAMES = ['../../escaped', '/abs/escaped', 'a/b', '..', 'a_b']


def test_sample_names_never_write_outside_the_out_dir(tmp_path, capsys):
    """Each PNG is named after its sample, made a safe file name: inside
    --out-dir, one per sample, recognisable; nothing is written elsewhere
    (the out dir is two levels deep, so '../../x' would land in
    tmp_path)."""
    samples = [dict(kinect_sample(frames=4, seed=i, persons=1), label=0,
                    frame_dir=name) for i, name in enumerate(HOSTILE_NAMES)]
    ann = tmp_path / 'data' / 'hostile.pkl'
    ann.parent.mkdir()
    ann.write_bytes(pickle.dumps(dict(annotations=samples)))
    out_dir = tmp_path / 'out' / 'vis'
    load_script('tools/visualize_s2i.py').main([
        str(ann), '--skeleton-format', 'kinect20', '--modalities', 'j',
        '--size', '8', '8', '--dpi', '20', '--out-dir', str(out_dir),
        '--samples', *map(str, range(len(samples)))])
    written = sorted(p.name for p in out_dir.iterdir())
    assert len(written) == len(samples)  # distinct names, distinct files
    printed = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith(str(out_dir))]  # after the progress bar
    assert sorted(line.split('/')[-1] for line in printed) == written
    everything = sorted(str(p.relative_to(tmp_path))
                        for p in tmp_path.rglob('*') if p.is_file())
    assert everything == ['data/hostile.pkl'] + [f'out/vis/{n}'
                                                 for n in written]
    for name in written:
        assert len(name.encode()) <= 255 and not name.startswith('.')
        assert (out_dir / name).read_bytes()[:4] == b'\x89PNG'
    assert 'a_b_s2i.png' in written  # a safe name is kept as it is
    assert any(n.startswith('_._.._escaped-') for n in written)
    assert any(n.startswith('_abs_escaped-') for n in written)
