"""RGB-thermal segmentation sets in their released layouts: MFNet and PST900."""

import os.path as osp

from mmseg.registry import DATASETS

from .multimodal_seg import MultiModalSegDataset


@DATASETS.register_module()
class MFNetDataset(MultiModalSegDataset):
    """MFNet (Ha et al., IROS 2017; the release of RTFNet / ir_seg_dataset), 1569 frames::

        data_root/images/<id>.png   4 channels: RGB + thermal in one file
                  labels/<id>.png   0 unlabelled, 1..8 (unlabelled is a class in the usual 9-class mIoU)
                  train.txt  val.txt  test.txt  (ids, e.g. 00001D)

    Read the images with ``LoadImageFromFile(color_type='unchanged')`` + ``SplitModalityFromImage``.

    Args:
        img_suffix (str): Image file suffix. Defaults to ``'.png'``.
        seg_map_suffix (str): Label file suffix. Defaults to ``'.png'``.
        data_prefix (dict): Folders of the images and the labels. Defaults to
            ``dict(img_path='images', seg_map_path='labels')``.
        reduce_zero_label (bool): Map label 0 to 255 (ignored). Defaults to False.
        **kwargs: :class:`MultiModalSegDataset`'s and mmseg ``BaseSegDataset``'s other arguments
            (``data_root``, ``ann_file``, ``pipeline``, ...).
    """

    METAINFO = dict(
        classes=(
            'unlabeled',
            'car',
            'person',
            'bike',
            'curve',
            'car_stop',
            'guardrail',
            'color_cone',
            'bump',
        ),
        palette=[
            [0, 0, 0],
            [64, 0, 128],
            [64, 64, 0],
            [0, 128, 192],
            [0, 0, 192],
            [128, 128, 0],
            [64, 64, 128],
            [192, 128, 128],
            [192, 64, 0],
        ],
    )

    def __init__(
        self,
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(img_path='images', seg_map_path='labels'),
        reduce_zero_label=False,
        **kwargs,
    ):
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )


@DATASETS.register_module()
class PST900Dataset(MultiModalSegDataset):
    """PST900 (Shivakumar et al., ICRA 2020), 894 RGB-thermal pairs as released::

        data_root/{train,test}/rgb/<id>.png  thermal/<id>.png (8-bit AGC)  labels/<id>.png  (depth/, ...)

    Labels 0 background, 1..4.

    Args:
        split (str): ``'train'`` or ``'test'``: every image of that folder. Defaults to ``'train'``.
        img_suffix (str): Image file suffix. Defaults to ``'.png'``.
        seg_map_suffix (str): Label file suffix. Defaults to ``'.png'``.
        data_prefix (dict, optional): Folders of the images, the modalities and the labels; None:
            ``<split>/rgb``, ``<split>/thermal`` and ``<split>/labels``. Defaults to None.
        reduce_zero_label (bool): Map label 0 to 255 (ignored). Defaults to False.
        **kwargs: :class:`MultiModalSegDataset`'s and mmseg ``BaseSegDataset``'s other arguments
            (``data_root``, ``ann_file``, ``pipeline``, ...).
    """

    METAINFO = dict(
        classes=('background', 'fire_extinguisher', 'backpack', 'hand_drill', 'survivor'),
        palette=[[0, 0, 0], [100, 40, 40], [55, 90, 80], [220, 20, 60], [153, 153, 153]],
    )

    def __init__(
        self,
        split='train',
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=None,
        reduce_zero_label=False,
        **kwargs,
    ):
        data_prefix = data_prefix or dict(
            img_path=osp.join(split, 'rgb'),
            thermal_path=osp.join(split, 'thermal'),
            seg_map_path=osp.join(split, 'labels'),
        )
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )
