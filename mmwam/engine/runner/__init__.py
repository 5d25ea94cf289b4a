from .missing_modality_loops import MissingModalityTestLoop, MissingModalityValLoop

__all__ = ['MissingModalityTestLoop', 'MissingModalityValLoop']
