"""Every config under configs/ (but _base_) builds its model and pipelines and trains one step."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.registry import MODELS

from conftest import ROOT
from test_models.test_dual_backbone_detector import batch as det_batch
from test_models.test_multimodal_encoder_decoder import fake_batch as seg_batch

CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)


def test_there_are_configs():
    names = {osp.relpath(p, osp.join(ROOT, 'configs')) for p in CONFIGS}
    assert {'mwam/segformer_rgbd.py', 'mwam/segformer_rgbd_baseline.py', 'mwam/segformer_rgbd_demo.py',
            'mwam/segformer_rgbd_demo_baseline.py', 'mwam/faster-rcnn_r50_fpn_rgbt_llvip.py',
            'mwam/faster-rcnn_r50_fpn_rgbt_llvip_baseline.py', 'mwam/retinanet_r50_fpn_rgbt_llvip.py',
            'mwam/retinanet_r50_fpn_rgbt_llvip_baseline.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_config_builds_and_trains_one_step(path):
    cfg = Config.fromfile(path)
    scope = cfg.default_scope
    init_default_scope(scope)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        Compose(cfg[loader].dataset.pipeline)
    modalities = cfg.model.data_preprocessor.modalities
    channels = sum(modalities.values())
    if scope == 'mmseg':
        cfg.model.data_preprocessor.size = None  # no padding to the full crop: a tiny step
        cfg.model.data_preprocessor.size_divisor = 32
        data = seg_batch(n=2, h=64, w=64, channels=channels, num_classes=cfg.model.decode_head.num_classes)
    else:
        assert channels == 4
        data = det_batch(n=2, size=64)
    model = MODELS.build(cfg.model).train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    losses = model.train_step(data, optim)
    assert all(torch.isfinite(v).all() for v in losses.values())
    changed = [n for n, p in model.named_parameters() if not torch.equal(before[n], p)]
    for m in modalities:
        assert any(f'backbone.encoders.{m}.' in n for n in changed), m
    assert (model.backbone.mwam is None) == ('baseline' in osp.basename(path))
