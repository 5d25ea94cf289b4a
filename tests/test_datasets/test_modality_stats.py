"""A depth map saved as 8-bit instead of 16-bit millimetres is caught: the data preprocessor warns once,
and tools/analysis_tools/modality_stats.py measures the statistics to use."""

import glob
import os.path as osp
import re
import shutil
import sys

import cv2
import numpy as np
import pytest
from conftest import ROOT, llvip_mini, run_tool
from mmengine.config import Config
from mmengine.registry import RUNNERS
from test_models.test_pretrained import captured_log

from mmwam.testing import tiny_seg_runner_cfg


def eight_bit_copy(demo_root, tmp_path):
    """The demo set with every depth PNG rescaled to 0-255 and saved as 8-bit, a common mistake."""
    root = str(tmp_path / 'demo8')
    shutil.copytree(demo_root, root)
    for path in glob.glob(osp.join(root, 'Depth', '*.png')):
        depth = cv2.imread(path, cv2.IMREAD_UNCHANGED).astype(np.float64)
        cv2.imwrite(path, np.round(depth / depth.max() * 255).astype(np.uint8))
    return root


def _preprocess_two_batches(cfg):
    runner = RUNNERS.build(cfg)
    model = runner.model
    with captured_log() as log:
        for i, batch in enumerate(runner.build_dataloader(cfg.train_dataloader)):
            model.data_preprocessor(batch, True)
            if i == 1:
                break
    return [s for s in log if 'data_preprocessor: the normalized' in s]


def test_eight_bit_depth_warns_once_naming_the_modality(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(eight_bit_copy(demo_root, tmp_path), tmp_path / 'work')
    warned = _preprocess_two_batches(cfg)
    assert len(warned) == 1, warned
    assert 'normalized depth values' in warned[0] and 'modality_stats.py' in warned[0]
    assert re.search(r'\(e.g. \S+/Depth/\d+\.png\)', warned[0]), warned[
        0
    ]  # the depth file, not the RGB one


def test_without_the_depth_file_in_the_meta_keys_the_warning_says_whose_depth(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(eight_bit_copy(demo_root, tmp_path), tmp_path / 'work')
    cfg.train_dataloader.dataset.pipeline[-1] = dict(
        type='PackSegInputs'
    )  # mmseg's default meta keys
    warned = _preprocess_two_batches(cfg)
    assert len(warned) == 1 and re.search(
        r'\(e.g. the depth file of \S+/RGB/\d+\.jpg\)', warned[0]
    ), warned


def test_correct_data_does_not_warn(demo_root, tmp_path):
    assert _preprocess_two_batches(tiny_seg_runner_cfg(demo_root, tmp_path / 'work')) == []


def _stats_tool(*args, **kw):
    proc = run_tool(osp.join(ROOT, 'tools', 'analysis_tools', 'modality_stats.py'), *args, **kw)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _depth_mean(out):
    row = next(line.split() for line in out.splitlines() if line.startswith('depth '))
    return float(row[2])


@pytest.mark.slow
def test_modality_stats_measures_the_demo_and_the_eight_bit_copy(demo_root, tmp_path):
    cfg = osp.join(ROOT, 'configs', 'mwam', 'segformer_rgbd_demo.py')
    good = _stats_tool(
        cfg,
        '--num',
        8,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={demo_root}',
        in_process=False,  # the tool's smoke test
    )
    bad = _stats_tool(
        cfg,
        '--num',
        8,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={eight_bit_copy(demo_root, tmp_path)}',
    )
    assert 2.0 < _depth_mean(good) < 4.5  # metres
    assert _depth_mean(bad) < 0.3  # 0-255 read as millimetres
    assert 'mean=dict(rgb=[' in good and 'depth=[' in good


def test_modality_stats_on_llvip_mini():
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py')
    )
    assert cfg.model.data_preprocessor.modalities == dict(rgb=3, infrared=1)
    out = _stats_tool(
        osp.join(ROOT, 'configs', 'mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py'),
        '--num',
        4,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={llvip_mini()}',
    )
    assert 'infrared ' in out and 'rgb ' in out


def test_a_modality_kept_unscaled_by_design_is_not_checked():
    """Caffe-style RGB (std 1, BGR) is far from unit range on purpose: no warning for it; the infrared
    slice, given statistics that do not fit, still warns."""
    import torch

    from mmwam.models import MultiModalDetDataPreprocessor

    pre = MultiModalDetDataPreprocessor(
        modalities=dict(rgb=3, infrared=1),
        mean=dict(rgb=[103.53, 116.28, 123.675], infrared=[0.0]),
        std=dict(rgb=[1.0, 1.0, 1.0], infrared=[1.0 / 255]),
        bgr_to_rgb=False,
    )
    inputs = [torch.randint(0, 256, (4, 32, 32), dtype=torch.uint8) for _ in range(2)]
    with captured_log() as log:
        pre(dict(inputs=inputs), True)
    warned = [s for s in log if 'data_preprocessor: the normalized' in s]
    assert len(warned) == 1 and 'normalized infrared values' in warned[0], warned


def test_a_dict_cfg_option_is_one_line(capsys):
    """mmengine's parser does not read dict(...) values (it recursed without end): refused in one line, for
    modality_stats.py and browse_dataset.py as for train.py / test.py."""
    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
    import browse_dataset
    import modality_stats

    cfg = osp.join(ROOT, 'configs', 'mwam', 'segformer_rgbd_demo.py')
    for tool in (modality_stats, browse_dataset):
        with pytest.raises(
            SystemExit,
            match=r"\.py: error: --cfg-options model.x=dict\(a=1\): a dict value is "
            r"not understood .* set its fields one by one",
        ):
            tool.main([cfg, '--cfg-options', 'model.x=dict(a=1)'])
