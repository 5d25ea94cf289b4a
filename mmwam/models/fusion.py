"""Fusion of the modalities' feature maps at one level (one module per level)."""

from typing import Sequence

import torch
from torch import Tensor, nn

from ..registry import register_model


@register_model()
class AddFusion(nn.Module):
    """Element-wise sum: no parameters, any number of levels and channels.

    Args:
        channels (int, optional): Unused (the fusion modules' common signature). Defaults to None.
        num_modalities (int): Unused. Defaults to 2.
    """

    def __init__(self, channels: int = None, num_modalities: int = 2):
        super().__init__()

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Fuse one level.

        Args:
            feats (Sequence[Tensor]): The level's feature map of each modality, all of one shape.

        Returns:
            Tensor: Their sum.
        """
        return torch.stack(list(feats)).sum(0)


@register_model()
class ConcatFusion(nn.Module):
    """Concatenation on channels, then a 1x1 convolution back to ``channels``.

    Args:
        channels (int): Channels of each modality's feature map at this level, and of the output.
        num_modalities (int): Number of feature maps fused. Defaults to 2.
    """

    def __init__(self, channels: int, num_modalities: int = 2):
        super().__init__()
        self.proj = nn.Conv2d(channels * num_modalities, channels, kernel_size=1)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Fuse one level.

        Args:
            feats (Sequence[Tensor]): The level's B x ``channels`` x H x W feature map of each modality.

        Returns:
            Tensor: The B x ``channels`` x H x W fused map.
        """
        return self.proj(torch.cat(list(feats), dim=1))
