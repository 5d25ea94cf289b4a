from .frm_logger_hook import FRMLoggerHook
from .visualization_hook import MultiModalVisualizationHook
from .yolox_mode_switch_hook import MultiModalYOLOXModeSwitchHook

__all__ = ['FRMLoggerHook', 'MultiModalVisualizationHook', 'MultiModalYOLOXModeSwitchHook']
