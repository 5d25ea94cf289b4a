"""The model side: the task and input-channel argument of a config's model, the multimodal data
preprocessor, class counts, label needs."""

from typing import Optional

from mmengine.config import Config

from ..registry import HAS_MMDET
from ..utils.modalities import parse_modalities
from .base import ConversionError

PREPROCESSOR_STATS = ('type', 'mean', 'std', 'bgr_to_rgb', 'rgb_to_bgr', 'modalities')


# the multimodal twin of each data preprocessor the zoos' models use (BoxInst's makes pseudo masks from RGB)
MULTIMODAL_PREPROCESSORS = {
    'seg': {'SegDataPreProcessor': 'MultiModalSegDataPreProcessor'},
    'det': {
        'DetDataPreprocessor': 'MultiModalDetDataPreprocessor',
        'BoxInstDataPreprocessor': 'MultiModalBoxInstDataPreprocessor',
    },
}


def _stats(values, channels, what):
    values = list(values)
    if len(values) == 1 and channels > 1:
        values = values * channels
    if len(values) != channels:
        raise ConversionError(f'--{what}: {len(values)} values for {channels} channels')
    return values


def _task(model: dict) -> str:
    """'seg' for an mmseg EncoderDecoder, 'cascade-seg' for a CascadeEncoderDecoder (OCRNet, PointRend), 'det'
    for an mmdet detector with a backbone."""
    import mmseg.models  # noqa: F401  (fills the registry)
    from mmseg.models.segmentors import CascadeEncoderDecoder, EncoderDecoder

    kind = model.get('type')
    if kind in (
        'MultiModalEncoderDecoder',
        'MultiModalCascadeEncoderDecoder',
        'DualBackboneDetector',
    ):
        raise ConversionError(f'model.type is {kind}: the config is already multimodal')
    seg = _models('seg').get(kind)
    if seg is not None and issubclass(seg, CascadeEncoderDecoder):
        return 'cascade-seg'
    if seg is not None and issubclass(seg, EncoderDecoder):
        return 'seg'
    if not HAS_MMDET:
        raise ConversionError(
            f'model.type {kind!r} is not an mmseg EncoderDecoder, and mmdet (for detectors) is not '
            'installed: pip install "mmdet>=3.0.0,<3.4.0"'
        )
    import mmdet.models  # noqa: F401  (fills the registry)
    from mmdet.models.detectors import BaseDetector
    from mmdet.models.detectors.semi_base import SemiBaseDetector
    from mmdet.models.mot import BaseMOTModel
    from mmdet.models.reid import BaseReID

    det = _models('det').get(kind)

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
    from ..models.encoder_init import channels_argument

    return channels_argument(cls)


def _unscoped(node):
    """``node`` without the ``_scope_`` keys mmengine adds to the variables of an ``mmseg::`` base."""
    if isinstance(node, dict):
        return {k: _unscoped(v) for k, v in node.items() if k != '_scope_'}
    if isinstance(node, (list, tuple)):
        return type(node)(_unscoped(v) for v in node)
    return node


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


def _check_fusion(fusion: dict):
    """A fusion type that no registry knows is refused now, not when the written config is first built."""
    from ..models import fusion as fusions
    from ..registry import SEG_MODELS

    kind = fusion.get('type')
    if not isinstance(kind, str) or SEG_MODELS.get(kind) is None:
        known = ', '.join(n for n in dir(fusions) if n.endswith('Fusion'))
        raise ConversionError(f'fusion type {kind!r} is not a registered module; mmwam has {known}')


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
