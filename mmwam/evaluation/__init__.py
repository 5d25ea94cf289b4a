from ..registry import HAS_MMDET
from .missing_modality import MissingModalityEvaluator, format_table

__all__ = ['MissingModalityEvaluator', 'format_table']

if HAS_MMDET:
    from .kaist_miss_rate import KAISTMissRateMetric, evaluate_kaist

    __all__ += ['KAISTMissRateMetric', 'evaluate_kaist']
