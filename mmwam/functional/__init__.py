from .frequency import dct_matrix, frequency_ratio

__all__ = ['dct_matrix', 'frequency_ratio']
