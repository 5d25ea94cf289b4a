from .balancer import OGMGE, Balancer
from .data_preprocessors import (
    MultiModalBoxInstDataPreprocessor,
    MultiModalDetDataPreprocessor,
    MultiModalSegDataPreProcessor,
)
from .detectors import DualBackboneDetector
from .fusion import AddFusion, ConcatFusion
from .modality_dropout import ModalityDropout
from .multimodal_backbone import MultiModalBackbone
from .mwam import MWAM, scale_grad
from .segmentors import MultiModalCascadeEncoderDecoder, MultiModalEncoderDecoder

__all__ = [
    'Balancer',
    'OGMGE',
    'MultiModalBoxInstDataPreprocessor',
    'MultiModalDetDataPreprocessor',
    'MultiModalSegDataPreProcessor',
    'DualBackboneDetector',
    'AddFusion',
    'ConcatFusion',
    'ModalityDropout',
    'MultiModalBackbone',
    'MWAM',
    'scale_grad',
    'MultiModalEncoderDecoder',
    'MultiModalCascadeEncoderDecoder',
]
