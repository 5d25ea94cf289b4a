"""Panels of real samples: the demo RGB-D set with a real (untrained) model's prediction of every subset,
and an llvip_mini RGB-infrared pair; the RGB-only tile differs from the full set's where they differ."""

import copy

import mmcv
import numpy as np
import pytest
import torch
from conftest import llvip_mini
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, MODELS
from mmengine.structures import InstanceData, PixelData

from mmwam.engine.runner.missing_modality_loops import predict_every_subset
from mmwam.testing import tiny_det_runner_cfg, tiny_seg_runner_cfg
from mmwam.utils.modalities import all_subsets, subset_name
from mmwam.utils.setup_env import register_all_modules
from mmwam.visualization import (
    MultiModalDetLocalVisualizer,
    MultiModalSegLocalVisualizer,
    draw_panel,
    split_inputs,
    units_from_pipeline,
)
from mmwam.visualization.multimodal_visualizer import FOOTER_H, TITLE_H


def tiles_of(panel, n):
    """The image part (below the title, above the footer) of each of the ``n`` tiles."""
    assert panel.shape[1] % n == 0
    w = panel.shape[1] // n
    return [panel[TITLE_H : panel.shape[0] - FOOTER_H, i * w : (i + 1) * w - 1] for i in range(n)]


def demo_sample(demo_root, tmp_path):
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    visualizer = MultiModalSegLocalVisualizer(
        name=f'panel_{tmp_path}',
        modality_units=units_from_pipeline(cfg.test_dataloader.dataset.pipeline),
    )
    visualizer.dataset_meta = dict(
        classes=dataset.metainfo['classes'], palette=dataset.metainfo['palette']
    )
    return cfg, dataset[0], visualizer


def test_seg_panel_of_every_subset_predicted_by_a_real_model(demo_root, tmp_path):
    cfg, item, visualizer = demo_sample(demo_root, tmp_path)
    assert visualizer.modality_units == {
        'depth': 'm'
    }  # the demo pipeline loads depth with scale 0.001
    model = MODELS.build(cfg.model).eval()
    batch = pseudo_collate([item])
    names = list(model.data_preprocessor.modalities)
    with torch.no_grad():
        predictions = {
            subset_name(s): out[0]
            for s, out in predict_every_subset(model, batch, all_subsets(names))
        }
    assert list(predictions) == ['depth', 'rgb', 'rgb+depth']  # the full set comes last
    modalities = split_inputs(item['inputs'], model.data_preprocessor.modalities)
    assert list(modalities) == ['rgb', 'depth'] and modalities['depth'].shape == (64, 64, 1)
    out = tmp_path / 'panel.png'
    panel = draw_panel(visualizer, modalities, item['data_samples'], predictions, out_file=str(out))
    # rgb, depth, ground truth, 3 predictions; the 64x64 demo images are scaled to 192x192 tiles
    assert panel.shape == (TITLE_H + 192 + FOOTER_H, 6 * 192, 3)
    assert np.array_equal(mmcv.imread(str(out), channel_order='rgb'), panel)
    for tile in tiles_of(panel, 6):
        assert tile.std() > 5  # drawn, not blank
    # the RGB tile is the RGB image (BGR from the pipeline, swapped); depth is colour-mapped
    rgb = np.clip(item['inputs'][:3].numpy().transpose(1, 2, 0)[..., ::-1], 0, 255).astype(np.uint8)
    assert np.abs(tiles_of(panel, 6)[0][::3, ::3][:, :63].astype(int) - rgb[:, :63]).mean() < 2


def test_the_rgb_only_tile_differs_where_the_predictions_differ(demo_root, tmp_path):
    _, item, visualizer = demo_sample(demo_root, tmp_path)
    gt = item['data_samples']
    full = copy.deepcopy(gt)
    full.pred_sem_seg = PixelData(
        data=torch.where(gt.gt_sem_seg.data == 255, 0, gt.gt_sem_seg.data)
    )
    rgb_only = copy.deepcopy(full)
    rgb_only.pred_sem_seg.data[:, 8:32, 8:32] = 2  # 'blue box' where the full set says otherwise
    changed = full.pred_sem_seg.data[0] != rgb_only.pred_sem_seg.data[0]
    assert changed.sum() > 100
    panel = draw_panel(
        visualizer,
        split_inputs(item['inputs'], dict(rgb=3, depth=1)),
        gt,
        {'rgb+depth': full, 'rgb': rgb_only},
        out_file=str(tmp_path / 'p.png'),
    )
    tiles = tiles_of(panel, 5)
    diff = np.abs(tiles[3].astype(int) - tiles[4].astype(int)).sum(
        axis=2
    )  # pred: rgb+depth vs pred: rgb
    mask = np.kron(changed.numpy(), np.ones((3, 3), bool))[
        :, : diff.shape[1]
    ]  # 64x64 labels -> 192x192 tile
    assert (diff[mask] > 30).mean() > 0.9
    assert (
        diff[~mask] == 0
    ).mean() > 0.8  # elsewhere the same (but for the class names mmseg writes)


def test_det_panel_of_an_llvip_mini_pair(tmp_path):
    register_all_modules('mmdet')
    cfg = tiny_det_runner_cfg(llvip_mini(), tmp_path)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    item = dataset[0]
    gt = item['data_samples']
    visualizer = MultiModalDetLocalVisualizer(name=f'det_panel_{tmp_path}')
    visualizer.dataset_meta = dataset.metainfo
    assert units_from_pipeline(cfg.test_dataloader.dataset.pipeline) == {}  # infrared: raw units
    # the test pipeline resizes the inputs to 320x256, predictions and ground truth are at 1280x1024
    modalities = split_inputs(
        item['inputs'], cfg.model.data_preprocessor.modalities, size=gt.ori_shape
    )
    assert modalities['infrared'].shape == (1024, 1280, 1)
    boxes = gt.gt_instances.bboxes.tensor.clone()
    assert len(boxes) >= 2
    full = copy.deepcopy(gt)
    full.pred_instances = InstanceData(
        bboxes=boxes,
        scores=torch.full((len(boxes),), 0.9),
        labels=torch.zeros(len(boxes), dtype=torch.long),
    )
    rgb_only = copy.deepcopy(full)
    rgb_only.pred_instances = full.pred_instances[1:]  # misses the first person
    panel = draw_panel(
        visualizer,
        modalities,
        gt,
        {'rgb+infrared': full, 'rgb': rgb_only},
        out_file=str(tmp_path / 'det.png'),
    )
    assert panel.shape == (
        TITLE_H + 512 + FOOTER_H,
        5 * 640,
        3,
    )  # 1280x1024 scaled to 640x512 tiles
    tiles = tiles_of(panel, 5)
    for tile in tiles:
        assert tile.std() > 5
    diff = np.abs(tiles[3].astype(int) - tiles[4].astype(int)).sum(axis=2)
    x1, y1, x2, y2 = (boxes[0] / 2).round().int().tolist()
    around_missed = np.zeros_like(diff, bool)
    around_missed[max(y1 - 12, 0) : y2 + 4, max(x1 - 4, 0) : x2 + 4] = (
        True  # the box and its label above
    )
    assert (diff[around_missed] > 0).mean() > 0.05  # the box outline (and its score) is gone
    assert (diff[~around_missed] == 0).mean() > 0.99
    assert not np.array_equal(
        tiles[2], tiles[0]
    )  # the ground truth has boxes drawn on the RGB image


def test_split_inputs_checks_the_channel_count():
    with pytest.raises(ValueError, match='inputs have 4 channels'):
        split_inputs(torch.zeros(4, 8, 8), dict(rgb=3, thermal=2))


def test_each_subsets_prediction_is_drawn_over_what_it_saw(demo_root, tmp_path):
    """The depth-only prediction lies on the depth map (that subset never saw the RGB image), the others
    on the RGB image: the same prediction drawn for 'depth' and for 'rgb' differs where the images do."""
    _, item, visualizer = demo_sample(demo_root, tmp_path)
    pred = copy.deepcopy(item['data_samples'])
    pred.pred_sem_seg = PixelData(
        data=torch.zeros_like(pred.gt_sem_seg.data)
    )  # one class everywhere
    modalities = split_inputs(item['inputs'], dict(rgb=3, depth=1))
    panel = draw_panel(visualizer, modalities, None, {'rgb': pred, 'depth': pred})
    rgb_tile, depth_tile, on_rgb, on_depth = tiles_of(panel, 4)
    assert np.abs(on_rgb.astype(int) - on_depth.astype(int)).mean() > 5
    # one overlay colour blended over each: the tiles differ as the images under them do
    drawn, under = (
        (on_depth.astype(float) - on_rgb).ravel(),
        (depth_tile.astype(float) - rgb_tile).ravel(),
    )
    assert np.corrcoef(drawn, under)[0, 1] > 0.9
