"""tools/analysis/count_parameters.py: all and trainable parameters of a
config's model and backbone, as benchmarks/ssl_peers.py reads them."""
import json
import os.path as osp

from s2i_testing import REPO, load_script

PROBE = osp.join(REPO, 'configs', 'demo',
                 'vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py')
PRETRAIN = osp.join(REPO, 'configs', 'demo',
                    'mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py')


def test_a_frozen_probe_trains_its_head_only_and_shares_the_encoder(
        tmp_path, capsys):
    tool = load_script('tools/analysis/count_parameters.py')
    out = tmp_path / 'params.json'
    assert tool.main([PROBE, PRETRAIN, '--out', str(out)]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    counts = json.loads(out.read_text())
    assert printed == counts
    probe, pretrain = counts[PROBE], counts[PRETRAIN]
    # the probe's backbone is frozen: only the head (and its BatchNorm) train
    assert probe['backbone']['trainable'] == 0
    head = probe['model']['all'] - probe['backbone']['all']
    assert 0 < probe['model']['trainable'] == head
    # the MAE's decoder and head are trained too
    assert pretrain['model']['trainable'] > pretrain['backbone']['trainable']
    assert pretrain['model']['all'] >= pretrain['model']['trainable']
