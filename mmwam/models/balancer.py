"""The interface every modality balancer implements (MWAM, OGM-GE), and OGM-GE itself.

A balancer is built by ``MultiModalBackbone`` from ``model.balancer`` (or ``model.mwam``, the same slot)
and called in training only, at four points of a step:

1. ``before_encoders(inputs)``: the per-modality inputs, before any modality dropout (MWAM: FRM, banks, K).
2. ``on_features(feats)``: the encoders' outputs on their way to the fusion (MWAM: gradient scaling).
3. ``observe(scores)``: after the auxiliary per-modality heads ran, one score per modality, how well that
   modality alone predicts the labels (OGM-GE: the modulation coefficients).
4. ``loss_weights()``: the weights of the auxiliary heads' losses (MWAM's loss mode: K).

``scalars()`` is what ``FRMLoggerHook`` logs. ``needs_modality_heads`` makes the models refuse a config
without ``modality_heads``. Evaluation never calls a balancer.
"""

import logging
import math
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.logging import print_log
from torch import Tensor, nn

from ..registry import register_model
from ..utils.errors import InputError


class Balancer(nn.Module):
    """Base class of the modality balancers: every hook is a no-op, so a subclass implements only the
    points it acts at (see the module docstring for when each is called).

    Args:
        modalities (Sequence[str]): Modality names, in the order of the model's inputs.

    Raises:
        ValueError: If fewer than two modalities are given.
    """

    def __init__(self, modalities: Sequence[str]):
        super().__init__()
        if len(modalities) < 2:
            raise InputError(
                f'{type(self).__name__} needs at least two modalities, got {list(modalities)}'
            )
        self.modalities = tuple(modalities)

    @property
    def needs_modality_heads(self) -> bool:
        """Whether the model must have ``modality_heads`` (auxiliary unimodal heads)."""
        return False

    def attach(self, encoders: nn.ModuleDict) -> None:
        """Called once with the encoders.

        Args:
            encoders (nn.ModuleDict): One encoder per modality, in ``modalities`` order.
        """

    def before_encoders(self, inputs: Sequence[Tensor]) -> None:
        """Called with the per-modality inputs, before modality dropout and the encoders.

        Args:
            inputs (Sequence[Tensor]): One B x C x H x W input per modality.
        """

    def on_features(self, feats: List) -> List:
        """Called with the encoders' outputs on their way to the fusion.

        Args:
            feats (List): Per modality, its feature levels.

        Returns:
            List: The features the fusion gets.
        """
        return feats

    def observe(self, scores: Tensor) -> None:
        """Called after the auxiliary per-modality heads ran.

        Args:
            scores (Tensor): One score per modality (its head's, higher is better), detached.
        """

    def loss_weights(self) -> Optional[Tensor]:
        """The weights of the auxiliary heads' losses.

        Returns:
            Tensor or None: One weight per modality, or None (all 1).
        """
        return None

    def scalars(self) -> Dict[str, float]:
        """What ``FRMLoggerHook`` logs.

        Returns:
            Dict[str, float]: Values by name.
        """
        return {}


def check_modality_heads(balancer: Optional[Balancer], modality_heads, example: str) -> None:
    """One clear error for a balancer that needs auxiliary heads the config does not give.

    Args:
        balancer (Balancer, optional): The model's balancer.
        modality_heads: The model's ``modality_heads`` config.
        example (str): A config line that gives the heads, quoted in the error.

    Raises:
        ValueError: If ``balancer`` needs modality heads and ``modality_heads`` is None.
    """
    if balancer is not None and balancer.needs_modality_heads and modality_heads is None:
        what = (
            f"mwam.mode={balancer.mode!r}"
            if hasattr(balancer, 'mode')
            else f'balancer {type(balancer).__name__}'
        )
        raise InputError(f'{what} needs model.modality_heads: {example}')


def weigh_modality_losses(
    balancer: Optional[Balancer], per_modality: Dict[str, dict], scores: Tensor
) -> dict:
    """The auxiliary heads' losses, weighted by the balancer.

    The balancer observes the scores first, then each head's loss terms are multiplied by its
    ``loss_weights()`` entry (1 without one).

    Args:
        balancer (Balancer, optional): The model's balancer.
        per_modality (Dict[str, dict]): Each modality's auxiliary head losses, in ``modalities`` order.
        scores (Tensor): One score per modality, given to ``balancer.observe``.

    Returns:
        dict: The losses keyed ``<modality>.<key>``.
    """
    weights = None
    if balancer is not None:
        balancer.observe(scores.detach())
        weights = balancer.loss_weights()
    losses = {}
    for i, (name, head_losses) in enumerate(per_modality.items()):
        k = 1.0 if weights is None else weights[i].float()
        for key, value in head_losses.items():
            if 'loss' in key:
                value = [v * k for v in value] if isinstance(value, (list, tuple)) else value * k
            losses[f'{name}.{key}'] = value
    return losses


def total_loss(head_losses: dict) -> Tensor:
    """The sum of a head's loss terms (mmdet gives some as one tensor per feature level).

    Args:
        head_losses (dict): A head's losses; the keys that contain ``'loss'`` are summed.

    Returns:
        Tensor: The total.
    """
    terms = [v for k, v in head_losses.items() if 'loss' in k]
    return sum(sum(v) if isinstance(v, (list, tuple)) else v for v in terms)


@register_model()
class OGMGE(Balancer):
    """OGM-GE, on-the-fly gradient modulation with generalisation enhancement (Peng et al., CVPR 2022),
    for dense tasks.

    Each training step, with ``s_i`` the score of modality i's auxiliary head (summed over the batch and
    the ranks; see the models for what a score is), ``rho_i = s_i / mean_{j != i} s_j`` (for two
    modalities the paper's ``s_a / s_v``) and, for every modality with ``rho_i > 1`` (the dominant one):

        k_i = 1 - tanh(alpha * relu(rho_i - ratio_offset))          (paper Eq. 10, k = 1 otherwise)

    Every gradient of modality i's encoder is then multiplied by ``k_i`` and, with ``ge=True``, Gaussian
    noise of the modulated gradient's own standard deviation is added per parameter tensor (GE, applied to
    both encoders, as the official code does). The official code's ``ratio_offset`` is 0 (k jumps from 1
    to 1 - tanh(alpha) as rho crosses 1); ``ratio_offset=1`` is the continuous variant. Its default alpha
    is 0.1 (0.8 for CREMA-D). It modulates only 4-D parameters (its encoders are ResNets):
    ``conv_weights_only=True`` does the same; the default modulates every encoder parameter, as the paper
    describes (a MiT encoder is mostly linear layers).

    The modulation happens in a gradient hook on each encoder parameter, so it covers every gradient the
    encoder gets (the fused path and its auxiliary head) and composes with gradient accumulation, AMP and
    DDP (scores are summed over ranks and the noise is drawn from the same seed on every rank, so the
    coefficients and the noise are the same everywhere). Modulation is active for steps
    ``[start_iter, end_iter)``.

    Args:
        modalities (Sequence[str]): Modality names, in the order of the model's inputs.
        alpha (float): The modulation strength, >= 0. Defaults to 0.1.
        ge (bool): Add the Gaussian noise (generalisation enhancement). Defaults to True.
        ratio_offset (float): Subtracted from ``rho_i`` in the coefficient (0: the official code, 1: the
            continuous variant). Defaults to 0.0.
        conv_weights_only (bool): Modulate only the 4-D parameters (the official code). Defaults to False.
        start_iter (int): Modulation is active for the (0-based) steps ``[start_iter, end_iter)``.
            Defaults to 0.
        end_iter (int, optional): See ``start_iter``; None: to the end of training. Defaults to None.
        sync (bool): Sum the scores across ranks. Defaults to True.

    Raises:
        ValueError: If ``alpha`` is negative or fewer than two modalities are given.
    """

    def __init__(
        self,
        modalities: Sequence[str],
        alpha: float = 0.1,
        ge: bool = True,
        ratio_offset: float = 0.0,
        conv_weights_only: bool = False,
        start_iter: int = 0,
        end_iter: Optional[int] = None,
        sync: bool = True,
    ):
        super().__init__(modalities)
        if alpha < 0:
            raise InputError(f'balancer.alpha must be >= 0, got {alpha}')
        self.alpha, self.ge, self.ratio_offset = alpha, ge, ratio_offset
        self.conv_weights_only, self.start_iter, self.end_iter, self.sync = (
            conv_weights_only,
            start_iter,
            end_iter,
            sync,
        )
        m = len(self.modalities)
        self.register_buffer('score', torch.zeros(m, dtype=torch.float64))
        self.register_buffer('coeff', torch.ones(m, dtype=torch.float64))
        self.register_buffer('num_steps', torch.zeros((), dtype=torch.long))
        # the run's seed (mmengine seeds torch before it builds the model), kept for an exact resume
        self.register_buffer(
            'noise_seed', torch.tensor(torch.initial_seed() % (2**31), dtype=torch.long)
        )
        self._step = (
            0  # num_steps as a Python int: the per-parameter hooks must not sync with the device
        )
        self._armed_step = -1  # the step whose coefficients are known (set by observe)
        self._coeff: List[float] = [1.0] * m
        self._generators: Dict[str, torch.Generator] = {}

    def extra_repr(self) -> str:
        return (
            f'modalities={self.modalities}, alpha={self.alpha}, ge={self.ge}, '
            f'ratio_offset={self.ratio_offset}, conv_weights_only={self.conv_weights_only}, '
            f'start_iter={self.start_iter}, end_iter={self.end_iter}'
        )

    @property
    def needs_modality_heads(self) -> bool:
        return True

    def attach(self, encoders: nn.ModuleDict) -> None:
        for i, name in enumerate(self.modalities):
            for p in encoders[name].parameters():
                if p.requires_grad and (p.dim() == 4 or not self.conv_weights_only):
                    p.register_hook(lambda grad, i=i: self._modulate(grad, i))

    def before_encoders(self, inputs: Sequence[Tensor]) -> None:
        self.num_steps += 1
        self._step = int(self.num_steps)
        self._generators.clear()

    @staticmethod
    def coefficients(
        scores: Sequence[float], alpha: float, ratio_offset: float = 0.0
    ) -> List[float]:
        """Paper Eq. 10 for any number of modalities (the hand-checkable part).

        Args:
            scores (Sequence[float]): One positive score per modality.
            alpha (float): The modulation strength.
            ratio_offset (float): Subtracted from ``rho_i``. Defaults to 0.0.

        Returns:
            List[float]: One coefficient per modality (1 for every modality that does not dominate).
        """
        out = []
        for i, s in enumerate(scores):
            others = [x for j, x in enumerate(scores) if j != i]
            rho = s / max(sum(others) / len(others), 1e-12)
            out.append(1 - math.tanh(alpha * max(rho - ratio_offset, 0.0)) if rho > 1 else 1.0)
        return out

    @torch.no_grad()
    def observe(self, scores: Tensor) -> None:
        scores = scores.to(self.score).clone()
        if self.sync and get_world_size() > 1:
            all_reduce(scores, op='sum')
        self.score.copy_(scores)
        step = self._step
        active = self.start_iter < step and (self.end_iter is None or step <= self.end_iter)
        if not bool(torch.isfinite(scores).all()) or float(scores.min()) <= 0:
            print_log(
                f'OGMGE: scores {scores.tolist()} are not positive and finite: no modulation this step',
                logger='current',
                level=logging.WARNING,
            )
            active = False
        coeff = (
            self.coefficients(scores.tolist(), self.alpha, self.ratio_offset)
            if active
            else [1.0] * len(self.modalities)
        )
        self.coeff.copy_(torch.tensor(coeff, dtype=torch.float64))
        self._coeff, self._armed_step = coeff, step if active else -1

    def _modulate(self, grad: Tensor, i: int) -> Tensor:
        if not self.training or self._armed_step != self._step:
            return grad
        grad = grad * self._coeff[i]
        if self.ge:
            key = str(grad.device)
            if (
                key not in self._generators
            ):  # one stream per step and device, the same on every rank
                g = torch.Generator(device=grad.device)
                g.manual_seed(int(self.noise_seed) * 1_000_003 + self._step)
                self._generators[key] = g
            std = (
                grad.float().std() + 1e-8 if grad.numel() > 1 else 1e-8
            )  # a tensor: no device sync
            noise = torch.randn(grad.shape, generator=self._generators[key], device=grad.device)
            grad = grad + (noise * std).to(grad.dtype)
        return grad

    def scalars(self) -> Dict[str, float]:
        out = {}
        for j, m in enumerate(self.modalities):
            out[f'ogmge_score_{m}'] = float(self.score[j])
            out[f'ogmge_coeff_{m}'] = float(self.coeff[j])
        return out
