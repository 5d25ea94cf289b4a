"""LLVIP (visible / infrared pairs, person boxes) in its released layout."""
import logging
import os
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List

from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log


def parse_voc_xml(path: str, classes, width=None, height=None):
    """Boxes of a Pascal VOC file as mmdet instances. Unknown class names are an error; boxes that
    reach outside the image are clipped (one warning per file); boxes left empty are dropped."""
    root = ET.parse(path).getroot()
    size = root.find('size')
    w = int(size.find('width').text) if size is not None else width
    h = int(size.find('height').text) if size is not None else height
    instances, clipped = [], 0
    for obj in root.findall('object'):
        name = obj.find('name').text.strip()
        if name not in classes:
            raise ValueError(f'{path}: unknown class {name!r}; the dataset classes are {list(classes)}')
        box = obj.find('bndbox')
        x1, y1, x2, y2 = (float(box.find(k).text) for k in ('xmin', 'ymin', 'xmax', 'ymax'))
        cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
        if (cx1, cy1, cx2, cy2) != (x1, y1, x2, y2):
            clipped += 1
        if cx2 - cx1 < 1 or cy2 - cy1 < 1:
            continue
        difficult = obj.find('difficult')
        instances.append(dict(bbox=[cx1, cy1, cx2, cy2], bbox_label=classes.index(name),
                              ignore_flag=int(difficult is not None and difficult.text.strip() == '1')))
    if clipped:
        print_log(f'{path}: {clipped} box(es) reach outside the {w}x{h} image and were clipped',
                  logger='current', level=logging.WARNING)
    return instances, w, h


@DATASETS.register_module()
class LLVIPDataset(BaseDetDataset):
    """LLVIP as released::

        data_root/visible/{train,test}/<id>.jpg
                  infrared/{train,test}/<id>.jpg   (3 equal channels; LoadModalityFromFile channels=1
                                                    reads one, channels=3 keeps three)
                  Annotations/<id>.xml            (Pascal VOC, class 'person')

    ``split`` picks train or test. Each sample gets ``img_path`` (visible) and ``infrared_path``; a
    visible image without its infrared partner is an error naming both paths.
    """
    METAINFO = dict(classes=('person', ), palette=[(220, 20, 60)])

    def __init__(self, split: str = 'train',
                 data_prefix: dict = dict(img='visible', infrared='infrared', ann='Annotations'),
                 **kwargs):
        self.split = split
        super().__init__(data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        img_dir = osp.join(self.data_prefix['img'], self.split)
        ir_dir = osp.join(self.data_prefix['infrared'], self.split)
        ann_dir = self.data_prefix['ann']
        for folder in (img_dir, ir_dir, ann_dir):
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'LLVIPDataset: folder {folder} not found. Expected layout under data_root '
                    f'{self.data_root}: visible/{self.split}/*.jpg, infrared/{self.split}/*.jpg, '
                    'Annotations/*.xml')
        classes = list(self.metainfo['classes'])
        data_list = []
        for name in sorted(f for f in os.listdir(img_dir) if f.lower().endswith('.jpg')):
            stem = osp.splitext(name)[0]
            img_path, ir_path = osp.join(img_dir, name), osp.join(ir_dir, name)
            if not osp.isfile(ir_path):
                raise FileNotFoundError(f'LLVIPDataset: the visible image {img_path} has no infrared '
                                        f'partner {ir_path}')
            ann_path = osp.join(ann_dir, stem + '.xml')
            if not osp.isfile(ann_path):
                raise FileNotFoundError(f'LLVIPDataset: no annotation {ann_path} for {img_path}')
            instances, w, h = parse_voc_xml(ann_path, classes)
            data_list.append(dict(img_path=img_path, infrared_path=ir_path, img_id=stem, width=w,
                                  height=h, instances=instances))
        return data_list

    def filter_data(self) -> List[dict]:
        """``filter_cfg=dict(filter_empty_gt=True)`` drops images without boxes in training."""
        if self.test_mode or not self.filter_cfg or not self.filter_cfg.get('filter_empty_gt'):
            return self.data_list
        return [d for d in self.data_list if d['instances']]
