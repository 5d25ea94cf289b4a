"""The downstream registries mmwam registers into, in one place (mmwam has no default scope of its own:
its modules are found under mmseg's and mmdet's scopes, as configs with ``default_scope='mmseg'`` /
``'mmdet'`` expect).

mmdet is optional: without it (``HAS_MMDET`` False) the ``DET_*`` registries are None and mmwam is a
segmentation package (its detection modules are not imported)."""

from mmcv.transforms import TRANSFORMS
from mmengine.registry import HOOKS, LOOPS, RUNNERS
from mmseg.registry import DATASETS as SEG_DATASETS
from mmseg.registry import METRICS as SEG_METRICS
from mmseg.registry import MODELS as SEG_MODELS
from mmseg.registry import VISUALIZERS as SEG_VISUALIZERS

try:
    import mmdet.registry as _det_registry
except ImportError:  # a segmentation-only install
    _det_registry = None

HAS_MMDET = _det_registry is not None
DET_DATASETS = _det_registry.DATASETS if HAS_MMDET else None
DET_METRICS = _det_registry.METRICS if HAS_MMDET else None
DET_MODELS = _det_registry.MODELS if HAS_MMDET else None
DET_VISUALIZERS = _det_registry.VISUALIZERS if HAS_MMDET else None


def register_model(name=None):
    """Decorator: register a task-agnostic module (backbone, balancer, fusion) under the same name in
    mmseg's and mmdet's MODELS (mmseg's alone without mmdet).

    Args:
        name (str, optional): The registered name; None: the class name. Defaults to None.

    Returns:
        Callable: The decorator, which returns the class unchanged.
    """

    def wrap(cls):
        SEG_MODELS.register_module(name=name, module=cls)
        if HAS_MMDET:
            DET_MODELS.register_module(name=name, module=cls)
        return cls

    return wrap


__all__ = [
    'TRANSFORMS',
    'DET_DATASETS',
    'DET_METRICS',
    'DET_MODELS',
    'DET_VISUALIZERS',
    'HAS_MMDET',
    'HOOKS',
    'LOOPS',
    'RUNNERS',
    'SEG_DATASETS',
    'SEG_METRICS',
    'SEG_MODELS',
    'SEG_VISUALIZERS',
    'register_model',
]
