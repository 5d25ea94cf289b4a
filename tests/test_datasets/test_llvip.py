import json
import logging
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import LLVIP_MINI, ROOT, config_path
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmwam.datasets import DataError

LLVIP = LLVIP_MINI
pytestmark = pytest.mark.skipif(
    not osp.isdir(LLVIP),
    reason=f'llvip_mini is not at {LLVIP} (set MMWAM_LLVIP_MINI to its folder)',
)
DEMO = config_path('mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py')


def dataset(root, split='train', pipeline=True, **kwargs):
    init_default_scope('mmdet')
    cfg = Config.fromfile(DEMO).train_dataloader.dataset
    cfg.update(data_root=str(root), split=split, **kwargs)
    if not pipeline:
        cfg.pipeline = []
    return DATASETS.build(cfg)


def test_llvip_mini_in_its_released_layout():
    train, test = dataset(LLVIP, pipeline=False), dataset(LLVIP, 'test', pipeline=False)
    assert (len(train), len(test)) == (30, 10)
    info = train.get_data_info(0)
    assert info['img_path'].endswith('visible/train/010001.jpg')
    assert info['infrared_path'].endswith('infrared/train/010001.jpg')
    assert info['instances'][0]['bbox'] == [287.0, 428.0, 351.0, 662.0]
    assert (
        sum(len(d.get_data_info(i)['instances']) for d in (train, test) for i in range(len(d)))
        == 168
    )


def test_pipeline_gives_rgb_plus_one_infrared_channel_with_boxes():
    sample = dataset(LLVIP)[0]
    x = sample['inputs']
    assert x.shape == (4, 256, 320)
    assert len(sample['data_samples'].gt_instances) > 0
    assert sample['data_samples'].infrared_path.endswith('010001.jpg')


@pytest.fixture
def mini(tmp_path):
    """Three LLVIP pairs copied into a fresh root, to break."""
    root = tmp_path / 'llvip'
    for sub in ('visible/train', 'infrared/train', 'Annotations'):
        os.makedirs(root / sub)
    for stem in ('010001', '010002', '010003'):
        for sub in ('visible/train', 'infrared/train'):
            shutil.copy(osp.join(LLVIP, sub, stem + '.jpg'), root / sub)
        shutil.copy(osp.join(LLVIP, 'Annotations', stem + '.xml'), root / 'Annotations')
    return root


def test_missing_infrared_partner_names_both_paths(mini):
    os.remove(mini / 'infrared/train/010002.jpg')
    with pytest.raises(
        DataError, match=r'sample 010002: no infrared partner ' r'.*infrared/train/010002.jpg'
    ):
        dataset(mini, pipeline=False)


def test_size_mismatch_names_both_sizes(mini):
    cv2.imwrite(str(mini / 'infrared/train/010003.jpg'), np.zeros((512, 640, 3), np.uint8))
    ds = dataset(mini)
    with pytest.raises(
        ValueError, match=r'010003.jpg is 640x512 \(WxH\), the RGB image .*010003.jpg is 1280x1024'
    ):
        ds[2]


def test_unknown_class_names_it_and_the_file(mini):
    xml = mini / 'Annotations/010001.xml'
    xml.write_text(xml.read_text().replace('<name>person</name>', '<name>bicycle</name>', 1))
    with pytest.raises(ValueError, match=r"010001.xml: unknown class 'bicycle'"):
        dataset(mini, pipeline=False)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_boxes_outside_are_clipped_with_one_warning_naming_the_file(mini):
    xml = mini / 'Annotations/010001.xml'
    text = (
        xml.read_text()
        .replace('<xmin>287</xmin>', '<xmin>-20</xmin>')
        .replace('<ymax>245</ymax>', '<ymax>1100</ymax>')
    )
    xml.write_text(text)
    records = _Records()
    logger = MMLogger.get_current_instance()
    logger.addHandler(records)
    try:
        ds = dataset(mini, pipeline=False)
    finally:
        logger.removeHandler(records)
    boxes = [i['bbox'] for i in ds.get_data_info(0)['instances']]
    assert boxes[0] == [0.0, 428.0, 351.0, 662.0] and boxes[-1] == [1124.0, 22.0, 1196.0, 1024.0]
    hits = [m for m in records.messages if '010001.xml' in m and 'clipped' in m]
    assert len(hits) == 1 and '2 box(es)' in hits[0]


def test_image_without_boxes_trains(mini):
    xml = mini / 'Annotations/010002.xml'
    text = xml.read_text()
    xml.write_text(text[: text.index('<object>')] + '</annotation>')
    ds = dataset(mini)
    assert len(ds) == 3 and len(ds[1]['data_samples'].gt_instances) == 0
    from mmdet.registry import MODELS
    from mmengine.dataset import pseudo_collate

    cfg = Config.fromfile(DEMO)
    model = MODELS.build(cfg.model).train()
    data = model.data_preprocessor(pseudo_collate([ds[1], ds[0]]), True)
    total, _ = model.parse_losses(model(**data, mode='loss'))
    assert np.isfinite(total.item())


@pytest.mark.slow
def test_coco_conversion_and_paired_coco_dataset(tmp_path):
    out = tmp_path / 'coco'
    subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'dataset_converters', 'llvip_to_coco.py'),
            LLVIP,
            '--out',
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    coco = json.load(open(out / 'llvip_test.json'))
    assert len(coco['images']) == 10 and coco['categories'] == [dict(id=1, name='person')]
    init_default_scope('mmdet')
    ds = DATASETS.build(
        dict(
            type='PairedCocoDataset',
            data_root=LLVIP,
            ann_file=str(out / 'llvip_test.json'),
            data_prefix=dict(img=''),
            metainfo=dict(classes=('person',)),
            modality_paths=dict(infrared=[('visible/', 'infrared/')]),
            pipeline=[],
            test_mode=True,
        )
    )
    voc = dataset(LLVIP, 'test', pipeline=False)
    for i in range(len(ds)):
        a, b = ds.get_data_info(i), voc.get_data_info(i)
        assert a['infrared_path'] == b['infrared_path'] and osp.isfile(a['infrared_path'])
        assert [x['bbox'] for x in a['instances']] == [x['bbox'] for x in b['instances']]
