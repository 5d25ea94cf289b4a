"""The multimodal segmentor: mmseg's EncoderDecoder with a MultiModalBackbone in front."""
from typing import Dict, Optional

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from ...utils.modalities import check_preprocessor_modalities


@MODELS.register_module()
class MultiModalEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` whose backbone is one encoder per modality + MWAM + per-level fusion.

    Not mmseg's ``MultimodalEncoderDecoder`` (the SAN vision-language model, one letter apart).
    ``backbone`` is the ordinary single-modality backbone config (cloned per modality with its channel
    count), or a dict with one config per modality name. Everything after the fusion (neck, decode
    head, auxiliary heads, ``extract_feat``, ``loss``, ``predict``) is mmseg's own.
    """

    def __init__(self,
                 modalities: Dict[str, int],
                 backbone: dict,
                 decode_head: dict,
                 mwam: Optional[dict] = dict(type='MWAM'),
                 fusion: dict = dict(type='AddFusion'),
                 in_channels_key: str = 'in_channels',
                 **kwargs):
        backbone = dict(type='MultiModalBackbone', modalities=modalities, encoder=backbone, mwam=mwam,
                        fusion=fusion, in_channels_key=in_channels_key)
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        check_preprocessor_modalities(self)

    @property
    def mwam(self):
        return self.backbone.mwam
