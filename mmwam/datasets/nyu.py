"""NYUDv2 (RGB-D, 40 classes) in its common RGB-D segmentation layout."""

from mmseg.registry import DATASETS

from .multimodal_seg import MultiModalSegDataset

NYU40_CLASSES = (
    'wall',
    'floor',
    'cabinet',
    'bed',
    'chair',
    'sofa',
    'table',
    'door',
    'window',
    'bookshelf',
    'picture',
    'counter',
    'blinds',
    'desk',
    'shelves',
    'curtain',
    'dresser',
    'pillow',
    'mirror',
    'floor mat',
    'clothes',
    'ceiling',
    'books',
    'refrigerator',
    'television',
    'paper',
    'towel',
    'shower curtain',
    'box',
    'whiteboard',
    'person',
    'night stand',
    'toilet',
    'sink',
    'lamp',
    'bathtub',
    'bag',
    'otherstructure',
    'otherfurniture',
    'otherprop',
)


def _palette(n):
    # A fixed, distinct colour per class (the PASCAL VOC bit-interleaving scheme).
    out = []
    for i in range(1, n + 1):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out.append([r, g, b])
    return out


@DATASETS.register_module()
class NYUDv2Dataset(MultiModalSegDataset):
    """NYUDv2, 1449 labelled RGB-D frames (795 train, 654 test)::

        data_root/RGB/<id>.jpg  Depth/<id>.png  Label/<id>.png  train.txt  test.txt

    Label PNGs hold 0 (unlabelled) and 1..40 (the 40-class mapping of Gupta et al.):
    ``reduce_zero_label=True`` maps 0 to 255 (ignored) and k to k-1. Depth PNGs are 16-bit
    millimetres by default (scale in ``LoadModalityFromFile``).

    Args:
        img_suffix (str): RGB file suffix. Defaults to ``'.jpg'``.
        seg_map_suffix (str): Label file suffix. Defaults to ``'.png'``.
        data_prefix (dict): Folders of the images, the modalities and the labels. Defaults to
            ``dict(img_path='RGB', depth_path='Depth', seg_map_path='Label')``.
        reduce_zero_label (bool): Map label 0 to 255 (ignored) and k to k-1. Defaults to True.
        **kwargs: :class:`MultiModalSegDataset`'s and mmseg ``BaseSegDataset``'s other arguments
            (``data_root``, ``ann_file``, ``pipeline``, ...).
    """

    METAINFO = dict(classes=NYU40_CLASSES, palette=_palette(len(NYU40_CLASSES)))

    def __init__(
        self,
        img_suffix='.jpg',
        seg_map_suffix='.png',
        data_prefix=dict(img_path='RGB', depth_path='Depth', seg_map_path='Label'),
        reduce_zero_label=True,
        **kwargs,
    ):
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )


NYU13_CLASSES = (
    'bed',
    'books',
    'ceiling',
    'chair',
    'floor',
    'furniture',
    'objects',
    'picture',
    'sofa',
    'table',
    'tv',
    'wall',
    'window',
)


@DATASETS.register_module()
class NYUDv2Dataset13(NYUDv2Dataset):
    """NYUDv2 with the 13-class mapping of Couprie et al. (labels 0 unlabelled, 1..13) in ``Label13/``,
    next to the 40-class ``Label/`` (``tools/dataset_converters/nyudv2.py`` writes both).

    Args:
        data_prefix (dict): Folders of the images, the modalities and the labels. Defaults to
            ``dict(img_path='RGB', depth_path='Depth', seg_map_path='Label13')``.
        **kwargs: :class:`NYUDv2Dataset`'s other arguments.
    """

    METAINFO = dict(classes=NYU13_CLASSES, palette=_palette(len(NYU13_CLASSES)))

    def __init__(
        self, data_prefix=dict(img_path='RGB', depth_path='Depth', seg_map_path='Label13'), **kwargs
    ):
        super().__init__(data_prefix=data_prefix, **kwargs)
