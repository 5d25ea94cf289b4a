"""The multimodal segmentor: mmseg's EncoderDecoder with a MultiModalBackbone in front."""
from typing import Dict, Optional

from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from ...utils.modalities import check_preprocessor_modalities, model_modalities


@MODELS.register_module()
class MultiModalEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` whose backbone is one encoder per modality + MWAM + per-level fusion.

    Not mmseg's ``MultimodalEncoderDecoder`` (the SAN vision-language model, one letter apart).
    ``backbone`` is the ordinary single-modality backbone config (cloned per modality with its channel
    count), or a dict with one config per modality name. ``modalities`` defaults to the data
    preprocessor's. ``encoder_init``: per modality, ``'same'`` / a checkpoint / ``'scratch'`` (see
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
                 **kwargs):
        modalities = model_modalities(modalities, kwargs.get('data_preprocessor'), type(self).__name__)
        # a ConfigDict: EncoderDecoder sets backbone.pretrained from its own ``pretrained``
        backbone = ConfigDict(type='MultiModalBackbone', modalities=modalities, encoder=backbone, mwam=mwam,
                        fusion=fusion, in_channels_key=in_channels_key,
                              encoder_init=encoder_init, modality_dropout=modality_dropout)
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        check_preprocessor_modalities(self)

    @property
    def mwam(self):
        return self.backbone.mwam
