from .missing_modality import MissingModalityEvaluator, format_table

__all__ = ['MissingModalityEvaluator', 'format_table']
