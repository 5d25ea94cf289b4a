from .multimodal_seg import MultiModalSegDataset
from .nyu import NYUDv2Dataset
from .transforms import ConcatModalities, LoadModalityFromFile

__all__ = ['MultiModalSegDataset', 'NYUDv2Dataset', 'ConcatModalities', 'LoadModalityFromFile']
