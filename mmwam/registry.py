"""The downstream registries mmwam registers into, in one place (mmwam has no default scope of its own:
its modules are found under mmseg's and mmdet's scopes, as configs with ``default_scope='mmseg'`` /
``'mmdet'`` expect)."""

from mmcv.transforms import TRANSFORMS
from mmdet.registry import DATASETS as DET_DATASETS
from mmdet.registry import METRICS as DET_METRICS
from mmdet.registry import MODELS as DET_MODELS
from mmdet.registry import VISUALIZERS as DET_VISUALIZERS
from mmengine.registry import HOOKS, LOOPS, RUNNERS
from mmseg.registry import DATASETS as SEG_DATASETS
from mmseg.registry import METRICS as SEG_METRICS
from mmseg.registry import MODELS as SEG_MODELS
from mmseg.registry import VISUALIZERS as SEG_VISUALIZERS


def register_model(name=None):
    """Decorator: register a task-agnostic module (backbone, balancer, fusion) under the same name in
    mmseg's and mmdet's MODELS.

    Args:
        name (str, optional): The registered name; None: the class name. Defaults to None.

    Returns:
        Callable: The decorator, which returns the class unchanged.
    """

    def wrap(cls):
        SEG_MODELS.register_module(name=name, module=cls)
        DET_MODELS.register_module(name=name, module=cls)
        return cls

    return wrap


__all__ = [
    'TRANSFORMS',
    'DET_DATASETS',
    'DET_METRICS',
    'DET_MODELS',
    'DET_VISUALIZERS',
    'HOOKS',
    'LOOPS',
    'RUNNERS',
    'SEG_DATASETS',
    'SEG_METRICS',
    'SEG_MODELS',
    'SEG_VISUALIZERS',
    'register_model',
]
