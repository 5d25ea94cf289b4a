"""Every config under configs/ (but _base_) builds its model, pipelines and datasets (on the fixtures
where the data exists here: the demo set, llvip_mini; unloaded otherwise), loads its pretrained
checkpoint (a local stand-in for the hub one: no hub is reachable here) into every encoder, and trains
one step. Every _base_ file loads."""

import glob
import os.path as osp

import pytest
from conftest import LLVIP_MINI, ROOT
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import MODELS, init_default_scope
from test_models.test_pretrained import assert_encoders_equal, make_checkpoint

from mmwam.testing import fake_det_batch, fake_seg_batch, train_one_step

CONFIGS = sorted(
    p
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p
)
# a baseline is its MWAM config with ``model.mwam=None``: compared, not trained (MWAM-less models train in
# test_models/test_multimodal_encoder_decoder.py, test_modality_dropout.py and test_testing/)
BASELINES = [p for p in CONFIGS if p.endswith('_baseline.py')]
TRAINED = [p for p in CONFIGS if p not in BASELINES]
BASES = sorted(glob.glob(osp.join(ROOT, 'configs', '_base_', '**', '*.py'), recursive=True))


@pytest.mark.parametrize('path', BASES, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_base_config_loads(path):
    assert Config.fromfile(path).filename == path


def _build_datasets(cfg, demo_root):
    """Each loader's dataset: loaded from the fixture where the data exists here, else built unloaded."""
    from mmengine.registry import DATASETS

    name = osp.basename(cfg.filename)
    root = (
        demo_root
        if 'rgbd_demo' in name
        else (LLVIP_MINI if osp.isdir(LLVIP_MINI) else None)
        if 'llvip-mini' in name
        else osp.join(ROOT, 'tests', 'data', 'kaist')
        if 'kaist-mini' in name
        else None
    )
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = inner = cfg[loader].dataset.to_dict()
        while (
            'dataset' in inner
        ):  # a wrapper (YOLOX's MultiImageMixDataset): its dataset reads the files
            inner = inner['dataset']
        if (
            root is None
        ):  # (a wrapper counts its dataset's samples when built: the dataset alone then)
            ds = dict(inner, lazy_init=True)
        else:
            inner['data_root'] = root
        dataset = DATASETS.build(ds)
        if root is not None:
            assert len(dataset) > 0 and dataset[0]['inputs'].shape[0] == sum(
                cfg.model.data_preprocessor.modalities.values()
            ), (loader, name)


def test_there_are_configs():
    names = {osp.relpath(p, osp.join(ROOT, 'configs')) for p in CONFIGS}
    assert {
        'mwam/segformer_rgbd.py',
        'mwam/segformer_rgbd_baseline.py',
        'mwam/segformer_rgbd_demo.py',
        'mwam/segformer_rgbd_demo_baseline.py',
        'mwam/faster-rcnn_r50_fpn_rgbt_llvip.py',
        'mwam/faster-rcnn_r50_fpn_rgbt_llvip_baseline.py',
        'mwam/retinanet_r50_fpn_rgbt_llvip.py',
        'mwam/retinanet_r50_fpn_rgbt_llvip_baseline.py',
    } <= names


_LOCAL = {}


def _local_stand_in_for_hub_checkpoint(cfg, tmp_dir):
    """Points the config's pretrained checkpoint (``model.pretrained`` or the backbone's ``init_cfg``) at a
    local checkpoint of the same backbone with random values (one per URL and backbone, made once).
    Returns its state dict, or None when the config trains from scratch."""
    model = cfg.model
    init = model.backbone.get('init_cfg') or {}
    url = model.get('pretrained') or (
        init.get('checkpoint') if init.get('type') == 'Pretrained' else None
    )
    if not url:
        return None
    key = (url, repr(model.backbone))
    if key not in _LOCAL:
        path = osp.join(tmp_dir, f'pretrained{len(_LOCAL)}.pth')
        prefix = init.get('prefix', '') if not model.get('pretrained') else ''
        prefix = prefix + '.' if prefix and not prefix.endswith('.') else prefix
        _LOCAL[key] = path, make_checkpoint(model.backbone, path, cfg.default_scope, prefix=prefix)
    path, state = _LOCAL[key]
    if model.get('pretrained'):
        model.pretrained = path
    else:
        model.backbone.init_cfg.checkpoint = path
    return state


@pytest.fixture(scope='module')
def checkpoint_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp('pretrained'))


@pytest.mark.parametrize('path', BASELINES, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_baseline_config_is_its_mwam_config_without_mwam(path):
    twin = Config.fromfile(path[: -len('_baseline.py')] + '.py').to_dict()
    twin['model']['mwam'] = None
    assert Config.fromfile(path).to_dict() == twin


@pytest.mark.parametrize(
    'path',
    # the demo segmentors' are quick (make test-fast runs them), the full-size and detection ones slow
    [p if 'segformer_rgbd_demo' in p else pytest.param(p, marks=pytest.mark.slow) for p in TRAINED],
    ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')),
)
def test_config_builds_loads_pretrained_and_trains_one_step(path, checkpoint_dir, demo_root):
    cfg = Config.fromfile(path)
    scope = cfg.default_scope
    init_default_scope(scope)
    state = _local_stand_in_for_hub_checkpoint(cfg, checkpoint_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        Compose(cfg[loader].dataset.pipeline)
    _build_datasets(cfg, demo_root)
    modalities = cfg.model.data_preprocessor.modalities
    channels = sum(modalities.values())
    if scope == 'mmseg':
        cfg.model.data_preprocessor.size = None  # no padding to the full crop: a tiny step
        cfg.model.data_preprocessor.size_divisor = 32
        data = fake_seg_batch(
            n=2, h=64, w=64, channels=channels, num_classes=cfg.model.decode_head.num_classes
        )
    else:
        assert channels == 4
        data = fake_det_batch(n=2, size=64)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if state is not None:
        assert_encoders_equal(model.backbone, state, modalities)
    _, changed = train_one_step(model, data, cfg.optim_wrapper)
    for m in modalities:
        assert any(f'backbone.encoders.{m}.' in n for n in changed), m
    name = osp.basename(path)
    assert type(model.backbone.balancer).__name__ == ('OGMGE' if 'ogm-ge' in name else 'MWAM')
