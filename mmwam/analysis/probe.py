"""Probes of each encoder's own features in a trained multimodal model.

Why: the missing-modality table says how much a model loses without a modality, not why. A balancing
method (MWAM, OGM-GE) claims that the weak modality's encoder learns more; modality dropout, that fusion
learns to cope with a missing input. A light head trained on one encoder's features alone, with the whole
model frozen, measures what that encoder learned, whatever fusion does with it. The same head on the
fused features is the reference.

Segmentation: :class:`LinearProbeHead` (a linear probe over every feature level). Detection, single-stage
detectors only: a fresh copy of the detector's own dense head on the frozen neck applied to one encoder's
features. Both train on the config's train dataloader and are scored with the config's test metric on its
test dataloader.
"""

import copy
import math
import re
from typing import Dict, List, Optional

import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MessageHub, print_log
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import CheckpointLoader, Runner, set_random_seed
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.segmentors import BaseSegmentor
from torch import nn

from ..models.checkpoint_fit import fit_state_dict
from ..utils.checkpoint import check_checkpoint_file, trusted_checkpoint_loading
from ..utils.errors import InputError

FUSED = 'fused'  # the name of the reference probe, on the fused features


class LinearProbeHead(BaseDecodeHead):
    """A linear segmentation probe: every feature level resized to the finest one's resolution and
    concatenated, standardised (BatchNorm without affine parameters, so levels of different scales train
    alike), one 1x1 convolution. Linear, so it measures what the features hold rather than what a deeper
    head could compute from them; every level, because the coarsest alone (1/32) is too coarse for
    segmentation and the model's own decode head reads them all too.

    Args:
        in_channels (List[int]): The channels of each feature level.
        **kwargs: mmseg ``BaseDecodeHead``'s other arguments (``num_classes``, ``ignore_index``,
            ``align_corners``, ...).
    """

    def __init__(self, in_channels: List[int], **kwargs):
        super().__init__(
            in_channels=list(in_channels),
            channels=sum(in_channels),
            in_index=list(range(len(in_channels))),
            input_transform='resize_concat',
            dropout_ratio=0.0,
            **kwargs,
        )
        self.norm = nn.BatchNorm2d(self.channels, affine=False)

    def forward(self, inputs):
        return self.cls_seg(self.norm(self._transform_inputs(inputs)))


def load_frozen_model(cfg, checkpoint: str, device: Optional[str] = None) -> nn.Module:
    """The config's model with the checkpoint loaded as ``tools/test.py`` loads it (fitted; refused in one
    line when it is another model's), in eval mode with every parameter frozen.

    Args:
        cfg (Config): The model's config.
        checkpoint (str): The checkpoint path or URL.
        device (str, optional): The device; None: CUDA when available, else the CPU. Defaults to None.

    Returns:
        nn.Module: The frozen model.

    Raises:
        ValueError: If the model is not multimodal, or the checkpoint is not one of it.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    if not hasattr(getattr(model, 'backbone', None), 'encode'):
        raise InputError(
            f'{type(model).__name__}: the probe needs a multimodal model (its backbone a '
            'MultiModalBackbone); this config\'s model has none'
        )
    check_checkpoint_file(checkpoint)
    with trusted_checkpoint_loading():
        loaded = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded) if isinstance(loaded, dict) else None
    if not isinstance(state, dict) or not state:
        raise InputError(
            f'checkpoint {checkpoint}: not a model checkpoint (a dict of tensors, or a dict with '
            f'"state_dict")'
        )
    fitted, report = fit_state_dict(
        {re.sub(r'^module\.', '', k): v for k, v in state.items()}, model
    )
    problem = report.refusal('test')
    if problem:
        raise InputError(f'checkpoint {checkpoint}: {problem}')
    model.load_state_dict(fitted, strict=False)
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    return model.to(device).eval().requires_grad_(False)


def _is_segmentor(model) -> bool:
    if isinstance(model, BaseSegmentor):
        return True
    from mmdet.models.detectors import SingleStageDetector

    if not isinstance(model, SingleStageDetector):
        raise InputError(
            f'{type(model).__name__}: the probe needs a segmentor or a single-stage detector (a '
            'dense bbox_head on the neck, which it trains afresh per encoder); two-stage and '
            'query-based detectors are not probed: probe a RetinaNet / FCOS / RTMDet config of the '
            'same data instead'
        )
    return False


@torch.no_grad()
def features(model, inputs) -> Dict[str, tuple]:
    """What a probe head reads, per modality and for the fused reference: the encoder's levels (through
    the model's neck where it has one), computed by the frozen model.

    Args:
        model (nn.Module): The frozen model.
        inputs (Tensor): A normalized batch (the data preprocessor's ``inputs``).

    Returns:
        Dict[str, tuple]: Each modality's feature levels, and the fused ones under ``'fused'``.
    """
    feats = model.backbone.encode(inputs)
    out = dict(zip(model.backbone.modalities, (tuple(f) for f in feats)))
    out[FUSED] = tuple(model.backbone.fuse(feats))
    if model.with_neck:
        out = {k: tuple(model.neck(v)) for k, v in out.items()}
    return out


def _new_head(model, cfg, levels, segmentor: bool) -> nn.Module:
    if segmentor:
        own = model.decode_head
        head = LinearProbeHead(
            [f.shape[1] for f in levels],
            num_classes=own.num_classes,
            out_channels=own.out_channels,
            threshold=own.threshold,
            ignore_index=own.ignore_index,
            align_corners=own.align_corners,
        )
        head.loss_decode = copy.deepcopy(
            own.loss_decode
        )  # the model's own loss (class weights, ...)
    else:
        fields = cfg.model.get('detector') or cfg.model
        head = MODELS.build(
            dict(
                copy.deepcopy(fields['bbox_head']),
                train_cfg=fields.get('train_cfg'),
                test_cfg=fields.get('test_cfg'),
            )
        )
    head.init_weights()
    return head.to(levels[0].device)


def _loss(model, head, levels, samples, segmentor: bool):
    losses = (
        head.loss(levels, samples, model.train_cfg) if segmentor else head.loss(levels, samples)
    )
    return model.parse_losses(losses)[0]


def _predict(model, head, levels, samples, segmentor: bool):
    samples = [s.new() for s in samples]  # each probe writes its predictions into its own copies
    if segmentor:
        logits = head.predict(levels, [s.metainfo for s in samples], model.test_cfg)
        return model.postprocess_result(logits, samples)
    return model.add_pred_to_datasample(samples, head.predict(levels, samples, rescale=True))


def _batches(loader):
    """Endless batches: an epoch-based sampler ends, and the next epoch gets its own order."""
    epoch = 0
    while True:
        if hasattr(loader.sampler, 'set_epoch'):
            loader.sampler.set_epoch(epoch)
        yield from loader
        epoch += 1


def default_lr(model) -> float:
    """AdamW's learning rate when none is given: a linear probe on standardised features takes a large one
    (its bias must reach the class prior within a few hundred steps); a detector's deeper head, the usual.

    Args:
        model (nn.Module): The model probed.

    Returns:
        float: 1e-2 for a segmentor, 1e-3 for a detector.

    Raises:
        ValueError: If the model is neither a segmentor nor a single-stage detector.
    """
    return 1e-2 if _is_segmentor(model) else 1e-3


def probe_model(
    model, cfg, iters: int = 300, seed: int = 0, lr: Optional[float] = None, log_interval: int = 50
) -> dict:
    """Train one probe head per modality and one on the fused features (AdamW with a cosine decay,
    ``iters`` iterations on the config's train dataloader, the same batches for every probe), then score
    each with the config's test metric on its test dataloader. Seeded: the same seed gives the same
    numbers.

    Args:
        model (nn.Module): The frozen model (:func:`load_frozen_model`).
        cfg (Config): Its config: the train and test dataloaders and the test evaluator.
        iters (int): Training iterations of each probe. Defaults to 300.
        seed (int): The seed. Defaults to 0.
        lr (float, optional): AdamW's learning rate; None: :func:`default_lr`. Defaults to None.
        log_interval (int): Log the probes' losses every this many iterations. Defaults to 50.

    Returns:
        dict: ``{source: metrics}``, sources in the model's modality order, then ``'fused'``.

    Raises:
        ValueError: If ``iters`` or ``lr`` is invalid, the model cannot be probed, or a probe's loss
            becomes non-finite.
    """
    segmentor = _is_segmentor(model)
    lr = default_lr(model) if lr is None else lr
    if iters < 1:
        raise InputError(f'--iters {iters}: the probes need at least one training iteration')
    if not lr > 0:
        raise InputError(f'--lr {lr}: the learning rate must be positive')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    set_random_seed(seed)
    train_loader = Runner.build_dataloader(copy.deepcopy(cfg.train_dataloader), seed=seed)
    test_loader = Runner.build_dataloader(copy.deepcopy(cfg.test_dataloader), seed=seed)
    sources = [*model.backbone.modalities, FUSED]
    heads, optims = {}, {}
    batches = _batches(train_loader)
    hub = MessageHub.get_current_instance()
    for it in range(1, iters + 1):
        hub.update_info(
            'iter', it - 1
        )  # what batch augments (YOLOX's random resize) read, as in training
        data = model.data_preprocessor(next(batches), True)
        feats = features(model, data['inputs'])
        if not heads:
            heads = {s: _new_head(model, cfg, feats[s], segmentor).train() for s in sources}
            optims = {
                s: torch.optim.AdamW(heads[s].parameters(), lr=lr, weight_decay=1e-4)
                for s in sources
            }
            schedules = [
                torch.optim.lr_scheduler.CosineAnnealingLR(o, iters) for o in optims.values()
            ]
        losses = {}
        for s in sources:
            loss = _loss(model, heads[s], feats[s], data['data_samples'], segmentor)
            if not math.isfinite(loss.item()):
                raise InputError(
                    f'the {s} probe\'s loss became {loss.item()} at iteration {it}: try a lower --lr '
                    f'(now {lr:g})'
                )
            optims[s].zero_grad()
            loss.backward()
            optims[s].step()
            losses[s] = loss.item()
        for schedule in schedules:
            schedule.step()
        if it % log_interval == 0 or it == iters:
            print_log(
                f'probe iteration {it}/{iters}, loss: '
                + ', '.join(f'{s} {v:.4f}' for s, v in losses.items()),
                logger='current',
            )
    evaluators = {s: Evaluator(copy.deepcopy(cfg.test_evaluator)) for s in sources}
    for s in sources:
        evaluators[s].dataset_meta = test_loader.dataset.metainfo
        heads[s].eval()
    with torch.no_grad():
        for batch in test_loader:
            data = model.data_preprocessor(batch, False)
            feats = features(model, data['inputs'])
            for s in sources:
                evaluators[s].process(
                    _predict(model, heads[s], feats[s], data['data_samples'], segmentor), batch
                )
    results = {}
    for s in sources:
        print_log(f'probe on {s} features{" (reference)" if s == FUSED else ""}:', logger='current')
        results[s] = evaluators[s].evaluate(len(test_loader.dataset))
    return results


def head_description(model) -> str:
    """One line naming the probe head, for the table and the JSON.

    Args:
        model (nn.Module): The model probed.

    Returns:
        str: The line.
    """
    if isinstance(model, BaseSegmentor):
        return (
            'linear probe: every feature level resized to the finest and concatenated, BatchNorm, '
            '1x1 convolution'
        )
    return f'a fresh {type(model.bbox_head).__name__} (the detector\'s own head) on the frozen neck'


def format_table(results: Dict[str, dict], keys: Optional[List[str]] = None) -> str:
    """A row per probe (the fused one marked as the reference), a column per metric key.

    Args:
        results (Dict[str, dict]): :func:`probe_model`'s result.
        keys (List[str], optional): The columns; None: every numeric key all probes have. Defaults to
            None.

    Returns:
        str: The table.
    """
    numeric = {
        s: {k: v for k, v in m.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        for s, m in results.items()
    }
    common = set.intersection(*[set(m) for m in numeric.values()])
    keys = [k for k in (keys or sorted(common)) if k in common]
    rows = [['features', *keys]] + [
        [f'{s} (reference)' if s == FUSED else s, *[f'{numeric[s][k]:.4f}' for k in keys]]
        for s in results
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    fmt = lambda r: '| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths)) + ' |'  # noqa: E731
    return '\n'.join([line, fmt(rows[0]), line, *[fmt(r) for r in rows[1:]], line])
