from .multimodal import MultiModalPreprocessorMixin, MultiModalSegDataPreProcessor

__all__ = ['MultiModalPreprocessorMixin', 'MultiModalSegDataPreProcessor']
