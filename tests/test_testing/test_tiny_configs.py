"""mmwam.testing's tiny configs: the baseline differs from the MWAM model by ``mwam`` alone; the runner
configs point at the data and the work directory."""

import pytest
from mmengine.registry import MODELS, init_default_scope

from mmwam.models import DualBackboneDetector
from mmwam.testing import (
    config_file,
    tiny_det_model_cfg,
    tiny_det_runner_cfg,
    tiny_seg_model_cfg,
    tiny_seg_runner_cfg,
)


def test_config_file():
    assert config_file('mwam/segformer_rgbd_demo.py').endswith(
        'configs/mwam/segformer_rgbd_demo.py'
    )
    with pytest.raises(FileNotFoundError, match='no config mwam/nothing.py'):
        config_file('mwam/nothing.py')


def test_seg_model_cfg_and_its_baseline():
    cfg, base = tiny_seg_model_cfg(), tiny_seg_model_cfg(mwam=False)
    assert cfg.mwam == dict(type='MWAM') and base.mwam is None
    assert dict(cfg, mwam=None) == base
    assert cfg.decode_head.dropout_ratio == 0.0
    fused = tiny_seg_model_cfg(fusion=dict(type='ConcatFusion', in_channels=[16, 32, 80, 128]))
    assert fused.fusion.type == 'ConcatFusion'


@pytest.mark.parametrize('name', ['retinanet', 'faster-rcnn', 'fcos'])
def test_det_model_cfg_builds_a_resnet18_detector(name):
    init_default_scope('mmdet')
    model = MODELS.build(tiny_det_model_cfg(name))
    assert isinstance(model, DualBackboneDetector) and model.mwam is not None
    assert model.backbone.encoders['infrared'].depth == 18
    assert dict(tiny_det_model_cfg(name), mwam=None) == tiny_det_model_cfg(name, mwam=False)


def test_runner_cfgs(tmp_path):
    cfg = tiny_seg_runner_cfg(
        '/data/demo', tmp_path, max_iters=6, mwam=False, randomness=dict(seed=3)
    )
    assert cfg.model.mwam is None and cfg.randomness.seed == 3
    assert (cfg.train_cfg.max_iters, cfg.default_hooks.checkpoint.interval) == (6, 3)
    assert cfg.train_dataloader.dataset.data_root == '/data/demo' and cfg.work_dir == str(tmp_path)
    assert cfg.visualizer.name == f'visualizer_{tmp_path}'
    det = tiny_det_runner_cfg('/data/llvip', tmp_path)
    assert det.test_dataloader.dataset.data_root == '/data/llvip' and det.train_cfg.max_epochs == 1
    assert det.train_dataloader.dataset.indices == 4 and det.model.test_cfg.score_thr == 0.0
