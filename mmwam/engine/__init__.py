from .hooks import FRMLoggerHook, MultiModalVisualizationHook
from .runner import MissingModalityTestLoop, MissingModalityValLoop, MWAMRunner

__all__ = [
    'FRMLoggerHook',
    'MultiModalVisualizationHook',
    'MissingModalityTestLoop',
    'MissingModalityValLoop',
    'MWAMRunner',
]
