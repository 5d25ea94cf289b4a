"""Tiny configs: the embedded demo models (a dual-MiT SegFormer on RGB-D, a ResNet-18 RetinaNet on
RGB-T), small enough to build and train in seconds on a CPU."""

import os.path as osp

from mmengine.config import Config

_PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))

DET_PREPROCESSOR = dict(
    type='MultiModalDetDataPreprocessor',
    modalities=dict(rgb=3, infrared=1),
    mean=dict(rgb=[123.675, 116.28, 103.53], infrared=[38.85]),
    std=dict(rgb=[58.395, 57.12, 57.375], infrared=[40.01]),
    pad_size_divisor=32,
)


def config_file(name):
    """The path of one of our configs: in an installed package's ``.mim/configs``, or in the checkout.

    Args:
        name (str): the path under ``configs/``, e.g. ``'mwam/segformer_rgbd_demo.py'``.

    Returns:
        str: the file's path.
    """
    for root in (osp.join(_PACKAGE, '.mim', 'configs'), osp.join(osp.dirname(_PACKAGE), 'configs')):
        if osp.isfile(osp.join(root, name)):
            return osp.join(root, name)
    raise FileNotFoundError(f'no config {name} in mmwam/.mim/configs nor in the checkout')


def tiny_seg_model_cfg(mwam=True, fusion=None):
    """The demo segmentor's model config (``configs/mwam/segformer_rgbd_demo.py``), dropout off.

    Args:
        mwam (bool): False: the same model without MWAM (``mwam=None``, the baseline).
        fusion (dict, optional): another fusion module than the demo's.

    Returns:
        ConfigDict: the ``model`` field, for ``MODELS.build`` under the mmseg scope.
    """
    cfg = Config.fromfile(config_file('mwam/segformer_rgbd_demo.py')).model
    cfg.decode_head.dropout_ratio = 0.0
    if fusion is not None:
        cfg.fusion = fusion
    if not mwam:
        cfg.mwam = None
    return cfg


def tiny_det_model_cfg(name='retinanet', mwam=True):
    """A ``DualBackboneDetector`` (RGB + infrared) around an mmdet model-zoo detector as users write it,
    shrunk to ResNet-18 from scratch and one class.

    Args:
        name (str): ``'retinanet'``, ``'faster-rcnn'`` or ``'fcos'``.
        mwam (bool): False: without MWAM.

    Returns:
        dict: the model config, for ``MODELS.build`` under the mmdet scope.
    """
    import mmdet

    path = {
        'faster-rcnn': '_base_/models/faster-rcnn_r50_fpn.py',
        'retinanet': '_base_/models/retinanet_r50_fpn.py',
        'fcos': 'fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py',
    }[name]
    inner = Config.fromfile(osp.join(mmdet.__path__[0], '.mim', 'configs', path)).model
    inner.backbone.update(depth=18, init_cfg=None, frozen_stages=-1)
    inner.neck.in_channels = [64, 128, 256, 512]
    head = inner.roi_head.bbox_head if name == 'faster-rcnn' else inner.bbox_head
    head.num_classes = 1
    return dict(
        type='DualBackboneDetector',
        modalities=dict(rgb=3, infrared=1),
        detector=inner,
        mwam=dict(type='MWAM') if mwam else None,
        data_preprocessor=dict(DET_PREPROCESSOR),
    )


def _runner_fields(cfg, work_dir):
    cfg.work_dir = str(work_dir)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [dict(type='FRMLoggerHook', interval=1)]
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    # the visualizer is a per-name singleton: several runners in one process need their own names
    cfg.visualizer.name = f'visualizer_{work_dir}'


def tiny_seg_runner_cfg(data_root, work_dir, max_iters=4, mwam=True, **overrides):
    """The demo config (``segformer_rgbd_demo.py``) for a real Runner: a few iterations on a demo set
    (``tools/misc/make_demo_rgbd.py``) at 48x48, batches of 2, no workers, local logs only.

    Args:
        data_root (str): the demo set.
        work_dir (str): the Runner's work directory.
        max_iters (int): training iterations (validation at the end, checkpoints every half).
        mwam (bool): False: the baseline (``mwam=None``).
        **overrides: merged last (``Config.merge_from_dict``).

    Returns:
        Config: the full config, for ``RUNNERS.build``.
    """
    cfg = Config.fromfile(config_file('mwam/segformer_rgbd_demo.py'))
    _runner_fields(cfg, work_dir)
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters
    cfg.param_scheduler[0].end = max_iters
    cfg.default_hooks.checkpoint.interval = max(1, max_iters // 2)
    cfg.model.decode_head.dropout_ratio = 0.0  # deterministic: a resumed run repeats the first
    crop = (48, 48)
    cfg.model.data_preprocessor.size = crop
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg[loader]
        dl.num_workers, dl.persistent_workers, dl.batch_size = 0, False, 2
        dl.dataset.data_root = data_root
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'RandomCrop':
            t['crop_size'] = crop
        if t['type'] == 'RandomResize':
            t['scale'] = (64, 64)
    if not mwam:
        cfg.model.mwam = None
    cfg.merge_from_dict(overrides)
    return cfg


def tiny_det_runner_cfg(data_root, work_dir):
    """The RetinaNet demo config (``retinanet_r18_fpn_rgbt_llvip-mini_demo.py``) for a real Runner: one
    epoch of 4 LLVIP pairs, validation and testing on 2, no workers, local logs only, images resized to
    160x128 (a quarter of the demo's pixels: the heads' convolutions dominate a CPU step), every box kept
    (an untrained model still gives boxes to evaluate).

    Args:
        data_root (str): an LLVIP-layout folder (e.g. llvip_mini).
        work_dir (str): the Runner's work directory.

    Returns:
        Config: the full config, for ``RUNNERS.build``.
    """
    cfg = Config.fromfile(config_file('mwam/retinanet_r18_fpn_rgbt_llvip-mini_demo.py'))
    _runner_fields(cfg, work_dir)
    for loader, n in (('train_dataloader', 4), ('val_dataloader', 2), ('test_dataloader', 2)):
        cfg[loader].update(num_workers=0, batch_size=2)
        cfg[loader].dataset.update(data_root=data_root, indices=n)
        for t in cfg[loader].dataset.pipeline:
            if t['type'] == 'Resize':
                t['scale'] = (160, 128)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.default_hooks.checkpoint.interval = 1
    cfg.model.test_cfg.score_thr = 0.0
    return cfg
