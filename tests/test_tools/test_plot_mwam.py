"""plot_mwam.py draws FRM, bank and K from a real short run's scalars; bad input gets one line."""

import json
import os.path as osp

import pytest
from conftest import ROOT, run_tool
from mmengine.registry import RUNNERS
from PIL import Image

from mmwam.testing import tiny_seg_runner_cfg

pytestmark = pytest.mark.slow  # make test-fast leaves this file out

TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'plot_mwam.py')


def _plot(*args, **kw):
    return run_tool(TOOL, *args, **kw)


def test_plot_of_a_short_run_and_bad_inputs(demo_root, tmp_path):
    for seed in (0, 1):
        cfg = tiny_seg_runner_cfg(demo_root, tmp_path / f'run{seed}', max_iters=4)
        cfg.randomness.seed = seed
        RUNNERS.build(cfg).train()
    proc = _plot(
        tmp_path / 'run0', tmp_path / 'run1', '--out', tmp_path / 'mwam.png', in_process=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'FRM, bank and K of depth, rgb over 2 run(s)' in proc.stdout
    img = Image.open(tmp_path / 'mwam.png')
    assert (
        img.size[0] > 3 * img.size[1] and len(set(img.convert('L').getdata())) > 10
    )  # 4 panels, drawn

    proc = _plot(tmp_path / 'nothing_here', '--out', tmp_path / 'x.png')
    assert proc.returncode != 0 and proc.stderr.strip().splitlines() == [
        f'plot_mwam.py: error: {tmp_path / "nothing_here"}: no vis_data/scalars.json under it (a work dir of '
        'tools/train.py?)'
    ]
    baseline = tmp_path / 'scalars.json'
    baseline.write_text(json.dumps({'loss': 1.0, 'iter': 1}) + '\n')
    proc = _plot(baseline, '--out', tmp_path / 'x.png')
    assert (
        proc.returncode != 0
        and 'no MWAM scalars (frm_<m>, bank_<m>, mwam_weight_<m>)' in proc.stderr
    )
