"""The all-subset evaluation that shares encoder outputs between subsets gives the predictions of the
plain path (every subset runs every encoder), tensor by tensor, and the same metrics through a Runner."""

import copy
import math

import pytest
import torch
from conftest import config_path
from mmengine.config import Config
from mmengine.registry import MODELS, RUNNERS, init_default_scope

from mmwam.engine.runner.missing_modality_loops import encoder_cache_for, predict_every_subset
from mmwam.testing import fake_seg_batch, tiny_seg_runner_cfg
from mmwam.utils import all_subsets


def _randomize_norm_statistics(model):
    """BatchNorm in eval mode with running statistics that are not the identity."""
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


def _predictions(model, batches, reuse: bool):
    """Every subset's outputs for every batch, through the plain or the shared path."""
    subsets = all_subsets(list(model.data_preprocessor.modalities))
    cache, why = encoder_cache_for(model) if reuse else (None, None)
    assert why is None
    out = []
    for data in batches:
        out.append(
            {
                s: o
                for s, o in predict_every_subset(model, copy.deepcopy(data), subsets, cache=cache)
            }
        )
    return out, cache


def _assert_same(a, b):
    for batch_a, batch_b in zip(a, b):
        for subset in batch_a:
            for x, y in zip(batch_a[subset], batch_b[subset]):
                for field in ('seg_logits', 'pred_sem_seg', 'pred_instances'):
                    if field not in x:
                        continue
                    fx, fy = x.get(field), y.get(field)
                    for key in fx.keys():
                        torch.testing.assert_close(
                            fx.get(key),
                            fy.get(key),
                            rtol=0,
                            atol=1e-6,
                            msg=f'{subset} {field}.{key}',
                        )


@pytest.mark.slow
def test_segformer_layernorm_and_padding_same_predictions():
    init_default_scope('mmseg')
    cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    cfg.data_preprocessor.test_cfg = dict(size_divisor=32)  # 56x40 images padded to 64x64
    model = MODELS.build(cfg).eval()
    batches = [fake_seg_batch(n=2, h=56, w=40, seed=seed) for seed in (0, 1, 2)]
    plain, _ = _predictions(model, batches, reuse=False)
    shared, cache = _predictions(model, batches, reuse=True)
    _assert_same(plain, shared)
    # per batch: rgb and depth real once, reused by the full set; zeros once per evaluation and shape
    assert cache.misses == 3 * 2 + 2 and cache.hits == 3 * 4 - 2


@pytest.mark.slow
def test_resnet_batchnorm_detector_same_predictions():
    init_default_scope('mmdet')
    cfg = Config.fromfile(config_path('mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py')).model
    cfg.test_cfg.score_thr = 0.0
    model = MODELS.build(cfg)
    _randomize_norm_statistics(model)
    model.eval()
    from mmdet.testing import demo_mm_inputs

    torch.manual_seed(0)
    batches = [
        demo_mm_inputs(
            batch_size=2, image_shapes=[(4, 64, 64), (4, 48, 56)], num_items=[1, 1], num_classes=2
        )
        for _ in range(2)
    ]  # two sizes in a batch: padding
    plain, _ = _predictions(model, batches, reuse=False)
    shared, cache = _predictions(model, batches, reuse=True)
    _assert_same(plain, shared)
    assert cache.hits > 0


def test_an_encoder_in_training_mode_falls_back_to_the_plain_path():
    init_default_scope('mmseg')
    model = MODELS.build(
        Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    ).eval()
    model.backbone.encoders['depth'].layers[0][0].train()
    cache, why = encoder_cache_for(model)
    assert cache is None and 'modules in training mode during evaluation (depth.layers.0.0' in why


def _val_metrics(runner, reuse):
    runner.val_loop.reuse_encoder_outputs = reuse
    return runner.val_loop.run()


def _assert_metrics_equal(a, b):
    assert set(a) == set(b)
    for k in a:
        assert a[k] == b[k] or (
            isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k])
        ), k


@pytest.mark.slow
def test_runner_metrics_equal_on_the_demo_set(demo_root, tmp_path):
    runner = RUNNERS.build(tiny_seg_runner_cfg(demo_root, tmp_path, max_iters=2))
    runner.train()
    _assert_metrics_equal(_val_metrics(runner, False), _val_metrics(runner, True))
    assert runner.val_loop._cache is not None and runner.val_loop._cache.hits > 0


@pytest.mark.slow
def test_runner_metrics_equal_on_llvip_mini(tmp_path):
    from conftest import llvip_mini

    from mmwam.testing import tiny_det_runner_cfg

    cfg = tiny_det_runner_cfg(llvip_mini(), tmp_path)
    cfg.val_dataloader.dataset.indices = 4
    runner = RUNNERS.build(cfg)
    runner.train()
    _assert_metrics_equal(_val_metrics(runner, False), _val_metrics(runner, True))


def test_the_all_zero_entries_are_bounded_and_the_recent_ones_kept():
    from torch import nn

    from mmwam.models.encoder_cache import EncoderOutputCache

    cache, conv = EncoderOutputCache(max_zero_entries=2), nn.Conv2d(1, 2, 3)
    for size in (
        8,
        9,
        8,
        10,
        8,
    ):  # zero inputs of three sizes; 8 used again, 9 the least recently used
        cache.encode('depth', conv, torch.zeros(1, 1, size, size))
        cache.encode(
            'depth', conv, torch.ones(1, 1, size, size)
        )  # a real input: dropped at new_batch
        cache.new_batch()
    assert [e[0].shape[-1] for e in cache.entries['depth']] == [10, 8]
    assert cache.hits == 2 and cache.misses == 3 + 5
