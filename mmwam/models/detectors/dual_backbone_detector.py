"""Any mmdet detector with one encoder per modality, MWAM and per-level fusion as its backbone."""

import copy
from typing import Dict, Optional, Sequence

import torch
from mmdet.models.detectors import BaseDetector, SingleStageDetector
from mmdet.registry import MODELS
from mmengine.model import ModuleDict

from ...utils.errors import InputError
from ...utils.modalities import check_preprocessor_modalities, model_modalities
from ..balancer import check_modality_heads, total_loss, weigh_modality_losses

_CLASSES: Dict[type, type] = {}


def _stock_class(detector: Optional[dict], detector_type) -> type:
    kind = (detector or {}).get('type') if detector_type is None else detector_type
    cls = MODELS.get(kind) if isinstance(kind, str) else kind
    if not isinstance(cls, type) or not issubclass(cls, BaseDetector):
        raise InputError(
            f'DualBackboneDetector: model.{"detector.type" if detector_type is None else "detector_type"}'
            f' {kind!r} is not a registered mmdet detector'
        )
    if issubclass(cls, DualBackboneDetector):
        raise InputError(
            'DualBackboneDetector: the detector to make multimodal is itself a DualBackboneDetector'
        )
    return cls


def multimodal_detector_class(stock: type) -> type:
    """The class of a multimodal ``stock`` detector: ``DualBackboneDetector`` first in its MRO (the
    per-modality heads), then the stock class itself, so the model has the stock detector's attributes,
    methods and checkpoint keys (``isinstance(model, RetinaNet)`` holds). Made once per stock class and
    kept in this module's namespace, so models pickle and deep-copy (EMA) as usual.

    Args:
        stock (type): An mmdet detector class.

    Returns:
        type: The class ``DualBackbone<Stock>``.
    """
    if stock not in _CLASSES:
        name = f'DualBackbone{stock.__name__}'
        cls = type(
            name,
            (DualBackboneDetector, stock),
            dict(__module__=__name__, __qualname__=name, stock_class=stock),
        )
        _CLASSES[stock] = globals()[name] = cls
    return _CLASSES[stock]


def _drop_legacy_prefix(state_dict, prefix, *args):
    """Checkpoints of the earlier layout held the stock detector as ``detector.*``: the same keys, nested."""
    old = prefix + 'detector.'
    for key in [k for k in state_dict if k.startswith(old)]:
        state_dict[prefix + key[len(old) :]] = state_dict.pop(key)


@MODELS.register_module()
class DualBackboneDetector(BaseDetector):
    """An mmdet detector (FasterRCNN, RetinaNet, FCOS, RTMDet, YOLOX, DETR, ...) whose ``backbone`` is a
    ``MultiModalBackbone``: that backbone config cloned per modality, MWAM, fusion. Building it gives an
    instance of the stock detector's class (a subclass made by :func:`multimodal_detector_class`): the
    neck, heads, losses, post-processing, attributes and state-dict keys are the stock detector's
    (``backbone.*`` becomes ``backbone.encoders.<modality>.*``), so stock checkpoints, hooks
    (YOLOXModeSwitchHook, EMAHook, PipelineSwitchHook) and tools work unchanged.

    The stock detector is ``detector`` (its config, written as usual) or ``detector_type`` with its fields
    given flat, next to this model's (``backbone=..., neck=..., bbox_head=...``): the flat form lets a
    config change an mmdet model by merging, e.g.
    ``model = dict(type='DualBackboneDetector', detector_type='RetinaNet', ...)`` over a RetinaNet base.
    The inner ``data_preprocessor`` is ignored: this model's (a ``MultiModalDetDataPreprocessor``)
    prepares the concatenated input.

    The per-modality heads' losses are keyed ``<modality>.loss_*`` and weighted by MWAM's K in its
    'loss' / 'both' modes; a modality's score for OGM-GE is ``exp(-its head's loss)`` per batch, summed
    over ranks. Checkpoints of the earlier layout (``detector.*`` keys) load.

    Args:
        detector (dict, optional): The stock detector's config, with a ``backbone``. Defaults to None.
        detector_type (str, optional): The stock detector's type, its fields given flat in
            ``**detector_fields``; give this or ``detector``. Defaults to None.
        modalities (Dict[str, int], optional): Ordered modality channels, ``dict(rgb=3, thermal=1)``;
            None: the data preprocessor's. Defaults to None.
        mwam (dict, optional): The MWAM config; None: no re-balancing (the baseline). Defaults to
            ``dict(type='MWAM')``.
        fusion (dict): The per-level fusion config (see :class:`~mmwam.models.MultiModalBackbone`).
            Defaults to ``dict(type='AddFusion')``.
        in_channels_key (str): The backbone's argument for its input channels. Defaults to
            ``'in_channels'``.
        encoder_init (dict, optional): Per modality, ``'same'`` / a checkpoint / ``'scratch'`` (see
            :class:`~mmwam.models.MultiModalBackbone`). Defaults to None.
        modality_dropout (dict, optional): A :class:`~mmwam.models.ModalityDropout` config (training
            only). Defaults to None.
        modality_heads (dict, optional): Single-stage detectors only (RetinaNet, FCOS, ATSS, RTMDet, ...):
            a per-modality copy of the detector's ``bbox_head`` with these fields changed (``dict()``: an
            exact copy), trained on that modality's encoder features passed through the detector's own
            neck (training only: prediction never calls them). Defaults to None.
        balancer (dict, optional): Any balancer's config instead of ``mwam`` (``dict(type='OGMGE')``).
            Defaults to None.
        replicate_to_rgb (Sequence[str] | str): 1-channel modalities given to their encoders as 3
            identical channels, or ``'auto'`` (see :class:`~mmwam.models.MultiModalBackbone`). Defaults
            to ().
        data_preprocessor (dict, optional): The multimodal data preprocessor's config. Defaults to None.
        init_cfg (dict, optional): MMEngine's initialisation config. Defaults to None.
        **detector_fields: With ``detector_type``: the stock detector's fields (``backbone``, ``neck``,
            ``bbox_head``, ``train_cfg``, ...).

    Raises:
        ValueError: If neither or both of ``detector`` and ``detector_type`` are given, the type is not a
            registered mmdet detector, or it has no backbone.
    """

    stock_class: Optional[type] = (
        None  # the detector class extended (set on each multimodal_detector_class)
    )

    def __new__(cls, *args, detector: Optional[dict] = None, detector_type=None, **kwargs):
        if cls is DualBackboneDetector:
            if (detector is None) == (detector_type is None):
                raise InputError(
                    'DualBackboneDetector: give exactly one of model.detector (a detector config) '
                    'and model.detector_type (with the detector\'s fields next to it)'
                )
            cls = multimodal_detector_class(_stock_class(detector, detector_type))
        return super().__new__(cls)

    def __init__(
        self,
        detector: Optional[dict] = None,
        detector_type: Optional[str] = None,
        modalities: Optional[Dict[str, int]] = None,
        mwam: Optional[dict] = dict(type='MWAM'),
        fusion: dict = dict(type='AddFusion'),
        in_channels_key: str = 'in_channels',
        encoder_init: Optional[dict] = None,
        modality_dropout: Optional[dict] = None,
        modality_heads: Optional[dict] = None,
        balancer: Optional[dict] = None,
        replicate_to_rgb: Sequence[str] = (),
        data_preprocessor: Optional[dict] = None,
        init_cfg=None,
        **detector_fields,
    ):
        modalities = model_modalities(modalities, data_preprocessor, 'DualBackboneDetector')
        if detector is None:
            detector = dict(type=detector_type, **detector_fields)
        elif detector_fields:
            raise InputError(
                f'DualBackboneDetector: unexpected fields {sorted(detector_fields)} next to '
                'model.detector (put them inside it, or use model.detector_type)'
            )
        fields = copy.deepcopy(dict(detector))
        fields.pop('type')
        fields.pop('data_preprocessor', None)
        if 'backbone' not in fields:
            raise InputError(
                f'model.detector ({self.stock_class.__name__}) has no backbone to make '
                'multimodal'
            )
        fields['backbone'] = dict(
            type='MultiModalBackbone',
            modalities=modalities,
            encoder=fields['backbone'],
            mwam=mwam,
            fusion=fusion,
            in_channels_key=in_channels_key,
            encoder_init=encoder_init,
            modality_dropout=modality_dropout,
            balancer=balancer,
            replicate_to_rgb=replicate_to_rgb,
        )
        init_cfg = init_cfg if init_cfg is not None else fields.pop('init_cfg', None)
        fields.pop('init_cfg', None)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg, **fields)
        self._register_load_state_dict_pre_hook(_drop_legacy_prefix)
        check_preprocessor_modalities(self)
        single = isinstance(self, SingleStageDetector)
        stock = self.stock_class.__name__
        check_modality_heads(
            self.backbone.balancer,
            modality_heads,
            'dict() for a per-modality copy of the detector\'s bbox_head (or the fields to change)'
            if single
            else f'per-modality heads need a single-stage detector (RetinaNet, FCOS, '
            f'ATSS, RTMDet, ...), and {stock} is not one: use mwam.mode=\'grad\' with it',
        )
        self.modality_heads = None
        if modality_heads is not None:
            if not single:
                raise InputError(
                    f'model.modality_heads needs a single-stage detector (a dense bbox_head); '
                    f'{stock} is not one'
                )
            head = dict(
                copy.deepcopy(fields['bbox_head']),
                **copy.deepcopy(dict(modality_heads)),
                train_cfg=fields.get('train_cfg'),
                test_cfg=fields.get('test_cfg'),
            )
            self.modality_heads = ModuleDict(
                {m: MODELS.build(copy.deepcopy(head)) for m in self.backbone.modalities}
            )

    @property
    def mwam(self):
        """The backbone's MWAM module, or None."""
        return self.backbone.mwam

    def loss(self, batch_inputs, batch_data_samples):
        """The stock detector's losses, plus each modality head's on that modality's encoder features
        through the shared neck (``SingleStageDetector.loss`` with the per-modality features kept).

        Args:
            batch_inputs (Tensor): The B x C x H x W concatenated, normalized input.
            batch_data_samples (list): The batch's ``DetDataSample``.

        Returns:
            dict: The loss terms.
        """
        if self.modality_heads is None:
            return super().loss(batch_inputs, batch_data_samples)
        feats = self.backbone.encode(batch_inputs)
        x = self.backbone.fuse(feats)
        losses = self.bbox_head.loss(self.neck(x) if self.with_neck else x, batch_data_samples)
        per_modality, scores = {}, []
        for i, name in enumerate(self.backbone.modalities):
            x = tuple(feats[i])
            x = self.neck(x) if self.with_neck else x
            per_modality[name] = self.modality_heads[name].loss(x, batch_data_samples)
            scores.append(torch.exp(-total_loss(per_modality[name]).detach().float()))
        losses.update(
            weigh_modality_losses(self.backbone.balancer, per_modality, torch.stack(scores))
        )
        return losses
