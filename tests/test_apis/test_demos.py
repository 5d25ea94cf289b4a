"""demo/image_demo.py and demo/video_demo.py, each once through a subprocess, as a user runs them."""

import os.path as osp
import shutil
import subprocess
import sys

import cv2
import pytest
from conftest import ROOT


def run(*args):
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.slow
def test_image_demo_writes_a_panel_with_every_subset(trained_demo, demo_root, tmp_path):
    out = tmp_path / 'panel.png'
    stdout = run(
        osp.join(ROOT, 'demo', 'image_demo.py'),
        osp.join(demo_root, 'RGB', '0001.jpg'),
        osp.join(demo_root, 'Depth', '0001.png'),
        *trained_demo,
        '--out-file',
        str(out),
    )
    lines = stdout.strip().splitlines()
    assert [line.split(':')[0] for line in lines[-4:-1]] == ['rgb+depth', 'rgb', 'depth']
    assert lines[-1] == f'panel written to {out}'
    panel = cv2.imread(str(out))
    assert panel.shape[1] > 4 * panel.shape[0]  # rgb, depth and three predictions side by side


@pytest.mark.slow
def test_video_demo_on_two_frame_folders(trained_demo, demo_root, tmp_path):
    rgb, depth = tmp_path / 'rgb', tmp_path / 'depth'
    rgb.mkdir(), depth.mkdir()
    for i in range(3):  # another naming than the pairs': frames are paired by index
        shutil.copy(osp.join(demo_root, 'RGB', f'000{i}.jpg'), rgb / f'cam0_{i:05d}.jpg')
        shutil.copy(osp.join(demo_root, 'Depth', f'000{i}.png'), depth / f'cam1_{i:05d}.png')
    out = tmp_path / 'panels'
    stdout = run(
        osp.join(ROOT, 'demo', 'video_demo.py'),
        str(rgb),
        str(depth),
        *trained_demo,
        '--out',
        str(out),
        '--subsets',
        'rgb+depth',
        'rgb',
    )
    assert (
        '3 frame pairs, 2 subset(s) each: ' in stdout and 'frames/s' in stdout and '3/3' in stdout
    )
    assert sorted(p.name for p in out.iterdir()) == [f'frame_{i:06d}.png' for i in range(3)]
