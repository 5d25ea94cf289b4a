"""Any mmdet detector with one encoder per modality, MWAM and per-level fusion in front of its neck."""
import copy
from typing import Dict, Optional

from mmdet.models.detectors import BaseDetector
from mmdet.registry import MODELS

from ...utils.modalities import check_preprocessor_modalities, model_modalities


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
    (see ``MultiModalBackbone``).
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
                                    modality_dropout=modality_dropout)
        self.detector = MODELS.build(detector)
        check_preprocessor_modalities(self)

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
        return self.detector.loss(batch_inputs, batch_data_samples)

    def predict(self, batch_inputs, batch_data_samples, rescale: bool = True):
        return self.detector.predict(batch_inputs, batch_data_samples, rescale=rescale)

    def _forward(self, batch_inputs, batch_data_samples=None):
        return self.detector._forward(batch_inputs, batch_data_samples)
