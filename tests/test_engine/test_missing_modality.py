import math
import os
import os.path as osp

import pytest
from conftest import ROOT, run_tool
from mmengine.registry import RUNNERS

from mmwam.evaluation.missing_modality import format_table, merge_subset_metrics
from mmwam.testing import tiny_seg_runner_cfg
from mmwam.utils import all_subsets, parse_subsets


def test_subsets_and_their_names():
    assert all_subsets(['rgb', 'depth', 'ir']) == [
        ('rgb', 'depth', 'ir'),
        ('rgb', 'depth'),
        ('rgb', 'ir'),
        ('depth', 'ir'),
        ('rgb',),
        ('depth',),
        ('ir',),
    ]
    assert parse_subsets(['depth+rgb', ('depth',)], ['rgb', 'depth']) == [
        ('rgb', 'depth'),
        ('depth',),
    ]
    with pytest.raises(ValueError, match="'rgb\\+x' is not a non-empty subset"):
        parse_subsets(['rgb+x'], ['rgb', 'depth'])


def test_merged_keys_average_and_pcr():
    per = {
        ('rgb', 'depth'): {'mIoU': 50.0, 'aAcc': 90.0},
        ('rgb',): {'mIoU': 40.0, 'aAcc': 81.0},
        ('depth',): {'mIoU': 10.0, 'aAcc': 45.0},
    }
    out = merge_subset_metrics(per, ['rgb', 'depth'])
    assert out['mIoU'] == 50.0 and out['rgb+depth/mIoU'] == 50.0 and out['depth/aAcc'] == 45.0
    assert out['avg/mIoU'] == pytest.approx(100 / 3)
    assert out['pcr/rgb/mIoU'] == pytest.approx(0.2) and out['pcr/depth/mIoU'] == pytest.approx(0.8)
    assert out['pcr/depth/aAcc'] == pytest.approx(0.5)
    assert 'pcr/rgb+depth/mIoU' not in out
    table = format_table(per, ['rgb', 'depth'], ['mIoU'])
    assert '| depth     | 10.0000 | 0.8000    |' in table and '| avg ' in table
    # without the full set: no plain keys and no PCR
    partial = merge_subset_metrics({('rgb',): {'mIoU': 40.0}}, ['rgb', 'depth'])
    assert partial == {'rgb/mIoU': 40.0, 'avg/mIoU': 40.0}


def test_evaluator_keeps_evaluators_invariants():
    from mmengine.evaluator import Evaluator

    from mmwam.evaluation import MissingModalityEvaluator

    ev = MissingModalityEvaluator(
        dict(type='IoUMetric'), ['rgb', 'depth'], [('rgb', 'depth'), ('rgb',)]
    )
    assert isinstance(ev, Evaluator) and len(ev.metrics) == 2
    ev.dataset_meta = dict(classes=('a', 'b'))
    assert all(m.dataset_meta == dict(classes=('a', 'b')) for m in ev.metrics)
    assert ev.dataset_meta == dict(classes=('a', 'b'))


def test_pcr_is_not_defined_when_the_full_set_scores_zero():
    import math

    per = {
        ('rgb', 'infrared'): {'AP50': 0.0},
        ('rgb',): {'AP50': 0.0},
        ('infrared',): {'AP50': 0.1},
    }
    out = merge_subset_metrics(per, ['rgb', 'infrared'])
    assert math.isnan(out['pcr/rgb/AP50']) and math.isnan(out['pcr/infrared/AP50'])
    table = format_table(per, ['rgb', 'infrared'], ['AP50'])
    assert '| rgb          | 0.0000 | n/a (full set scores 0) |' in table, table


@pytest.mark.slow
def test_runner_evaluates_every_subset_in_one_pass(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path, max_iters=2)
    runner = RUNNERS.build(cfg)
    runner.train()  # val at the end: MissingModalityValLoop
    pre, backbone = runner.model.data_preprocessor, runner.model.backbone
    preprocessed, seen = [], []
    pre_hook = pre.register_forward_hook(lambda *a: preprocessed.append(1))

    def record(module, args):
        x = args[0]
        seen.append((x.shape[0], [bool(x[:, s].abs().sum() == 0) for s in pre.slices.values()]))

    handle = backbone.register_forward_pre_hook(record)
    metrics = runner.val_loop.run()
    handle.remove()
    pre_hook.remove()
    # 4 samples in batches of 2: each batch preprocessed once, then predicted once per subset with the
    # missing modality zeroed in the normalized input
    assert len(preprocessed) == 2
    assert sorted(seen) == sorted([(2, [False, False]), (2, [False, True]), (2, [True, False])] * 2)
    assert pre.missing == ()
    for key in (
        'mIoU',
        'rgb+depth/mIoU',
        'rgb/mIoU',
        'depth/mIoU',
        'avg/mIoU',
        'pcr/rgb/mIoU',
        'pcr/depth/mIoU',
        'rgb/aAcc',
    ):
        assert key in metrics, key
    assert metrics['mIoU'] == metrics['rgb+depth/mIoU']


@pytest.mark.slow
def test_test_loop_with_chosen_subsets_writes_the_table(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path, max_iters=2)
    cfg.test_cfg.subsets = ['rgb+depth', 'depth']
    runner = RUNNERS.build(cfg)
    runner.train()
    metrics = runner.test()
    assert {k.split('/')[0] for k in metrics if '/' in k} == {'rgb+depth', 'depth', 'avg', 'pcr'}
    assert 'rgb/mIoU' not in metrics and 'pcr/depth/mIoU' in metrics
    logs = open(osp.join(runner.log_dir, osp.basename(runner.log_dir) + '.log')).read()
    assert 'Missing-modality evaluation:' in logs and '| depth ' in logs
    with pytest.raises(ValueError, match="subsets: 'ir' is not a non-empty subset"):
        cfg.test_cfg.subsets = ['ir']
        RUNNERS.build(cfg).test()


@pytest.mark.slow
def test_format_only_writes_label_pngs_per_subset(demo_root, tmp_path):
    """tools/test.py --format-only: the dataset's own label ids (1..5 here: reduce_zero_label)."""
    import glob

    import cv2
    import numpy as np

    from mmwam.utils.cli import build_runner, set_format_only

    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1)
    cfg.launcher = 'none'
    set_format_only(cfg, str(tmp_path / 'out'))
    runner = build_runner(cfg)
    runner.train()
    runner.test()
    for subset in ('rgb+depth', 'rgb', 'depth'):
        pngs = sorted(glob.glob(str(tmp_path / 'out' / subset / '*.png')))
        assert len(pngs) == 4, subset
        ids = np.unique(cv2.imread(pngs[0], cv2.IMREAD_UNCHANGED))
        assert ids.min() >= 1 and ids.max() <= 5


def _trained_demo(demo_root, tmp_path):
    """A one-iteration demo run, its config written as a file (as tools/test.py users have it)."""
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1)
    runner = RUNNERS.build(cfg)
    runner.train()
    path = tmp_path / 'cfg.py'
    cfg.dump(str(path))
    return str(path), str(tmp_path / 'work' / 'iter_1.pth')


def _test_tool(*args, **kw):
    proc = run_tool(osp.join(ROOT, 'tools', 'test.py'), *args, **kw)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.slow
def test_test_tool_amp_show_dir_and_subset_labelled_logs(demo_root, tmp_path):
    import glob

    cfg, ckpt = _trained_demo(demo_root, tmp_path)
    rc, out = _test_tool(
        cfg,
        ckpt,
        '--amp',
        '--show-dir',
        tmp_path / 'show',
        '--work-dir',
        tmp_path / 'test',
        in_process=False,  # the tool's smoke test
    )
    assert rc == 0, out[-3000:]
    import cv2

    from mmwam.visualization.multimodal_visualizer import FOOTER_H, TITLE_H, _tile_size

    pngs = sorted(glob.glob(str(tmp_path / 'show' / '*.png')))
    assert len(pngs) == 4, pngs  # one panel per test sample
    th, tw = _tile_size(*cv2.imread(glob.glob(osp.join(str(demo_root), 'RGB', '*'))[0]).shape[:2])
    for png in pngs:  # rgb, depth, ground truth, then the predictions of rgb+depth, rgb and depth
        assert cv2.imread(png).shape == (TITLE_H + th + FOOTER_H, 6 * tw, 3), png
    assert (
        '--amp: predicting under autocast' in out and '--show-dir: one panel per test sample' in out
    )
    assert glob.glob(str(tmp_path / 'test' / '*' / 'missing_modality_metrics.json'))
    # every per-class table follows the name of its subset
    for subset in ('depth', 'rgb', 'rgb+depth'):
        head = f'Missing-modality evaluation, subset {subset}:'
        assert head in out and 'per class results:' in out[out.index(head) :], subset


@pytest.mark.slow
def test_test_tool_show_without_a_display_is_one_line(demo_root, tmp_path, monkeypatch):
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    cfg, ckpt = _trained_demo(demo_root, tmp_path)
    rc, out = _test_tool(cfg, ckpt, '--show', '--work-dir', tmp_path / 'test')
    assert rc != 0 and 'test.py: error: --show needs a display' in out and 'Traceback' not in out


@pytest.mark.slow
def test_test_tool_format_only_says_where_each_subsets_files_went(demo_root, tmp_path):
    import glob

    cfg, ckpt = _trained_demo(demo_root, tmp_path)
    rc, out = _test_tool(
        cfg, ckpt, '--format-only', '--out', tmp_path / 'sub', '--work-dir', tmp_path / 'test'
    )
    assert rc == 0, out[-3000:]
    for subset in ('rgb+depth', 'rgb', 'depth'):
        assert (
            f'format-only, subset {subset}: files written to {tmp_path / "sub" / subset}' in out
        ), subset
        assert len(glob.glob(str(tmp_path / 'sub' / subset / '*.png'))) == 4
    assert 'results are saved' not in out and 'PCR' not in out and 'got empty' not in out
    assert 'Missing-modality evaluation' not in out  # nothing is evaluated
    assert not glob.glob(str(tmp_path / 'test' / '*' / 'missing_modality_metrics.json'))


@pytest.mark.slow
@pytest.mark.parametrize('kind', ['random bytes', 'truncated', 'missing', 'a list'])
def test_test_tool_names_a_broken_checkpoint_in_one_line(demo_root, tmp_path, kind):
    cfg, ckpt = _trained_demo(demo_root, tmp_path)
    bad = tmp_path / 'bad.pth'
    if kind == 'random bytes':
        bad.write_bytes(os.urandom(4096))
    elif kind == 'truncated':
        bad.write_bytes(open(ckpt, 'rb').read()[:50000])
    elif kind == 'a list':
        import torch

        torch.save([1, 2, 3], str(bad))
    rc, out = _test_tool(cfg, bad, '--work-dir', tmp_path / 'test')
    assert rc != 0
    line = [s for s in out.splitlines() if s.startswith('test.py: error:')]
    assert len(line) == 1 and str(bad) in line[0], out[-2000:]
    assert {'missing': 'no such file', 'a list': 'not a model checkpoint (a dict of tensors'}.get(
        kind, 'not a PyTorch checkpoint, or a truncated one'
    ) in line[0]
    assert 'Traceback' not in out and 'weights_only' not in out


@pytest.mark.slow
def test_test_tool_names_a_wrong_subset_in_one_line(demo_root, tmp_path):
    cfg, ckpt = _trained_demo(demo_root, tmp_path)
    rc, out = _test_tool(cfg, ckpt, '--subsets', 'rgb+thermal', '--work-dir', tmp_path / 'test')
    assert rc != 0 and 'Traceback' not in out
    line = [s for s in out.splitlines() if s.startswith('test.py: error:')]
    assert line == [
        "test.py: error: --subsets: 'rgb+thermal' is not a non-empty subset of the modalities "
        "['rgb', 'depth'] (write a subset as rgb+depth)"
    ], out[-2000:]


def test_runner_load_from_and_resume_check_the_file(demo_root, tmp_path):
    from mmwam.utils.cli import InputError

    runner = RUNNERS.build(tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1))
    bad = tmp_path / 'cut.pth'
    bad.write_bytes(
        b'PK\x03\x04' + b'\0' * 100
    )  # a zip header, no central directory: a cut download
    with pytest.raises(
        InputError,
        match=r'load_from checkpoint .*cut.pth: not a PyTorch checkpoint, or a truncated',
    ):
        runner.load_checkpoint(str(bad))
    with pytest.raises(
        InputError, match=r'resume checkpoint .*cut.pth: not a PyTorch checkpoint, or a truncated'
    ):
        runner.resume(str(bad))


@pytest.mark.slow
def test_validation_losses_of_the_full_set_are_kept(demo_root, tmp_path):
    """A model that returns losses with its predictions (MMEngine's convention): the full set's are
    reported as upstream's ValLoop reports them; the other subsets' do not mix in."""
    import torch
    from mmengine.structures import BaseDataElement
    from mmseg.registry import MODELS

    from mmwam.models import MultiModalEncoderDecoder

    @MODELS.register_module(force=True)
    class WithValLoss(MultiModalEncoderDecoder):
        def val_step(self, data):
            data = self.data_preprocessor(data, False)
            present = sum(
                bool(data['inputs'][:, s].abs().sum() > 0)
                for s in self.data_preprocessor.slices.values()
            )
            outputs = self._run_forward(data, mode='predict')
            return list(outputs) + [
                BaseDataElement(loss=dict(loss_present=torch.tensor(float(present))))
            ]

    cfg = tiny_seg_runner_cfg(demo_root, tmp_path, max_iters=1)
    cfg.model.type = 'WithValLoss'
    runner = RUNNERS.build(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert metrics['loss_present'] == 2.0 and metrics['val_loss'] == 2.0  # both modalities present
    assert 'rgb/mIoU' in metrics and 'depth/mIoU' in metrics


@pytest.mark.slow
def test_feature_level_zeroing_through_a_runner(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path, max_iters=1)
    cfg.val_cfg.zero_level = 'feature'
    runner = RUNNERS.build(cfg)
    runner.train()
    assert runner.val_loop.zero_level == 'feature'
    metrics = runner.val_loop.run()
    assert {'rgb/mIoU', 'depth/mIoU', 'pcr/rgb/mIoU'} <= set(metrics)
    with pytest.raises(
        ValueError, match="MissingModalityValLoop: zero_level must be 'input' or 'feature'"
    ):
        cfg.val_cfg.zero_level = 'pixel'
        cfg.work_dir = str(tmp_path / 'other')
        RUNNERS.build(cfg).train()


def test_lower_is_better_keys_mean_and_pcr_on_the_complement():
    """A miss rate (%, worst 100): the average is the mean miss rate; PCR is the share of the full set's
    detection rate (100 - MR) that a subset loses."""
    from mmwam.evaluation import MissingModalityEvaluator

    per = {
        ('rgb', 'thermal'): {'kaist/MR': 20.0},
        ('rgb',): {'kaist/MR': 60.0},
        ('thermal',): {'kaist/MR': 10.0},
    }
    worst = {'kaist/MR': 100.0}
    out = merge_subset_metrics(per, ['rgb', 'thermal'], worst)
    assert out['avg/kaist/MR'] == pytest.approx(30.0)
    assert out['pcr/rgb/kaist/MR'] == pytest.approx(0.5)  # detection rate 80 -> 40: half of it lost
    assert out['pcr/thermal/kaist/MR'] == pytest.approx(-0.125)  # better than the full set
    assert merge_subset_metrics(per, ['rgb', 'thermal'])['pcr/rgb/kaist/MR'] == pytest.approx(
        -2.0
    )  # as AP: wrong
    table = format_table(per, ['rgb', 'thermal'], ['kaist/MR'], worst)
    assert '| rgb         | 60.0000  | 0.5000        |' in table, table
    assert table.splitlines()[-1].startswith(
        'lower is better: kaist/MR; its PCR is (K_subset - K_full) / (W - K_full), W = 100'
    )
    full_miss = {('rgb', 'thermal'): {'kaist/MR': 100.0}, ('rgb',): {'kaist/MR': 100.0}}
    assert math.isnan(
        merge_subset_metrics(full_miss, ['rgb', 'thermal'], worst)['pcr/rgb/kaist/MR']
    )
    assert 'n/a (full set scores 100)' in format_table(
        full_miss, ['rgb', 'thermal'], ['kaist/MR'], worst
    )
    # the evaluator learns the lower-is-better keys from the metric, with its prefix
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    ev = MissingModalityEvaluator(
        dict(type='KAISTMissRateMetric'), ['rgb', 'thermal'], [('rgb', 'thermal')]
    )
    assert (
        ev.worst['kaist/MR_reasonable_all'] == 100.0 and ev.worst['kaist/MR_heavy_night'] == 100.0
    )


def test_a_misspelt_loop_field_names_the_loops_and_the_close_field():
    """A typo in test_cfg / val_cfg reaches the loops' shared base: the message names the registered loops
    (not the internal base class) and the field meant."""
    from mmwam.utils.cli import config_typo

    line = config_typo(
        TypeError("_PerSubsetIter.__init__() got an unexpected keyword argument 'zero_levl'")
    )
    assert line == (
        "MissingModalityTestLoop / MissingModalityValLoop has no field 'zero_levl'; "
        "did you mean 'zero_level'?"
    )
