import logging
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from conftest import config_path
from mmseg.registry import DATASETS

from mmwam.datasets import DataError, NYUDv2Dataset


def demo_dataset(root, pipeline=(), **kwargs):
    from mmengine.config import Config

    cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).train_dataloader.dataset
    cfg.update(data_root=root, pipeline=list(pipeline), **kwargs)
    return DATASETS.build(cfg)


def train_pipeline():
    from mmengine.config import Config

    return Config.fromfile(
        config_path('mwam', 'segformer_rgbd_demo.py')
    ).train_dataloader.dataset.pipeline


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

    np.random.seed(
        0
    )  # mmcv's random transforms draw from numpy: the same 3 augmentations every run
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


def test_a_listed_sample_without_its_depth_file_names_the_list_and_line(broken_root):
    os.remove(broken_root / 'Depth' / '0001.png')
    with pytest.raises(
        DataError,
        match=r"train.txt, line 2 \('0001'\): no depth file .*Depth/0001.png "
        r'\(data_prefix depth_path, suffix .png\)',
    ):
        demo_dataset(str(broken_root), pipeline=train_pipeline())


def test_a_listed_image_that_does_not_exist_names_the_list_and_line(broken_root):
    with open(broken_root / 'train.txt', 'a') as f:
        f.write('\nRGB/0099.jpg\n')
    with pytest.raises(DataError, match=r"train.txt, line 18 \('0099'\): no image .*RGB/0099.jpg"):
        demo_dataset(str(broken_root))


@pytest.mark.parametrize('content', ['', '\n  \n'])
def test_an_empty_split_list_is_one_line_naming_it(broken_root, content):
    (broken_root / 'train.txt').write_text(content)
    with pytest.raises(
        DataError, match=r'MultiModalSegDataset: no samples in .*train.txt \(it is empty\)'
    ):
        demo_dataset(str(broken_root))


def test_a_file_gone_after_the_list_was_read_names_list_line_and_file(broken_root):
    ds = demo_dataset(str(broken_root), pipeline=train_pipeline())
    os.remove(broken_root / 'Depth' / '0001.png')
    with pytest.raises(
        DataError,
        match=r'train.txt, line 2 \(.*RGB/0001.jpg\): the depth file .*Depth/0001.png '
        r'is missing or unreadable \(FileNotFoundError\)',
    ):
        ds[1]


def test_size_mismatch_names_both_sizes_and_the_file(broken_root):
    cv2.imwrite(str(broken_root / 'Depth' / '0002.png'), np.ones((32, 40), np.uint16))
    ds = demo_dataset(str(broken_root), pipeline=train_pipeline())
    with pytest.raises(
        DataError,
        match=r'line 3 .*Depth/0002.png is 40x32 \(WxH\), the RGB image .*0002.jpg is ' r'64x64',
    ):
        ds[2]


@pytest.mark.parametrize('what', ['a colour-mapped depth', 'the RGB image as depth'])
def test_a_three_channel_depth_file_is_refused(broken_root, what):
    depth = broken_root / 'Depth' / '0003.png'
    if what == 'a colour-mapped depth':
        cv2.imwrite(
            str(depth),
            cv2.applyColorMap(np.random.randint(0, 255, (64, 64), np.uint8), cv2.COLORMAP_JET),
        )
    else:
        shutil.copy(
            broken_root / 'RGB' / '0003.jpg', depth
        )  # a JPEG under the .png name: cv2 reads either
    ds = demo_dataset(str(broken_root), pipeline=train_pipeline())
    with pytest.raises(
        DataError, match=r'Depth/0003.png has 3 channels, the config expects channels=1'
    ):
        ds[3]


@pytest.mark.parametrize(
    'folder, name, message',
    [
        ('RGB', '0004.jpg', r'RGB/0004.jpg is a truncated JPEG \(it lacks the end marker\)'),
        ('Depth', '0004.png', r'cannot decode the depth file .*Depth/0004.png'),
    ],
)
def test_a_truncated_file_is_refused(broken_root, folder, name, message):
    path = broken_root / folder / name
    path.write_bytes(path.read_bytes()[:-200])
    ds = demo_dataset(str(broken_root), pipeline=train_pipeline())
    with pytest.raises(DataError, match=r'train.txt, line 5 .*' + message):
        ds[4]


def _float_depth(root, stem, patch_value):
    """The depth of ``stem`` as a float32 TIFF in millimetres (the PNG removed), a 10x10 patch set to
    ``patch_value``; the dataset then reads .tiff depth files."""
    png = root / 'Depth' / f'{stem}.png'
    depth = cv2.imread(str(png), cv2.IMREAD_UNCHANGED).astype(np.float32)
    depth[20:30, 20:30] = patch_value
    cv2.imwrite(str(root / 'Depth' / f'{stem}.tiff'), depth)
    return str(root / 'Depth' / f'{stem}.tiff')


def _tiff_dataset(root, non_finite=None):
    for png in (root / 'Depth').glob('*.png'):
        if not (root / 'Depth' / (png.stem + '.tiff')).exists():
            _float_depth(root, png.stem, cv2.imread(str(png), cv2.IMREAD_UNCHANGED)[25, 25])
    pipeline = train_pipeline()
    if non_finite:
        next(t for t in pipeline if t['type'] == 'LoadModalityFromFile')['non_finite'] = non_finite
    return demo_dataset(str(root), pipeline=pipeline, modality_suffixes=dict(depth='.tiff'))


@pytest.mark.parametrize('value', [float('nan'), float('inf')])
def test_nan_or_inf_in_a_float_depth_file_is_refused_naming_file_and_pixels(broken_root, value):
    tiff = _float_depth(broken_root, '0005', value)
    ds = _tiff_dataset(broken_root)
    with pytest.raises(
        DataError,
        match=rf'train.txt, line 6 .*: the depth file {tiff} has 100 of 4096 pixels '
        r"NaN or Inf; fix the file, or .*non_finite='zero'",
    ):
        ds[5]
    assert np.isfinite(ds[4]['inputs'].numpy()).all()  # the other samples load


def test_non_finite_zero_reads_them_as_missing_with_one_warning_per_file(broken_root):
    from mmengine.logging import MMLogger

    tiff = _float_depth(broken_root, '0005', float('nan'))
    ds = _tiff_dataset(broken_root, non_finite='zero')
    np.random.seed(0)
    records = []
    handler = logging.Handler()
    handler.emit = lambda r: records.append(r.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        for _ in range(3):
            x = ds[5]['inputs'].numpy()
    finally:
        logger.removeHandler(handler)
    assert np.isfinite(x).all() and (x[3] == 0).sum() >= 1
    said = [r for r in records if tiff in r]
    assert said == [
        f"the depth file {tiff} has 100 of 4096 pixels NaN or Inf: read as 0 (missing measurements, "
        "non_finite='zero')"
    ]


def test_wrong_layout_names_the_missing_folder(broken_root):
    shutil.rmtree(broken_root / 'Depth')
    with pytest.raises(DataError, match=r'folder .*Depth \(data_prefix depth_path\) not found'):
        demo_dataset(str(broken_root))


def test_nyudv2_split_lines_with_paths(tmp_path):
    for sub, suffix in (('RGB', '.jpg'), ('Depth', '.png'), ('Label', '.png')):
        (tmp_path / sub).mkdir()
        for stem in ('10', '7'):
            (tmp_path / sub / (stem + suffix)).touch()
    (tmp_path / 'train.txt').write_text('RGB/10.jpg Label/10.png\nRGB/7.jpg Label/7.png\n')
    ds = NYUDv2Dataset(data_root=str(tmp_path), ann_file='train.txt', lazy_init=False)
    assert len(ds.metainfo['classes']) == 40
    assert [osp.basename(ds.get_data_info(i)['depth_path']) for i in range(2)] == [
        '10.png',
        '7.png',
    ]
    assert ds.reduce_zero_label
