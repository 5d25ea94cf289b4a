from .loading import ConcatModalities, LoadModalityFromFile, LoadSegAnnotations, SplitModalityFromImage

__all__ = ['ConcatModalities', 'LoadModalityFromFile', 'LoadSegAnnotations', 'SplitModalityFromImage']
