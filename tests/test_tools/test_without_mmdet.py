"""mmdet is optional: a segmentation user without it installed trains and tests with the tools, and a
detection config says in one line what to install. The interpreter here has mmdet, so the runs block it
(an import finder that refuses ``mmdet`` and its submodules, as an absent package does)."""

import os.path as osp
import subprocess
import sys

from conftest import ROOT

# run as ``python runner.py TOOL ARGS...``: the tool's ``__main__`` with mmdet missing, and a check at exit
# that nothing imported it
RUNNER = """
import atexit, importlib.abc, runpy, sys


class NoMMDet(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == 'mmdet' or name.startswith('mmdet.'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, NoMMDet())
atexit.register(lambda: print('mmdet modules:', sorted(m for m in sys.modules if m.startswith('mmdet'))))
sys.argv = sys.argv[1:]
sys.path.insert(0, sys.argv[0].rsplit('/', 1)[0])
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def _run_without_mmdet(tmp_path, *argv):
    runner = tmp_path / 'without_mmdet.py'
    runner.write_text(RUNNER)
    return subprocess.run(
        [sys.executable, str(runner), *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_segmentation_trains_and_tests_without_mmdet(demo_root, tmp_path):
    from mmwam.testing import tiny_seg_runner_cfg

    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=2)
    cfg.launcher = 'none'
    cfg_file = str(tmp_path / 'seg.py')
    cfg.dump(cfg_file)
    train = _run_without_mmdet(tmp_path, 'tools/train.py', cfg_file)
    assert train.returncode == 0, train.stderr[-3000:]
    assert 'mmdet modules: []' in train.stdout
    assert osp.isfile(tmp_path / 'work' / 'iter_2.pth')
    test = _run_without_mmdet(tmp_path, 'tools/test.py', cfg_file, tmp_path / 'work' / 'iter_2.pth')
    assert test.returncode == 0, test.stderr[-3000:]
    assert 'mmdet modules: []' in test.stdout
    assert 'rgb+depth' in test.stdout + test.stderr  # the missing-modality table


def test_a_detection_config_without_mmdet_names_what_to_install(tmp_path):
    config = 'configs/mwam/retinanet_r18_fpn_rgbt_llvip-mini_demo.py'
    result = _run_without_mmdet(tmp_path, 'tools/train.py', config)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith('train.py: error')]
    assert lines == [
        f'train.py: error: {config}: a detection config (default_scope=\'mmdet\'), and mmdet is not '
        'installed: pip install "mmdet>=3.0.0,<3.4.0"'
    ]
