"""Paired RGB / infrared detection sets with Pascal VOC boxes, each in its released layout: LLVIP,
FLIR-aligned, M3FD."""

import logging
import os
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Tuple

from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log

from .data_errors import DataError, DataErrorsMixin


def parse_voc_xml(path: str, classes, width=None, height=None):
    """Boxes of a Pascal VOC file as mmdet instances.

    Boxes that reach outside the image are clipped (one warning per file); boxes left empty are dropped.

    Args:
        path (str): The VOC XML file.
        classes (Sequence[str]): The dataset's class names; a box's label is its index.
        width (int, optional): The image width, for a file without ``<size>``. Defaults to None.
        height (int, optional): The image height, for a file without ``<size>``. Defaults to None.

    Returns:
        tuple: The instances (``List[dict]`` with ``bbox``, ``bbox_label``, ``ignore_flag``), the width
        and the height.

    Raises:
        DataError: If a box has a class name not in ``classes``.
    """
    root = ET.parse(path).getroot()
    size = root.find('size')
    w = int(size.find('width').text) if size is not None else width
    h = int(size.find('height').text) if size is not None else height
    instances, clipped = [], 0
    for obj in root.findall('object'):
        name = obj.find('name').text.strip()
        if name not in classes:
            raise DataError(
                f'{path}: unknown class {name!r}; the dataset classes are {list(classes)}'
            )
        box = obj.find('bndbox')
        x1, y1, x2, y2 = (float(box.find(k).text) for k in ('xmin', 'ymin', 'xmax', 'ymax'))
        cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
        if (cx1, cy1, cx2, cy2) != (x1, y1, x2, y2):
            clipped += 1
        if cx2 - cx1 < 1 or cy2 - cy1 < 1:
            continue
        difficult = obj.find('difficult')
        instances.append(
            dict(
                bbox=[cx1, cy1, cx2, cy2],
                bbox_label=classes.index(name),
                ignore_flag=int(difficult is not None and difficult.text.strip() == '1'),
            )
        )
    if clipped:
        print_log(
            f'{path}: {clipped} box(es) reach outside the {w}x{h} image and were clipped',
            logger='current',
            level=logging.WARNING,
        )
    return instances, w, h


class PairedVOCDataset(DataErrorsMixin, BaseDetDataset):
    """RGB + one more modality per sample, boxes in one Pascal VOC file per sample. Subclasses say where
    the files are (:meth:`samples`) and what the released layout is (``LAYOUT``, quoted in errors).

    Each sample gets ``img_path`` (RGB) and ``<MODALITY>_path``. A missing folder, partner image or
    annotation is an error naming it; an unknown class name is an error naming the file.
    """

    MODALITY = 'infrared'
    LAYOUT = ''

    def folders(self) -> List[str]:
        """The folders that must exist (checked first, so that a wrong root fails early)."""
        return []

    def samples(self) -> List[Tuple[str, str, str, str]]:
        """``(sample id, RGB path, other modality path, VOC annotation path)`` for every sample."""
        raise NotImplementedError

    def _split_ids(self, split_file: str) -> List[str]:
        if not osp.isfile(split_file):
            raise DataError(
                f'{type(self).__name__}: split file {split_file} not found. Expected '
                f'layout under data_root {self.data_root}: {self.LAYOUT}'
            )
        with open(split_file) as f:
            return [line.split()[0] for line in f if line.strip()]

    def load_data_list(self) -> List[dict]:
        for folder in self.folders():
            if not osp.isdir(folder):
                raise DataError(
                    f'{type(self).__name__}: folder {folder} not found. Expected layout '
                    f'under data_root {self.data_root}: {self.LAYOUT}'
                )
        classes = list(self.metainfo['classes'])
        data_list = []
        for sample_id, img_path, other_path, ann_path in self.samples():
            for path, what in (
                (img_path, 'RGB image'),
                (other_path, f'{self.MODALITY} partner'),
                (ann_path, 'annotation'),
            ):
                if not osp.isfile(path):
                    raise DataError(f'{type(self).__name__}: sample {sample_id}: no {what} {path}')
            instances, w, h = parse_voc_xml(ann_path, classes)
            data_list.append(
                {
                    'img_path': img_path,
                    f'{self.MODALITY}_path': other_path,
                    'img_id': sample_id,
                    'width': w,
                    'height': h,
                    'instances': instances,
                }
            )
        return data_list

    def filter_data(self) -> List[dict]:
        """``filter_cfg=dict(filter_empty_gt=True)`` drops images without boxes in training."""
        if self.test_mode or not self.filter_cfg or not self.filter_cfg.get('filter_empty_gt'):
            return self.require_samples(self.data_list)
        return self.require_samples([d for d in self.data_list if d['instances']])


@DATASETS.register_module()
class LLVIPDataset(PairedVOCDataset):
    """LLVIP as released (infrared stored as 3 equal channels: ``LoadModalityFromFile(channels=1)``
    reads one).

    Args:
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        data_prefix (dict): The RGB, infrared and annotation folders. Defaults to
            ``dict(img='visible', infrared='infrared', ann='Annotations')``.
        **kwargs: mmdet ``BaseDetDataset``'s arguments (``data_root``, ``ann_file``, ``pipeline``,
            ``filter_cfg``, ...).
    """

    METAINFO = dict(classes=('person',), palette=[(220, 20, 60)])
    LAYOUT = 'visible/{train,test}/<id>.jpg, infrared/{train,test}/<id>.jpg, Annotations/<id>.xml'

    def __init__(
        self,
        split: str = 'train',
        data_prefix: dict = dict(img='visible', infrared='infrared', ann='Annotations'),
        **kwargs,
    ):
        self.split = split
        super().__init__(data_prefix=data_prefix, **kwargs)

    def folders(self):
        p = self.data_prefix
        return [osp.join(p['img'], self.split), osp.join(p['infrared'], self.split), p['ann']]

    def samples(self):
        img_dir, ir_dir, ann_dir = self.folders()
        names = sorted(f for f in os.listdir(img_dir) if f.lower().endswith('.jpg'))
        return [
            (
                osp.splitext(n)[0],
                osp.join(img_dir, n),
                osp.join(ir_dir, n),
                osp.join(ann_dir, osp.splitext(n)[0] + '.xml'),
            )
            for n in names
        ]


@DATASETS.register_module()
class FLIRAlignedDataset(PairedVOCDataset):
    """FLIR-aligned (the RGB-thermal pairs of FLIR ADAS v1 aligned by Zhang et al., 2020) as distributed:
    one folder of both images, VOC boxes of the thermal frame, split lists of ids (``FLIR_08865``).
    ``ann_file``: ``align_train.txt`` or ``align_validation.txt``.

    Args:
        data_prefix (dict): The image and annotation folders. Defaults to
            ``dict(img='JPEGImages', ann='Annotations')``.
        **kwargs: mmdet ``BaseDetDataset``'s arguments (``data_root``, ``ann_file``, ``pipeline``,
            ``filter_cfg``, ...).
    """

    METAINFO = dict(
        classes=('person', 'car', 'bicycle'), palette=[(220, 20, 60), (0, 0, 142), (119, 11, 32)]
    )
    MODALITY = 'thermal'
    LAYOUT = (
        'JPEGImages/<id>_RGB.jpg, JPEGImages/<id>_PreviewData.jpeg, Annotations/<id>_PreviewData.xml, '
        'align_train.txt, align_validation.txt'
    )

    def __init__(self, data_prefix: dict = dict(img='JPEGImages', ann='Annotations'), **kwargs):
        super().__init__(data_prefix=data_prefix, **kwargs)

    def folders(self):
        return [self.data_prefix['img'], self.data_prefix['ann']]

    def samples(self):
        img_dir, ann_dir = self.folders()
        return [
            (
                i,
                osp.join(img_dir, f'{i}_RGB.jpg'),
                osp.join(img_dir, f'{i}_PreviewData.jpeg'),
                osp.join(ann_dir, f'{i}_PreviewData.xml'),
            )
            for i in self._split_ids(self.ann_file)
        ]


@DATASETS.register_module()
class M3FDDataset(PairedVOCDataset):
    """M3FD detection (Liu et al., CVPR 2022) as released: ``Vis/``, ``Ir/`` (PNG), ``Annotation/`` (VOC).
    The release has no split: ``ann_file`` lists the ids of one (every sample without it).

    Args:
        data_prefix (dict): The RGB, infrared and annotation folders. Defaults to
            ``dict(img='Vis', infrared='Ir', ann='Annotation')``.
        **kwargs: mmdet ``BaseDetDataset``'s arguments (``data_root``, ``ann_file``, ``pipeline``,
            ``filter_cfg``, ...).
    """

    METAINFO = dict(
        classes=('People', 'Car', 'Bus', 'Motorcycle', 'Lamp', 'Truck'),
        palette=[(220, 20, 60), (0, 0, 142), (0, 60, 100), (0, 0, 230), (250, 170, 30), (0, 0, 70)],
    )
    LAYOUT = 'Vis/<id>.png, Ir/<id>.png, Annotation/<id>.xml, optional split lists of ids'

    def __init__(
        self, data_prefix: dict = dict(img='Vis', infrared='Ir', ann='Annotation'), **kwargs
    ):
        super().__init__(data_prefix=data_prefix, **kwargs)

    def folders(self):
        p = self.data_prefix
        return [p['img'], p['infrared'], p['ann']]

    def samples(self):
        img_dir, ir_dir, ann_dir = self.folders()
        ids = (
            self._split_ids(self.ann_file)
            if self.ann_file
            else sorted(
                osp.splitext(f)[0] for f in os.listdir(img_dir) if f.lower().endswith('.png')
            )
        )
        return [
            (
                i,
                osp.join(img_dir, i + '.png'),
                osp.join(ir_dir, i + '.png'),
                osp.join(ann_dir, i + '.xml'),
            )
            for i in ids
        ]
