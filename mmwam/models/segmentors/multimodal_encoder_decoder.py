"""The multimodal segmentor: mmseg's EncoderDecoder with a MultiModalBackbone in front."""

import copy
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import ConfigDict
from mmengine.model import ModuleDict
from mmseg.models.segmentors import CascadeEncoderDecoder, EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from ...utils.modalities import check_preprocessor_modalities, model_modalities
from ..balancer import check_modality_heads, weigh_modality_losses


@MODELS.register_module()
class MultiModalEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` whose backbone is one encoder per modality + MWAM + per-level fusion.

    Not mmseg's ``MultimodalEncoderDecoder`` (the SAN vision-language model, one letter apart).
    Everything after the fusion (neck, decode head, auxiliary heads, ``extract_feat``, ``loss``,
    ``predict``) is mmseg's own.

    Args:
        backbone (dict): The ordinary single-modality backbone config (cloned per modality with its
            channel count), or a dict with one config per modality name.
        decode_head (dict): mmseg's decode head config.
        modalities (Dict[str, int], optional): Ordered modality channels, ``dict(rgb=3, depth=1)``; None:
            the data preprocessor's. Defaults to None.
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
        modality_heads (dict, optional): One auxiliary decode head config, cloned per modality, trained on
            that modality's encoder features (MWAM's loss mode, OGM-GE; training only: prediction never
            calls them). ``'auto'`` for ``in_channels``, ``in_index`` or ``channels``: the backbone's
            last level, its index, and a quarter of its channels (at least 16)
            (:meth:`~mmwam.models.MultiModalBackbone.level_channels`). Defaults to None.
        balancer (dict, optional): Any balancer's config instead of ``mwam`` (``dict(type='OGMGE')``).
            Defaults to None.
        replicate_to_rgb (Sequence[str] | str): 1-channel modalities given to their encoders as 3
            identical channels, or ``'auto'`` (see :class:`~mmwam.models.MultiModalBackbone`). Defaults
            to ().
        **kwargs: ``EncoderDecoder``'s other arguments (``neck``, ``auxiliary_head``, ``train_cfg``,
            ``test_cfg``, ``data_preprocessor``, ``pretrained``, ``init_cfg``).
    """

    def __init__(
        self,
        backbone: dict,
        decode_head: dict,
        modalities: Optional[Dict[str, int]] = None,
        mwam: Optional[dict] = dict(type='MWAM'),
        fusion: dict = dict(type='AddFusion'),
        in_channels_key: str = 'in_channels',
        encoder_init: Optional[dict] = None,
        modality_dropout: Optional[dict] = None,
        modality_heads: Optional[dict] = None,
        balancer: Optional[dict] = None,
        replicate_to_rgb: Sequence[str] = (),
        **kwargs,
    ):
        modalities = model_modalities(
            modalities, kwargs.get('data_preprocessor'), type(self).__name__
        )
        # a ConfigDict: EncoderDecoder sets backbone.pretrained from its own ``pretrained``
        backbone = ConfigDict(
            type='MultiModalBackbone',
            modalities=modalities,
            encoder=backbone,
            mwam=mwam,
            fusion=fusion,
            in_channels_key=in_channels_key,
            encoder_init=encoder_init,
            modality_dropout=modality_dropout,
            balancer=balancer,
            replicate_to_rgb=replicate_to_rgb,
        )
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        check_preprocessor_modalities(self)
        check_modality_heads(
            self.backbone.balancer,
            modality_heads,
            "one auxiliary head config (e.g. dict(type='FCNHead', in_index=3, in_channels=..., "
            "channels=..., num_classes=...)), cloned per modality",
        )
        self.modality_heads = None
        if modality_heads is not None:
            head = dict(modality_heads)
            if 'auto' in (head.get(k) for k in ('in_channels', 'in_index', 'channels')):
                levels = self.backbone.level_channels()
                auto = dict(in_channels=levels[-1], in_index=len(levels) - 1)
                auto['channels'] = max(16, levels[-1] // 4)
                head.update({k: v for k, v in auto.items() if head.get(k) == 'auto'})
            self.modality_heads = ModuleDict(
                {m: MODELS.build(copy.deepcopy(head)) for m in self.backbone.modalities}
            )

    def loss(self, inputs, data_samples) -> dict:
        """mmseg's losses, plus each modality head's on that modality's encoder features (training only),
        keys prefixed ``<modality>.``, weighted by the balancer (MWAM's K in its 'loss' / 'both' modes, 1
        otherwise). A modality's score for the balancer (OGM-GE) is its head's mean softmax probability of
        the ground-truth class over the labelled pixels, summed over the batch.

        Args:
            inputs (Tensor): The B x C x H x W concatenated, normalized input.
            data_samples (list): The batch's ``SegDataSample``.

        Returns:
            dict: The loss terms.
        """
        if self.modality_heads is None:
            return super().loss(inputs, data_samples)
        feats = self.backbone.encode(
            inputs
        )  # EncoderDecoder.loss, with the per-modality features kept
        x = self.backbone.fuse(feats)
        x = self.neck(x) if self.with_neck else x
        losses = self._decode_head_forward_train(x, data_samples)
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))
        per_modality, scores = {}, []
        for i, name in enumerate(self.backbone.modalities):
            head = self.modality_heads[name]
            logits = head.forward(tuple(feats[i]))
            per_modality[name] = head.loss_by_feat(logits, data_samples)
            scores.append(
                ground_truth_probability(
                    logits, data_samples, head.ignore_index, head.align_corners
                )
            )
        losses.update(
            weigh_modality_losses(self.backbone.balancer, per_modality, torch.stack(scores))
        )
        return losses

    @property
    def mwam(self):
        """The backbone's MWAM module, or None."""
        return self.backbone.mwam


@torch.no_grad()
def ground_truth_probability(logits, data_samples, ignore_index: int, align_corners: bool):
    """Per image, the mean softmax probability of the ground-truth class over the labelled pixels (the
    logits resized to the label, as mmseg's loss does), summed over the batch: OGM-GE's score for a dense
    head (the paper sums the probability of the label over the samples of a batch).

    Args:
        logits (Tensor): A head's B x C x h x w logits.
        data_samples (list): The batch's ``SegDataSample`` (with ``gt_sem_seg``).
        ignore_index (int): The label of unlabelled pixels.
        align_corners (bool): The head's ``align_corners``, for the resize.

    Returns:
        Tensor: A 0-d float tensor, the score.
    """
    labels = torch.stack([s.gt_sem_seg.data for s in data_samples]).squeeze(1).long()
    probs = resize(
        logits, size=labels.shape[-2:], mode='bilinear', align_corners=align_corners
    ).softmax(1)
    valid = labels != ignore_index
    picked = probs.gather(1, labels.clamp(0, probs.shape[1] - 1).unsqueeze(1)).squeeze(1) * valid
    return (picked.flatten(1).sum(1) / valid.flatten(1).sum(1).clamp(min=1)).sum().float()


@MODELS.register_module()
class MultiModalCascadeEncoderDecoder(MultiModalEncoderDecoder, CascadeEncoderDecoder):
    """mmseg's ``CascadeEncoderDecoder`` (OCRNet, PointRend: ``num_stages`` decode heads, each refining the
    previous one's output) with the multimodal backbone, MWAM and the missing-modality evaluation of
    :class:`MultiModalEncoderDecoder`; the cascade's decode heads are mmseg's own."""
