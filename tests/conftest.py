import os
import os.path as osp
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# real LLVIP pairs (the LLVIP layout, 40 pairs): not in the repository; MMWAM_LLVIP_MINI names their
# folder (default: data/llvip_mini, where the llvip-mini configs read them); CI sets it
LLVIP_MINI = os.environ.get('MMWAM_LLVIP_MINI', osp.join(ROOT, 'data', 'llvip_mini'))


def llvip_mini() -> str:
    """The llvip_mini folder; the calling test is skipped, with one reason line, where it is absent."""
    if not osp.isdir(LLVIP_MINI):
        pytest.skip(f'llvip_mini is not at {LLVIP_MINI} (set MMWAM_LLVIP_MINI to its folder)')
    return LLVIP_MINI


sys.path.insert(0, osp.join(ROOT, 'tools', 'misc'))
# make test runs 2 pytest-xdist workers: one thread each (and in the tools they start) keeps them from
# fighting over 2 cores
XDIST_WORKER = bool(os.environ.get('PYTEST_XDIST_WORKER'))
if XDIST_WORKER:
    os.environ.setdefault('OMP_NUM_THREADS', '1')
torch.set_num_threads(1 if XDIST_WORKER else 2)


def pytest_configure(config):
    """A short temporary root (``/tmp/mmwam-XXXXXXXX``, not ``/tmp/pytest-of-USER/pytest-N/popen-gwN``): the
    configs the tests dump hold these paths, and mmengine's yapf formatting of a config takes seconds more
    for each line that grows past its column limit. Removed when the run passes; ``--basetemp`` wins."""
    import tempfile

    if XDIST_WORKER or not getattr(
        config.option, 'numprocesses', None
    ):  # a process that runs tests
        import gc

        from mmwam.utils.config_cache import cache_config_work

        # configs formatted and zoo configs resolved once per process
        cache_config_work()
        # the objects of the imported stack (millions) are left out of every garbage collection:
        # mmengine's datasets call gc.collect() each time one is built (0.6 s each in a test process)
        gc.freeze()
    if config.option.basetemp is None and not XDIST_WORKER:  # the workers get theirs under it
        config.option.basetemp = tempfile.mkdtemp(prefix='mmwam-')
        config._mmwam_basetemp = config.option.basetemp


# the longest files first (make test's workers take whole files: the run then ends on short ones, both
# workers busy to the end); the others keep their order
LONGEST_FIRST = (
    'test_engine/test_det_runner.py',
    'test_engine/test_distributed.py',
    'test_apis/test_export.py',
    'test_tools/test_add_mwam.py',
    'test_analysis/test_probe.py',
    'test_engine/test_missing_modality.py',
    'test_models/test_pretrained.py',
    'test_tools/test_zoo_coverage.py',
    'test_engine/test_nothing_silent.py',
    'test_tools/test_eval_kaist.py',
    'test_configs/test_configs.py',
    'test_engine/test_shared_encoders.py',
)


def pytest_collection_modifyitems(config, items):
    rank = {osp.join(ROOT, 'tests', f): i for i, f in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(str(item.path), len(rank)))


def pytest_sessionfinish(session, exitstatus):
    import shutil

    basetemp = getattr(session.config, '_mmwam_basetemp', None)
    if basetemp and exitstatus == 0:
        shutil.rmtree(basetemp, ignore_errors=True)


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory):
    """A small demo RGB-D set (the same generator as the embedded default)."""
    from make_demo_rgbd import write_dataset

    return write_dataset(
        str(tmp_path_factory.mktemp('demo_rgbd')),
        num_train=16,
        num_test=4,
        height=64,
        width=64,
        seed=0,
    )


@pytest.fixture(autouse=True)
def _seg_scope():
    from mmwam.utils.setup_env import register_all_modules

    register_all_modules('mmseg')
    yield


def config_path(*parts):
    return osp.join(ROOT, 'configs', *parts)


@pytest.fixture(scope='session')
def trained_demo(demo_root, tmp_path_factory):
    """The demo segmentor trained 2 iterations by a real Runner on ``demo_root``: (config file, checkpoint)."""
    from mmwam.testing import tiny_seg_runner_cfg
    from mmwam.utils.cli import build_runner

    work = tmp_path_factory.mktemp('trained_demo')
    cfg = tiny_seg_runner_cfg(demo_root, work, max_iters=2)
    cfg.custom_hooks, cfg.launcher = [], 'none'
    cfg.train_cfg.val_interval = 100  # no validation
    build_runner(cfg).train()
    cfg_file = str(work / 'config.py')
    cfg.dump(cfg_file)
    return cfg_file, str(work / 'iter_2.pth')


def run_tool(tool, *args, cwd=None, env=None, check=False, in_process=True):
    """``python tool args`` run in this process: its ``__main__`` block with ``sys.argv`` set, stdout,
    stderr, warnings and the loggers' output captured, an exit or an error turned into a return code.
    What a subprocess gives, without its start-up (importing mmwam takes seconds); each tool keeps one
    subprocess smoke test (``in_process=False``).

    Args:
        tool (str): the script's path.
        *args: its arguments (``str`` applied).
        cwd (str, optional): the working directory during the run.
        env (dict, optional): environment variables set during the run.
        check (bool): raise ``subprocess.CalledProcessError`` on a non-zero return code.
        in_process (bool): False: in a subprocess, as a user runs it (each tool's smoke test).

    Returns:
        subprocess.CompletedProcess: ``returncode``, ``stdout`` and ``stderr``.
    """
    import contextlib
    import io
    import logging
    import runpy
    import subprocess
    import traceback
    import warnings

    from mmengine.logging import MMLogger

    argv = [tool, *map(str, args)]
    if not in_process:
        return subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=dict(os.environ, **(env or {})),
            check=check,
        )
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv, list(sys.path), os.getcwd(), dict(os.environ)
    handlers = [
        (h, h.stream)
        for logger in MMLogger._instance_dict.values()
        for h in logger.handlers
        if type(h) is logging.StreamHandler
    ]
    code = 0
    try:
        sys.argv = argv
        sys.path.insert(0, osp.dirname(osp.abspath(tool)))
        if cwd is not None:
            os.chdir(cwd)
        os.environ.update(env or {})
        for h, _ in handlers:
            h.stream = out  # (not setStream: it flushes the old stream, maybe a closed one)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            with warnings.catch_warnings():
                warnings.resetwarnings()  # the interpreter's default filters, as in a subprocess
                warnings.simplefilter('default')
                for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning):
                    warnings.simplefilter('ignore', category)
                warnings.simplefilter('ignore', ResourceWarning)
                warnings.filterwarnings('default', category=DeprecationWarning, module='__main__')
                warnings.showwarning = lambda m, c, f, n, *a, **k: err.write(
                    warnings.formatwarning(m, c, f, n)
                )
                try:
                    runpy.run_path(tool, run_name='__main__')
                except SystemExit as e:
                    if isinstance(e.code, str):
                        print(e.code, file=sys.stderr)
                    code = e.code if isinstance(e.code, int) else int(e.code is not None)
                except Exception:  # noqa: BLE001  (as the interpreter reports it)
                    traceback.print_exc()
                    code = 1
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        os.chdir(saved[2])
        os.environ.clear()
        os.environ.update(saved[3])
        for h, stream in handlers:
            h.stream = stream
    proc = subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
    if check:
        proc.check_returncode()
    return proc
