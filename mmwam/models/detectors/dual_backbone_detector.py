"""Any mmdet detector with one encoder per modality, MWAM and per-level fusion in front of its neck."""
import copy
from typing import Dict, Optional, Sequence

import torch
from mmdet.models.detectors import BaseDetector, SingleStageDetector
from mmdet.registry import MODELS
from mmengine.model import ModuleDict

from ...utils.cli import InputError
from ...utils.modalities import check_preprocessor_modalities, model_modalities
from ..balancer import check_modality_heads, total_loss, weigh_modality_losses


@MODELS.register_module()
class DualBackboneDetector(BaseDetector):
    """Wraps an mmdet detector (FasterRCNN, RetinaNet, FCOS, ...): its ``backbone`` becomes a
    ``MultiModalBackbone`` (that backbone cloned per modality, MWAM, fusion) and everything else (neck,
    heads, losses, post-processing) is the inner detector's own.

    The inner detector is either ``detector`` (its config, written as usual) or ``detector_type`` with
    its fields given flat, next to this model's (``backbone=..., neck=..., bbox_head=...``): the
    flat form lets a config change an mmdet model by merging, e.g.
    ``model = dict(type='DualBackboneDetector', detector_type='RetinaNet', ...)`` over a RetinaNet base.
    The inner detector's ``data_preprocessor`` is ignored: this model's (a
    ``MultiModalDetDataPreprocessor``) prepares the concatenated input once. ``modalities`` defaults to
    the data preprocessor's. ``encoder_init``: per modality, ``'same'`` / a checkpoint / ``'scratch'``
    (see ``MultiModalBackbone``). ``balancer``: any balancer instead of ``mwam`` (``dict(type='OGMGE')``).

    ``modality_heads`` (single-stage detectors: RetinaNet, FCOS, ATSS, RTMDet, ...): a per-modality copy of
    the detector's ``bbox_head``, with these fields changed (``dict()``: an exact copy), trained on that
    modality's encoder features passed through the detector's own neck (training only: prediction never
    calls them). Their losses are keyed ``<modality>.loss_*`` and weighted by MWAM's K in its 'loss' /
    'both' modes; a modality's score for OGM-GE is ``exp(-its head's loss)`` per batch, summed over ranks.
    """

    def __init__(self,
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
                 **detector_fields):
        modalities = model_modalities(modalities, data_preprocessor, type(self).__name__)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if (detector is None) == (detector_type is None):
            raise ValueError('DualBackboneDetector: give exactly one of model.detector (a detector config) '
                             'and model.detector_type (with the detector\'s fields next to it)')
        if detector is None:
            detector = dict(type=detector_type, **detector_fields)
        elif detector_fields:
            raise ValueError(f'DualBackboneDetector: unexpected fields {sorted(detector_fields)} next to '
                             'model.detector (put them inside it, or use model.detector_type)')
        detector = copy.deepcopy(dict(detector))
        if 'backbone' not in detector:
            raise ValueError(f'model.detector ({detector.get("type")}) has no backbone to make multimodal')
        detector.pop('data_preprocessor', None)
        detector['backbone'] = dict(type='MultiModalBackbone', modalities=modalities,
                                    encoder=detector['backbone'], mwam=mwam, fusion=fusion,
                                    in_channels_key=in_channels_key, encoder_init=encoder_init,
                                    modality_dropout=modality_dropout, balancer=balancer,
                                    replicate_to_rgb=replicate_to_rgb)
        self.detector = MODELS.build(detector)
        check_preprocessor_modalities(self)
        single = isinstance(self.detector, SingleStageDetector)
        check_modality_heads(self.backbone.balancer, modality_heads,
                             'dict() for a per-modality copy of the detector\'s bbox_head (or the fields to change)'
                             if single else f'per-modality heads need a single-stage detector (RetinaNet, FCOS, '
                             f'ATSS, RTMDet, ...), and {type(self.detector).__name__} is not one: use '
                             "mwam.mode='grad' with it")
        self.modality_heads = None
        if modality_heads is not None:
            if not single:
                raise InputError(f'model.modality_heads needs a single-stage detector (a dense bbox_head); '
                                 f'{type(self.detector).__name__} is not one')
            head = dict(copy.deepcopy(detector['bbox_head']), **copy.deepcopy(dict(modality_heads)),
                        train_cfg=detector.get('train_cfg'), test_cfg=detector.get('test_cfg'))
            self.modality_heads = ModuleDict({m: MODELS.build(copy.deepcopy(head)) for m in self.backbone.modalities})
            self.backbone.keep_unimodal_feats = True

    @property
    def backbone(self):
        return self.detector.backbone

    @property
    def mwam(self):
        return self.detector.backbone.mwam

    @property
    def with_neck(self) -> bool:
        return self.detector.with_neck

    def extract_feat(self, batch_inputs):
        return self.detector.extract_feat(batch_inputs)

    def loss(self, batch_inputs, batch_data_samples):
        losses = self.detector.loss(batch_inputs, batch_data_samples)
        feats, self.backbone.unimodal_feats = self.backbone.unimodal_feats, None
        if self.modality_heads is None:
            return losses
        per_modality, scores = {}, []
        for i, name in enumerate(self.backbone.modalities):
            x = tuple(feats[i])
            x = self.detector.neck(x) if self.detector.with_neck else x
            per_modality[name] = self.modality_heads[name].loss(x, batch_data_samples)
            scores.append(torch.exp(-total_loss(per_modality[name]).detach().float()))
        losses.update(weigh_modality_losses(self.backbone.balancer, per_modality, torch.stack(scores)))
        return losses

    def predict(self, batch_inputs, batch_data_samples, rescale: bool = True):
        return self.detector.predict(batch_inputs, batch_data_samples, rescale=rescale)

    def _forward(self, batch_inputs, batch_data_samples=None):
        return self.detector._forward(batch_inputs, batch_data_samples)
