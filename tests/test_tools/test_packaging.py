"""A non-editable install (a wheel, as pip install . or mim make) carries the configs, and add_mwam's
--dataset names find them there, not in a source tree that is not installed."""

import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow  # make test-fast leaves this file out

SKIP = shutil.ignore_patterns(
    '.git',
    '.venv',
    'work_dirs',
    'data',
    '.mim',
    '__pycache__',
    '*.egg-info',
    'build',
    'dist',
    '.pytest_cache',
)


def test_wheel_ships_the_configs_and_the_converters_find_them(tmp_path):
    src = tmp_path / 'src'
    shutil.copytree(ROOT, src, ignore=SKIP)
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check', '-q']
    subprocess.run(
        pip
        + ['wheel', '--no-deps', '--no-build-isolation', '-w', str(tmp_path / 'dist'), str(src)],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / 'dist').glob('mmwam-*.whl'))
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in (
        'mmwam/.mim/configs/_base_/datasets/demo_rgbd.py',
        'mmwam/.mim/configs/mwam/segformer_rgbd.py',
        'mmwam/.mim/tools/train.py',
        'mmwam/converters/convert.py',
    ):
        assert f in names, f
    site = tmp_path / 'site'
    subprocess.run(
        pip + ['install', '--no-deps', '--target', str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        'import mmwam.converters as a; cfg = a.dataset_config("demo-rgbd"); '
        'print(a.__file__); print(a.CONFIGS); print(cfg.num_classes); '
        'from mmwam.testing import config_file; print(config_file("mwam/segformer_rgbd_demo.py"))'
    )
    out = subprocess.run(
        [sys.executable, '-c', probe],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env={'PYTHONPATH': str(site), 'PATH': '/usr/bin:/bin'},
        check=True,
    ).stdout.split()
    assert out[0].startswith(str(site)) and out[1] == osp.join(
        str(site), 'mmwam', '.mim', 'configs'
    )
    assert out[2] == '5'
    assert out[3] == osp.join(
        str(site), 'mmwam', '.mim', 'configs', 'mwam', 'segformer_rgbd_demo.py'
    )
