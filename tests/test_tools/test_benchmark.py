"""benchmark_mwam.py runs for a segmentation and a detection config (tiny sizes; timings not checked)."""

import os.path as osp

import pytest
from conftest import ROOT, run_tool

pytestmark = pytest.mark.slow  # make test-fast leaves this file out

TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark_mwam.py')


@pytest.mark.parametrize(
    'config, extra',
    [
        ('segformer_rgbd_demo.py', ['--add-modality', 'thermal']),
        ('retinanet_r18_fpn_rgbt_llvip-mini_demo.py', ['--eval-only']),
    ],
)
def test_benchmark_prints_training_and_evaluation_ratios(config, extra):
    proc = run_tool(
        TOOL,
        osp.join(ROOT, 'configs', 'mwam', config),
        '--batch',
        '2',
        '--size',
        '64',
        '64',
        '--iters',
        '1',
        '--warmup',
        '0',
        *extra,
        in_process=config.startswith('retinanet'),  # the segmentation run: the tool's smoke test
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert (
        '| all subsets, shared encoder outputs |' in out
        and '| lower bound of any shared path' in out
    )
    assert ('| training step (ms) |' in out) == ('--eval-only' not in extra)
    if '--add-modality' in extra:
        assert '3 modalities (rgb+depth+thermal), 7 subsets' in out
    assert (
        'data_preprocessor: the normalized' not in proc.stdout + proc.stderr
    )  # realistic fake data
