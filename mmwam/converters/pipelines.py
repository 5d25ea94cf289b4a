"""Pipelines: the modality's loading and ``ConcatModalities`` added, photometric transforms kept on RGB,
mosaic / mixup made multimodal."""

import copy
from typing import Dict, List, Optional

from mmengine.config import Config

from .base import ConversionError
from .datasets import _dataset_overrides
from .models import _unscoped

# transforms that change pixel values only and expect a colour image: moved before ConcatModalities
PHOTOMETRIC = {
    'PhotoMetricDistortion',
    'AdjustGamma',
    'CLAHE',
    'RGB2Gray',
    'YOLOXHSVRandomAug',
    'ColorTransform',
    'Brightness',
    'Contrast',
    'Equalize',
    'AutoContrast',
    'Sharpness',
    'Solarize',
    'SolarizeAdd',
    'Posterize',
    'Color',
    'Invert',
}


# transforms that mix several images: after ConcatModalities, so that every modality is pasted the same way;
# mmdet's paste into a 3-channel canvas, so they become the multimodal versions (a pad value per modality)
MIXING = {
    'Mosaic': 'MultiModalMosaic',
    'CachedMosaic': 'MultiModalCachedMosaic',
    'MixUp': 'MultiModalMixUp',
    'CachedMixUp': 'MultiModalCachedMixUp',
    'CopyPaste': 'CopyPaste',
}  # CopyPaste: any channel count


# photometric transforms that can run after the concatenation (after a mosaic) on the RGB channels only
RGB_ONLY = {'YOLOXHSVRandomAug': 'MultiModalYOLOXHSVRandomAug'}


# what a --dataset's pipelines give to a model's own pipelines (their recipe kept: mosaic, mixup): how the
# dataset's files and labels are read and what is packed
DATASET_TRANSFORMS = (
    'LoadImageFromFile',
    'LoadModalityFromFile',
    'LoadAnnotations',
    'PackDetInputs',
    'PackSegInputs',
)


def _kind(transform: dict) -> str:
    """A transform's type without its scope (``mmdet.PhotoMetricDistortion`` -> ``PhotoMetricDistortion``)."""
    return str(transform.get('type', '')).split('.')[-1]


def add_modality_to_pipeline(
    pipeline: List[dict],
    modality: str,
    channels: int,
    where: str,
    dataset_pipeline: Optional[List[dict]] = None,
) -> List[dict]:
    """Load ``modality`` after the RGB image and concatenate it before the first geometric or mixing
    transform; photometric transforms (colour only) move before the concatenation, except after a mosaic /
    mixup (they then need the modalities together), where they become their RGB-only version. The
    transforms after the concatenation get the modality's pad values (:func:`_after_concat`). A pipeline
    that starts with a mosaic (``MultiImageMixDataset``'s, whose dataset loads the images) only gets the
    latter.

    Args:
        pipeline (List[dict]): An RGB pipeline's transform configs.
        modality (str): The modality loaded.
        channels (int): Its channels.
        where (str): The pipeline's config field, for the errors.
        dataset_pipeline (List[dict], optional): A ``--dataset``'s pipeline, whose ``DATASET_TRANSFORMS``
            replace the same transforms of ``pipeline``. Defaults to None.

    Returns:
        List[dict]: The multimodal pipeline.

    Raises:
        ConversionError: If the pipeline already loads extra modalities, or has no ``LoadImageFromFile``.
    """
    pipeline = _unscoped(pipeline)
    types = [_kind(t) for t in pipeline]
    if any(t in ('LoadModalityFromFile', 'ConcatModalities') for t in types):
        raise ConversionError(f'{where}: already loads extra modalities')
    loads = [i for i, t in enumerate(types) if t == 'LoadImageFromFile']
    if not loads and types and types[0] in MIXING:
        out = _after_concat(pipeline, modality, channels, where)
    elif not loads:
        raise ConversionError(
            f'{where}: no LoadImageFromFile to load {modality!r} next to ' f'(transforms: {types})'
        )
    else:
        head = list(pipeline[: loads[0] + 1]) + [
            dict(type='LoadModalityFromFile', modality=modality, channels=channels)
        ]
        rest = list(pipeline[loads[0] + 1 :])
        mixing = next((i for i, t in enumerate(rest) if _kind(t) in MIXING), len(rest))
        colour = [t for t in rest[:mixing] if _kind(t) in PHOTOMETRIC]
        rest = [t for t in rest if not any(t is c for c in colour)]
        cut = next((i for i, t in enumerate(rest) if not _kind(t).startswith('Load')), len(rest))
        out = (
            head
            + rest[:cut]
            + colour
            + [dict(type='ConcatModalities', keys=[modality])]
            + _after_concat(rest[cut:], modality, channels, where)
        )
    if dataset_pipeline is not None:
        given = {_kind(t): t for t in _unscoped(dataset_pipeline) if _kind(t) in DATASET_TRANSFORMS}
        out = [copy.deepcopy(given.get(_kind(t), t)) for t in out]
    return out


def _after_concat(transforms: List[dict], modality: str, channels: int, where: str) -> List[dict]:
    """Transforms that see the concatenated image: mmdet's Mosaic / MixUp become their multimodal versions
    and a ``Pad`` or ``RandomAffine`` border gets the modality's own value (0; RGB keeps the config's,
    e.g. mmdet's grey 114); after a mosaic, a photometric transform becomes its RGB-only version."""
    out, mixed = [], None
    for t in transforms:
        kind = _kind(t)
        if kind in MIXING:
            mixed = mixed or t['type']
            t = dict(t, type=MIXING[kind])
            if kind != 'CopyPaste':
                t['pad_val'] = {'rgb': t.get('pad_val', 114.0), modality: 0}
        elif kind in PHOTOMETRIC:
            if kind not in RGB_ONLY:
                raise ConversionError(
                    f'{where}: {t["type"]} changes colours after {mixed}, where the modalities '
                    f'are concatenated, and has no RGB-only version here (there are: '
                    f'{", ".join(RGB_ONLY)}); move it before {mixed}'
                )
            t = dict(t, type=RGB_ONLY[kind])
        elif kind == 'Pad':
            pad = t.get('pad_val', 0)
            rgb = pad.get('img', 0) if isinstance(pad, dict) else pad
            if rgb != 0:
                value = _pad_values(rgb, channels, f'{where}: {t["type"]}.pad_val')
                t = dict(
                    t,
                    pad_val=dict(pad, img=value)
                    if isinstance(pad, dict)
                    else dict(img=value, seg=255),
                )
        elif kind == 'RandomAffine':
            t = dict(
                t,
                border_val=_pad_values(
                    t.get('border_val', (114, 114, 114)),
                    channels,
                    f'{where}: {t["type"]}.border_val',
                ),
            )
        elif kind == 'TestTimeAug':  # lists of alternatives, each a transform
            t = dict(
                t,
                transforms=[
                    _after_concat(list(alternatives), modality, channels, where)
                    for alternatives in t['transforms']
                ],
            )
        out.append(t)
    return out


def _pad_values(rgb, channels: int, where: str) -> tuple:
    """RGB's pad value(s) and 0 for each channel of the modality, for OpenCV (at most 4 values)."""
    rgb = list(rgb) if isinstance(rgb, (list, tuple)) else [rgb] * 3
    if len(rgb) + channels > 4:
        raise ConversionError(
            f'{where}: OpenCV pads at most 4 channels with values of their own, the image has '
            f'{len(rgb)} + {channels}; use a modality of 1 channel or remove the transform'
        )
    return tuple(rgb + [0] * channels)


def _dataset_with_pipeline(
    dataset: dict, new_pipeline, where: str, replace: Optional[dict] = None
) -> dict:
    """The override of a dataloader's ``dataset`` that replaces its pipeline(s), through wrappers
    (``MultiImageMixDataset`` has a pipeline of its own and one in its dataset). ``replace``: a --dataset's
    dataset, which takes the place of the innermost one."""
    out = {}
    if 'pipeline' in dataset:
        out['pipeline'] = new_pipeline(dataset['pipeline'], f'{where}.pipeline')
    if 'dataset' in dataset:
        out['dataset'] = _dataset_with_pipeline(
            dataset['dataset'], new_pipeline, f'{where}.dataset', replace
        )
    elif (
        'datasets' in dataset and replace is not None
    ):  # several datasets (ConcatDataset): the --dataset's one
        return {
            '_delete_': True,
            **replace,
            'pipeline': new_pipeline(
                _innermost(dataset['datasets'][0])['pipeline'], f'{where}.datasets[0].pipeline'
            ),
        }
    elif 'datasets' in dataset:  # ConcatDataset: a list is replaced as a whole
        out['datasets'] = [
            Config._merge_a_into_b(
                _dataset_with_pipeline(d, new_pipeline, f'{where}.datasets[{i}]'), d
            )
            for i, d in enumerate(dataset['datasets'])
        ]
    elif replace is not None and out:
        out = {'_delete_': True, **replace, 'pipeline': out['pipeline']}
    if not out:
        raise ConversionError(f'{where}: no pipeline found')
    return out


def _innermost(dataset: dict) -> dict:
    while 'dataset' in dataset and 'pipeline' not in dataset:
        dataset = dataset['dataset']
    return dataset


def _mixes_images(cfg: Config) -> bool:
    """Whether the config trains with Mosaic / MixUp (RTMDet's and YOLOX's recipes), through wrappers."""
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    while isinstance(dataset, dict):
        if any(_kind(t) in MIXING for t in dataset.get('pipeline') or []):
            return True
        dataset = dataset.get('dataset')
    return False


def _pipeline_overrides(cfg: Config, modality: str, channels: int, data: Optional[Config] = None):
    """The config's own pipelines (top-level and in its dataloaders) loading ``modality``, and the
    missing-modality loops. With ``data`` (a --dataset, for a config whose recipe mixes images: its mosaic
    and mixup stay), the dataset's datasets, metrics and loops, and its loading and packing transforms in
    the config's pipelines. Returns the overrides, and the function that converts another pipeline of the
    config the same way (``PipelineSwitchHook``'s)."""

    def like(where):  # the --dataset pipeline whose loading and packing a pipeline takes
        if data is None:
            return None
        return (
            data.test_pipeline
            if any(w in where for w in ('test', 'val', 'tta'))
            else data.train_pipeline
        )

    for name in ('train_pipeline', 'test_pipeline') if data is not None else ():
        given = [_kind(t) for t in data[name]]
        before = given[: given.index('ConcatModalities')] if 'ConcatModalities' in given else given
        odd = [t for t in before if t not in DATASET_TRANSFORMS and t not in PHOTOMETRIC]
        if odd:
            raise ConversionError(
                f'--dataset: its {name} prepares the images with {odd}, which the model\'s own '
                'pipelines (kept for their mosaic / mixup) would leave out'
            )
    out: Dict[str, object] = {}
    for name in ('train_pipeline', 'train_pipeline_stage2', 'test_pipeline', 'tta_pipeline'):
        if isinstance(cfg.get(name), list) and not (data is not None and name == 'tta_pipeline'):
            out[name] = add_modality_to_pipeline(cfg[name], modality, channels, name, like(name))
    originals = {name: _unscoped(cfg[name]) for name in out}

    def new_pipeline(p, where):
        for name, orig in originals.items():
            if _unscoped(p) == orig:
                return out[name]  # the same list object: written as a reference
        return add_modality_to_pipeline(p, modality, channels, where, like(where))

    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(loader), dict) and 'dataset' in cfg[loader]:
            out[loader] = dict(
                dataset=_dataset_with_pipeline(
                    cfg[loader]['dataset'],
                    new_pipeline,
                    f'{loader}.dataset',
                    None if data is None else dict(data[loader]['dataset']),
                )
            )
    if data is not None:
        out.update(
            {
                k: v
                for k, v in _dataset_overrides(data, cfg).items()
                if k in ('val_evaluator', 'test_evaluator', 'val_cfg', 'test_cfg')
            }
        )
        return out, new_pipeline
    for k, loop in (('val_cfg', 'MissingModalityValLoop'), ('test_cfg', 'MissingModalityTestLoop')):
        if cfg.get(k) is not None:
            out[k] = dict(_delete_=True, type=loop)
    return out, new_pipeline
