from ...registry import HAS_MMDET
from .loading import (
    ConcatModalities,
    LoadModalityFromFile,
    LoadSegAnnotations,
    SplitModalityFromImage,
)

__all__ = [
    'ConcatModalities',
    'LoadModalityFromFile',
    'LoadSegAnnotations',
    'SplitModalityFromImage',
]

if HAS_MMDET:  # mmdet's Mosaic / MixUp family, for the multimodal tensor
    from .mix import (
        MultiModalCachedMixUp,
        MultiModalCachedMosaic,
        MultiModalMixUp,
        MultiModalMosaic,
        MultiModalYOLOXHSVRandomAug,
    )

    __all__ += [
        'MultiModalCachedMixUp',
        'MultiModalCachedMosaic',
        'MultiModalMixUp',
        'MultiModalMosaic',
        'MultiModalYOLOXHSVRandomAug',
    ]
