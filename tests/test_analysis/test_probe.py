"""Encoder probes on the demo model: a number per modality and for the fused features, reproducible,
at chance level for an encoder whose features are zeros; the CLI prints the table, writes the JSON and
refuses another model's checkpoint in one line."""

import json
import os.path as osp

import pytest
import torch
from conftest import LLVIP_MINI, ROOT, config_path, run_tool
from mmengine.registry import RUNNERS
from torch import nn

from mmwam.analysis.probe import FUSED, load_frozen_model, probe_model
from mmwam.testing import tiny_seg_runner_cfg
from mmwam.utils.errors import InputError

TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'probe_encoders.py')
ITERS = 20
NUM_CLASSES = 5  # the demo set's


class ZeroFeatures(nn.Module):
    """An encoder whose every feature level is multiplied by zero: features that carry no information."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, x):
        return [f * 0 for f in self.encoder(x)]


@pytest.fixture(scope='module')
def demo(demo_root, tmp_path_factory):
    """The demo model trained 4 iterations, its config and checkpoint, and a probe of it (seed 0)."""
    work = tmp_path_factory.mktemp('probe')
    cfg = tiny_seg_runner_cfg(demo_root, work, max_iters=4)
    RUNNERS.build(cfg).train()
    ckpt = osp.join(work, 'iter_4.pth')
    results = probe_model(load_frozen_model(cfg, ckpt), cfg, iters=ITERS, seed=0)
    return cfg, ckpt, results


@pytest.mark.slow
def test_probe_scores_every_encoder_and_the_fused_features_reproducibly(demo):
    cfg, ckpt, results = demo
    assert list(results) == ['rgb', 'depth', FUSED]
    for metrics in results.values():
        assert {'mIoU', 'mAcc', 'aAcc'} <= set(metrics) and 0 < metrics['mIoU'] <= 100
    assert probe_model(load_frozen_model(cfg, ckpt), cfg, iters=ITERS, seed=0) == results
    assert probe_model(load_frozen_model(cfg, ckpt), cfg, iters=ITERS, seed=1) != results


@pytest.mark.slow
def test_an_encoder_without_information_probes_at_chance_level(demo):
    cfg, ckpt, real = demo
    model = load_frozen_model(cfg, ckpt)
    model.backbone.encoders['depth'] = ZeroFeatures(model.backbone.encoders['depth'])
    zeroed = probe_model(model, cfg, iters=ITERS, seed=0)
    # mAcc, the mean per-class accuracy, is 100 / classes for a model that cannot tell classes apart
    chance = 100 / NUM_CLASSES
    assert zeroed['depth']['mAcc'] == pytest.approx(chance, abs=0.01)
    assert real['depth']['mAcc'] > chance + 3  # about 27 on the demo model
    assert zeroed['rgb'] == real['rgb']  # each probe reads its own encoder only


@pytest.mark.slow
def test_cli_prints_the_table_and_writes_json(demo, tmp_path):
    cfg, ckpt, _ = demo
    config = str(tmp_path / 'demo.py')
    cfg.dump(config)
    out = tmp_path / 'probe' / 'probe.json'
    # (in this process: compare_seeds.py --probe below runs the tool in its own, as a user would)
    proc = run_tool(TOOL, config, ckpt, '--iters', '2', '--out', out, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '| features          | mIoU' in proc.stdout and '| fused (reference) |' in proc.stdout
    saved = json.loads(out.read_text())
    assert saved['iters'] == 2 and saved['seed'] == 0 and saved['lr'] == 0.01
    assert set(saved['results']) == {'rgb', 'depth', FUSED}
    row = next(line for line in proc.stdout.splitlines() if line.startswith('| depth '))
    assert f'{saved["results"]["depth"]["mIoU"]:.4f}' in row


def test_cli_refuses_a_checkpoint_of_another_model_in_one_line(demo, tmp_path):
    cfg, ckpt, _ = demo
    config = str(tmp_path / 'demo.py')
    cfg.dump(config)
    proc = run_tool(TOOL, config, ckpt, '--cfg-options', 'model.decode_head.channels=32', cwd=ROOT)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert (
        last.startswith('probe_encoders.py: error: checkpoint ') and 'another shape' in last
    ), proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr


def test_bad_iterations_are_refused(demo):
    cfg, ckpt, _ = demo
    with pytest.raises(InputError, match='--iters 0'):
        probe_model(load_frozen_model(cfg, ckpt), cfg, iters=0)


def test_a_two_stage_detector_is_refused_in_one_line():
    from mmengine.config import Config
    from mmengine.registry import MODELS

    from mmwam.utils.setup_env import register_all_modules

    register_all_modules('mmdet')
    cfg = Config.fromfile(config_path('mwam', 'faster-rcnn_r18_fpn_rgbt_llvip-mini_demo.py'))
    with pytest.raises(InputError, match='two-stage and query-based detectors are not probed'):
        probe_model(MODELS.build(cfg.model), cfg, iters=1)


LLVIP = LLVIP_MINI


@pytest.mark.slow
@pytest.mark.skipif(
    not osp.isdir(LLVIP),
    reason=f'llvip_mini is not at {LLVIP} (set MMWAM_LLVIP_MINI to its folder)',
)
def test_single_stage_detector_probe_gives_the_config_metric_per_encoder(tmp_path):
    from conftest import llvip_mini
    from mmengine.registry import MODELS

    from mmwam.testing import tiny_det_runner_cfg
    from mmwam.utils.setup_env import register_all_modules

    register_all_modules('mmdet')
    cfg = tiny_det_runner_cfg(llvip_mini(), tmp_path)
    ckpt = str(tmp_path / 'init.pth')
    torch.manual_seed(0)
    torch.save(
        dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt
    )  # the probe freezes any weights
    results = probe_model(load_frozen_model(cfg, ckpt), cfg, iters=1)
    assert list(results) == ['rgb', 'infrared', FUSED]
    for metrics in results.values():
        assert 0 <= metrics['coco/bbox_mAP_50'] <= 1 and 'pascal_voc/mAP' in metrics


@pytest.mark.slow
def test_compare_seeds_tests_again_and_probes_finished_runs(demo, tmp_path):
    """compare_seeds.py on a finished run (the demo model): ``--test-name input --test-options`` runs a
    second real test into its own folder, ``--probe`` runs the real probe tool; the summary holds both."""
    cfg, ckpt, _ = demo
    config = str(tmp_path / 'demo.py')
    cfg.dump(config)
    work = tmp_path / 'study' / 'demo_seed0'
    (work / 'test' / '20260101_000000').mkdir(parents=True)
    (work / 'last_checkpoint').write_text(ckpt)
    (work / 'test' / '20260101_000000' / 'missing_modality_metrics.json').write_text('{}')
    tool = osp.join(ROOT, 'tools', 'analysis_tools', 'compare_seeds.py')
    cmd = [tool, config, '--seeds', '0', '--work-root', str(tmp_path / 'study')]
    cmd += ['--test-name', 'input', '--test-options', 'test_cfg.zero_level=input']
    proc = run_tool(*cmd, '--probe', '--probe-iters', '2')
    assert proc.returncode == 0, proc.stderr[-3000:]
    saved = json.loads((work / 'probe.json').read_text())
    assert saved['iters'] == 2
    summary = (tmp_path / 'study' / 'summary_input.md').read_text()
    assert summary == proc.stdout.rstrip('\n') + '\n'
    tested = json.loads(next((work / 'input').glob('*/missing_modality_metrics.json')).read_text())
    assert f'| demo.py | {tested["rgb+depth/mIoU"]:.2f} ± 0.00 |' in summary
    probe = saved['results']
    row = f'| demo.py | {probe["rgb"]["mIoU"]:.2f} ± 0.00 | {probe["depth"]["mIoU"]:.2f} ± 0.00 |'
    assert 'probe mIoU' in summary and row in summary
    # a second call reads both back, says so and trains, tests and probes nothing
    again = run_tool(*cmd, '--probe')
    assert again.returncode == 0 and again.stdout == proc.stdout, again.stderr[-2000:]
    assert 'compare_seeds: reusing ' in again.stderr and 'probing' not in again.stderr
    # the extra test's options are part of its record: other ones are refused
    other = run_tool(*cmd[:-1], 'test_cfg.zero_level=feature')
    assert other.returncode != 0 and 'was made with the options' in other.stderr
