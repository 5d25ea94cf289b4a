"""Inference for multimodal models as mmseg's and mmdet's users know it: ``init_model``,
``inference_multimodal``, the two inferencers; and ONNX export (:mod:`mmwam.apis.export`)."""

from ..registry import HAS_MMDET
from .inference import (
    inference_multimodal,
    init_model,
    load_checkpoint,
    predict_subsets,
    prepare_batch,
    show_result,
)
from .inferencers import MultiModalInferencer, MultiModalSegInferencer

__all__ = [
    'init_model',
    'inference_multimodal',
    'load_checkpoint',
    'prepare_batch',
    'predict_subsets',
    'show_result',
    'MultiModalInferencer',
    'MultiModalSegInferencer',
]

if HAS_MMDET:
    from .det_inferencer import MultiModalDetInferencer

    __all__ += ['MultiModalDetInferencer']
