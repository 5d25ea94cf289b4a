from .llvip import LLVIPDataset, parse_voc_xml
from .multimodal_seg import MultiModalSegDataset
from .nyu import NYUDv2Dataset
from .paired_coco import PairedCocoDataset
from .transforms import ConcatModalities, LoadModalityFromFile

__all__ = ['LLVIPDataset', 'parse_voc_xml', 'MultiModalSegDataset', 'NYUDv2Dataset', 'PairedCocoDataset',
           'ConcatModalities', 'LoadModalityFromFile']
