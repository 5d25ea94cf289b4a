from .data_errors import DataError
from .kaist import KAISTDataset
from .multimodal_seg import MultiModalSegDataset
from .nyu import NYUDv2Dataset, NYUDv2Dataset13
from .paired_coco import PairedCocoDataset
from .paired_voc import (
    FLIRAlignedDataset,
    LLVIPDataset,
    M3FDDataset,
    PairedVOCDataset,
    parse_voc_xml,
)
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
    'KAISTDataset',
    'MultiModalSegDataset',
    'NYUDv2Dataset',
    'NYUDv2Dataset13',
    'PairedCocoDataset',
    'FLIRAlignedDataset',
    'LLVIPDataset',
    'M3FDDataset',
    'PairedVOCDataset',
    'parse_voc_xml',
    'MFNetDataset',
    'PST900Dataset',
    'SUNRGBDDataset',
    'ConcatModalities',
    'LoadModalityFromFile',
    'LoadSegAnnotations',
    'SplitModalityFromImage',
]
