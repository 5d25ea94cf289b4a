from ..registry import HAS_MMDET
from .balancer import OGMGE, Balancer
from .data_preprocessors import MultiModalSegDataPreProcessor
from .fusion import AddFusion, ConcatFusion
from .modality_dropout import ModalityDropout
from .multimodal_backbone import MultiModalBackbone
from .mwam import MWAM, scale_grad
from .segmentors import MultiModalCascadeEncoderDecoder, MultiModalEncoderDecoder

__all__ = [
    'Balancer',
    'OGMGE',
    'MultiModalSegDataPreProcessor',
    'AddFusion',
    'ConcatFusion',
    'ModalityDropout',
    'MultiModalBackbone',
    'MWAM',
    'scale_grad',
    'MultiModalEncoderDecoder',
    'MultiModalCascadeEncoderDecoder',
]

if HAS_MMDET:  # the detection side
    from .data_preprocessors import MultiModalBoxInstDataPreprocessor, MultiModalDetDataPreprocessor
    from .detectors import DualBackboneDetector

    __all__ += [
        'MultiModalBoxInstDataPreprocessor',
        'MultiModalDetDataPreprocessor',
        'DualBackboneDetector',
    ]
