"""The zoo-coverage tool on two small model families: converted, one family config trained one step, the
table written, an interrupted sweep resumed from its results file."""

import json
import os.path as osp
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow  # make test-fast leaves this file out


def _run(out):
    return subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'analysis_tools', 'zoo_coverage.py'),
            '--families',
            'erfnet',
            'cgnet',
            'san',
            '--packages',
            'mmseg',
            '--out',
            str(out),
            '--fresh-worker-gb',
            '0',  # every worker hands over after its first trained model
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_zoo_coverage_converts_trains_one_per_family_and_resumes(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in open(tmp_path / 'results.jsonl')]
    results = {(r['family'], r['result']) for r in rows}
    assert results == {
        ('cgnet', 'trained'),
        ('cgnet', 'converted'),
        ('erfnet', 'trained'),
        ('san', 'out of scope'),
    }, rows
    # a worker that has stepped a model hands over before the next step: before erfnet's, before san's
    assert proc.stdout.count('going on in a fresh one') == 2, proc.stdout
    table = (tmp_path / 'zoo_coverage.md').read_text()
    assert 'model families in scope: 2; converted and trained one step: 2 (100.0 %)' in table
    assert '| mmseg | erfnet | erfnet/' in table and 'MultimodalEncoderDecoder' in table
    again = _run(tmp_path)
    assert (
        again.returncode == 0 and 'zoo_coverage: mmseg::' not in again.stdout
    )  # nothing re-checked
    assert len(open(tmp_path / 'results.jsonl').readlines()) == len(rows)


def test_a_step_that_fails_for_the_original_model_too_is_not_counted_and_a_crash_is_recorded(
    tmp_path,
):
    """CARAFE's op has no CPU implementation in mmcv: the converted and the original model fail alike
    (fails upstream too, not counted). A worker that died on a config (here: the marker it leaves, as a
    segfault would) is recorded as crashed by the next one, which then checks the original model."""
    carafe = 'carafe/faster-rcnn_r50_fpn-carafe_1x_coco.py'
    crashed = 'retinanet/retinanet_r18_fpn_1x_coco.py'
    (tmp_path / 'in_progress.json').write_text(
        json.dumps(dict(package='mmdet', config=crashed, phase='converted', signal=11))
    )
    proc = subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'analysis_tools', 'zoo_coverage.py'),
            '--packages',
            'mmdet',
            '--configs',
            carafe,
            crashed,
            '--out',
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r['config']: r for r in map(json.loads, open(tmp_path / 'results.jsonl'))}
    assert set(rows) == {carafe, crashed}
    assert rows[carafe]['result'] == 'fails upstream too', rows
    assert (
        'implementation for device cpu not found'
        in rows[carafe]['reason'].split('the original model:')[1]
    )
    # the original RetinaNet trains: the crash was the converted model's, an error of ours
    assert (
        rows[crashed]['result'] == 'failed'
        and 'the process crashed (a segfault' in rows[crashed]['reason']
    ), rows
    assert not (tmp_path / 'in_progress.json').exists()
    table = (tmp_path / 'zoo_coverage.md').read_text()
    assert 'model families in scope: 1; converted and trained one step: 0 (0.0 %)' in table
    assert 'original RGB model fails the same step too (not counted): mmdet::carafe' in table


def zoo_tool():
    """tools/analysis_tools/zoo_coverage.py as a module (its functions called in this process)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        'zoo_coverage', osp.join(ROOT, 'tools', 'analysis_tools', 'zoo_coverage.py')
    )
    zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zoo)
    return zoo


def zoo_config(package, rel):
    import importlib

    return osp.join(osp.dirname(importlib.import_module(package).__file__), '.mim', 'configs', rel)


# Mask R-CNN with MMSyncBN, instance masks: the --dataset conversion is refused, its own pipelines convert
SYNC_BN_MASK_RCNN = (
    'simple_copy_paste/mask-rcnn_r50_fpn_rpn-2conv_4conv1fc_syncbn-all_32xb2-ssj-270k_coco.py'
)


@pytest.mark.parametrize(
    'train',
    [False, pytest.param(True, marks=pytest.mark.zoo_sweep)],  # its step: 30 s of CPU
)
def test_an_instance_segmentation_model_converts_with_its_own_pipelines(train):
    result, reason = zoo_tool().check('mmdet', zoo_config('mmdet', SYNC_BN_MASK_RCNN), train)
    assert result == ('trained' if train else 'converted'), reason
    assert reason.startswith('without --dataset (--dataset llvip-mini: model.roi_head.mask_head')


def test_mmcv_sync_bn_is_built_as_batch_norm_for_the_one_process_step():
    from mmwam.converters import add_mwam, load_config

    cfg = load_config('mmdet::retinanet/retinanet_r18_fpn_1x_coco.py')
    cfg.model.backbone.norm_cfg = dict(type='MMSyncBN', requires_grad=True)
    cfg.model.neck.norm_cfg = dict(type='MMSyncBN')
    assert zoo_tool().step_error(add_mwam(cfg, dataset='llvip-mini'), 'mmdet') is None


def test_a_converted_config_whose_pipeline_does_not_build_is_a_failure_of_ours():
    from mmwam.converters import add_mwam, load_config

    zoo = zoo_tool()
    cfg = add_mwam(load_config('mmdet::yolox/yolox_tiny_8xb8-300e_coco.py'), dataset='llvip-mini')
    assert zoo.pipeline_error(cfg, 'mmdet') is None
    cfg.train_dataloader.dataset.pipeline[
        0
    ].pad_val = 'grey'  # the outer pipeline of its MultiImageMixDataset
    assert zoo.pipeline_error(cfg, 'mmdet') == (
        'pipeline train_dataloader.dataset: TypeError: MultiModalMosaic.pad_val: expected a number, a sequence of '
        "numbers (one per channel) or a dict modality -> value, e.g. dict(rgb=114, depth=0); got 'grey'"
    )


def test_the_table_shows_no_installation_folders():
    """Errors that name files inside the installation or a pip build folder keep only the part a reader can
    use, so the table reads the same on every machine."""
    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
    from zoo_coverage import one_line

    missing = FileNotFoundError(
        "No such file: '/opt/x/.venv/lib/python3.11/site-packages/mmdet/a.py'"
    )
    assert one_line(missing) == "No such file: '<site-packages>/mmdet/a.py'"
    built = RuntimeError('failed at "/tmp/pip-wheel-ab12/mmcv_99/mmcv/ops/roi.cpp":138\nmore')
    assert one_line(built) == 'failed at "<source>/mmcv/ops/roi.cpp":138'


def test_pipelines_that_need_a_missing_package_for_the_original_too_do_not_stop_the_step(tmp_path):
    """InstaBoost needs instaboostfast, which is not installed: the converted pipelines do not build, nor do
    the original's, so that is not a conversion error; the model is stepped and the note says why the
    pipelines were not checked. A converted pipeline that fails where the original's builds stays a
    failure (test_a_converted_config_whose_pipeline_does_not_build_is_a_failure_of_ours)."""
    pytest.importorskip('mmdet')
    try:
        import instaboostfast  # noqa: F401

        pytest.skip('instaboostfast is installed: the pipelines build')
    except ImportError:
        pass
    config = tmp_path / 'yolox_instaboost.py'  # YOLOX keeps its own pipelines with --dataset
    config.write_text(
        "_base_ = 'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py'\n"
        'train_dataloader = dict(dataset=dict(dataset=dict(pipeline=[\n'
        "    dict(type='LoadImageFromFile'),\n"
        "    dict(type='InstaBoost', action_candidate=('normal', 'horizontal', 'skip')),\n"
        "    dict(type='LoadAnnotations', with_bbox=True),\n"
        '])))\n'
    )
    result, reason = zoo_tool().check('mmdet', str(config), True)
    assert result == 'trained', reason
    assert (
        "pipelines not built, nor the original's: pipeline train_dataloader.dataset.dataset: ImportError"
        in reason
    )
    assert 'instaboostfast' in reason
