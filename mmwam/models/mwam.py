"""MWAM, the Multimodal Weight Allocation Module (paper Eqs. 2, 5-7, Alg. 1)."""

import logging
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.logging import print_log
from torch import Tensor

from ..functional import frequency_ratio
from ..registry import register_model
from ..utils.errors import InputError
from .balancer import Balancer


class _ScaleGrad(torch.autograd.Function):
    """Identity forward; backward multiplies the incoming gradient by ``k``."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(k)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        (k,) = ctx.saved_tensors
        return grad * k.to(grad.dtype), None


def scale_grad(x: Tensor, k: Tensor) -> Tensor:
    """``x`` unchanged, with the gradient that flows back through it scaled by ``k``.

    Args:
        x (Tensor): Any tensor.
        k (Tensor): A 0-d tensor, the gradient's factor.

    Returns:
        Tensor: ``x``, as a view whose backward multiplies the gradient by ``k``.
    """
    return _ScaleGrad.apply(x, k)


MODES = ('grad', 'loss', 'both')


@register_model()
class MWAM(Balancer):
    """Frequency-guided gradient re-balancing between modality encoders; the identity at inference.

    A :class:`~mmwam.models.balancer.Balancer`: ``MultiModalBackbone`` calls ``before_encoders`` (``update``:
    FRM, banks, K) and ``on_features`` (``scale`` in the gradient modes) in training only; the models weight
    the auxiliary heads' losses by ``loss_weights()`` (K in the loss modes). It has no ``forward``:
    evaluation does not call it at all.

    Each training step: FRM of every modality's input (averaged across ranks), the EMA banks
    ``bank_i <- omega * bank_i + (1 - omega) * FRM_i`` (starting from 0, the official code's "soft
    begin"), the ratio ``T_i = FRM_i / (mean_c bank_c + sigma)`` and the weight
    ``K_i = alpha - beta * sigmoid(lam * (T_i - gamma))``; the gradient flowing back into modality
    i's encoder features is multiplied by ``K_i``, which equals scaling every gradient of that encoder.

    Defaults are the official code's (alpha, beta, lam, gamma) = (1.5, 1, 10, 1): a balanced pair gets
    K = 1. The paper's text uses (1.5, 1, 6, 0.7) (gamma = 1, lam = 4 for batch sizes 4 and 1).

    Args:
        modalities (Sequence[str]): Modality names, in the order of the inputs and features given to
            :meth:`update` and :meth:`scale`.
        alpha (float): The largest weight: ``K = alpha - beta * sigmoid(...)`` lies in
            ``(alpha - beta, alpha)``. Defaults to 1.5.
        beta (float): The range of K. Defaults to 1.0.
        lam (float): The sigmoid's steepness. Defaults to 10.0.
        gamma (float): The ratio ``T_i`` at the sigmoid's centre, where ``K = alpha - beta / 2``.
            Defaults to 1.0.
        omega (float): The banks' EMA momentum, in [0, 1). Defaults to 0.5.
        sigma (float): Added to the banks' mean in the ratio's denominator. Defaults to 1e-6.
        patch_size (int): FRM's DCT patch size; see :func:`~mmwam.functional.frequency_ratio`.
            Defaults to 8.
        window (int): FRM's low / high frequency window ``q``. Defaults to 2.
        frm_eps (float): FRM's ``eps``, added to the high-frequency coefficients. Defaults to 1e-6.
        reduction (str): FRM reduction, ``'mean'`` or ``'sum'`` (the paper's); see
            :func:`~mmwam.functional.frequency_ratio`. Defaults to ``'mean'``.
        warmup_iters (int): Steps during which the banks are filled but K stays 1. Defaults to 0.
        sync_frm (bool): Average FRM across ranks before the bank update, so every rank applies the same
            K. Defaults to True.
        ones_while_a_bank_is_zero (bool): The official ``weightFun``: K = 1 for every modality while any
            bank is exactly 0 (after its update), which happens while a modality's input has been all zeros
            at every step so far (its FRM is 0). False applies the formula then (the zero modality gets K
            near alpha). Defaults to True.
        mode (str): How K acts. ``'grad'``: the gradient flowing back into modality i's encoder features is
            scaled by K_i. ``'loss'``: the loss of an auxiliary unimodal head on modality i's features is
            weighted by K_i (``L = sum_i K_i L(y, y_i) + L(y, y_fused)``; the model needs
            ``modality_heads``). ``'both'``: the two together (the paper's best in its ablation).
            Defaults to ``'grad'``.
        grid_offset (bool): Robust-FRM option (not in the paper): shift the 8x8 patch grid by a random
            offset in [0, p) per step, the same for every modality (reproducible from the step count).
            JPEG-compressed inputs have exact zeros in their high coefficients on the codec's own 8x8 grid;
            a shifted grid does not see that artefact. Defaults to False.
        k_momentum (float): Robust option (0: off, the paper): K is smoothed over steps,
            ``K <- m * K_previous + (1 - m) * K_step``, so that a near-binary K does not flip every batch.
            Defaults to 0.0.

    Raises:
        ValueError: If ``mode``, ``omega`` or ``k_momentum`` is out of range, or fewer than two
            modalities are given.
    """

    def __init__(
        self,
        modalities: Sequence[str],
        alpha: float = 1.5,
        beta: float = 1.0,
        lam: float = 10.0,
        gamma: float = 1.0,
        omega: float = 0.5,
        sigma: float = 1e-6,
        patch_size: int = 8,
        window: int = 2,
        frm_eps: float = 1e-6,
        reduction: str = 'mean',
        warmup_iters: int = 0,
        sync_frm: bool = True,
        ones_while_a_bank_is_zero: bool = True,
        mode: str = 'grad',
        grid_offset: bool = False,
        k_momentum: float = 0.0,
    ):
        super().__init__(modalities)
        if mode not in MODES:
            raise InputError(f'mwam.mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        if not 0 <= k_momentum < 1:
            raise InputError(f'mwam.k_momentum must be in [0, 1), got {k_momentum}')
        self.grid_offset, self.k_momentum = grid_offset, k_momentum
        if not 0 <= omega < 1:
            raise ValueError(f'MWAM omega must be in [0, 1), got {omega}')
        self.alpha, self.beta, self.lam, self.gamma = alpha, beta, lam, gamma
        self.omega, self.sigma = omega, sigma
        self.frm_cfg = dict(patch_size=patch_size, window=window, eps=frm_eps, reduction=reduction)
        self.warmup_iters = warmup_iters
        self.sync_frm = sync_frm
        self.ones_while_a_bank_is_zero = ones_while_a_bank_is_zero
        m = len(self.modalities)
        # float64 so that a resume or a cross-rank comparison is exact; persistent: saved in checkpoints.
        self.register_buffer('bank', torch.zeros(m, dtype=torch.float64))
        self.register_buffer('frm', torch.zeros(m, dtype=torch.float64))
        self.register_buffer('weight', torch.ones(m, dtype=torch.float64))
        self.register_buffer('num_steps', torch.zeros((), dtype=torch.long))
        self.non_finite_steps = 0  # steps whose FRM was not finite (this process), in the scalars

    def extra_repr(self) -> str:
        return (
            f'modalities={self.modalities}, mode={self.mode!r}, alpha={self.alpha}, beta={self.beta}, '
            f'lam={self.lam}, gamma={self.gamma}, omega={self.omega}, warmup_iters={self.warmup_iters}, '
            f'grid_offset={self.grid_offset}, k_momentum={self.k_momentum}, frm={self.frm_cfg}'
        )

    @torch.no_grad()
    def update(self, inputs: Sequence[Tensor]) -> Tensor:
        """One training step's bookkeeping: FRM, banks, K.

        Args:
            inputs (Sequence[Tensor]): One B x C x H x W input per modality, in ``modalities`` order.

        Returns:
            Tensor: K, one weight per modality (a copy of ``self.weight``, which keeps it).
        """
        if len(inputs) != len(self.modalities):
            raise ValueError(f'MWAM got {len(inputs)} inputs for modalities {self.modalities}')
        if self.grid_offset:
            p = self.frm_cfg['patch_size']
            g = torch.Generator().manual_seed(int(self.num_steps))
            dy, dx = torch.randint(0, p, (2,), generator=g).tolist()
            inputs = [x[:, :, dy:, dx:] for x in inputs]
        frm = torch.stack([frequency_ratio(x, **self.frm_cfg) for x in inputs]).to(self.bank)
        if self.sync_frm and get_world_size() > 1:
            all_reduce(frm, op='mean')
        self.frm.copy_(frm)
        self.num_steps += 1
        finite = torch.isfinite(frm)
        if not bool(finite.all()):
            self.non_finite_steps += 1
            if self.non_finite_steps == 1:  # said once; the count goes to the log (scalars)
                bad = [n for n, ok in zip(self.modalities, finite.tolist()) if not ok]
                print_log(
                    f'MWAM: FRM is not finite for {bad} at step {int(self.num_steps)} (FRM = '
                    f'{frm.tolist()}; an all-zero, constant or broken input?): K = 1 and the banks are '
                    'kept on such steps. Said once: the log counts them as mwam_non_finite_steps.',
                    logger='current',
                    level=logging.WARNING,
                )
            self.weight.fill_(1.0)
            return self.weight.clone()
        self.bank.mul_(self.omega).add_((1 - self.omega) * frm)
        if self.num_steps <= self.warmup_iters or (
            self.ones_while_a_bank_is_zero and bool((self.bank == 0).any())
        ):
            self.weight.fill_(1.0)
        else:
            ratio = frm / (self.bank.mean() + self.sigma)
            k = self.alpha - self.beta * torch.sigmoid(self.lam * (ratio - self.gamma))
            self.weight.mul_(self.k_momentum).add_((1 - self.k_momentum) * k)
        return self.weight.clone()

    @property
    def needs_modality_heads(self) -> bool:
        return self.mode in ('loss', 'both')

    def before_encoders(self, inputs: Sequence[Tensor]) -> None:
        self.update(inputs)

    def on_features(self, feats: List) -> List:
        return self.scale(feats, self.weight) if self.mode in ('grad', 'both') else feats

    def loss_weights(self) -> Optional[Tensor]:
        return self.weight if self.mode in ('loss', 'both') else None

    def scalars(self) -> Dict[str, float]:
        out = {}
        for j, m in enumerate(self.modalities):
            out[f'frm_{m}'] = float(self.frm[j])
            out[f'bank_{m}'] = float(self.bank[j])
            out[f'mwam_weight_{m}'] = float(self.weight[j])
        if self.non_finite_steps:
            out['mwam_non_finite_steps'] = self.non_finite_steps
        return out

    def scale(self, feats: Sequence, weight: Tensor) -> List:
        """Scale the backward of every feature map of modality i by ``weight[i]``.

        Args:
            feats (Sequence): Per modality, its feature maps (a tensor or nested sequences of tensors).
            weight (Tensor): One factor per modality.

        Returns:
            list: ``feats``, each tensor wrapped by :func:`scale_grad`.
        """

        def apply(x, k):
            if isinstance(x, Tensor):
                return scale_grad(x, k)
            return type(x)(apply(item, k) for item in x)

        return [apply(f, k.float()) for f, k in zip(feats, weight)]
