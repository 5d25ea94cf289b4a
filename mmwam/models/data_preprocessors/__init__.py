from .multimodal import (MultiModalDetDataPreprocessor, MultiModalPreprocessorMixin,
                         MultiModalSegDataPreProcessor)

__all__ = ['MultiModalDetDataPreprocessor', 'MultiModalPreprocessorMixin', 'MultiModalSegDataPreProcessor']
