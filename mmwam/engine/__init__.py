from .hooks import FRMLoggerHook
from .runner import MissingModalityTestLoop, MissingModalityValLoop

__all__ = ['FRMLoggerHook', 'MissingModalityTestLoop', 'MissingModalityValLoop']
