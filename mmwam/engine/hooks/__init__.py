from .frm_logger_hook import FRMLoggerHook
from .non_finite_hook import NonFiniteError, NonFiniteStopHook
from .visualization_hook import MultiModalVisualizationHook

__all__ = ['FRMLoggerHook', 'NonFiniteError', 'NonFiniteStopHook', 'MultiModalVisualizationHook']
