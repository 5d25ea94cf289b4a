from .data_preprocessors import MultiModalSegDataPreProcessor
from .fusion import AddFusion, ConcatFusion
from .multimodal_backbone import MultiModalBackbone
from .mwam import MWAM, scale_grad
from .segmentors import MultiModalEncoderDecoder

__all__ = ['MultiModalSegDataPreProcessor', 'AddFusion', 'ConcatFusion', 'MultiModalBackbone', 'MWAM',
           'scale_grad', 'MultiModalEncoderDecoder']
