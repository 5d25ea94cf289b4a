"""MWAM's loss mode: K weights each auxiliary unimodal head's loss; the heads are training-only; 'both'
adds the gradient scaling; clear errors; checkpoints load for testing."""

import copy

import pytest
import torch
from conftest import config_path
from mmengine.config import Config
from mmseg.registry import MODELS

from mmwam.testing import fake_det_batch, fake_seg_batch, tiny_det_model_cfg


def _model(name):
    return MODELS.build(Config.fromfile(config_path('mwam', name)).model)


def _losses(model, seed=0):
    torch.manual_seed(seed)
    data = model.data_preprocessor(fake_seg_batch(n=2, h=64, w=64, seed=seed), True)
    return model.loss(**data), data


def test_k_weights_each_modality_heads_loss():
    model = _model('segformer_rgbd_demo_mwam-loss.py').train()
    losses, data = _losses(model)
    k = model.mwam.weight.float()
    assert not torch.allclose(k, torch.ones_like(k))  # the demo's inputs are unbalanced
    feats = [tuple(f) for f in model.backbone._encode(model.backbone.split(data['inputs']))]
    for i, m in enumerate(('rgb', 'depth')):
        plain = model.modality_heads[m].loss(feats[i], data['data_samples'], model.train_cfg)[
            'loss_ce'
        ]
        torch.testing.assert_close(losses[f'{m}.loss_ce'], plain * k[i])
    assert 'decode.loss_ce' in losses


def _encoder_grads(model, loss_keys):
    model.zero_grad()
    losses, _ = _losses(model)
    sum(losses[k] for k in loss_keys).backward()
    return {
        n: p.grad.clone()
        for n, p in model.backbone.encoders.named_parameters()
        if p.grad is not None
    }


@pytest.mark.slow
def test_loss_mode_leaves_the_fused_gradient_alone_and_both_scales_it():
    loss = _model('segformer_rgbd_demo_mwam-loss.py').train()
    both = _model('segformer_rgbd_demo_mwam-both.py').train()
    both.load_state_dict(loss.state_dict())
    g_loss = _encoder_grads(loss, ['decode.loss_ce'])
    g_both = _encoder_grads(both, ['decode.loss_ce'])
    k = both.mwam.weight.float()
    for n, g in g_loss.items():
        i = 0 if n.startswith('rgb.') else 1
        torch.testing.assert_close(g_both[n], g * k[i], rtol=1e-4, atol=1e-7)


def test_heads_are_training_only_and_checkpoints_load_for_testing(tmp_path):
    model = _model('segformer_rgbd_demo_mwam-both.py')
    calls = []
    for head in model.modality_heads.values():
        head.register_forward_hook(lambda *a: calls.append(1))
    model.eval()
    data = model.data_preprocessor(fake_seg_batch(n=2, h=64, w=64), False)
    with torch.no_grad():
        out = model.predict(**data)
    assert calls == [] and set(out[0].keys()) == {'seg_logits', 'pred_sem_seg', 'gt_sem_seg'}
    torch.save(dict(state_dict=model.state_dict()), str(tmp_path / 'ckpt.pth'))
    again = _model('segformer_rgbd_demo_mwam-both.py')
    from mmengine.runner import load_checkpoint

    load_checkpoint(again, str(tmp_path / 'ckpt.pth'), strict=True)


def test_bad_mode_and_loss_mode_without_heads():
    cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    with pytest.raises(
        ValueError, match=r"mwam.mode must be one of \('grad', 'loss', 'both'\), got 'gradient'"
    ):
        MODELS.build(dict(copy.deepcopy(cfg), mwam=dict(type='MWAM', mode='gradient')))
    with pytest.raises(ValueError, match=r"mwam.mode='loss' needs model.modality_heads"):
        MODELS.build(dict(copy.deepcopy(cfg), mwam=dict(type='MWAM', mode='loss')))


def _detector(mode='both', heads=dict(), name='retinanet', **kw):
    from mmdet.registry import MODELS as DET_MODELS
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    cfg = tiny_det_model_cfg(name)
    cfg.update(mwam=dict(type='MWAM', mode=mode), modality_heads=heads, **kw)
    return DET_MODELS.build(cfg)


@pytest.mark.slow
@pytest.mark.parametrize('name', ['retinanet', 'fcos'])
def test_detection_k_weights_each_modality_heads_loss_and_heads_are_training_only(name):
    model = _detector(name=name).train()
    data = model.data_preprocessor(fake_det_batch(), True)
    model.mwam.update(model.backbone.split(data['inputs']))  # a non-trivial bank: K != 1 next step
    losses = model(**data, mode='loss')
    k = model.mwam.weight.float()
    assert not torch.allclose(k, torch.ones_like(k))
    feats = model.backbone._encode(model.backbone.split(data['inputs']))
    for i, m in enumerate(('rgb', 'infrared')):
        plain = model.modality_heads[m].loss(model.neck(tuple(feats[i])), data['data_samples'])
        for key, value in plain.items():
            if 'loss' in key:
                got = losses[f'{m}.{key}']
                for g, v in zip(_as_list(got), _as_list(value)):
                    torch.testing.assert_close(g, v * k[i])
    calls = []
    for head in model.modality_heads.values():
        head.register_forward_hook(lambda *a: calls.append(1))
    model.eval()
    with torch.no_grad():
        out = model(**model.data_preprocessor(fake_det_batch(), False), mode='predict')
    assert calls == [] and len(out) == 2 and 'pred_instances' in out[0]


def test_detection_heads_need_a_single_stage_detector_and_loss_mode_needs_heads():
    with pytest.raises(
        ValueError, match=r'model.modality_heads needs a single-stage detector .*FasterRCNN'
    ):
        _detector(name='faster-rcnn')
    with pytest.raises(
        ValueError,
        match=r"mwam.mode='loss' needs model.modality_heads: dict\(\) for a per-modality",
    ):
        _detector(mode='loss', heads=None)


@pytest.mark.slow
def test_ogm_ge_modulates_a_detector_from_its_heads_losses():
    from mmdet.registry import MODELS as DET_MODELS
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    cfg = tiny_det_model_cfg('retinanet', mwam=False)
    cfg.update(modality_heads=dict(), balancer=dict(type='OGMGE', alpha=0.5, ge=False))
    model = DET_MODELS.build(cfg).train()
    data = model.data_preprocessor(fake_det_batch(), True)
    losses = model(**data, mode='loss')
    balancer = model.backbone.balancer
    from mmwam.models.balancer import total_loss

    own = {
        m: {k[len(m) + 1 :]: v for k, v in losses.items() if k.startswith(m + '.')}
        for m in ('rgb', 'infrared')
    }
    expected = [float(torch.exp(-total_loss(own[m]))) for m in ('rgb', 'infrared')]
    assert balancer.score.tolist() == pytest.approx(expected, rel=1e-5)
    assert balancer.coeff.tolist() == pytest.approx(type(balancer).coefficients(expected, 0.5))


def _as_list(x):
    return x if isinstance(x, list) else [x]
