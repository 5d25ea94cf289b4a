"""docs/en/user_guides/own_data.md followed as a user would: its two configs as written (only the data
root, the image size and the schedule shrunk), then browse, measure, convert, train, test and the table."""

import os.path as osp
import re

import pytest
from conftest import ROOT, run_tool

DOC = osp.join(ROOT, 'docs', 'en', 'user_guides', 'own_data.md')


def _python_blocks():
    return re.findall(r'```python\n(.*?)```', open(DOC).read(), re.S)


def _tool(script, *args):
    proc = run_tool(osp.join(ROOT, 'tools', script), *map(str, args), cwd=ROOT)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.slow
def test_own_data_recipe_from_files_to_the_table(tmp_path):
    from make_demo_rgbd import write_dataset

    data = write_dataset(
        str(tmp_path / 'data' / 'my_rgbd'), num_train=8, num_test=2, height=64, width=64, seed=1
    )
    dataset_cfg, model_cfg = _python_blocks()
    base = osp.join(ROOT, 'configs', '_base_') + '/'
    small = {
        "'../_base_/": f"'{base}",
        "data_root = 'data/my_rgbd'": f'data_root = {data!r}',
        'crop_size = (480, 640)': 'crop_size = (64, 64)',
        'scale=(640, 480)': 'scale=(64, 64)',
    }
    for old, new in small.items():
        assert old in dataset_cfg + model_cfg, old  # the page still reads as this test expects
        dataset_cfg, model_cfg = dataset_cfg.replace(old, new), model_cfg.replace(old, new)
    (tmp_path / 'my').mkdir()
    (tmp_path / 'my' / 'my_rgbd.py').write_text(dataset_cfg)
    config = tmp_path / 'my' / 'my_rgbd_segformer.py'
    config.write_text(model_cfg)
    loaders = [
        f'{loader}.{k}={v}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
        for k, v in (('num_workers', 0), ('persistent_workers', False), ('batch_size', 2))
    ]

    rc, out = _tool(
        'analysis_tools/browse_dataset.py',
        config,
        '--max-samples',
        2,
        '--output-dir',
        tmp_path / 'browse',
    )
    assert rc == 0 and len(list((tmp_path / 'browse').glob('*.png'))) == 2, out[-2000:]
    rc, out = _tool('analysis_tools/modality_stats.py', config, '--num', 4)
    assert rc == 0 and 'depth' in out and 'mean' in out, out[-2000:]
    rc, out = _tool(
        'misc/add_mwam.py',
        'mmseg::deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-512x1024.py',
        '--dataset',
        tmp_path / 'my' / 'my_rgbd.py',
        '--recipe',
        'missing-modality',
        '-o',
        tmp_path / 'my' / 'my_rgbd_deeplabv3plus.py',
    )
    assert rc == 0 and 'MultiModalEncoderDecoder' in out, out[-2000:]

    work = tmp_path / 'work'
    rc, out = _tool(
        'train.py',
        config,
        '--work-dir',
        work,
        '--cfg-options',
        'train_cfg.max_iters=2',
        'train_cfg.val_interval=2',
        'param_scheduler.0.end=2',
        'default_hooks.checkpoint.interval=2',
        *loaders,
    )
    assert rc == 0, out[-3000:]
    ckpt = (work / 'last_checkpoint').read_text().strip()
    rc, out = _tool(
        'test.py',
        config,
        ckpt,
        '--work-dir',
        tmp_path / 'test',
        '--out',
        tmp_path / 'pred',
        '--cfg-options',
        *loaders,
    )
    assert rc == 0, out[-3000:]
    table = out[out.rindex('Missing-modality evaluation:') :]
    for row in ('| rgb+depth ', '| rgb ', '| depth ', '| avg '):
        assert row in table, row
    assert len(list((tmp_path / 'pred' / 'depth').glob('*.png'))) == 2
