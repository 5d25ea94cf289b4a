"""Registration of task-agnostic modules into both mmseg's and mmdet's MODELS."""
from mmdet.registry import MODELS as DET_MODELS
from mmseg.registry import MODELS as SEG_MODELS


def register_model(name=None):
    """Decorator: register a module under the same name in mmseg's and mmdet's MODELS."""

    def wrap(cls):
        SEG_MODELS.register_module(name=name, module=cls)
        DET_MODELS.register_module(name=name, module=cls)
        return cls

    return wrap
