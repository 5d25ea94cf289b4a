"""Two CPU processes (torchrun, gloo, MMEngine's own DDP wrapper) train the demo model with MWAM,
and with OGM-GE."""

import os
import os.path as osp
import socket
import subprocess
import sys
import textwrap

import pytest
import torch
from conftest import ROOT, config_path, run_tool
from mmengine.config import Config

from mmwam.testing import tiny_seg_runner_cfg


def free_port() -> int:
    """A port nobody listens on now: two test runs at once, or a busy port, must not collide."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


DUMP_HOOK = textwrap.dedent('''
    import os.path as osp
    import torch
    from mmengine.dist import get_rank
    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS

    @HOOKS.register_module()
    class DumpMWAMHook(Hook):
        """Each rank saves its own balancer's buffers after training."""
        def after_train(self, runner):
            model = runner.model.module
            torch.save(model.backbone.balancer.state_dict(), osp.join(runner.work_dir, f'rank{get_rank()}.pt'))
            torch.save(type(runner.model).__name__, osp.join(runner.work_dir, f'wrapper{get_rank()}.pt'))
''')


# each rank trains the configs one after the other in one process group (one torchrun start-up for both
# balancers); the group is ended after the last (gloo cannot start a second one in these processes)
TRAIN_EACH = textwrap.dedent('''
    import runpy
    import sys

    import torch.distributed as dist

    import mmwam.utils.dist

    finish = mmwam.utils.dist.finish_distributed
    train, *configs = sys.argv[1:]
    for i, config in enumerate(configs):
        mmwam.utils.dist.finish_distributed = finish if i == len(configs) - 1 else dist.barrier
        sys.argv = [train, config, '--launcher', 'pytorch']
        runpy.run_path(train, run_name='__main__')
''')

BALANCERS = ('MWAM', 'OGMGE')


@pytest.fixture(scope='module')
def two_process_runs(demo_root, tmp_path_factory):
    """tools/train.py under torchrun (2 CPU processes) for the demo model with MWAM, then with OGM-GE:
    {balancer: work dir}."""
    tmp = tmp_path_factory.mktemp('ddp')
    (tmp / 'dump_mwam_hook.py').write_text(DUMP_HOOK)
    (tmp / 'train_each.py').write_text(TRAIN_EACH)
    works, configs = {}, []
    for balancer in BALANCERS:
        works[balancer] = tmp / balancer
        cfg = tiny_seg_runner_cfg(demo_root, works[balancer], max_iters=3)
        if balancer == 'OGMGE':  # scores summed over the ranks: the same coefficients on both
            ogm = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo_ogm-ge.py')).model
            cfg.model.mwam, cfg.model.balancer, cfg.model.modality_heads = (
                None,
                ogm.balancer,
                ogm.modality_heads,
            )
        cfg.custom_imports = dict(imports=['mmwam', 'dump_mwam_hook'], allow_failed_imports=False)
        cfg.custom_hooks.append(dict(type='DumpMWAMHook'))
        cfg.train_cfg.val_interval = 100  # no validation
        configs.append(str(tmp / f'dist_{balancer}.py'))
        cfg.dump(configs[-1])
    env = dict(os.environ, PYTHONPATH=f'{tmp}{os.pathsep}{ROOT}', OMP_NUM_THREADS='1')
    cmd = [
        sys.executable,
        '-m',
        'torch.distributed.run',
        '--nproc_per_node=2',
        f'--master_port={free_port()}',
        str(tmp / 'train_each.py'),
        osp.join(ROOT, 'tools', 'train.py'),
        *configs,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return works


@pytest.mark.slow
@pytest.mark.parametrize('balancer', BALANCERS)
def test_two_process_cpu_training_keeps_the_balancers_state_identical(two_process_runs, balancer):
    work = two_process_runs[balancer]
    states = [torch.load(work / f'rank{r}.pt', weights_only=True) for r in (0, 1)]
    assert torch.load(work / 'wrapper0.pt') == 'MMDistributedDataParallel'
    assert int(states[0]['num_steps']) == 3
    assert set(states[0]) == (
        {'bank', 'weight', 'frm', 'num_steps'}
        if balancer == 'MWAM'
        else {'score', 'coeff', 'num_steps', 'noise_seed'}
    )
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key]), key
    assert states[0]['bank' if balancer == 'MWAM' else 'score'].abs().sum() > 0


def missing_modality_table(log: str) -> list:
    """Each table that follows a 'Missing-modality evaluation:' line: its lines of '+' and '|'."""
    tables = []
    for block in log.split('Missing-modality evaluation:\n')[1:]:
        lines = []
        for line in block.splitlines():
            if not line.startswith(('+', '|')):
                break
            lines.append(line)
        tables.append('\n'.join(lines))
    return tables


@pytest.mark.slow
def test_two_process_cpu_test_prints_the_one_process_table_once(trained_demo, tmp_path):
    config, checkpoint = trained_demo
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        PORT=str(free_port()),
        PATH=f'{osp.dirname(sys.executable)}{os.pathsep}{os.environ.get("PATH", "")}',
    )
    runs = {}
    for procs in (1, 2):
        work = tmp_path / f'p{procs}'
        if procs == 1:  # in this process (tools/test.py's own subprocess smoke test is elsewhere)
            proc = run_tool(
                osp.join(ROOT, 'tools', 'test.py'), config, checkpoint, '--work-dir', work, cwd=ROOT
            )
        else:
            proc = subprocess.run(
                ['bash', osp.join(ROOT, 'tools', 'dist_test.sh'), config, checkpoint, '2']
                + ['--work-dir', str(work)],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                cwd=ROOT,
            )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        files = list(work.glob('*/missing_modality_metrics.json'))
        assert len(files) == 1, files
        runs[procs] = (missing_modality_table(proc.stdout + proc.stderr), files[0].read_text())
    tables_1, metrics_1 = runs[1]
    tables_2, metrics_2 = runs[2]
    assert len(tables_1) == len(tables_2) == 1
    assert tables_2[0] == tables_1[0] and '| rgb+depth |' in tables_1[0] and '| avg ' in tables_1[0]
    assert metrics_2 == metrics_1
