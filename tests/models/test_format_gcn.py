"""mmaction2's GCNs on s2i_mm layouts: the backbones whose graph is named
by a skeleton format, how the GCN configs resolve in the s2i_mm scope, and
the GCN data pipeline on SkeletonDataset."""
import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import FormatGCNInput, PackActionInputs
from mmaction.models import ActionDataPreprocessor, GCNHead, RecognizerGCN
from mmaction.models.backbones import STGCN as MMActionSTGCN
from mmaction.models.losses import CrossEntropyLoss as MMActionCE
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import MODELS as ROOT_MODELS
from mmpretrain.models.losses import CrossEntropyLoss as MMPretrainCE
from mocap30_layout import write_yaml_spec

from s2i_mm.datasets.synthetic import generate
from s2i_mm.datasets.transforms import SkeletonModality
from s2i_mm.fileio.annotation import dump_annotation_file
from s2i_mm.formats import get_format
from s2i_mm.models import AAGCN, STGCN
from s2i_mm.registry import DATASETS, MODELS

from s2i_testing import REPO

CPU = f'{REPO}/configs/gcn_cpu/stgcnpp_1xb64-{{}}-100e_gcn32-cpu.py'


def _bone_pattern(A, fmt):
    """Whether the off-diagonal links of adjacency subsets ``A`` are
    exactly the format's bones, both directions."""
    linked = np.abs(np.asarray(A)).sum(0) > 0
    np.fill_diagonal(linked, False)
    expected = np.zeros_like(linked)
    for child, parent in fmt.bones:
        expected[child, parent] = expected[parent, child] = True
    return np.array_equal(linked, expected)


def test_gcn_model_config_resolves_mmaction_parts_and_our_backbone():
    """The model base of the GCN configs, built the way the Runner builds
    it (mmengine's root registry, default scope s2i_mm): mmaction2's
    recognizer, head, loss and data preprocessor, s2i_mm's STGCN."""
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/stgcnpp.py').model
    cfg.backbone.graph_cfg.layout = 'lcrnet13'
    cfg.cls_head.num_classes = 4
    model = ROOT_MODELS.build(cfg)
    assert type(model) is RecognizerGCN
    assert type(model.backbone) is STGCN
    assert isinstance(model.backbone, MMActionSTGCN)
    assert type(model.cls_head) is GCNHead
    assert type(model.cls_head.loss_cls) is MMActionCE
    assert type(model.data_preprocessor) is ActionDataPreprocessor
    # STGCN++ learns its adjacency from the format's graph ('init')
    fmt = get_format('lcrnet13')
    first = model.backbone.gcn[0].gcn.A
    assert isinstance(first, torch.nn.Parameter)
    assert first.shape == (3, 13, 13) and _bone_pattern(first.detach(), fmt)
    # why the config's `_scope_='mmaction'`: a prefix alone leaves nested
    # defaults (GCNHead's CrossEntropyLoss) to the s2i_mm scope, which
    # finds mmpretrain's loss of the same name
    head = MODELS.build(dict(type='mmaction.GCNHead', num_classes=4,
                             in_channels=8))
    assert type(head.loss_cls) is MMPretrainCE


def test_upstream_stgcn_is_left_as_it_is():
    with pytest.raises(AssertionError):  # mmaction2's Graph: 3 names only
        MODELS.build(dict(type='mmaction.STGCN',
                          graph_cfg=dict(layout='kinect20')))
    ours = STGCN(graph_cfg=dict(layout='nturgb+d'))
    theirs = MMActionSTGCN(graph_cfg=dict(layout='nturgb+d'))
    assert ours.graph.layout == 'nturgb+d'
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    for key, value in ours.state_dict().items():
        assert value.shape == theirs.state_dict()[key].shape, key


def test_aagcn_on_a_spec_file_layout(tmp_path):
    spec = write_yaml_spec(tmp_path / 'mocap30.yaml', 'mocap30_aagcn')
    torch.manual_seed(0)
    model = MODELS.build(dict(type='AAGCN', num_stages=2, base_channels=8,
                              inflate_stages=[], down_stages=[],
                              graph_cfg=dict(layout=spec, mode='spatial')))
    assert type(model) is AAGCN
    assert model.graph_layout == spec
    assert _bone_pattern(model.A, get_format(spec))
    out = model(torch.randn(2, 2, 8, 30, 3))
    assert out.shape == (2, 2, 8, 8, 30)


def test_a_joint_count_other_than_the_graphs_names_the_layout():
    model = STGCN(graph_cfg=dict(layout='kinect20'), num_stages=2,
                  base_channels=8, inflate_stages=[], down_stages=[])
    with pytest.raises(ValueError, match="'kinect20' graph layout has 20"):
        model(torch.zeros(1, 1, 8, 25, 3))


@pytest.fixture(scope='module')
def kinect20_file(tmp_path_factory):
    data = generate(num_per_class=1, seed=0, formats=('kinect20', ))
    path = str(tmp_path_factory.mktemp('gcn') / 'kinect20.pkl')
    dump_annotation_file(data['kinect20'], path)
    return path


def _dataset(config, loader, ann_file):
    cfg = Config.fromfile(config)[loader].dataset
    cfg.update(ann_file=ann_file, split='train', cache=False)
    return DATASETS.build(cfg)


def test_gcn_pipeline_of_the_cpu_configs(kinect20_file):
    """Sampling -> PoseDecode -> SkeletonModality -> FormatGCNInput ->
    PackActionInputs on SkeletonDataset: [clips, persons, T, V, C] inputs,
    the stream of the config, and a loss from the recognizer."""
    joint = _dataset(CPU.format('joint'), 'val_dataloader', kinect20_file)
    bone = _dataset(CPU.format('bone'), 'val_dataloader', kinect20_file)
    steps = [type(t) for t in bone.pipeline.transforms]
    assert steps[-3:] == [SkeletonModality, FormatGCNInput, PackActionInputs]
    j, b = joint[0]['inputs'].numpy(), bone[0]['inputs'].numpy()
    assert j.shape == b.shape == (10, 1, 32, 20, 3)  # 10 test clips
    # bones from the format's parents, by name
    fmt = get_format('kinect20')
    elbow, shoulder = fmt.index('left_elbow'), fmt.index('left_shoulder')
    np.testing.assert_allclose(b[..., elbow, :],
                               j[..., elbow, :] - j[..., shoulder, :],
                               rtol=1e-5, atol=1e-6)
    assert not b[..., fmt.center, :].any()

    train = _dataset(CPU.format('joint'), 'train_dataloader', kinect20_file)
    samples = [train[i] for i in range(2)]
    assert samples[0]['inputs'].shape == (1, 1, 32, 20, 3)
    assert samples[0]['data_samples'].gt_label.item() == train.get_data_info(
        0)['label']
    cfg = Config.fromfile(CPU.format('joint')).model
    model = ROOT_MODELS.build(cfg)
    data = model.data_preprocessor(pseudo_collate(samples), training=True)
    losses = model.loss(**data)
    assert torch.isfinite(losses['loss_cls'])


@pytest.mark.e2e
def test_the_models_import_in_a_fresh_process_before_any_registration():
    # tools/analysis/visualize_mae.py imports s2i_mm.models at its top,
    # before register_all_modules: mmaction2 1.2.0's wheel lacks
    # localizers/drn, which ``import mmaction.models`` needs
    from s2i_testing import run_python
    out = run_python('from s2i_mm.models import STGCN, S2IMAE\n'
                     'print(STGCN.__name__, S2IMAE.__name__)\n')
    assert out.stdout.split() == ['STGCN', 'S2IMAE']
