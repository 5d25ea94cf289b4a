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
torch.set_num_threads(2)


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


def tiny_demo_cfg(demo_root, work_dir, max_iters=4, mwam=True, **overrides):
    """The demo config shrunk to a few iterations on ``demo_root``, single-process, no workers."""
    from mmengine.config import Config

    cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py'))
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters
    cfg.param_scheduler[0].end = max_iters
    cfg.default_hooks.checkpoint.interval = max(1, max_iters // 2)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [dict(type='FRMLoggerHook', interval=1)]
    cfg.model.decode_head.dropout_ratio = 0.0  # deterministic for the resume test
    crop = (48, 48)
    cfg.model.data_preprocessor.size = crop
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg[loader]
        dl.num_workers, dl.persistent_workers, dl.batch_size = 0, False, 2
        dl.dataset.data_root = demo_root
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'RandomCrop':
            t['crop_size'] = crop
        if t['type'] == 'RandomResize':
            t['scale'] = (64, 64)
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    # the visualizer is a per-name singleton: several runners in one process need their own names
    cfg.visualizer.name = f'visualizer_{work_dir}'
    if not mwam:
        cfg.model.mwam = None
    cfg.merge_from_dict(overrides)
    return cfg


@pytest.fixture(scope='session')
def trained_demo(demo_root, tmp_path_factory):
    """The demo segmentor trained 2 iterations by a real Runner on ``demo_root``: (config file, checkpoint)."""
    from mmwam.utils.cli import build_runner

    work = tmp_path_factory.mktemp('trained_demo')
    cfg = tiny_demo_cfg(demo_root, work, max_iters=2)
    cfg.custom_hooks, cfg.launcher = [], 'none'
    cfg.train_cfg.val_interval = 100  # no validation
    build_runner(cfg).train()
    cfg_file = str(work / 'config.py')
    cfg.dump(cfg_file)
    return cfg_file, str(work / 'iter_2.pth')
