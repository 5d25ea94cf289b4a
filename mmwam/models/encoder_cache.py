"""Encoder outputs shared between the modality subsets of one missing-modality evaluation."""

from typing import Dict, List, Tuple

import torch
from torch import Tensor, nn


class EncoderOutputCache:
    """Within one evaluation, an encoder that gets an input identical to one it already encoded reuses
    that output: the same real batch in every subset that keeps the modality, and an all-zero input
    (a dropped modality is zeros after normalization) of a shape seen before, in any batch. Exact: in
    eval mode an encoder is a function of its input tensor (BatchNorm uses its running statistics,
    LayerNorm and padding are per sample), and the identity of the input is checked with
    ``torch.equal``, not assumed.

    Kept: the all-zero entries for the whole evaluation (weights change between evaluations: make a new
    cache per evaluation), at most ``max_zero_entries`` per modality, the most recently used (inputs of
    many sizes, detection without fixed padding, would otherwise grow it without end); the real entries
    until :meth:`new_batch`.

    Args:
        max_zero_entries (int): At most this many all-zero inputs kept per modality. Defaults to 8.
    """

    def __init__(self, max_zero_entries: int = 8):
        self.entries: Dict[str, List[Tuple[Tensor, object, bool]]] = {}
        self.hits = self.misses = 0
        self.max_zero_entries = max_zero_entries

    def new_batch(self):
        """Forget the real inputs (a new batch begins); the all-zero ones are kept."""
        self.entries = {
            k: [e for e in v if e[2]][-self.max_zero_entries :] for k, v in self.entries.items()
        }

    def encode(self, name: str, encoder: nn.Module, x: Tensor):
        """``encoder(x)``, or the output it gave for an identical input.

        Args:
            name (str): The modality.
            encoder (nn.Module): Its encoder.
            x (Tensor): Its input.

        Returns:
            The encoder's output.
        """
        entries = self.entries.get(name, [])
        for i, (seen, out, zero) in enumerate(entries):
            if seen.shape == x.shape and seen.dtype == x.dtype and torch.equal(seen, x):
                self.hits += 1
                entries.append(entries.pop(i))  # the most recently used last
                return out
        self.misses += 1
        out = encoder(x)
        self.entries.setdefault(name, []).append((x, out, not bool(x.any())))
        return out


def exactness_problem(encoders: nn.Module):
    """Why sharing encoder outputs would not be exact for these encoders, or None: a module still in
    training mode (its output depends on the batch or on randomness).

    Args:
        encoders (nn.Module): The encoders (one module holding them).

    Returns:
        str or None: The reason, or None when sharing is exact.
    """
    training = [n for n, m in encoders.named_modules() if m.training]
    if training:
        return f'modules in training mode during evaluation ({", ".join(training[:3])}, ...)'
    return None
