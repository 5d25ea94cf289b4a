"""FRM, the Frequency Ratio Metric of MWAM (paper Eq. 4, ``FrequencyLayer`` in the official code)."""

import math
from contextlib import contextmanager, nullcontext

import torch
import torch.nn.functional as F

REDUCTIONS = ('mean', 'sum')


def dct_matrix(n: int, dtype=torch.float64, device=None) -> torch.Tensor:
    """Orthonormal DCT-II matrix D (n x n), so that X = D P D^T is the 2-D DCT of a patch P.

    Args:
        n (int): The size.
        dtype (torch.dtype): The result's dtype (computed in float64). Defaults to ``torch.float64``.
        device (torch.device, optional): The result's device. Defaults to None.

    Returns:
        Tensor: D, n x n.
    """
    k = torch.arange(n, dtype=torch.float64).unsqueeze(1)
    i = torch.arange(n, dtype=torch.float64).unsqueeze(0)
    d = torch.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2.0 / n)
    d[0] /= math.sqrt(2.0)
    return d.to(dtype=dtype, device=device)


def _basis(patch_size: int, window: int, dtype, device) -> torch.Tensor:
    """The 2*q*q DCT basis filters FRM needs: low (a, b) and high (p-1-a, p-1-b), a, b < q."""
    d = dct_matrix(patch_size, dtype, device)
    low = d[:window]
    high = d.flip(0)[:window]  # row a of `high` is the DCT row p-1-a
    filters = [
        torch.einsum('ai,bj->abij', rows, rows).reshape(-1, patch_size, patch_size)
        for rows in (low, high)
    ]
    return torch.cat(filters).unsqueeze(1)  # (2*q*q, 1, p, p)


@contextmanager
def _exact_math(device: torch.device):
    """No TF32 (no autocast either, see below): the ratio is heavy-tailed and reduced precision moves it
    by tens of %. Only cuDNN's TF32 switch is touched: ``cudnn.flags`` would also reset a user's
    ``deterministic`` / ``benchmark`` (``randomness=dict(deterministic=True)``) inside the block."""
    if device.type != 'cuda':
        yield
        return
    saved = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32 = saved


@torch.no_grad()
def frequency_ratio(
    x: torch.Tensor,
    patch_size: int = 8,
    window: int = 2,
    eps: float = 1e-6,
    reduction: str = 'mean',
) -> torch.Tensor:
    """Frequency Ratio Metric of one modality's input batch.

    ``x`` (B x C x H x W) is cut into non-overlapping ``patch_size`` patches (a remainder of H or W is
    cropped), each patch gets an orthonormal 2-D DCT-II, and the terms ``|low(a,b) / (high(a,b) + eps)|``
    with ``low(a,b) = X[a, b]``, ``high(a,b) = X[p-1-a, p-1-b]``, ``a, b < window`` (any 1 <= q <= p: for
    q > p/2 the low and high blocks overlap, as in the official code and the paper's ablation q = 6 at
    p = 8) are reduced over batch, channels, patches, a and b.

    ``reduction='sum'`` is the official ``FrequencyLayer``'s number for the input as given. The official
    code reads every modality as 3 channels (depth and infrared replicated), so its sum for a 1-channel
    modality is 3x mmwam's ``'sum'``; ``'mean'`` (the sum divided by the number of terms) is invariant to
    that replication. Hence, for MWAM's weights: ``'mean'`` reproduces the official K whenever the
    modalities have the same height and width (RGB + a 1-channel depth included); ``'sum'`` reproduces it
    only when every modality is given with the same channel count.

    Computed in float32 (float64 if ``x`` is float64) with autocast and TF32 off.

    Args:
        x (Tensor): One modality's input batch, B x C x H x W.
        patch_size (int): The DCT patch size p. Defaults to 8.
        window (int): The low / high window q, in [1, p]. Defaults to 2.
        eps (float): Added to the high-frequency coefficients. Defaults to 1e-6.
        reduction (str): ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.

    Returns:
        Tensor: FRM, a 0-d tensor on ``x``'s device; it is not finite when ``x`` is not (MWAM handles
        that).

    Raises:
        ValueError: If ``x`` is not 4-D or smaller than one patch, or ``window`` or ``reduction`` is
            invalid.
    """
    if x.dim() != 4:
        raise ValueError(
            f'frequency_ratio expects a B x C x H x W tensor, got shape {tuple(x.shape)}'
        )
    if reduction not in REDUCTIONS:
        raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
    if not 1 <= window <= patch_size:
        raise ValueError(f'window must be in [1, patch_size] = [1, {patch_size}], got {window}')
    b, c, h, w = x.shape
    h, w = h - h % patch_size, w - w % patch_size
    if b * c == 0 or h == 0 or w == 0:
        raise ValueError(
            f'frequency_ratio needs at least one {patch_size}x{patch_size} patch, '
            f'got shape {tuple(x.shape)}'
        )
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    autocast_off = (
        torch.autocast(x.device.type, enabled=False)
        if x.device.type in ('cuda', 'cpu')
        else nullcontext()
    )
    with autocast_off, _exact_math(x.device):
        planes = x[:, :, :h, :w].detach().to(dtype).reshape(b * c, 1, h, w)
        coeffs = F.conv2d(planes, _basis(patch_size, window, dtype, x.device), stride=patch_size)
        n = window * window
        terms = (coeffs[:, :n] / (coeffs[:, n:] + eps)).abs()
        return terms.mean() if reduction == 'mean' else terms.sum()
