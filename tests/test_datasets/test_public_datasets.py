"""Every public dataset class (and the NYUDv2 converter) on a tiny fixture in the official layout, read
through its own dataset config (configs/_base_/datasets/)."""

import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import ROOT, config_path, run_tool
from mmengine.config import Config
from mmengine.registry import DATASETS, init_default_scope

from mmwam.datasets import DataError

H, W = 24, 32


def build(dataset_config, root, loader='test_dataloader', scope='mmseg', **kwargs):
    init_default_scope(scope)
    cfg = Config.fromfile(config_path('_base_', 'datasets', dataset_config))[loader].dataset
    cfg.update(data_root=str(root), **kwargs)
    return DATASETS.build(cfg)


def write(path, array):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), array)


def rgb(seed):
    return np.random.default_rng(seed).integers(0, 255, (H, W, 3), dtype=np.uint8)


def label(num_ids, seed):
    return np.random.default_rng(seed).integers(0, num_ids, (H, W)).astype(np.uint8)


# ---------------------------------------------------------------- NYUDv2 from the official .mat files
@pytest.fixture(scope='module')
def nyu_official(tmp_path_factory):
    """nyu_depth_v2_labeled.mat (v7.3: HDF5 with MATLAB's 512-byte header, column-major arrays),
    splits.mat, classMapping40.mat, class13Mapping.mat: 4 frames, 894 raw classes."""
    import h5py
    from scipy.io import savemat

    d = tmp_path_factory.mktemp('nyu_official')
    g = np.random.default_rng(0)
    n = 4
    yy, xx = np.mgrid[0:H, 0:W]  # smooth images: JPEG keeps them close
    images = np.stack(
        [np.stack([xx * 3 + yy + k * 10 + c * 50 for c in range(3)], -1) for k in range(n)]
    ).astype(np.uint8)
    depths = g.uniform(0.5, 9.0, (n, H, W)).astype(np.float32)
    raw = g.integers(0, 895, (n, H, W)).astype(np.uint16)
    path = str(d / 'nyu_depth_v2_labeled.mat')
    with h5py.File(path, 'w', userblock_size=512) as f:
        f['images'] = images.transpose(0, 3, 2, 1)  # N x C x W x H, as MATLAB writes it
        f['depths'] = depths.transpose(0, 2, 1)
        f['labels'] = raw.transpose(0, 2, 1)
    with open(path, 'r+b') as f:
        f.write(
            b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 1 00:00:00 2012 HDF5 schema'
        )
    map40 = g.integers(1, 41, (1, 894)).astype(np.float64)
    map13 = g.integers(1, 14, (1, 40)).astype(np.float64)
    savemat(
        d / 'classMapping40.mat',
        dict(mapClass=map40, className=np.array([f'c{i}' for i in range(40)], dtype=object)),
    )
    savemat(
        d / 'class13Mapping.mat',
        dict(classMapping13=dict(labelMap=map13, labelName=np.array(['x'] * 13, dtype=object))),
    )
    savemat(d / 'splits.mat', dict(trainNdxs=np.array([[1], [3], [4]]), testNdxs=np.array([[2]])))
    return d, images, depths, raw, map40.ravel().astype(int), map13.ravel().astype(int)


@pytest.fixture(scope='module')
def nyu_converted(nyu_official, tmp_path_factory):
    d = nyu_official[0]
    out = tmp_path_factory.mktemp('nyudv2')
    subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'dataset_converters', 'nyudv2.py'),
            str(d / 'nyu_depth_v2_labeled.mat'),
            '--splits',
            str(d / 'splits.mat'),
            '--mapping40',
            str(d / 'classMapping40.mat'),
            '--mapping13',
            str(d / 'class13Mapping.mat'),
            '-o',
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


def test_nyudv2_converter_writes_the_folder_layout(nyu_official, nyu_converted):
    _, images, depths, raw, map40, map13 = nyu_official
    out = nyu_converted
    assert (out / 'train.txt').read_text().split() == ['0001', '0003', '0004']
    assert (out / 'test.txt').read_text().split() == ['0002']
    lab40 = cv2.imread(str(out / 'Label' / '0002.png'), cv2.IMREAD_UNCHANGED)
    expect40 = np.where(raw[1] == 0, 0, map40[np.maximum(raw[1].astype(int) - 1, 0)])
    np.testing.assert_array_equal(lab40, expect40)
    lab13 = cv2.imread(str(out / 'Label13' / '0002.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(
        lab13, np.where(expect40 == 0, 0, map13[np.maximum(expect40 - 1, 0)])
    )
    depth = cv2.imread(str(out / 'Depth' / '0002.png'), cv2.IMREAD_UNCHANGED)
    assert depth.dtype == np.uint16
    np.testing.assert_allclose(depth / 1000, depths[1], atol=6e-4)
    img = cv2.imread(str(out / 'RGB' / '0002.jpg'))[..., ::-1]
    assert np.abs(img.astype(int) - images[1]).mean() < 4  # JPEG, quality 100


@pytest.mark.parametrize('config, num_classes', [('nyudv2_rgbd.py', 40), ('nyudv2-13_rgbd.py', 13)])
def test_nyudv2_40_and_13_classes_read_the_converted_set(nyu_converted, config, num_classes):
    ds = build(config, nyu_converted)
    assert len(ds) == 1 and len(ds.metainfo['classes']) == num_classes
    sample = ds[0]
    assert sample['inputs'].shape[0] == 4
    gt = sample['data_samples'].gt_sem_seg.data
    ids = set(gt.unique().tolist())
    assert ids <= set(range(num_classes)) | {255}
    folder = 'Label' if num_classes == 40 else 'Label13'
    raw = cv2.imread(str(nyu_converted / folder / '0002.png'), cv2.IMREAD_UNCHANGED)
    assert (gt == 255).sum().item() == (raw == 0).sum()  # unlabelled -> ignored
    train = build(config, nyu_converted, loader='train_dataloader')
    assert len(train) == 3


# ---------------------------------------------------------------- SUN RGB-D, MFNet, PST900
def test_sunrgbd_37_classes(tmp_path):
    for i, stem in enumerate(['000001', '000002']):
        write(tmp_path / 'RGB' / f'{stem}.jpg', rgb(i))
        write(tmp_path / 'Depth' / f'{stem}.png', np.full((H, W), 2500, np.uint16))
        write(tmp_path / 'Label' / f'{stem}.png', label(38, i))
    (tmp_path / 'train.txt').write_text('RGB/000001.jpg Label/000001.png\n')
    (tmp_path / 'test.txt').write_text('RGB/000002.jpg Label/000002.png\n')
    ds = build('sunrgbd_rgbd.py', tmp_path)
    assert len(ds) == 1 and len(ds.metainfo['classes']) == 37
    x = ds[0]['inputs']
    assert x.shape[0] == 4 and np.allclose(x[3].numpy(), 2.5)  # depth in metres


def test_mfnet_splits_its_4_channel_png_into_rgb_and_thermal(tmp_path):
    bgr, thermal = rgb(0), np.arange(H * W, dtype=np.uint8).reshape(H, W)
    write(tmp_path / 'images' / '00001D.png', np.dstack([bgr, thermal]))  # stored as B, G, R, T
    write(tmp_path / 'labels' / '00001D.png', label(9, 0))
    (tmp_path / 'test.txt').write_text('00001D\n')
    ds = build('mfnet_rgbt.py', tmp_path)
    x = ds[0]['inputs'].numpy()
    assert x.shape == (4, H, W)
    np.testing.assert_array_equal(x[:3].transpose(1, 2, 0), bgr)  # BGR as LoadImageFromFile gives
    np.testing.assert_array_equal(x[3], thermal)
    assert len(ds.metainfo['classes']) == 9


def test_mfnet_three_channel_image_is_refused(tmp_path):
    write(tmp_path / 'images' / '00001D.png', rgb(0))
    write(tmp_path / 'labels' / '00001D.png', label(9, 0))
    (tmp_path / 'test.txt').write_text('00001D\n')
    with pytest.raises(
        DataError,
        match=r'test.txt, line 1 \(.*00001D.png\): the image has 3 channel\(s\); '
        r'expected 3 \(RGB\) \+ 1',
    ):
        build('mfnet_rgbt.py', tmp_path)[0]


def test_pst900_in_its_released_layout(tmp_path):
    for split, stem in (
        ('train', '31_bag1a_rect_rgb_frame0000000007'),
        ('test', '32_bag2_rect_rgb_frame1'),
    ):
        write(tmp_path / split / 'rgb' / f'{stem}.png', rgb(1))
        write(tmp_path / split / 'thermal' / f'{stem}.png', np.full((H, W), 77, np.uint8))
        write(tmp_path / split / 'labels' / f'{stem}.png', label(5, 1))
    ds = build('pst900_rgbt.py', tmp_path)
    assert len(ds) == 1 and ds.get_data_info(0)['thermal_path'].endswith(
        'test/thermal/32_bag2_rect_rgb_frame1.png'
    )
    x = ds[0]['inputs']
    assert x.shape == (4, H, W) and (x[3] == 77).all()
    assert len(build('pst900_rgbt.py', tmp_path, loader='train_dataloader')) == 1


# ---------------------------------------------------------------- FLIR-aligned, M3FD (detection)
VOC = """<annotation><size><width>{w}</width><height>{h}</height></size>
<object><name>{name}</name><difficult>0</difficult>
<bndbox><xmin>2</xmin><ymin>3</ymin><xmax>20</xmax><ymax>21</ymax></bndbox></object></annotation>"""


def test_flir_aligned_as_distributed(tmp_path):
    for i in ('FLIR_08865', 'FLIR_08866'):
        write(tmp_path / 'JPEGImages' / f'{i}_RGB.jpg', rgb(2))
        write(
            tmp_path / 'JPEGImages' / f'{i}_PreviewData.jpeg',
            np.dstack([np.full((H, W), 100, np.uint8)] * 3),
        )
        os.makedirs(tmp_path / 'Annotations', exist_ok=True)
        (tmp_path / 'Annotations' / f'{i}_PreviewData.xml').write_text(
            VOC.format(w=W, h=H, name='car')
        )
    (tmp_path / 'align_train.txt').write_text('FLIR_08865\n')
    (tmp_path / 'align_validation.txt').write_text('FLIR_08866\n')
    ds = build('flir-aligned_rgbt.py', tmp_path, scope='mmdet')
    assert len(ds) == 1
    info = ds.get_data_info(0)
    assert info['thermal_path'].endswith('FLIR_08866_PreviewData.jpeg')
    assert info['instances'][0]['bbox_label'] == 1  # car
    sample = ds[0]
    assert sample['inputs'].shape[0] == 4 and len(sample['data_samples'].gt_instances) == 1


def test_m3fd_as_released_with_a_split_list(tmp_path):
    for i in ('00000', '00001'):
        write(tmp_path / 'Vis' / f'{i}.png', rgb(3))
        write(tmp_path / 'Ir' / f'{i}.png', np.full((H, W), 50, np.uint8))
        os.makedirs(tmp_path / 'Annotation', exist_ok=True)
        (tmp_path / 'Annotation' / f'{i}.xml').write_text(VOC.format(w=W, h=H, name='Truck'))
    (tmp_path / 'train.txt').write_text('00000\n')
    (tmp_path / 'test.txt').write_text('00001\n')
    ds = build('m3fd_rgbt.py', tmp_path, scope='mmdet')
    assert [ds.get_data_info(0)['img_id']] == ['00001']
    assert ds.get_data_info(0)['instances'][0]['bbox_label'] == 5  # Truck
    assert ds[0]['inputs'].shape[0] == 4


@pytest.mark.parametrize('case', ['an empty split list', 'every sample filtered out'])
def test_m3fd_without_samples_is_one_line_naming_the_list(tmp_path, case):
    write(tmp_path / 'Vis' / '00000.png', rgb(3))
    write(tmp_path / 'Ir' / '00000.png', np.full((H, W), 50, np.uint8))
    os.makedirs(tmp_path / 'Annotation')
    (tmp_path / 'Annotation' / '00000.xml').write_text(
        '<annotation><size><width>64</width><height>48</height>' '</size></annotation>'
    )  # no boxes
    (tmp_path / 'train.txt').write_text('' if case == 'an empty split list' else '00000\n')
    why = (
        r'it is empty'
        if case == 'an empty split list'
        else r"all 1 were filtered out \(filter_cfg=.*filter_empty_gt"
    )
    with pytest.raises(DataError, match=rf'M3FDDataset: no samples in .*train.txt \({why}'):
        build(
            'm3fd_rgbt.py',
            tmp_path,
            loader='train_dataloader',
            scope='mmdet',
            filter_cfg=dict(filter_empty_gt=True),
        )


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    'config, scope, message',
    [
        (
            'nyudv2_rgbd.py',
            'mmseg',
            r'folder .*/RGB \(data_prefix img_path\) not found under data_root .* '
            r'Expected layout: img_path: RGB/, depth_path: Depth/, seg_map_path: Label/, split file test.txt',
        ),
        (
            'mfnet_rgbt.py',
            'mmseg',
            r'folder .*/images \(data_prefix img_path\) not found .* img_path: images/',
        ),
        (
            'pst900_rgbt.py',
            'mmseg',
            r'folder .*test/rgb \(data_prefix img_path\) not found .* thermal_path: test/thermal/',
        ),
        (
            'flir-aligned_rgbt.py',
            'mmdet',
            r'FLIRAlignedDataset: folder .*/JPEGImages not found. Expected layout .*'
            r'JPEGImages/<id>_RGB.jpg',
        ),
        (
            'm3fd_rgbt.py',
            'mmdet',
            r'M3FDDataset: folder .*/Vis not found. Expected layout .*Vis/<id>.png, Ir/<id>.png',
        ),
    ],
)
def test_wrong_layout_names_the_first_missing_folder_and_the_layout(
    tmp_path, config, scope, message
):
    os.makedirs(tmp_path / 'something_else')
    with pytest.raises(DataError, match=message):
        build(config, tmp_path, scope=scope)


@pytest.fixture
def nyu_root(tmp_path):
    write(tmp_path / 'RGB' / '0001.jpg', rgb(0))
    write(tmp_path / 'Depth' / '0001.png', np.full((H, W), 1000, np.uint16))
    (tmp_path / 'test.txt').write_text('0001\n')
    return tmp_path


def test_label_ids_outside_the_classes_name_the_file_and_ids(nyu_root):
    lab = label(41, 0)
    lab[0, :3] = [41, 77, 255]  # 255 is the ignore index: allowed
    write(nyu_root / 'Label' / '0001.png', lab)
    with pytest.raises(
        ValueError,
        match=r'Label/0001.png: label ids \[41, 77\] are outside the 40 classes '
        r'\(valid: 0..40, and 255 = ignored\)',
    ):
        build('nyudv2_rgbd.py', nyu_root)[0]


def test_sixteen_bit_label_ids_are_caught_before_mmseg_wraps_them(nyu_root):
    lab = label(41, 0).astype(np.uint16)
    lab[0, 0] = 256 + 5  # would become 5 after mmseg's uint8 cast
    write(nyu_root / 'Label' / '0001.png', lab)
    with pytest.raises(ValueError, match=r'label ids \[261\]'):
        build('nyudv2_rgbd.py', nyu_root)[0]


def test_ignore_index_and_valid_ids_pass(nyu_root):
    lab = label(41, 0)
    lab[0, 0] = 255
    write(nyu_root / 'Label' / '0001.png', lab)
    gt = build('nyudv2_rgbd.py', nyu_root)[0]['data_samples'].gt_sem_seg.data
    assert gt.max().item() == 255 and gt[gt != 255].max().item() <= 39


# ---------------------------------------------------------------- SUN RGB-D from the official release
@pytest.mark.slow
def test_sunrgbd_converter_reads_the_official_release(tmp_path):
    import h5py
    from scipy.io import savemat

    root = tmp_path / 'release'
    frames = [
        'SUNRGBD/kv1/NYUdata/NYU0001',
        'SUNRGBD/kv2/kinect2data/000002_2014-05-26_14-23-37_260595134347' '_rgbf000103-resize',
        'SUNRGBD/realsense/lg/2014_10_24-13_01_10-1311000073',
    ]
    g = np.random.default_rng(0)
    depth_mm = g.integers(500, 9000, (3, H, W)).astype(np.uint32)
    labels = g.integers(0, 38, (3, H, W)).astype(np.float64)
    meta = np.zeros(
        (1, 3),
        dtype=[
            ('sequenceName', 'O'),
            ('rgbpath', 'O'),
            ('depthpath', 'O'),
            ('rgbname', 'O'),
            ('depthname', 'O'),
        ],
    )
    for i, frame in enumerate(frames):
        name = frame.split('/')[-1]
        write(root / frame / 'image' / f'{name}.jpg', rgb(i))
        rotated = (((depth_mm[i] << 3) | (depth_mm[i] >> 13)) & 0xFFFF).astype(
            np.uint16
        )  # as released
        write(root / frame / 'depth_bfx' / f'{name}.png', rotated)
        write(root / frame / 'depth' / f'{name}.png', rotated)
        meta[0, i] = (
            frame,
            f'/n/fs/sun3d/data/{frame}/image/{name}.jpg',
            f'/n/fs/sun3d/data/{frame}/depth/{name}.png',
            f'{name}.jpg',
            f'{name}.png',
        )
    os.makedirs(root / 'SUNRGBDtoolbox' / 'Metadata')
    os.makedirs(root / 'SUNRGBDtoolbox' / 'traintestSUNRGBD')
    savemat(root / 'SUNRGBDtoolbox' / 'Metadata' / 'SUNRGBDMeta.mat', dict(SUNRGBDMeta=meta))
    savemat(
        root / 'SUNRGBDtoolbox' / 'traintestSUNRGBD' / 'allsplit.mat',
        dict(
            alltrain=np.array(
                [f'/n/fs/sun3d/data/{frames[0]}/', f'/n/fs/sun3d/data/{frames[2]}'], dtype=object
            ),
            alltest=np.array([f'/n/fs/sun3d/data/{frames[1]}'], dtype=object),
        ),
    )
    with h5py.File(
        root / 'SUNRGBDtoolbox' / 'Metadata' / 'SUNRGBD2Dseg.mat', 'w', userblock_size=512
    ) as f:
        refs = [
            f.create_dataset(f'#refs#/{i}', data=labels[i].T).ref for i in range(3)
        ]  # column-major
        f.create_dataset(
            'SUNRGBD2Dseg/seglabel', data=np.array([[r] for r in refs], dtype=h5py.ref_dtype)
        )
    out = tmp_path / 'sunrgbd'
    subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'dataset_converters', 'sunrgbd.py'),
            str(root),
            '-o',
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert (out / 'train.txt').read_text().split() == ['000001', '000003']
    assert (out / 'test.txt').read_text().split() == ['000002']
    np.testing.assert_array_equal(
        cv2.imread(str(out / 'Depth' / '000002.png'), cv2.IMREAD_UNCHANGED), depth_mm[1]
    )
    np.testing.assert_array_equal(
        cv2.imread(str(out / 'Label' / '000002.png'), cv2.IMREAD_UNCHANGED), labels[1]
    )
    ds = build('sunrgbd_rgbd.py', out)
    assert len(ds) == 1 and ds[0]['inputs'].shape[0] == 4


def test_sunrgbd_converter_names_a_missing_toolbox_file(tmp_path):
    res = run_tool(
        osp.join(ROOT, 'tools', 'dataset_converters', 'sunrgbd.py'),
        str(tmp_path),
        '-o',
        str(tmp_path / 'out'),
    )
    assert res.returncode != 0
    assert (
        'SUNRGBDtoolbox/Metadata/SUNRGBDMeta.mat not found; expected the official SUN RGB-D layout'
        in res.stderr
    )
