"""Make an mmseg / mmdet config multimodal with MWAM: the logic behind ``tools/misc/add_mwam.py``, as
pure config transforms (no model is built or run while a config is converted).

:func:`mwam_overrides` computes the few top-level fields that change (model, preprocessor, pipelines,
optionally the dataset); :func:`add_mwam` merges them into a loaded Config, and :func:`write_config`
writes them under ``_base_ = CONFIG`` as a short config file.
"""

from .base import CONFIGS, ConversionError, load_config
from .convert import RECIPES, add_mwam, missing_modality_recipe, mwam_overrides
from .datasets import DATASET_KEYS, DATASETS, dataset_config, dataset_path
from .models import label_needs
from .pipelines import add_modality_to_pipeline
from .writer import format_config, write_config

__all__ = [
    'CONFIGS',
    'ConversionError',
    'DATASETS',
    'DATASET_KEYS',
    'RECIPES',
    'add_modality_to_pipeline',
    'add_mwam',
    'dataset_config',
    'dataset_path',
    'format_config',
    'label_needs',
    'load_config',
    'missing_modality_recipe',
    'mwam_overrides',
    'write_config',
]
