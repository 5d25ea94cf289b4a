"""SUN RGB-D (RGB-D, 37 classes) in the common RGB-D segmentation layout."""

from mmseg.registry import DATASETS

from .nyu import NYU40_CLASSES, NYUDv2Dataset, _palette

# the 37 classes are NYUDv2's 40 without 'otherstructure', 'otherfurniture', 'otherprop'
SUN37_CLASSES = NYU40_CLASSES[:37]


@DATASETS.register_module()
class SUNRGBDDataset(NYUDv2Dataset):
    """SUN RGB-D, 10335 frames (5285 train, 5050 test), as ``tools/dataset_converters/sunrgbd.py``
    writes it from the official release (and as RGB-D segmentation repositories distribute it)::

        data_root/RGB/<id>.jpg  Depth/<id>.png  Label/<id>.png  train.txt  test.txt

    Labels 0 (unlabelled) and 1..37; depth 16-bit PNG in millimetres (the converter undoes the
    release's 3-bit rotation). Its arguments, and their defaults, are :class:`NYUDv2Dataset`'s.
    """

    METAINFO = dict(classes=SUN37_CLASSES, palette=_palette(len(SUN37_CLASSES)))
