"""OGM-GE behind the balancer interface: its coefficient against a hand computation, the encoder gradients it
modulates, GE's noise, logging and an exact resume through a Runner, and clear configuration errors."""

import copy
import json
import math
import os.path as osp

import pytest
import torch
from conftest import config_path
from mmengine.config import Config
from mmseg.registry import MODELS

from mmwam.testing import fake_seg_batch, tiny_seg_runner_cfg

OGM = 'segformer_rgbd_demo_ogm-ge.py'


def test_coefficient_against_a_hand_computation():
    from mmwam.models import OGMGE

    # two modalities, scores 0.6 and 0.3: rho_rgb = 2, rho_depth = 0.5; official Eq. 10: 1 - tanh(alpha * rho)
    assert OGMGE.coefficients([0.6, 0.3], alpha=0.5) == pytest.approx([1 - math.tanh(1.0), 1.0])
    assert OGMGE.coefficients([0.3, 0.6], alpha=0.5) == pytest.approx([1.0, 1 - math.tanh(1.0)])
    # the continuous variant: 1 - tanh(alpha * (rho - 1)); a tie modulates nobody
    assert OGMGE.coefficients([0.6, 0.3], alpha=0.5, ratio_offset=1.0) == pytest.approx(
        [1 - math.tanh(0.5), 1.0]
    )
    assert OGMGE.coefficients([0.4, 0.4], alpha=0.5) == [1.0, 1.0]
    # three modalities: rho_i = s_i / mean of the others = 3 / 1.5, 2 / 2, 1 / 2.5
    assert OGMGE.coefficients([3, 2, 1], alpha=0.1) == pytest.approx([1 - math.tanh(0.2), 1.0, 1.0])


def _model(**balancer):
    cfg = Config.fromfile(config_path('mwam', OGM)).model
    cfg.balancer.update(balancer)
    return MODELS.build(cfg).train()


def _encoder_grads(model, seed=0):
    model.zero_grad()
    torch.manual_seed(seed)
    data = model.data_preprocessor(fake_seg_batch(n=2, h=64, w=64, seed=seed), True)
    losses = model.loss(**data)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    return {
        n: p.grad.clone()
        for n, p in model.backbone.encoders.named_parameters()
        if p.grad is not None
    }


@pytest.mark.slow
def test_the_dominant_encoders_gradients_are_multiplied_by_its_coefficient():
    ogm = _model(ge=False, alpha=0.5)
    plain_cfg = Config.fromfile(config_path('mwam', OGM)).model
    plain = MODELS.build(dict(plain_cfg, balancer=None)).train()  # the same heads, no modulation
    plain.load_state_dict(ogm.state_dict(), strict=False)
    g_ogm, g_plain = _encoder_grads(ogm), _encoder_grads(plain)
    balancer = ogm.backbone.balancer
    s = balancer.score.tolist()
    expected = type(balancer).coefficients(s, 0.5)
    assert balancer.coeff.tolist() == pytest.approx(expected)
    assert min(expected) < 0.99  # the fake batch is unbalanced: one encoder is slowed down
    for n, g in g_plain.items():
        i = 0 if n.startswith('rgb.') else 1
        torch.testing.assert_close(g_ogm[n], g * expected[i], rtol=1e-4, atol=1e-7)


@pytest.mark.slow
def test_ge_adds_noise_of_the_gradients_own_scale_reproducibly():
    a, b = _model(ge=True), _model(ge=True)
    b.load_state_dict(a.state_dict())
    noisy_a, noisy_b = _encoder_grads(a), _encoder_grads(b)
    for n in noisy_a:
        assert torch.equal(noisy_a[n], noisy_b[n]), n  # the same seed and step: the same noise
    quiet = _model(ge=False)
    quiet.load_state_dict(a.state_dict())
    q = _encoder_grads(quiet)
    big = max(q, key=lambda n: q[n].numel())
    diff = noisy_a[big] - q[big]
    assert 0.5 < float(diff.std() / q[big].std()) < 2.0  # noise with the modulated gradient's std


@pytest.mark.slow
def test_evaluation_and_a_step_without_observed_scores_are_untouched():
    model = _model(ge=True)
    balancer = model.backbone.balancer
    _encoder_grads(model)  # step 1: scores observed, coefficients armed
    grad = torch.ones(3)
    assert balancer._modulate(grad, 0) is not grad
    balancer.before_encoders([])  # step 2 began, no scores yet (e.g. a forward without the heads)
    assert balancer._modulate(grad, 0) is grad
    model.eval()
    balancer._armed_step = int(balancer.num_steps)
    assert balancer._modulate(grad, 0) is grad  # a backward outside training (e.g. a saliency map)


@pytest.mark.slow
def test_trains_logs_and_resumes_exactly_through_a_runner(demo_root, tmp_path):
    from mmengine.registry import RUNNERS

    ogm = Config.fromfile(config_path('mwam', OGM)).model

    def cfg(work, **kw):
        c = tiny_seg_runner_cfg(demo_root, work, max_iters=4, **kw)
        c.model.mwam, c.model.balancer = None, ogm.balancer
        c.model.modality_heads = ogm.modality_heads
        return c

    runner = RUNNERS.build(cfg(tmp_path / 'a'))
    runner.train()
    rows = [json.loads(line) for line in open(osp.join(runner.log_dir, 'vis_data', 'scalars.json'))]
    assert all('ogmge_coeff_rgb' in r and 'ogmge_score_depth' in r for r in rows if 'loss' in r)
    assert any(r['ogmge_coeff_rgb'] < 1 or r['ogmge_coeff_depth'] < 1 for r in rows if 'loss' in r)
    resumed_cfg = cfg(tmp_path / 'a', resume=True, load_from=str(tmp_path / 'a' / 'iter_2.pth'))
    resumed_cfg.visualizer.name = 'resumed_ogm'
    resumed = RUNNERS.build(resumed_cfg)
    resumed.train()
    assert int(resumed.model.backbone.balancer.num_steps) == 4
    for (k, a), b in zip(runner.model.state_dict().items(), resumed.model.state_dict().values()):
        torch.testing.assert_close(
            a, b, msg=k
        )  # the same coefficients and the same GE noise after resume


def test_bad_configuration_names_the_field():
    cfg = Config.fromfile(config_path('mwam', OGM)).model
    with pytest.raises(ValueError, match=r'balancer OGMGE needs model.modality_heads'):
        MODELS.build(dict(copy.deepcopy(cfg), modality_heads=None))
    with pytest.raises(ValueError, match=r'give model.balancer .* or model.mwam .*, not both'):
        MODELS.build(dict(copy.deepcopy(cfg), mwam=dict(type='MWAM', lam=6)))
    with pytest.raises(ValueError, match=r'balancer.alpha must be >= 0, got -1'):
        MODELS.build(dict(copy.deepcopy(cfg), balancer=dict(type='OGMGE', alpha=-1)))
    with pytest.raises(ValueError, match=r"is not a Balancer subclass"):
        MODELS.build(dict(copy.deepcopy(cfg), balancer=dict(type='ModalityDropout')))


@pytest.mark.slow
@pytest.mark.parametrize(
    'option, message',
    [
        (
            'model.balancer.type=OGMG',
            "'OGMG' is not a registered model type (scope mmseg): check the type field; "
            "did you mean 'OGMGE'?",
        ),
        ('model.balancer.alpah=0.2', "OGMGE has no field 'alpah'; did you mean 'alpha'?"),
        (
            'model.mwam.lam=6',
            'a field that is None in the base config, e.g. model.mwam=None in a baseline, takes a '
            'whole dict',
        ),
    ],
)
def test_train_tool_reports_a_misspelt_balancer_in_one_line(tmp_path, option, message):
    from conftest import ROOT, run_tool

    proc = run_tool(
        osp.join(ROOT, 'tools', 'train.py'),
        config_path('mwam', OGM),
        '--work-dir',
        tmp_path,
        '--cfg-options',
        option,
        in_process=option != 'model.balancer.type=OGMG',  # the first: train.py's smoke test
    )
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr
    assert 'train.py: error: ' in proc.stderr and message in proc.stderr, proc.stderr[-2000:]
