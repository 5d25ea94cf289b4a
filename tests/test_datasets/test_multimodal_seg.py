import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

from mmwam.datasets import NYUDv2Dataset
from conftest import config_path


def demo_dataset(root, pipeline=(), **kwargs):
    from mmengine.config import Config
    cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).train_dataloader.dataset
    cfg.update(data_root=root, pipeline=list(pipeline), **kwargs)
    return DATASETS.build(cfg)


def train_pipeline():
    from mmengine.config import Config
    return Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).train_dataloader.dataset.pipeline


def test_reads_every_modality_path_and_the_split(demo_root):
    ds = demo_dataset(demo_root)
    assert len(ds) == 16
    info = ds.get_data_info(0)
    assert info['img_path'].endswith(osp.join('RGB', '0000.jpg'))
    assert info['depth_path'].endswith(osp.join('Depth', '0000.png'))
    assert info['seg_map_path'].endswith(osp.join('Label', '0000.png'))


def test_pipeline_gives_one_aligned_float_tensor(demo_root):
    ds = demo_dataset(demo_root, pipeline=train_pipeline())
    sample = ds[0]
    x = sample['inputs']
    assert x.shape[0] == 4 and x.dtype.is_floating_point
    depth_mm = cv2.imread(ds.get_data_info(0)['depth_path'], cv2.IMREAD_UNCHANGED)
    # depth (metres) stays a depth: values from the 16-bit file / 1000, moved with the crop/flip
    assert float(x[3].max()) <= depth_mm.max() / 1000 + 1e-3 and float(x[3].max()) > 1.0
    assert sample['data_samples'].gt_sem_seg.data.shape[-2:] == x.shape[-2:]


def test_geometric_transforms_move_depth_with_rgb_and_labels(tmp_path):
    """A depth map that equals the label id, through resize, crop and flip, still equals the label."""
    root = tmp_path / 'aligned'
    for sub in ('RGB', 'Depth', 'Label'):
        (root / sub).mkdir(parents=True)
    rng = np.random.default_rng(0)
    label = np.kron(rng.integers(1, 6, (6, 8)), np.ones((8, 8))).astype(np.uint8)  # 48 x 64 blocks
    cv2.imwrite(str(root / 'RGB' / 'a.jpg'), np.zeros((48, 64, 3), np.uint8))
    cv2.imwrite(str(root / 'Depth' / 'a.png'), (label.astype(np.uint16) * 1000))
    cv2.imwrite(str(root / 'Label' / 'a.png'), label)
    (root / 'train.txt').write_text('a\n')
    pipeline = [t for t in train_pipeline() if t['type'] != 'PhotoMetricDistortion']
    for t in pipeline:
        if t['type'] == 'RandomResize':
            t['scale'] = (64, 48)
        if t['type'] == 'RandomCrop':
            t['crop_size'] = (40, 40)
        if t['type'] == 'RandomFlip':
            t['prob'] = 1.0
    ds = demo_dataset(str(root), pipeline=pipeline)
    import torch.nn.functional as F
    np.random.seed(0)  # mmcv's random transforms draw from numpy: the same 3 augmentations every run
    for _ in range(3):
        s = ds[0]
        depth_as_label = s['inputs'][3].round().long() - 1  # reduce_zero_label: k -> k - 1
        gt = s['data_samples'].gt_sem_seg.data[0]
        # away from block borders, where bilinear depth and cv2's (not centre-aligned) nearest labels
        # legitimately differ by a pixel; a flip or crop applied to one and not the other, or an offset,
        # would leave far fewer than 97% agreeing
        g = gt[None, None].float()
        uniform = (F.max_pool2d(g, 7, 1, 3) == -F.max_pool2d(-g, 7, 1, 3))[0, 0] & (gt != 255)
        assert uniform.sum() > 100
        assert (depth_as_label[uniform] == gt[uniform]).float().mean() > 0.97


@pytest.fixture
def broken_root(demo_root, tmp_path):
    root = tmp_path / 'broken'
    shutil.copytree(demo_root, root)
    return root


def test_missing_modality_file_names_sample_and_path(broken_root):
    os.remove(broken_root / 'Depth' / '0001.png')
    ds = demo_dataset(str(broken_root), pipeline=train_pipeline())
    with pytest.raises(FileNotFoundError, match=r'sample .*RGB/0001.jpg: the depth file .*Depth/0001.png '
                                                r'is missing'):
        ds[1]


def test_size_mismatch_names_both_sizes_and_the_file(broken_root):
    cv2.imwrite(str(broken_root / 'Depth' / '0002.png'), np.ones((32, 40), np.uint16))
    ds = demo_dataset(str(broken_root), pipeline=train_pipeline())
    with pytest.raises(ValueError, match=r'Depth/0002.png is 40x32 \(WxH\), the RGB image .*0002.jpg is 64x64'):
        ds[2]


def test_wrong_channel_count_in_file(broken_root):
    cv2.imwrite(str(broken_root / 'Depth' / '0003.png'), np.random.randint(0, 255, (64, 64, 3), np.uint8))
    ds = demo_dataset(str(broken_root), pipeline=train_pipeline())
    with pytest.raises(ValueError, match=r'Depth/0003.png has 3 channels, the config expects channels=1'):
        ds[3]


def test_wrong_layout_names_the_missing_folder(broken_root):
    shutil.rmtree(broken_root / 'Depth')
    with pytest.raises(FileNotFoundError, match=r'folder .*Depth \(data_prefix depth_path\) not found'):
        demo_dataset(str(broken_root))


def test_nyudv2_split_lines_with_paths(tmp_path):
    for sub in ('RGB', 'Depth', 'Label'):
        (tmp_path / sub).mkdir()
    (tmp_path / 'train.txt').write_text('RGB/10.jpg Label/10.png\nRGB/7.jpg Label/7.png\n')
    ds = NYUDv2Dataset(data_root=str(tmp_path), ann_file='train.txt', lazy_init=False)
    assert len(ds.metainfo['classes']) == 40
    assert [osp.basename(ds.get_data_info(i)['depth_path']) for i in range(2)] == ['10.png', '7.png']
    assert ds.reduce_zero_label
