"""Inference for multimodal models as mmseg's and mmdet's users know it: ``init_model``,
``inference_multimodal``, the two inferencers; and ONNX export (:mod:`mmwam.apis.export`)."""
from .inference import init_model, inference_multimodal, load_checkpoint, prepare_batch, predict_subsets
from .inferencers import MultiModalDetInferencer, MultiModalSegInferencer

__all__ = ['init_model', 'inference_multimodal', 'load_checkpoint', 'prepare_batch', 'predict_subsets',
           'MultiModalSegInferencer', 'MultiModalDetInferencer']
