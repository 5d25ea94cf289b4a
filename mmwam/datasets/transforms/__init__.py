from .loading import ConcatModalities, LoadModalityFromFile

__all__ = ['ConcatModalities', 'LoadModalityFromFile']
