"""Bad data and bad options end a run with one line naming the file / value, and never leave broken weights
(issue 20): NaN / Inf in a float depth file in training and testing, a non-finite loss, non-finite weights at
a checkpoint, an empty split list, a listed image that does not exist, a dict(...) --cfg-option, --out."""

import glob
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from conftest import ROOT, run_tool
from mmengine.registry import RUNNERS

from mmwam.engine.hooks import NonFiniteError
from mmwam.testing import tiny_seg_runner_cfg
from mmwam.utils import trusted_checkpoint_loading


def _tool(name, *args, env=None):
    proc = run_tool(osp.join(ROOT, 'tools', name), *args, env=env)
    return proc.returncode, proc.stdout + proc.stderr


def _error_lines(out, tool):
    return [line for line in out.splitlines() if line.startswith(f'{tool}: error:')]


def _tiff_depths(root, patch=None, stems=()):
    """Every depth file of ``root`` as a float32 TIFF (millimetres, as the PNGs), a 10x10 patch set to
    ``patch`` in the files of ``stems``."""
    for png in sorted(glob.glob(str(root / 'Depth' / '*.png'))):
        depth = cv2.imread(png, cv2.IMREAD_UNCHANGED).astype(np.float32)
        stem = osp.splitext(osp.basename(png))[0]
        if stem in stems:
            depth[20:30, 20:30] = patch
        cv2.imwrite(png[:-4] + '.tiff', depth)
        os.remove(png)


def _cfg(root, work, **kwargs):
    cfg = tiny_seg_runner_cfg(str(root), work, **kwargs)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.modality_suffixes = dict(depth='.tiff')
    return cfg


@pytest.fixture
def tiff_root(demo_root, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(demo_root, root)
    return root


def _config_file(cfg, path, workers=0):
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = workers
    cfg.dump(str(path))
    return str(path)


@pytest.mark.slow
def test_nan_in_a_float_depth_file_stops_training_in_one_line_before_any_checkpoint(
    tiff_root, tmp_path
):
    _tiff_depths(
        tiff_root, float('nan'), stems=[f'{i:04d}' for i in range(16)]
    )  # every training sample
    work = tmp_path / 'work'
    cfg = _config_file(
        _cfg(tiff_root, work, max_iters=4), tmp_path / 'cfg.py', workers=2
    )  # through workers
    rc, out = _tool('train.py', cfg, '--work-dir', work)
    lines = _error_lines(out, 'train.py')
    assert rc != 0 and len(lines) == 1, out[-3000:]
    assert 'Traceback' not in out and 'DataLoader worker' not in out
    assert 'train.txt, line ' in lines[0] and '.tiff has 100 of 4096 pixels NaN or Inf' in lines[0]
    assert lines[0].endswith('(MMWAM_DEBUG=1 shows the traceback)')
    assert not glob.glob(str(work / '*.pth'))
    rc, out = _tool('train.py', cfg, '--work-dir', work, env={'MMWAM_DEBUG': '1'})
    assert (
        rc != 0 and 'Traceback' in out and 'DataError' in out and not _error_lines(out, 'train.py')
    )


@pytest.mark.slow
def test_nan_in_a_test_depth_file_is_one_line_or_zeroed_on_request(tiff_root, tmp_path):
    _tiff_depths(tiff_root, float('nan'), stems=['0018'])  # test.txt holds 0016..0019
    cfg = _cfg(tiff_root, tmp_path / 'work', max_iters=1)
    train_cfg = (
        cfg.copy()
    )  # trained without validation: the training samples are clean, the test ones are not
    train_cfg.val_cfg = train_cfg.val_dataloader = train_cfg.val_evaluator = None
    RUNNERS.build(train_cfg).train()
    path = _config_file(cfg, tmp_path / 'cfg.py')
    ckpt = tmp_path / 'work' / 'iter_1.pth'
    rc, out = _tool('test.py', path, ckpt, '--work-dir', tmp_path / 'test')
    lines = _error_lines(out, 'test.py')
    assert rc != 0 and len(lines) == 1 and 'Traceback' not in out, out[-3000:]
    assert (
        'test.txt, line 3' in lines[0]
        and 'Depth/0018.tiff has 100 of 4096 pixels NaN or Inf' in lines[0]
    )
    rc, out = _tool(
        'test.py',
        path,
        ckpt,
        '--work-dir',
        tmp_path / 'test',
        '--cfg-options',
        'test_dataloader.dataset.pipeline.1.non_finite=zero',
    )
    assert rc == 0, out[-3000:]
    assert out.count('Depth/0018.tiff has 100 of 4096 pixels NaN or Inf: read as 0') == 1
    assert glob.glob(str(tmp_path / 'test' / '*' / 'missing_modality_metrics.json'))


def test_a_non_finite_loss_stops_training_naming_the_iteration_and_files(tiff_root, tmp_path):
    # finite but absurd depth (a float file in the wrong unit): the loader accepts it, the loss overflows
    _tiff_depths(tiff_root, 3e38, stems=[f'{i:04d}' for i in range(16)])
    work = tmp_path / 'work'
    cfg = _cfg(tiff_root, work, max_iters=4)
    cfg.custom_hooks.append(dict(type='NonFiniteStopHook'))
    runner = RUNNERS.build(cfg)
    with pytest.raises(
        NonFiniteError,
        match=r'iteration 1: the loss is not finite \(loss=(nan|inf).*\); training '
        r'stopped, and these weights are not saved. Batch: .*RGB/\d+.jpg, '
        r'.*Depth/\d+.tiff',
    ):
        runner.train()
    assert not glob.glob(str(work / '*.pth'))


@pytest.mark.slow
def test_a_checkpoint_with_non_finite_weights_is_not_written(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1)
    cfg.custom_hooks.append(dict(type='NonFiniteStopHook'))
    runner = RUNNERS.build(cfg)
    runner.train()
    with trusted_checkpoint_loading():
        state = torch.load(str(tmp_path / 'work' / 'iter_1.pth'), map_location='cpu')['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())
    with torch.no_grad():
        runner.model.decode_head.conv_seg.weight[0, 0] = float('nan')
    with pytest.raises(
        NonFiniteError,
        match=r'1 of the model\'s \d+ tensors are not finite .*the first: '
        r'decode_head.conv_seg.weight\): training stopped, and the checkpoint '
        r'is not written',
    ):
        runner.save_checkpoint(str(tmp_path / 'work'), 'broken.pth')
    assert not osp.exists(tmp_path / 'work' / 'broken.pth')


@pytest.mark.parametrize(
    'case', ['an empty split list', 'a listed image that does not exist', 'a dict cfg-option']
)
def test_bad_data_and_options_end_train_py_in_one_line(demo_root, tmp_path, case):
    root = tmp_path / 'data'
    shutil.copytree(demo_root, root)
    options = []
    if case == 'an empty split list':
        (root / 'train.txt').write_text('')
        expected = f'MultiModalSegDataset: no samples in {root / "train.txt"} (it is empty)'
    elif case == 'a listed image that does not exist':
        (root / 'train.txt').write_text('0000\nRGB/0042.jpg\n')
        expected = f"{root / 'train.txt'}, line 2 ('0042'): no image {root / 'RGB' / '0042.jpg'}"
    else:
        options = [
            '--cfg-options',
            'model.modality_dropout=dict(type="ModalityDropout", p_full=None)',
        ]
        expected = (
            '--cfg-options model.modality_dropout=dict(type="ModalityDropout", p_full=None): a dict value '
            'is not understood'
        )
    cfg = _config_file(
        tiny_seg_runner_cfg(str(root), tmp_path / 'work', max_iters=2),
        tmp_path / 'cfg.py',
        workers=2,
    )
    rc, out = _tool('train.py', cfg, '--work-dir', tmp_path / 'work', *options)
    lines = _error_lines(out, 'train.py')
    assert rc != 0 and len(lines) == 1 and 'Traceback' not in out, out[-3000:]
    assert expected in lines[0]
    assert 'need at least one array' not in out and 'RecursionError' not in out


@pytest.mark.slow
def test_test_py_out_alone_saves_every_subsets_predictions_and_evaluates(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1)
    RUNNERS.build(cfg).train()
    path = _config_file(cfg, tmp_path / 'cfg.py')
    rc, out = _tool(
        'test.py',
        path,
        tmp_path / 'work' / 'iter_1.pth',
        '--out',
        tmp_path / 'pred',
        '--work-dir',
        tmp_path / 'test',
    )
    assert rc == 0, out[-3000:]
    for subset in ('rgb+depth', 'rgb', 'depth'):
        pngs = sorted(glob.glob(str(tmp_path / 'pred' / subset / '*.png')))
        assert [osp.basename(p) for p in pngs] == [
            '0016.png',
            '0017.png',
            '0018.png',
            '0019.png',
        ], subset
        ids = np.unique(cv2.imread(pngs[0], cv2.IMREAD_UNCHANGED))
        assert ids.min() >= 1 and ids.max() <= 5  # the dataset's own label ids (reduce_zero_label)
    assert (
        glob.glob(str(tmp_path / 'test' / '*' / 'missing_modality_metrics.json')) and 'PCR' in out
    )
    assert f'--out: the predictions of each subset are in {tmp_path / "pred"}/<subset>/' in out


def test_out_for_a_detector_dumps_a_pickle_per_subset():
    from conftest import config_path
    from mmengine.config import Config

    from mmwam.evaluation.missing_modality import _per_subset_outputs
    from mmwam.utils.cli import save_predictions

    cfg = Config.fromfile(config_path('mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py'))
    save_predictions(cfg, 'pred')
    assert cfg.test_evaluator[-1] == dict(
        type='DumpDetResults', out_file_path='pred/predictions.pkl'
    )
    assert (
        _per_subset_outputs(cfg.test_evaluator, 'rgb')[-1]['out_file_path']
        == 'pred/rgb/predictions.pkl'
    )
