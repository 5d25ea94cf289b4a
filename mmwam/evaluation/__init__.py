from .kaist_miss_rate import KAISTMissRateMetric, evaluate_kaist
from .missing_modality import MissingModalityEvaluator, format_table

__all__ = ['KAISTMissRateMetric', 'evaluate_kaist', 'MissingModalityEvaluator', 'format_table']
