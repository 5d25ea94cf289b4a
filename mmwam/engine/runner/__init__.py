from .missing_modality_loops import MissingModalityTestLoop, MissingModalityValLoop
from .runner import MWAMRunner

__all__ = ['MissingModalityTestLoop', 'MissingModalityValLoop', 'MWAMRunner']
