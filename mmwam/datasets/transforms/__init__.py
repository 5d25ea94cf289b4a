from .loading import (
    ConcatModalities,
    LoadModalityFromFile,
    LoadSegAnnotations,
    SplitModalityFromImage,
)
from .mix import (
    MultiModalCachedMixUp,
    MultiModalCachedMosaic,
    MultiModalMixUp,
    MultiModalMosaic,
    MultiModalYOLOXHSVRandomAug,
)

__all__ = [
    'ConcatModalities',
    'LoadModalityFromFile',
    'LoadSegAnnotations',
    'SplitModalityFromImage',
    'MultiModalCachedMixUp',
    'MultiModalCachedMosaic',
    'MultiModalMixUp',
    'MultiModalMosaic',
    'MultiModalYOLOXHSVRandomAug',
]
