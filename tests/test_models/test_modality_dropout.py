"""Modality dropout: its draw statistics, what it zeroes at each level, reproducibility and resume, that
MWAM's FRM sees the undropped inputs, the errors; and feature-level zeroing in the evaluation."""

import copy

import pytest
import torch
from conftest import config_path, run_tool
from mmengine.config import Config
from mmseg.registry import MODELS

from mmwam import frequency_ratio
from mmwam.models import ModalityDropout
from mmwam.testing import fake_seg_batch


def _model(**dropout):
    cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    cfg.modality_dropout = dropout
    return MODELS.build(cfg)


def _subset_frequencies(drop, n=30000):
    keep = drop.draw(n)
    return {
        tuple(k): (keep == torch.tensor(k)).all(1).float().mean().item()
        for k in ([True, True], [True, False], [False, True], [False, False])
    }


def test_official_default_draws_every_non_empty_subset_uniformly():
    freq = _subset_frequencies(ModalityDropout(['rgb', 'depth'], seed=0))
    for subset in ((True, True), (True, False), (False, True)):
        assert freq[subset] == pytest.approx(1 / 3, abs=0.01)
    assert freq[(False, False)] == 0  # never the empty set
    three = ModalityDropout(['rgb', 'depth', 'thermal'], seed=0).draw(70000)
    assert three.any(1).all() and three.all(1).float().mean().item() == pytest.approx(
        1 / 7, abs=0.01
    )


def test_p_full_and_weights():
    freq = _subset_frequencies(
        ModalityDropout(['rgb', 'depth'], p_full=0.5, weights=dict(rgb=3, depth=1), seed=0)
    )
    assert freq[(True, True)] == pytest.approx(0.5, abs=0.01)
    assert freq[(True, False)] == pytest.approx(0.375, abs=0.01)  # rgb only
    assert freq[(False, True)] == pytest.approx(0.125, abs=0.01)
    never = _subset_frequencies(ModalityDropout(['rgb', 'depth'], p_full=1.0, seed=0), n=1000)
    assert never[(True, True)] == 1.0


def test_draws_are_seeded_per_step_and_resume_exactly():
    a, b = ModalityDropout(['rgb', 'depth'], seed=7), ModalityDropout(['rgb', 'depth'], seed=7)
    step0 = a.draw(64)
    assert torch.equal(step0, b.draw(64))
    assert not torch.equal(step0, ModalityDropout(['rgb', 'depth'], seed=8).draw(64))
    first = [a.draw(16) for _ in range(3)]
    resumed = ModalityDropout(['rgb', 'depth'], seed=7)
    resumed.load_state_dict(
        copy.deepcopy(b.state_dict())
    )  # b stopped after one step, as a checkpoint
    assert int(resumed.num_steps) == 1
    assert all(torch.equal(x, resumed.draw(16)) for x in first)


@pytest.mark.parametrize('level', ['input', 'feature'])
def test_training_zeroes_the_dropped_modalities_and_mwam_sees_them_whole(level):
    model = _model(p_full=0.0, level=level, seed=3).train()
    seen = {}
    for name, enc in model.backbone.encoders.items():
        enc.register_forward_hook(
            lambda m, inp, out, name=name: seen.__setitem__(name, (inp[0], out[0]))
        )
    model.backbone.fusions[0].register_forward_pre_hook(
        lambda m, args: seen.__setitem__('fused0', [f.clone() for f in args[0]])
        if 'fused0' not in seen
        else None
    )
    data = model.data_preprocessor(fake_seg_batch(n=6, h=32, w=32), True)
    keep = ModalityDropout(['rgb', 'depth'], p_full=0.0, seed=3).draw(
        6
    )  # the same draw as the model's step 0
    model.loss(**data)
    assert keep.sum(1).eq(1).all()  # p_full = 0: exactly one modality each
    parts = model.backbone.split(data['inputs'])
    for i, name in enumerate(('rgb', 'depth')):
        x, _ = seen[name]
        level0 = seen['fused0'][i]
        for b in range(6):
            if level == 'input':
                assert (x[b].abs().sum() == 0) == (not keep[b, i])
            else:
                assert torch.equal(x[b], parts[i][b])  # the encoder sees the whole input
                assert (level0[b].abs().sum() == 0) == (not keep[b, i])
    frm = torch.tensor([frequency_ratio(p).item() for p in parts], dtype=torch.float64)
    torch.testing.assert_close(model.backbone.mwam.frm, frm)  # FRM of the undropped inputs


def test_evaluation_is_untouched():
    model = _model(p_full=0.0, seed=0).eval()
    data = model.data_preprocessor(fake_seg_batch(n=2, h=32, w=32), False)
    with torch.no_grad():
        model.predict(**data)
    assert int(model.backbone.modality_dropout.num_steps) == 0


@pytest.mark.parametrize(
    'dropout, message',
    [
        (
            dict(level='pixel'),
            r"modality_dropout.level must be one of \('input', 'feature'\), got 'pixel'",
        ),
        (dict(p_full=1.5), r'modality_dropout.p_full must be in \[0, 1\], got 1.5'),
        (
            dict(p_full=0.5, weights=dict(thermal=1)),
            r"modality_dropout.weights: 'thermal' is not a non-empty subset",
        ),
        (
            dict(p_full=0.5, weights={'rgb+depth': 1}),
            r"modality_dropout.weights: 'rgb\+depth' is the full set",
        ),
        (dict(p_full=0.5, weights=dict(rgb=-1, depth=1)), r'modality_dropout.weights must be >= 0'),
    ],
)
def test_bad_configuration_names_the_field(dropout, message):
    with pytest.raises(ValueError, match=message):
        _model(**dropout)


def test_feature_level_evaluation_zeroes_features_and_skips_the_encoder():
    from mmwam.engine.runner.missing_modality_loops import predict_every_subset

    model = _model().eval()
    calls = []
    model.backbone.encoders['depth'].register_forward_hook(lambda *a: calls.append('depth'))
    data = fake_seg_batch(n=2, h=32, w=32)
    out = {
        s: o
        for s, o in predict_every_subset(
            model, copy.deepcopy(data), [('rgb',), ('rgb', 'depth')], zero_level='feature'
        )
    }
    assert calls == ['depth']  # only for the full set
    # the rgb-only prediction equals the head on rgb features + zeros (AddFusion: the rgb features alone)
    with torch.no_grad():
        pre = model.data_preprocessor(copy.deepcopy(data), False)
        rgb = model.backbone.encoders['rgb'](model.backbone.split(pre['inputs'])[0])
        logits = model.decode_head.predict(
            tuple(rgb), [s.metainfo for s in pre['data_samples']], model.test_cfg
        )
    torch.testing.assert_close(out[('rgb',)][0].seg_logits.data, logits[0], rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_dropout_trains_and_resumes_through_a_runner(demo_root, tmp_path):
    from mmengine.registry import RUNNERS

    from mmwam.testing import tiny_seg_runner_cfg

    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'a', max_iters=4)
    cfg.model.modality_dropout = dict(type='ModalityDropout', level='feature')
    runner = RUNNERS.build(cfg)
    runner.train()
    drop = runner.model.backbone.modality_dropout
    assert int(drop.num_steps) == 4
    resumed_cfg = tiny_seg_runner_cfg(
        demo_root,
        tmp_path / 'a',
        max_iters=4,
        resume=True,
        load_from=str(tmp_path / 'a' / 'iter_2.pth'),
    )
    resumed_cfg.model.modality_dropout = dict(type='ModalityDropout', level='feature')
    resumed_cfg.visualizer.name = 'resumed'
    resumed = RUNNERS.build(resumed_cfg)
    resumed.train()
    assert int(resumed.model.backbone.modality_dropout.num_steps) == 4
    for a, b in zip(runner.model.state_dict().values(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b)  # the resumed run drew the same masks: the same weights


@pytest.mark.slow
def test_input_level_dropout_trains_a_layernorm_encoder_without_exploding(demo_root, tmp_path):
    """Zeroed inputs make MiT's tokens constant; their gradient through LayerNorm is multiplied by
    1/sqrt(eps) per norm. Dropped samples' features are detached, so the loss stays finite."""
    import json
    import os.path as osp

    from mmengine.registry import RUNNERS

    from mmwam.testing import tiny_seg_runner_cfg

    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'run', max_iters=30, mwam=False)
    cfg.model.modality_dropout = dict(type='ModalityDropout', p_full=0.0, level='input')
    cfg.param_scheduler = [
        dict(type='ConstantLR', factor=1.0, by_epoch=False)
    ]  # the demo's peak lr at once
    runner = RUNNERS.build(cfg)
    runner.train()
    rows = [json.loads(line) for line in open(osp.join(runner.log_dir, 'vis_data', 'scalars.json'))]
    losses = [r['loss'] for r in rows if 'loss' in r]
    assert len(losses) == 30 and all(torch.isfinite(torch.tensor(losses))), losses


def test_train_tool_reports_a_bad_dropout_field_in_one_line(tmp_path):
    import os.path as osp

    from conftest import ROOT

    proc = run_tool(
        osp.join(ROOT, 'tools', 'train.py'),
        config_path('mwam', 'segformer_rgbd_demo_dropout.py'),
        '--work-dir',
        str(tmp_path),
        '--cfg-options',
        'model.modality_dropout.level=pixel',
    )
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "train.py: error: modality_dropout.level must be one of ('input', 'feature'), got 'pixel'"
    )
