from .multimodal import (
    MultiModalBoxInstDataPreprocessor,
    MultiModalDetDataPreprocessor,
    MultiModalPreprocessorMixin,
    MultiModalSegDataPreProcessor,
)

__all__ = [
    'MultiModalBoxInstDataPreprocessor',
    'MultiModalDetDataPreprocessor',
    'MultiModalPreprocessorMixin',
    'MultiModalSegDataPreProcessor',
]
