"""browse_dataset.py writes one picture per training sample (demo RGB-D, llvip_mini RGB-infrared);
report_chart.py draws runs' missing-modality metrics; bad input gets one line."""

import glob
import json
import os.path as osp

import numpy as np
import pytest
from conftest import ROOT, config_path, llvip_mini, run_tool
from PIL import Image

from mmwam.visualization.multimodal_visualizer import FOOTER_H, TITLE_H

BROWSE = osp.join(ROOT, 'tools', 'analysis_tools', 'browse_dataset.py')
CHART = osp.join(ROOT, 'tools', 'analysis_tools', 'report_chart.py')


def _run(tool, *args, in_process=True):
    return run_tool(tool, *args, cwd=ROOT, in_process=in_process)


def _one_line_error(proc, prog):
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr, proc.stderr[-2000:]
    assert lines[-1].startswith(f'{prog}: error: ')
    return lines[-1]


@pytest.mark.slow
def test_browse_the_demo_rgbd_training_set(demo_root, tmp_path):
    proc = _run(
        BROWSE,
        config_path('mwam', 'segformer_rgbd_demo.py'),
        '--output-dir',
        tmp_path,
        '--max-samples',
        3,
        '--not-show',
        '--cfg-options',
        f'train_dataloader.dataset.data_root={demo_root}',
        in_process=False,  # the tool's smoke test
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = sorted(glob.glob(str(tmp_path / '*.png')))
    assert [osp.basename(f) for f in files] == ['0000_0000.png', '0001_0001.png', '0002_0002.png']
    for f in files:
        img = np.asarray(Image.open(f).convert('RGB'))
        width = img.shape[1] // 2  # rgb | depth, each with the labels drawn on it
        assert img.shape[1] % 2 == 0 and img.shape[0] >= TITLE_H + 192 + FOOTER_H
        for tile in (img[TITLE_H:-FOOTER_H, : width - 1], img[TITLE_H:-FOOTER_H, width:-1]):
            assert tile.std() > 5
        assert (img[TITLE_H:-FOOTER_H, width - 1] == 255).all()  # the separator after the rgb tile

    bad = _run(BROWSE, config_path('mwam', 'no_such_config.py'), '--output-dir', tmp_path)
    assert 'no_such_config.py: no such config file' in _one_line_error(bad, 'browse_dataset.py')


def test_browse_llvip_mini_pairs(tmp_path):
    proc = _run(
        BROWSE,
        config_path('mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py'),
        '--output-dir',
        tmp_path,
        '--max-samples',
        2,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={llvip_mini()}',
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'browse_dataset.py: 2 pictures of training samples in' in proc.stdout
    files = sorted(glob.glob(str(tmp_path / '*.png')))
    assert [osp.basename(f) for f in files] == ['0000_010001.png', '0001_010002.png']
    img = np.asarray(Image.open(files[0]).convert('RGB'))
    assert img.shape == (
        TITLE_H + 256 + FOOTER_H,
        2 * 320,
        3,
    )  # rgb | infrared at the pipeline's 320x256
    for tile in (img[TITLE_H:-FOOTER_H, :319], img[TITLE_H:-FOOTER_H, 320:-1]):
        assert tile.std() > 5


def _metrics(full, rgb, depth):
    out = {
        'mIoU': full,
        'rgb+depth/mIoU': full,
        'rgb/mIoU': rgb,
        'depth/mIoU': depth,
        'avg/mIoU': (full + rgb + depth) / 3,
        'pcr/rgb/mIoU': (full - rgb) / full,
        'pcr/depth/mIoU': (full - depth) / full,
    }
    return out


@pytest.mark.slow
def test_report_chart_of_two_runs_and_bad_input(tmp_path):
    runs = []
    for name, values in (('mwam', (83.7, 43.1, 22.6)), ('baseline', (82.8, 46.6, 22.6))):
        path = tmp_path / name / 'test' / '20260101_000000' / 'missing_modality_metrics.json'
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(_metrics(*values)))
        runs.append(path)
    proc = _run(CHART, *runs, '--out', tmp_path / 'chart.png', in_process=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'report_chart.py: mIoU of 2 runs -> ' in proc.stdout
    chart = Image.open(tmp_path / 'chart.png')
    assert (
        chart.size[0] > 300 and len(set(chart.convert('L').getdata())) > 10
    )  # a drawing, not blank

    missing = _run(CHART, runs[0], tmp_path / 'nope.json', '--out', tmp_path / 'x.png')
    assert _one_line_error(missing, 'report_chart.py').endswith(
        f'{tmp_path / "nope.json"}: no such file'
    )
    unknown = _run(CHART, *runs, '--metric', 'mAP', '--out', tmp_path / 'x.png')
    assert f"{runs[0]}: no metric 'mAP' (its metrics: mIoU;" in _one_line_error(
        unknown, 'report_chart.py'
    )
    without = tmp_path / 'other.json'
    without.write_text(json.dumps({'rgb+ir/AP50': 0.5, 'avg/AP50': 0.5}))
    line = _one_line_error(
        _run(CHART, runs[0], without, '--out', tmp_path / 'x.png'), 'report_chart.py'
    )
    assert f"{without}: no metric 'mIoU'" in line
    broken = tmp_path / 'broken.json'
    broken.write_text('{"mIoU": ')
    assert f'{broken}: not a json file' in _one_line_error(_run(CHART, broken), 'report_chart.py')
    assert not osp.exists(tmp_path / 'x.png')
