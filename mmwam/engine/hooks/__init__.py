from .frm_logger_hook import FRMLoggerHook

__all__ = ['FRMLoggerHook']
