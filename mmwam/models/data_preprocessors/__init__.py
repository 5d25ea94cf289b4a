from .multimodal import (MultiModalDetDataPreProcessor, MultiModalPreprocessorMixin,
                         MultiModalSegDataPreProcessor)

__all__ = ['MultiModalDetDataPreProcessor', 'MultiModalPreprocessorMixin', 'MultiModalSegDataPreProcessor']
