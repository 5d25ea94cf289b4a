"""Make an mmseg / mmdet config multimodal with MWAM: the logic behind ``tools/misc/add_mwam.py``.

:func:`mwam_overrides` computes the few top-level fields that change (model wrapper, preprocessor,
pipelines, optionally the dataset); :func:`add_mwam` merges them into a loaded Config, and
:func:`write_config` writes them under ``_base_ = CONFIG`` as a short config file.
"""

import copy
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

from .utils.cli import InputError, read_config
from .utils.modalities import parse_modalities


def _configs_root() -> str:
    """mmwam's configs: shipped in the package as ``mmwam/.mim/configs`` (a copy in a wheel, a link in
    an editable install, as OpenMMLab packages do), else the source tree's ``configs/``."""
    here = osp.dirname(osp.abspath(__file__))
    packaged = osp.join(here, '.mim', 'configs')
    return packaged if osp.isdir(packaged) else osp.join(osp.dirname(here), 'configs')


CONFIGS = _configs_root()
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
PREPROCESSOR_STATS = ('type', 'mean', 'std', 'bgr_to_rgb', 'rgb_to_bgr', 'modalities')
# the multimodal twin of each data preprocessor the zoos' models use (BoxInst's makes pseudo masks from RGB)
MULTIMODAL_PREPROCESSORS = {
    'seg': {'SegDataPreProcessor': 'MultiModalSegDataPreProcessor'},
    'det': {
        'DetDataPreprocessor': 'MultiModalDetDataPreprocessor',
        'BoxInstDataPreprocessor': 'MultiModalBoxInstDataPreprocessor',
    },
}


class ConversionError(InputError):
    """A config that cannot be made multimodal; the message names the field and why."""


def load_config(path: str) -> Config:
    """``read_config`` (paths and ``mmseg::`` / ``mmdet::`` names) with a missing package named.

    Args:
        path (str): A config path or an ``mmseg::`` / ``mmdet::`` name.

    Returns:
        Config: The config.

    Raises:
        ConversionError: If the file, the name or its package is missing.
    """
    try:
        return read_config(path)
    except (
        InputError
    ) as e:  # a missing file, a zoo name that does not exist, a package not installed
        msg = str(e)  # a ConversionError does not name the config: the CLI puts it in front
        raise ConversionError(msg[len(path) + 2 :] if msg.startswith(f'{path}: ') else msg) from e


def dataset_config(dataset: str) -> Config:
    """The dataset base config of a ``--dataset`` value.

    Args:
        dataset (str): A name in ``DATASETS`` or the path of a dataset config defining ``DATASET_KEYS``.

    Returns:
        Config: The dataset config.

    Raises:
        ConversionError: If it is neither, or the config lacks a ``DATASET_KEYS`` entry.
    """
    path = (
        osp.join(CONFIGS, '_base_', 'datasets', DATASETS[dataset])
        if dataset in DATASETS
        else dataset
    )
    if not osp.isfile(path):
        raise ConversionError(
            f'--dataset {dataset!r}: neither a known dataset ({", ".join(DATASETS)}) '
            'nor a config file'
        )
    cfg = Config.fromfile(path)
    missing = [k for k in DATASET_KEYS if k not in cfg]
    if missing:
        raise ConversionError(f'--dataset {path}: the dataset config lacks {missing}')
    return cfg


def _task(model: dict) -> str:
    """'seg' for an mmseg EncoderDecoder, 'cascade-seg' for a CascadeEncoderDecoder (OCRNet, PointRend), 'det'
    for an mmdet detector with a backbone."""
    import mmdet.models  # noqa: F401  (fills the registries)
    import mmseg.models  # noqa: F401
    from mmdet.models.detectors import BaseDetector
    from mmseg.models.segmentors import CascadeEncoderDecoder, EncoderDecoder

    kind = model.get('type')
    if kind in (
        'MultiModalEncoderDecoder',
        'MultiModalCascadeEncoderDecoder',
        'DualBackboneDetector',
    ):
        raise ConversionError(f'model.type is {kind}: the config is already multimodal')
    seg, det = _models('seg').get(kind), _models('det').get(kind)
    if seg is not None and issubclass(seg, CascadeEncoderDecoder):
        return 'cascade-seg'
    if seg is not None and issubclass(seg, EncoderDecoder):
        return 'seg'
    from mmdet.models.detectors.semi_base import SemiBaseDetector
    from mmdet.models.mot import BaseMOTModel
    from mmdet.models.reid import BaseReID

    if det is not None and issubclass(det, SemiBaseDetector):
        raise ConversionError(
            f'model.type {kind} is a semi-supervised wrapper (teacher and student) around '
            'model.detector: out of scope; convert the detector\'s own config'
        )
    if det is not None and issubclass(det, (BaseMOTModel, BaseReID)):
        raise ConversionError(
            f'model.type {kind} is a tracking or video model (multi-object tracking, video '
            'instance segmentation, re-identification): out of scope; convert the config of '
            'its image detector'
        )
    if det is not None and issubclass(det, BaseDetector):
        if 'backbone' not in model:
            raise ConversionError(
                f'model.backbone: the detector {kind} has no backbone to duplicate'
            )
        if 'language_model' in model:
            raise ConversionError(
                f'model.type {kind} is a vision-language detector (its language_model '
                'reads text prompts): out of scope'
            )
        return 'det'
    raise ConversionError(
        f'model.type {kind!r} is neither an mmseg EncoderDecoder nor an mmdet detector '
        'with a backbone'
    )


def _models(task: str):
    """The model registry of the task's package."""
    if task == 'seg':
        from mmseg.registry import MODELS
    else:
        from mmdet.registry import MODELS
    return MODELS


def _channels_key(backbone: dict, task: str) -> Optional[str]:
    """The backbone's argument for its input channels (found in its signature, through ``**kwargs``), or None
    for a stem fixed at 3 channels (MultiModalBackbone then rebuilds the stem for each modality)."""
    kind = backbone.get('type')
    cls = _models(task).get(kind)
    if cls is None:
        hint = (
            ' (install mmpretrain for mmpretrain.* backbones)' if 'mmpretrain' in str(kind) else ''
        )
        raise ConversionError(f'model.backbone.type {kind!r} is not registered{hint}')
    from .models.encoder_init import channels_argument

    return channels_argument(cls)


def _unscoped(node):
    """``node`` without the ``_scope_`` keys mmengine adds to the variables of an ``mmseg::`` base."""
    if isinstance(node, dict):
        return {k: _unscoped(v) for k, v in node.items() if k != '_scope_'}
    if isinstance(node, (list, tuple)):
        return type(node)(_unscoped(v) for v in node)
    return node


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


def _num_classes(node, n: int, skip=('rpn_head',)):
    """The override that sets every ``num_classes`` under the model (the RPN's class-agnostic one
    excepted); ``None`` where nothing changes."""
    if isinstance(node, list):
        items = [_num_classes(x, n, skip) for x in node]
        if all(i is None for i in items):
            return None
        return [x if i is None else Config._merge_a_into_b(i, x) for x, i in zip(node, items)]
    if not isinstance(node, dict):
        return None
    out = {}
    if 'num_classes' in node and node['num_classes'] != n:
        out['num_classes'] = n
    weights = node.get('class_weight')
    if isinstance(weights, (list, tuple)) and len(weights) not in (n, n + 1):
        # MaskFormer's: 1 per class and a no-object weight, kept; a dataset's own per-class weights
        # (DDRNet: Cityscapes' 19) do not apply to another dataset
        same = len(weights) > 1 and len(set(weights[:-1])) == 1
        out['class_weight'] = [weights[0]] * n + [weights[-1]] if same else None
    for k, v in node.items():
        if k not in skip and k != 'data_preprocessor':
            sub = _num_classes(v, n, skip)
            if sub is not None:
                out[k] = sub
    return out or None


def _stats(values, channels, what):
    values = list(values)
    if len(values) == 1 and channels > 1:
        values = values * channels
    if len(values) != channels:
        raise ConversionError(f'--{what}: {len(values)} values for {channels} channels')
    return values


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


def _check_fusion(fusion: dict):
    """A fusion type that no registry knows is refused now, not when the written config is first built."""
    from .models import fusion as fusions
    from .registry import SEG_MODELS

    kind = fusion.get('type')
    if not isinstance(kind, str) or SEG_MODELS.get(kind) is None:
        known = ', '.join(n for n in dir(fusions) if n.endswith('Fusion'))
        raise ConversionError(f'fusion type {kind!r} is not a registered module; mmwam has {known}')


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


def label_needs(model: dict):
    """What a detector trains on beyond boxes: ``(part of the config, LoadAnnotations flag)`` for instance
    masks (``with_mask``) or semantic labels (``with_seg``), or ``(..., None)`` for precomputed proposals.

    Args:
        model (dict): A detector's model config.

    Returns:
        List[tuple]: The ``(part, flag)`` pairs; empty for a detector that trains on boxes alone.
    """
    from mmdet.models.dense_heads import RTMDetInsHead
    from mmdet.models.detectors import BoxInst, FastRCNN, MaskFormer
    from mmdet.models.detectors.single_stage_instance_seg import SingleStageInstanceSegmentor

    registry = _models('det')
    cls = registry.get(model['type'])
    if issubclass(cls, FastRCNN):
        return [(f'model.type {model["type"]}', None)]
    if issubclass(cls, BoxInst):  # its pseudo masks come from the boxes
        return []
    if issubclass(cls, (SingleStageInstanceSegmentor, MaskFormer)):
        return [(f'model.type {model["type"]}', 'with_mask')]
    needs = []
    roi = model.get('roi_head') or {}
    for key, flag in (('mask_head', 'with_mask'), ('semantic_head', 'with_seg')):
        if roi.get(key):
            needs.append((f'model.roi_head.{key}', flag))
    if model.get('semantic_head'):  # Panoptic FPN
        needs.append(('model.semantic_head', 'with_seg'))
    head = model.get('bbox_head')
    head_cls = registry.get(head.get('type')) if isinstance(head, dict) else None
    if head_cls is not None and issubclass(head_cls, RTMDetInsHead):
        needs.append(('model.bbox_head', 'with_mask'))
    return needs


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


def _given_modality(modality, channels, mean, std, rgb_mean, rgb_std):
    """The second modality as ``--modality`` / ``--channels`` / ``--mean`` / ``--std`` give it; by default
    an 8-bit image like RGB, normalized with the average RGB statistics."""
    if modality is None:
        raise ConversionError('--modality is needed without --dataset (e.g. depth or thermal)')
    channels = 1 if channels is None else channels
    mean = mean if mean is not None else [round(sum(rgb_mean) / 3, 3)]
    std = std if std is not None else [round(sum(rgb_std) / 3, 3)]
    return modality, channels, mean, std, {}


def _preprocessor(pre, dpre, task, modality, channels, mean, std) -> dict:
    """The multimodal preprocessor: the config's RGB statistics and channel order, the modality's own,
    the config's (then the dataset's) padding and batch augments."""
    twins = MULTIMODAL_PREPROCESSORS[task]
    given = str(pre.get('type') or next(iter(twins))).split('.')[-1]
    if given not in twins:
        raise ConversionError(
            f'model.data_preprocessor.type {given!r} has no multimodal version here (there are: '
            f'{", ".join(twins)})'
        )
    kept = {k: v for k, v in pre.items() if k not in PREPROCESSOR_STATS}
    kept.update({k: v for k, v in dpre.items() if k not in PREPROCESSOR_STATS})
    modalities = parse_modalities({'rgb': 3, modality: channels}, '--modality')
    return dict(
        _delete_=True,
        type=twins[given],
        modalities=dict(modalities),
        mean={'rgb': list(pre['mean']), modality: _stats(mean, channels, 'mean')},
        std={'rgb': list(pre['std']), modality: _stats(std, channels, 'std')},
        bgr_to_rgb=bool(pre.get('bgr_to_rgb', False)),
        **kept,
    )


def _runtime_overrides(cfg: Config, convert=None) -> Dict[str, object]:
    """mmwam's imports, MWAM's scalars (FRMLoggerHook, TensorBoard) and the runner that resumes MMEngine
    checkpoints under torch's safe loader; the rest of the config's runtime stays. ``convert(pipeline,
    where)``: how the config's own pipelines were made multimodal, None when a --dataset's replaced them.
    RTMDet's ``PipelineSwitchHook`` (mosaic and mixup off for the last epochs) switches to its pipeline
    converted the same way, and YOLOX's ``YOLOXModeSwitchHook`` turns off the multimodal Mosaic / MixUp;
    with a --dataset's pipelines (no mosaic to switch off) the first is dropped and the second refused."""
    imports = list((cfg.get('custom_imports') or {}).get('imports', []))
    out: Dict[str, object] = dict(
        custom_imports=dict(
            imports=imports + ['mmwam'] * ('mmwam' not in imports), allow_failed_imports=False
        )
    )
    hooks = []
    for h in cfg.get('custom_hooks') or []:
        if h.get('type') == 'FRMLoggerHook' or (
            h.get('type') == 'PipelineSwitchHook' and convert is None
        ):
            continue
        if h.get('type') == 'PipelineSwitchHook':
            h = dict(
                h, switch_pipeline=convert(h['switch_pipeline'], 'custom_hooks.PipelineSwitchHook')
            )
        if (
            h.get('type') == 'YOLOXModeSwitchHook' and convert is not None
        ):  # it skips transforms by class name
            h = dict(
                h,
                skip_type_keys=[
                    MIXING.get(k, k)
                    for k in h.get('skip_type_keys') or ('Mosaic', 'RandomAffine', 'MixUp')
                ],
            )
        if h.get('type') == 'YOLOXModeSwitchHook' and convert is None:
            raise InputError(
                'custom_hooks: YOLOXModeSwitchHook switches off the Mosaic / MixUp of a '
                'MultiImageMixDataset, and with this --dataset the config has none: convert it '
                'without --dataset (its own pipelines), or remove the hook'
            )
        hooks.append(h)
    out['custom_hooks'] = hooks + [dict(type='FRMLoggerHook', interval=50)]
    backends = list(
        (cfg.get('visualizer') or {}).get('vis_backends') or [dict(type='LocalVisBackend')]
    )
    if not any(b.get('type') == 'TensorboardVisBackend' for b in backends):
        out['visualizer'] = dict(vis_backends=backends + [dict(type='TensorboardVisBackend')])
    out['runner_type'] = 'MWAMRunner'
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


def _fmt(value, refs: Dict[int, str]) -> str:
    if id(value) in refs:
        return refs[id(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) and k.isidentifier() for k in value):
            return 'dict(' + ', '.join(f'{k}={_fmt(v, refs)}' for k, v in value.items()) + ')'
        return '{' + ', '.join(f'{k!r}: {_fmt(v, refs)}' for k, v in value.items()) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(_fmt(v, refs) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ', '.join(_fmt(v, refs) for v in value) + (',)' if len(value) == 1 else ')')
    return repr(value)


def format_config(base: str, overrides: Dict[str, object], header: str = '') -> str:
    """Python source of a config inheriting ``base`` with ``overrides``; pipelines used in several
    places are written once and referenced by name.

    Args:
        base (str): The ``_base_`` value.
        overrides (Dict[str, object]): The top-level fields.
        header (str): Comment lines at the top (``#`` added). Defaults to ``''``.

    Returns:
        str: The config's source, formatted by yapf.
    """
    from yapf.yapflib.yapf_api import FormatCode

    refs = {id(v): k for k, v in overrides.items() if '_pipeline' in k}
    lines = [f'# {line}' if line else '#' for line in header.splitlines()]
    lines.append(f'_base_ = {base!r}')
    for k, v in overrides.items():
        lines.append(f'{k} = {_fmt(v, {i: n for i, n in refs.items() if n != k})}')
    style = dict(
        based_on_style='pep8',
        column_limit=100,
        blank_line_before_nested_class_or_def=True,
        split_before_expression_after_opening_paren=True,
    )
    text, _ = FormatCode('\n'.join(lines) + '\n', style_config=style)
    return text


def write_config(
    base: str, out: str, header: str = '', recipe: Optional[str] = None, **kwargs
) -> Config:
    """Write the MWAM config of ``base`` (a path or an ``mmseg::`` / ``mmdet::`` name) to ``out``,
    inheriting it (with a ``RECIPES`` entry applied).

    Args:
        base (str): The RGB config: a path (written relative to ``out``) or an ``mmseg::`` /
            ``mmdet::`` name.
        out (str): The config file written (its folder is created).
        header (str): Comment lines at the top. Defaults to ``''``.
        recipe (str, optional): A ``RECIPES`` name. Defaults to None.
        **kwargs: :func:`mwam_overrides`'s arguments.

    Returns:
        Config: The written config, loaded back.

    Raises:
        ConversionError: If the config cannot be made multimodal.
    """
    cfg = load_config(base)
    overrides = mwam_overrides(cfg, **kwargs)
    if recipe is not None:
        overrides = RECIPES[recipe](cfg, overrides)
    # a path is written relative to the new file so that the pair can move together
    rel = base if '::' in base else osp.relpath(osp.abspath(base), osp.dirname(osp.abspath(out)))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(format_config(rel, overrides, header))
    return Config.fromfile(out)
