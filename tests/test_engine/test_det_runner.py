"""A real Runner under mmdet's default scope: llvip_mini, MWAM, FRMLoggerHook, missing-modality mAP."""

import glob
import json
import os.path as osp

import pytest
from conftest import ROOT, config_path, llvip_mini, run_tool
from mmengine.config import Config
from mmengine.registry import RUNNERS
from test_tools.test_add_mwam_mosaic import pastes  # noqa: F401  (a fixture)

from mmwam.testing import tiny_det_runner_cfg


@pytest.mark.slow
def test_runner_trains_and_evaluates_every_subset(tmp_path):
    cfg = tiny_det_runner_cfg(llvip_mini(), tmp_path)
    cfg.custom_hooks.append(dict(type='MultiModalVisualizationHook', draw=True, interval=1))
    runner = RUNNERS.build(cfg)
    assert type(runner).__name__ == 'MWAMRunner'
    runner.train()
    hub = runner.message_hub
    for key in (
        'train/frm_rgb',
        'train/frm_infrared',
        'train/bank_infrared',
        'train/mwam_weight_rgb',
    ):
        assert len(hub.get_scalar(key).data[0]) == 2, key
    metrics = runner.val_loop.run()
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert (
        'data_preprocessor: the normalized' not in log
    )  # real LLVIP pairs are in the expected range
    for key in (
        'coco/bbox_mAP',
        'rgb+infrared/coco/bbox_mAP_50',
        'rgb/coco/bbox_mAP_50',
        'infrared/pascal_voc/mAP',
        'avg/coco/bbox_mAP_50',
        'pcr/infrared/coco/bbox_mAP_50',
    ):
        assert key in metrics, key
    # the visualization hook's validation panels went to the visualizer's backends: rgb, infrared, ground
    # truth and the boxes of rgb+infrared, rgb, infrared
    import cv2

    from mmwam.visualization.multimodal_visualizer import FOOTER_H, TITLE_H, _tile_size

    panels = glob.glob(osp.join(runner.log_dir, 'vis_data', 'vis_image', 'val_panel_*.png'))
    assert (
        len(panels) == 1
    ), panels  # one per validation batch and iteration (val_loop.run() redraws it)
    th, tw = _tile_size(1024, 1280)  # LLVIP's image size: the predictions' frame
    assert cv2.imread(panels[0]).shape == (TITLE_H + th + FOOTER_H, 6 * tw, 3)


@pytest.mark.slow
def test_test_tool_writes_coco_json_per_subset_with_format_only(tmp_path):
    cfg = tiny_det_runner_cfg(llvip_mini(), tmp_path / 'work')
    runner = RUNNERS.build(cfg)
    runner.train()
    cfg_path = tmp_path / 'cfg.py'
    cfg.dump(str(cfg_path))
    out = tmp_path / 'submission'
    proc = run_tool(
        osp.join(ROOT, 'tools', 'test.py'),
        str(cfg_path),
        str(tmp_path / 'work' / 'epoch_1.pth'),
        '--format-only',
        '--out',
        str(out),
        '--work-dir',
        str(tmp_path / 'test'),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(osp.relpath(p, out) for p in glob.glob(str(out / '*' / '*.bbox.json')))
    assert files == [
        'infrared/results.bbox.json',
        'rgb+infrared/results.bbox.json',
        'rgb/results.bbox.json',
    ]
    dets = json.load(open(out / 'rgb+infrared' / 'results.bbox.json'))
    assert all(set(d) == {'image_id', 'bbox', 'score', 'category_id'} for d in dets)


@pytest.mark.slow
@pytest.mark.parametrize(
    'name', ['rtmdet_tiny_rgbt_llvip-mini_demo.py', 'yolox_s_rgbt_llvip-mini_demo.py']
)
def test_yolo_style_demo_configs_train_and_test_every_subset(tmp_path, name, pastes):
    """RTMDet (CSPNeXt) and YOLOX (CSPDarknet, Focus stem): their fixed 3-channel stems rebuilt for infrared,
    one epoch on a few llvip_mini pairs through a real Runner with their recipes' mosaic and mixup, then the
    missing-modality test."""
    cfg = Config.fromfile(config_path('mwam', name))
    cfg.work_dir = str(tmp_path)
    rtmdet = name.startswith('rtmdet')
    for loader, n in (
        ('train_dataloader', 8 if rtmdet else 4),
        ('val_dataloader', 2),
        ('test_dataloader', 2),
    ):
        cfg[loader].update(num_workers=0, batch_size=2, persistent_workers=False)
        dataset = cfg[loader].dataset.get(
            'dataset', cfg[loader].dataset
        )  # YOLOX's MultiImageMixDataset
        dataset.update(data_root=llvip_mini(), indices=n)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.custom_hooks = [
        h for h in cfg.custom_hooks if h.type != 'EMAHook'
    ]  # its copy is evaluated: not here
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer.name = f'visualizer_{tmp_path}'
    cfg.randomness = dict(seed=0)  # (unseeded, the crops depended on what earlier tests drew)
    runner = RUNNERS.build(cfg)
    runner.train()
    assert int(runner.model.mwam.num_steps) == (4 if rtmdet else 2)
    if (
        rtmdet
    ):  # the cache holds more than 4 images from the 5th on (sooner where a crop without boxes
        # is fetched again)
        assert pastes['mosaic'] >= 4 and pastes['mixup'] >= 1
    else:  # a 1-epoch run is within YOLOXModeSwitchHook's last epochs: no mosaic, the L1 loss on
        assert pastes == {'mosaic': 0, 'mixup': 0}
        assert runner.model.bbox_head.use_l1
    metrics = runner.test()
    for key in (
        'rgb+infrared/pascal_voc/mAP',
        'rgb/pascal_voc/mAP',
        'infrared/pascal_voc/mAP',
        'avg/pascal_voc/mAP',
    ):
        assert key in metrics, key
