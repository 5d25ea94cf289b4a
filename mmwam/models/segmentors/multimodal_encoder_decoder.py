"""The multimodal segmentor: mmseg's EncoderDecoder with a MultiModalBackbone in front."""
import copy
from typing import Dict, Optional

from mmengine.config import ConfigDict
from mmengine.model import ModuleDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from ...utils.cli import InputError
from ...utils.modalities import check_preprocessor_modalities, model_modalities


@MODELS.register_module()
class MultiModalEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` whose backbone is one encoder per modality + MWAM + per-level fusion.

    Not mmseg's ``MultimodalEncoderDecoder`` (the SAN vision-language model, one letter apart).
    ``backbone`` is the ordinary single-modality backbone config (cloned per modality with its channel
    count), or a dict with one config per modality name. ``modalities`` defaults to the data
    preprocessor's. ``modality_heads``: one auxiliary decode head config, cloned per modality, trained on
    that modality's encoder features (MWAM's loss mode; training only: prediction never calls them).
    ``encoder_init``: per modality, ``'same'`` / a checkpoint / ``'scratch'`` (see
    ``MultiModalBackbone``). Everything after the fusion (neck, decode
    head, auxiliary heads, ``extract_feat``, ``loss``, ``predict``) is mmseg's own.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 modalities: Optional[Dict[str, int]] = None,
                 mwam: Optional[dict] = dict(type='MWAM'),
                 fusion: dict = dict(type='AddFusion'),
                 in_channels_key: str = 'in_channels',
                 encoder_init: Optional[dict] = None,
                 modality_dropout: Optional[dict] = None,
                 modality_heads: Optional[dict] = None,
                 **kwargs):
        modalities = model_modalities(modalities, kwargs.get('data_preprocessor'), type(self).__name__)
        # a ConfigDict: EncoderDecoder sets backbone.pretrained from its own ``pretrained``
        backbone = ConfigDict(type='MultiModalBackbone', modalities=modalities, encoder=backbone, mwam=mwam,
                        fusion=fusion, in_channels_key=in_channels_key,
                              encoder_init=encoder_init, modality_dropout=modality_dropout)
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        check_preprocessor_modalities(self)
        mode = self.mwam.mode if self.mwam is not None else None
        if mode in ('loss', 'both') and modality_heads is None:
            raise InputError(f"mwam.mode={mode!r} needs model.modality_heads: one auxiliary head config (e.g. "
                             "dict(type='FCNHead', in_index=3, in_channels=..., channels=..., num_classes=...)), "
                             'cloned per modality')
        self.modality_heads = None
        if modality_heads is not None:
            self.modality_heads = ModuleDict(
                {m: MODELS.build(copy.deepcopy(dict(modality_heads))) for m in self.backbone.modalities})
            self.backbone.keep_unimodal_feats = True

    def loss(self, inputs, data_samples) -> dict:
        """mmseg's losses, plus each modality head's on that modality's encoder features (training only),
        weighted by MWAM's K in its 'loss' / 'both' modes (by 1 otherwise), keys prefixed ``<modality>.``."""
        losses = super().loss(inputs, data_samples)
        feats, self.backbone.unimodal_feats = self.backbone.unimodal_feats, None
        if self.modality_heads is None:
            return losses
        weighted = self.mwam is not None and self.mwam.mode in ('loss', 'both')
        for i, name in enumerate(self.backbone.modalities):
            k = self.mwam.weight[i].float() if weighted else 1.0
            for key, value in self.modality_heads[name].loss(tuple(feats[i]), data_samples, self.train_cfg).items():
                losses[f'{name}.{key}'] = value * k if 'loss' in key else value
        return losses

    @property
    def mwam(self):
        return self.backbone.mwam
