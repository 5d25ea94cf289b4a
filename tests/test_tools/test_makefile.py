"""``make demo`` can be shortened (ITERS=) and runs with the machine's cores as threads (THREADS=); the
test targets: the full run, the fast one, the zoo sweep."""

import argparse
import shlex
import shutil
import subprocess

import pytest
from conftest import ROOT, config_path


def _demo_commands(*args):
    out = subprocess.run(
        ['make', '-n', '-C', ROOT, 'demo', *args], capture_output=True, text=True, check=True
    )
    text = out.stdout.replace('\\\n', ' ')
    return [
        line for line in text.splitlines() if 'tools/train.py' in line or 'tools/test.py' in line
    ]


@pytest.mark.skipif(shutil.which('make') is None, reason='make is not installed')
def test_make_demo_iters_shortens_the_whole_schedule_and_threads_default_to_the_cores():
    from mmwam.utils.cli import CfgOptionsAction, load_config

    train, test = _demo_commands('ITERS=40', 'THREADS=1')
    assert train.startswith('OMP_NUM_THREADS=1 ') and test.startswith('OMP_NUM_THREADS=1 ')
    words = shlex.split(train)
    options = words[words.index('--cfg-options') + 1 :]
    parser = argparse.ArgumentParser()  # parsed and applied as tools/train.py does
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    cfg = load_config(
        config_path('mwam', 'segformer_rgbd_demo.py'),
        parser.parse_args(['--cfg-options', *options]).cfg_options,
    )
    assert cfg.train_cfg.max_iters == cfg.train_cfg.val_interval == 40
    assert cfg.param_scheduler[0].end == 40 and cfg.default_hooks.checkpoint.interval == 40
    train, _ = _demo_commands()
    cores = subprocess.run(
        ['nproc'], capture_output=True, text=True
    ).stdout.strip()  # (an OMP_NUM_THREADS set wins)
    assert train.startswith(f'OMP_NUM_THREADS={cores} ') and '--cfg-options' not in train


@pytest.mark.skipif(shutil.which('make') is None, reason='make is not installed')
def test_make_test_runs_all_but_the_zoo_sweep_test_fast_leaves_the_slow_tests_out():
    import configparser
    import os.path as osp

    def pytest_line(*target):
        out = subprocess.run(
            ['make', '-n', '-C', ROOT, *target], capture_output=True, text=True, check=True
        ).stdout
        return ' '.join(next(line for line in out.splitlines() if '-m pytest' in line).split())

    # the README's full command, in 2 worker processes by default, in one with WORKERS=0
    assert pytest_line('test').endswith('-m pytest -q -n 2 --dist loadfile tests')
    assert pytest_line('test', 'WORKERS=0').endswith('-m pytest -q tests')
    assert '-m "not slow and not zoo_sweep"' in pytest_line('test-fast')
    assert pytest_line('test-zoo').endswith('-m zoo_sweep tests')
    ini = configparser.ConfigParser()
    ini.read(osp.join(ROOT, 'pytest.ini'))
    assert ini['pytest']['addopts'] == '-m "not zoo_sweep"'
    assert {'slow', 'zoo_sweep'} <= {
        line.split(':')[0].strip() for line in ini['pytest']['markers'].strip().splitlines()
    }
