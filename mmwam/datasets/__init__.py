from ..registry import HAS_MMDET
from .data_errors import DataError
from .multimodal_seg import MultiModalSegDataset
from .nyu import NYUDv2Dataset, NYUDv2Dataset13
from .rgbt_seg import MFNetDataset, PST900Dataset
from .sunrgbd import SUNRGBDDataset
from .transforms import (
    ConcatModalities,
    LoadModalityFromFile,
    LoadSegAnnotations,
    SplitModalityFromImage,
)

__all__ = [
    'DataError',
    'MultiModalSegDataset',
    'NYUDv2Dataset',
    'NYUDv2Dataset13',
    'MFNetDataset',
    'PST900Dataset',
    'SUNRGBDDataset',
    'ConcatModalities',
    'LoadModalityFromFile',
    'LoadSegAnnotations',
    'SplitModalityFromImage',
]

if HAS_MMDET:  # the detection datasets
    from .kaist import KAISTDataset
    from .paired_coco import PairedCocoDataset
    from .paired_voc import (
        FLIRAlignedDataset,
        LLVIPDataset,
        M3FDDataset,
        PairedVOCDataset,
        parse_voc_xml,
    )

    __all__ += [
        'KAISTDataset',
        'PairedCocoDataset',
        'FLIRAlignedDataset',
        'LLVIPDataset',
        'M3FDDataset',
        'PairedVOCDataset',
        'parse_voc_xml',
    ]
