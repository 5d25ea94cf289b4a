"""The conversion itself: :func:`mwam_overrides`, the recipes, and :func:`add_mwam`, which merges them into a config."""

import copy
from typing import Dict, Optional, Sequence

from mmengine.config import Config

from .base import ConversionError
from .datasets import _check_dataset_labels, _dataset_modality, _dataset_overrides, dataset_config
from .models import (
    _channels_key,
    _check_fusion,
    _given_modality,
    _models,
    _num_classes,
    _preprocessor,
    _task,
)
from .pipelines import _mixes_images, _pipeline_overrides
from .runtime import _runtime_overrides


def mwam_overrides(
    cfg: Config,
    modality: Optional[str] = None,
    channels: Optional[int] = None,
    dataset: Optional[str] = None,
    mean: Optional[Sequence[float]] = None,
    std: Optional[Sequence[float]] = None,
    mwam: Optional[dict] = dict(type='MWAM'),
    fusion: dict = dict(type='AddFusion'),
) -> Dict[str, object]:
    """The top-level fields that make ``cfg`` (an mmseg EncoderDecoder or mmdet detector config)
    an RGB + ``modality`` model with MWAM (``mwam=None``: the same model without it, the baseline).

    With ``dataset`` (a name in ``DATASETS`` or a dataset config path), its modalities, statistics,
    pipelines, datasets, metrics and class count replace the config's; without, the config's dataset is
    kept and its pipelines load ``<modality>_path`` (which its data infos must then give). The RGB
    statistics always stay the config's: they belong to its (pretrained) backbone.

    Args:
        cfg (Config): The RGB config.
        modality (str, optional): The second modality (``'depth'``, ``'thermal'``, ...); needed without
            ``dataset``, which otherwise gives it. Defaults to None.
        channels (int, optional): Its channels; None: the dataset's, else 1. Defaults to None.
        dataset (str, optional): A name in ``DATASETS`` or a dataset config path (with ``DATASET_KEYS``).
            Defaults to None.
        mean (Sequence[float], optional): The modality's mean; None: the dataset's, else the average of
            the RGB means (an 8-bit image like RGB). Defaults to None.
        std (Sequence[float], optional): The modality's std, as ``mean``. Defaults to None.
        mwam (dict, optional): The MWAM config; None: the same model without it (the baseline).
            Defaults to ``dict(type='MWAM')``.
        fusion (dict): The fusion config (a ``ConcatFusion`` gets its per-level ``in_channels`` from the
            backbone when the model is built). Defaults to ``dict(type='AddFusion')``.

    Returns:
        Dict[str, object]: The top-level config fields to merge over ``cfg``.

    Raises:
        ConversionError: If the config cannot be made multimodal (the message names the field and why).
    """
    model = cfg.get('model')
    if not isinstance(model, dict):
        raise ConversionError('the config has no model dict')
    kind = _task(model)
    task = 'seg' if kind == 'cascade-seg' else kind
    key = _channels_key(model['backbone'], task)
    pre = dict(model.get('data_preprocessor') or {})
    rgb_mean, rgb_std = pre.get('mean'), pre.get('std')
    if (
        rgb_mean is None and rgb_std is None
    ):  # no normalisation (YOLOX, RTMDet-Ins): the same as mean 0, std 1
        rgb_mean, rgb_std = [0.0] * 3, [1.0] * 3
        pre.update(mean=rgb_mean, std=rgb_std)
    if rgb_mean is None or rgb_std is None or len(rgb_mean) != 3:
        raise ConversionError(
            f'model.data_preprocessor: the RGB mean and std (3 values each) are needed, '
            f'got mean={rgb_mean}, std={rgb_std}'
        )
    data = dataset_config(dataset) if dataset is not None else None
    if data is not None and task == 'det':
        _check_dataset_labels(model, data, dataset)
    if data is not None:
        modality, channels, mean, std, dpre = _dataset_modality(
            data, dataset, task, modality, channels, mean, std
        )
    else:
        modality, channels, mean, std, dpre = _given_modality(
            modality, channels, mean, std, rgb_mean, rgb_std
        )
    fusion = dict(fusion)
    _check_fusion(fusion)
    new_model = (
        dict(
            type='MultiModalCascadeEncoderDecoder'
            if kind == 'cascade-seg'
            else 'MultiModalEncoderDecoder'
        )
        if task == 'seg'
        else dict(type='DualBackboneDetector', detector_type=model['type'])
    )
    new_model.update(
        data_preprocessor=_preprocessor(pre, dpre, task, modality, channels, mean, std),
        mwam=copy.deepcopy(mwam),
        fusion=copy.deepcopy(fusion),
    )
    if key not in (None, 'in_channels'):
        new_model['in_channels_key'] = key
    if key is not None and channels == 1:  # the backbone decides when the model is built (CGNet)
        new_model['replicate_to_rgb'] = 'auto'
    out: Dict[str, object] = dict(model=new_model)
    if data is not None:
        new_model.update(_num_classes(model, data.num_classes) or {})
    convert = None  # how the config's own pipelines are converted, when they stay
    if data is not None and not _mixes_images(cfg):
        out.update(_dataset_overrides(data, cfg))
    else:
        pipelines, convert = _pipeline_overrides(cfg, modality, channels, data)
        out.update(pipelines)
    out.update(_runtime_overrides(cfg, convert))
    return out


def missing_modality_recipe(cfg: Config, overrides: Dict[str, object]) -> Dict[str, object]:
    """``--recipe missing-modality``: the results page's recipe for a modality that may be missing at test time,
    added to the overrides of :func:`mwam_overrides`: modality dropout at the input (uniform over the
    non-empty subsets), MWAM's gradient and loss modes together (``mode='both'``) and the per-modality
    auxiliary head the loss mode trains, sized from the model. Segmentation: an FCN head on each encoder's
    last level (``'auto'``: sized from the backbone when the model is built, a quarter of its channels
    inside), the decode head's
    classes, norm and align_corners. Detection: the detector's own head per modality (a single-stage
    detector: the loss mode needs one).

    Args:
        cfg (Config): The RGB config.
        overrides (Dict[str, object]): :func:`mwam_overrides`'s result (copied, not changed).

    Returns:
        Dict[str, object]: The overrides with the recipe.

    Raises:
        ConversionError: With the baseline (no MWAM), or a detector that is not single-stage.
    """
    out = copy.deepcopy(overrides)
    model = out['model']
    if model.get('mwam') is None:
        raise ConversionError(
            '--recipe missing-modality trains MWAM\'s loss mode: not with --baseline'
        )
    model['mwam'] = dict(model['mwam'], mode='both')
    model['modality_dropout'] = dict(type='ModalityDropout', p_full=None, level='input')
    base = cfg.model
    if model['type'] == 'DualBackboneDetector':
        from mmdet.models.detectors import SingleStageDetector

        if not issubclass(_models('det').get(base['type']), SingleStageDetector):
            raise ConversionError(
                f'--recipe missing-modality: MWAM\'s loss mode needs a single-stage detector '
                f'(RetinaNet, FCOS, ATSS, RTMDet, ...), and {base["type"]} is not one; convert '
                'without --recipe (gradient mode) and add model.modality_dropout'
            )
        model['modality_heads'] = dict()
        return out
    head = base['decode_head'][-1] if isinstance(base['decode_head'], list) else base['decode_head']
    new_head = model.get('decode_head') or {}
    new_head = new_head[-1] if isinstance(new_head, list) else new_head
    model['modality_heads'] = dict(
        type='FCNHead',
        in_channels='auto',  # the backbone's last level, sized when the model is built
        in_index='auto',
        channels='auto',
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.0,
        num_classes=(new_head or {}).get('num_classes', head['num_classes']),
        norm_cfg=head.get('norm_cfg', dict(type='BN', requires_grad=True)),
        align_corners=head.get('align_corners', False),
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    )
    return out


RECIPES = {'missing-modality': missing_modality_recipe}


def add_mwam(cfg: Config, recipe: Optional[str] = None, **kwargs) -> Config:
    """``cfg`` with :func:`mwam_overrides` (and a ``RECIPES`` entry) merged in (the Python twin of
    ``tools/misc/add_mwam.py``).

    Args:
        cfg (Config): The RGB config (not changed).
        recipe (str, optional): A ``RECIPES`` name (``'missing-modality'``). Defaults to None.
        **kwargs: :func:`mwam_overrides`'s arguments (``modality``, ``channels``, ``dataset``, ``mean``,
            ``std``, ``mwam``, ``fusion``).

    Returns:
        Config: The multimodal config.

    Raises:
        ConversionError: If the config cannot be made multimodal.
    """
    overrides = mwam_overrides(cfg, **kwargs)
    if recipe is not None:
        overrides = RECIPES[recipe](cfg, overrides)
    merged = Config._merge_a_into_b(copy.deepcopy(overrides), cfg.to_dict())
    return Config(merged)
