from .frm_logger_hook import FRMLoggerHook
from .visualization_hook import MultiModalVisualizationHook

__all__ = ['FRMLoggerHook', 'MultiModalVisualizationHook']
