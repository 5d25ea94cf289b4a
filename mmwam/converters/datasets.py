"""``--dataset``: the dataset base configs, and what they replace in a converted config."""

import os.path as osp
from typing import Dict

from mmengine.config import Config

from ..utils.modalities import parse_modalities
from .base import CONFIGS, ConversionError, load_config
from .models import _unscoped, label_needs

# --dataset names: dataset base configs of this repository (configs/_base_/datasets/)
DATASETS = {
    'nyudv2': 'nyudv2_rgbd.py',
    'nyudv2-13': 'nyudv2-13_rgbd.py',
    'sunrgbd': 'sunrgbd_rgbd.py',
    'mfnet': 'mfnet_rgbt.py',
    'pst900': 'pst900_rgbt.py',
    'demo-rgbd': 'demo_rgbd.py',
    'llvip': 'llvip_rgbt.py',
    'llvip-mini': 'llvip-mini_rgbt.py',
    'flir-aligned': 'flir-aligned_rgbt.py',
    'm3fd': 'm3fd_rgbt.py',
    'kaist': 'kaist_rgbt.py',
    'kaist-mini': 'kaist-mini_rgbt.py',
}


# keys a dataset base config must define to be used with --dataset
DATASET_KEYS = (
    'multimodal_preprocessor',
    'num_classes',
    'train_pipeline',
    'test_pipeline',
    'train_dataloader',
    'val_dataloader',
    'test_dataloader',
    'val_evaluator',
    'test_evaluator',
    'val_cfg',
    'test_cfg',
)


def dataset_path(dataset: str) -> str:
    """The file of a ``--dataset`` value: a ``DATASETS`` name's base config, else the value (a path)."""
    return (
        osp.join(CONFIGS, '_base_', 'datasets', DATASETS[dataset])
        if dataset in DATASETS
        else dataset
    )


def dataset_config(dataset: str) -> Config:
    """The dataset base config of a ``--dataset`` value.

    Args:
        dataset (str): A name in ``DATASETS`` or the path of a dataset config defining ``DATASET_KEYS``.

    Returns:
        Config: The dataset config.

    Raises:
        ConversionError: If it is neither, or the config lacks a ``DATASET_KEYS`` entry.
    """
    path = dataset_path(dataset)
    if not osp.isfile(path):
        raise ConversionError(
            f'--dataset {dataset!r}: neither a known dataset ({", ".join(DATASETS)}) '
            'nor a config file'
        )
    try:
        cfg = load_config(path)
    except ConversionError as e:  # a syntax error, a missing _base_ file, not a .py file
        raise ConversionError(f'--dataset {dataset}: {e}') from e
    missing = [k for k in DATASET_KEYS if k not in cfg]
    if missing:
        raise ConversionError(f'--dataset {path}: the dataset config lacks {missing}')
    return cfg


# transforms of a model's own training pipeline that make labels its heads need (PIDNet's edge maps): kept
# in a --dataset's training pipeline, before the packing
LABEL_TRANSFORMS = {'GenerateEdge'}


def _dataset_overrides(data: Config, cfg: Config) -> Dict[str, object]:
    """A dataset config's pipelines, datasets, metrics and loops, replacing the config's (with the
    config's ``LABEL_TRANSFORMS`` added to the training pipeline)."""
    pipelines = {k: list(data[k]) for k in ('train_pipeline', 'test_pipeline')}
    extra = [
        t for t in _unscoped(cfg.get('train_pipeline') or []) if t.get('type') in LABEL_TRANSFORMS
    ]
    if extra:
        train = pipelines['train_pipeline']
        pack = next(
            (i for i, t in enumerate(train) if t.get('type', '').startswith('Pack')), len(train)
        )
        pipelines['train_pipeline'] = train[:pack] + extra + train[pack:]
    out: Dict[str, object] = dict(pipelines)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = dict(data[loader]['dataset'])
        for k, p in pipelines.items():  # share the list object: written as a reference
            if ds.get('pipeline') == data[k]:
                ds['pipeline'] = p
        out[loader] = dict(dataset=dict(_delete_=True, **ds))
    for k in ('val_evaluator', 'test_evaluator', 'val_cfg', 'test_cfg'):
        v = data[k]
        out[k] = dict(_delete_=True, **v) if isinstance(v, dict) else v
    return out


def _check_dataset_labels(model: dict, data: Config, dataset: str):
    """A ``--dataset`` must give what the detector trains on: masks for a mask head, semantic labels for a
    semantic head, proposals for Fast R-CNN; the dataset configs here give boxes."""
    loads = [t for t in data.train_pipeline if str(t.get('type', '')).endswith('LoadAnnotations')]
    for where, flag in label_needs(model):
        if flag is None:
            raise ConversionError(
                f'--dataset {dataset}: {where} trains on precomputed proposals (LoadProposals '
                'and a proposal file), which the dataset config does not give: convert without '
                '--dataset to keep your pipelines, or use a detector with an RPN (Faster R-CNN)'
            )
        if not any(t.get(flag) for t in loads):
            what = 'instance masks' if flag == 'with_mask' else 'semantic labels'
            raise ConversionError(
                f'--dataset {dataset}: {where} trains on {what}, and the dataset config loads '
                f'none (its LoadAnnotations has no {flag}=True): convert without --dataset to '
                'keep your pipelines, or use a box detector'
            )


def _dataset_modality(data, dataset, task, modality, channels, mean, std):
    """The second modality, its channels and statistics from a ``--dataset`` config (checked against
    the task and any ``--modality`` / ``--channels`` given), and its preprocessor fields."""
    dpre = {k: v for k, v in data.multimodal_preprocessor.items() if k != '_delete_'}
    want = 'MultiModalSegDataPreProcessor' if task == 'seg' else 'MultiModalDetDataPreprocessor'
    if dpre.get('type') != want:
        raise ConversionError(
            f'--dataset {dataset}: a {dpre.get("type")} dataset config, but the model '
            f'is a {task} model (needs {want})'
        )
    modalities = parse_modalities(
        dpre['modalities'], f'--dataset {dataset}: data_preprocessor.modalities'
    )
    extra = [m for m in modalities if m != 'rgb']
    if modality is not None and [modality] != extra:
        raise ConversionError(f'--modality {modality}: the dataset {dataset} provides {extra}')
    if channels is not None and modalities[extra[0]] != channels:
        raise ConversionError(
            f'--channels {channels}: the dataset {dataset} gives {extra[0]} with '
            f'{modalities[extra[0]]} channel(s)'
        )
    modality, channels = extra[0], modalities[extra[0]]
    mean = mean if mean is not None else dpre['mean'][modality]
    std = std if std is not None else dpre['std'][modality]
    return modality, channels, mean, std, dpre
