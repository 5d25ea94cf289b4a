"""compare_seeds.py reuses finished runs aloud, refuses stale ones, and averages PCR where defined.
The work dirs are written here as the train / test tools leave them (training itself is tested
elsewhere)."""

import json
import os
import os.path as osp
import subprocess
import sys
import time

import pytest
from conftest import ROOT, run_tool

TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'compare_seeds.py')


def finished_run(root, name, seed, metrics, checkpoint_after=False):
    work = osp.join(root, f'{name}_seed{seed}')
    os.makedirs(osp.join(work, 'test', '20260101_000000'))
    ckpt = osp.join(work, 'iter_10.pth')
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(ckpt)
    result = osp.join(work, 'test', '20260101_000000', 'missing_modality_metrics.json')
    first, second = (result, ckpt) if checkpoint_after else (ckpt, result)
    open(first, 'w').write('{}')
    time.sleep(0.01)
    open(second, 'w').write('{}')
    with open(result, 'w') as f:  # (re)write the metrics, keeping the intended order of times
        json.dump(metrics, f)
    if checkpoint_after:
        os.utime(ckpt, (time.time() + 5, time.time() + 5))
    return result


def metrics(full, rgb):
    pcr = (full - rgb) / full if full else float('nan')
    return {'rgb+ir/AP50': full, 'rgb/AP50': rgb, 'avg/AP50': (full + rgb) / 2, 'pcr/rgb/AP50': pcr}


@pytest.mark.slow
def test_reuses_aloud_and_averages_pcr_where_defined(tmp_path):
    config = tmp_path / 'det.py'
    config.write_text('# a config\n')
    time.sleep(0.01)
    finished_run(str(tmp_path / 'w'), 'det', 0, metrics(0.5, 0.25))
    finished_run(str(tmp_path / 'w'), 'det', 1, metrics(0.0, 0.0))
    proc = subprocess.run(
        [
            sys.executable,
            TOOL,
            str(config),
            '--seeds',
            '0',
            '1',
            '--metric',
            'AP50',
            '--work-root',
            str(tmp_path / 'w'),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.count('compare_seeds: reusing ') == 2
    assert (
        '| det.py | 0.25 ± 0.35 | 0.12 ± 0.18 | 0.19 ± 0.27 | 0.500 ± 0.000 (1 of 2 seeds) |'
        in proc.stdout
    )
    assert 'compare_seeds: [2/2] det.py seed 1 done' in proc.stderr
    from PIL import Image

    chart = Image.open(tmp_path / 'w' / 'summary.png')
    assert (
        chart.size[0] > 200 and len(set(chart.convert('L').getdata())) > 10
    )  # a drawing, not blank


def test_refuses_a_result_older_than_its_checkpoint(tmp_path):
    config = tmp_path / 'det.py'
    config.write_text('# a config\n')
    finished_run(str(tmp_path / 'w'), 'det', 0, metrics(0.5, 0.25), checkpoint_after=True)
    proc = run_tool(
        TOOL, str(config), '--seeds', '0', '--metric', 'AP50', '--work-root', str(tmp_path / 'w')
    )
    assert proc.returncode != 0
    assert 'missing_modality_metrics.json is older than the checkpoint' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_refuses_a_result_made_with_other_options(tmp_path):
    config = tmp_path / 'det.py'
    config.write_text('# a config\n')
    time.sleep(0.01)
    result = finished_run(str(tmp_path / 'w'), 'det', 0, metrics(0.5, 0.25))
    work = osp.dirname(osp.dirname(osp.dirname(result)))
    with open(osp.join(work, 'compare_seeds_options.json'), 'w') as f:
        json.dump(['--cfg-options', 'randomness.seed=0', 'train_cfg.max_iters=60'], f)
    proc = run_tool(
        TOOL,
        str(config),
        '--seeds',
        '0',
        '--metric',
        'AP50',
        '--work-root',
        str(tmp_path / 'w'),
        '--cfg-options',
        'train_cfg.max_iters=40',
    )
    assert (
        proc.returncode != 0
        and 'was made with the options' in proc.stderr
        and 'max_iters=40' in proc.stderr
    )
