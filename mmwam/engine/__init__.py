from .hooks import FRMLoggerHook
from .runner import MissingModalityTestLoop, MissingModalityValLoop, MWAMRunner

__all__ = ['FRMLoggerHook', 'MissingModalityTestLoop', 'MissingModalityValLoop', 'MWAMRunner']
