from ...registry import HAS_MMDET
from .multimodal import MultiModalPreprocessorMixin, MultiModalSegDataPreProcessor

__all__ = ['MultiModalPreprocessorMixin', 'MultiModalSegDataPreProcessor']

if HAS_MMDET:
    from .det import MultiModalBoxInstDataPreprocessor, MultiModalDetDataPreprocessor

    __all__ += ['MultiModalBoxInstDataPreprocessor', 'MultiModalDetDataPreprocessor']
