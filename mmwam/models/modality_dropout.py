"""Training-time modality dropout: each sample keeps a random non-empty subset of its modalities."""

from typing import Dict, Optional, Sequence

import torch
from mmengine.dist import get_rank
from torch import Tensor, nn

from ..registry import register_model
from ..utils.errors import InputError
from ..utils.modalities import all_subsets, parse_subsets, subset_name

LEVELS = ('input', 'feature')


@register_model()
class ModalityDropout(nn.Module):
    """Per training sample: the full modality set with probability ``p_full``, otherwise one of the
    non-empty proper subsets (uniformly, or in proportion to ``weights``: ``{'rgb': 2, 'depth': 1}`` by
    subset name). ``p_full=None`` (default) draws uniformly from all 2^M - 1 non-empty subsets, the full
    set included, as the official MWAM code's ``modality_drop`` does.

    ``level='input'`` zeroes the dropped modalities' normalized input, exactly as the missing-modality
    evaluation does, and their encoder learns nothing from those samples (see
    :meth:`stop_gradient_of_dropped`); ``level='feature'`` zeroes their encoder features (the official
    code). MWAM's FRM
    is computed on the undropped inputs either way. Training only: evaluation is untouched.

    Reproducible: the draw of step ``t`` on rank ``r`` comes from a generator seeded with
    ``(seed, t, r)``; ``seed`` defaults to torch's initial seed (which ``randomness=dict(seed=...)``
    sets), and the step count is a persistent buffer, so a resumed run draws what the uninterrupted one
    would have.

    Args:
        modalities (Sequence[str]): Modality names, in the order of the model's inputs.
        p_full (float, optional): Probability of keeping every modality, in [0, 1]; None: uniform over
            all non-empty subsets. Defaults to None.
        weights (Dict[str, float], optional): Relative weights of the proper subsets, by subset name
            (a subset not named gets 0; the full set's share is ``p_full``); None: uniform. Used only
            with ``p_full``. Defaults to None.
        level (str): ``'input'`` or ``'feature'``: what is zeroed. Defaults to ``'input'``.
        seed (int, optional): The draws' seed; None: torch's initial seed. Defaults to None.

    Raises:
        ValueError: If ``level``, ``p_full`` or ``weights`` is invalid.
    """

    def __init__(
        self,
        modalities: Sequence[str],
        p_full: Optional[float] = None,
        weights: Optional[Dict[str, float]] = None,
        level: str = 'input',
        seed: Optional[int] = None,
    ):
        super().__init__()
        self.modalities = tuple(modalities)
        if level not in LEVELS:
            raise InputError(f'modality_dropout.level must be one of {LEVELS}, got {level!r}')
        if p_full is not None and not 0 <= p_full <= 1:
            raise InputError(f'modality_dropout.p_full must be in [0, 1], got {p_full}')
        self.level, self.p_full = level, p_full
        self.subsets = all_subsets(list(self.modalities))  # the full set first
        proper = self.subsets[1:]
        w = {subset_name(s): 1.0 for s in proper}
        if weights:
            try:
                named = parse_subsets(
                    list(weights), list(self.modalities), 'modality_dropout.weights'
                )
            except ValueError as e:
                raise InputError(str(e)) from e
            given = dict(zip(map(subset_name, named), weights.values()))
            full = [k for k in given if k == subset_name(self.subsets[0])]
            if full:
                raise InputError(
                    f'modality_dropout.weights: {full[0]!r} is the full set; its share is p_full'
                )
            if any(v < 0 for v in given.values()) or not sum(given.values()) > 0:
                raise InputError(
                    f'modality_dropout.weights must be >= 0 with a positive sum, got {weights}'
                )
            w = {k: float(given.get(k, 0.0)) for k in w}
        if p_full is None:
            probs = [1.0] * len(self.subsets)
        else:
            total = sum(w.values())
            probs = [p_full] + [(1 - p_full) * w[subset_name(s)] / total for s in proper]
        self.register_buffer('probs', torch.tensor(probs, dtype=torch.float64) / sum(probs), False)
        # which modalities each subset keeps: (num_subsets, M)
        keep = [[m in s for m in self.modalities] for s in self.subsets]
        self.register_buffer('keep_table', torch.tensor(keep, dtype=torch.bool), False)
        self.seed = torch.initial_seed() if seed is None else int(seed)
        self.register_buffer('num_steps', torch.zeros((), dtype=torch.long))

    def extra_repr(self) -> str:
        return f'level={self.level!r}, p_full={self.p_full}, probs={[round(p, 4) for p in self.probs.tolist()]}'

    def draw(self, batch_size: int) -> Tensor:
        """Draw this step's kept modalities; advances the step count.

        Args:
            batch_size (int): Number of samples.

        Returns:
            Tensor: A (batch_size, M) boolean mask, True where a sample keeps a modality.
        """
        g = torch.Generator().manual_seed(
            hash((self.seed, int(self.num_steps), get_rank())) % (2**63)
        )
        self.num_steps += 1
        idx = torch.multinomial(self.probs.cpu().float(), batch_size, replacement=True, generator=g)
        return self.keep_table.cpu()[idx]

    @staticmethod
    def stop_gradient_of_dropped(feat: Tensor, keep: Tensor) -> Tensor:
        """The features of the samples whose input was zeroed, detached: their encoder gets no gradient from
        them. A zero input makes every token constant, and LayerNorm (MiT, Swin) then multiplies the gradient
        by 1/sqrt(eps) (1000 for eps = 1e-6) at each norm: without this, the demo SegFormer's loss is NaN
        within 20 iterations.

        Args:
            feat (Tensor): One feature map of one modality (B x ...).
            keep (Tensor): The (B, ) mask of the samples that keep the modality.

        Returns:
            Tensor: ``feat``, whose gradient is zero for the dropped samples.
        """
        k = _per_sample(keep, feat)
        return feat * k + feat.detach() * (1 - k)

    @staticmethod
    def zero_dropped(x: Tensor, keep: Tensor) -> Tensor:
        """``x`` with the samples whose ``keep`` is False zeroed.

        Args:
            x (Tensor): An input or feature map (B x ...).
            keep (Tensor): The (B, ) mask of the samples that keep it.

        Returns:
            Tensor: ``x`` times the mask.
        """
        return x * _per_sample(keep, x)


def _per_sample(keep: Tensor, like: Tensor) -> Tensor:
    """The (B, ) mask as 1 / 0 in ``like``'s dtype and device, shaped to broadcast over its other dims."""
    return keep.to(device=like.device, dtype=like.dtype).view(-1, *([1] * (like.dim() - 1)))
