"""mmdet's data preprocessors for the multimodal tensor (imported only where mmdet is installed)."""

from mmdet.models.data_preprocessors import BoxInstDataPreprocessor, DetDataPreprocessor
from mmdet.registry import MODELS as DET_MODELS

from .multimodal import MultiModalPreprocessorMixin


@DET_MODELS.register_module()
class MultiModalDetDataPreprocessor(MultiModalPreprocessorMixin, DetDataPreprocessor):
    """``DetDataPreprocessor`` for ``modalities`` (mmdet's asserts 1 or 3 channels for the BGR swap).
    Padding, ``batch_input_shape`` and batch augments are mmdet's own.

    The arguments are :class:`MultiModalPreprocessorMixin`'s; ``**kwargs`` are ``DetDataPreprocessor``'s
    (``pad_size_divisor``, ``batch_augments``, ...).
    """


@DET_MODELS.register_module()
class MultiModalBoxInstDataPreprocessor(MultiModalDetDataPreprocessor):
    """BoxInst's preprocessor for the multimodal tensor. BoxInst learns masks from boxes and the colour
    similarity of neighbouring pixels (in LAB space): the pseudo masks are made by mmdet's own
    ``BoxInstDataPreprocessor`` from the colour modality alone (un-normalized, as mmdet does), and the
    model gets the whole multimodal tensor.

    Args:
        mask_stride (int): BoxInst's mask stride. Defaults to 4.
        pairwise_size (int): BoxInst's pairwise neighbourhood size. Defaults to 3.
        pairwise_dilation (int): BoxInst's pairwise dilation. Defaults to 2.
        pairwise_color_thresh (float): BoxInst's colour-similarity threshold. Defaults to 0.3.
        bottom_pixels_removed (int): BoxInst's bottom pixels removed. Defaults to 10.
        **kwargs: :class:`MultiModalDetDataPreprocessor`'s arguments.
    """

    def __init__(
        self,
        mask_stride: int = 4,
        pairwise_size: int = 3,
        pairwise_dilation: int = 2,
        pairwise_color_thresh: float = 0.3,
        bottom_pixels_removed: int = 10,
        **kwargs,
    ):
        super().__init__(**kwargs)
        s = self.slices[self.color_name]
        stats = (
            dict(mean=[0.0] * 3, std=[1.0] * 3)
            if self.modality_mean is None
            else dict(
                mean=self.modality_mean[s].flatten().tolist(),
                std=self.modality_std[s].flatten().tolist(),
            )
        )
        self.pseudo_masks = BoxInstDataPreprocessor(
            **stats,
            mask_stride=mask_stride,
            pairwise_size=pairwise_size,
            pairwise_dilation=pairwise_dilation,
            pairwise_color_thresh=pairwise_color_thresh,
            bottom_pixels_removed=bottom_pixels_removed,
        )

    def forward(self, data: dict, training: bool = False) -> dict:
        out = super().forward(data, training)
        if training:
            s, samples = self.slices[self.color_name], out['data_samples']
            colour = out['inputs'][:, s]
            if self.modality_mean is not None:  # BoxInst's own normalizes, then undoes it
                colour = colour * self.modality_std[s] + self.modality_mean[s]
            pad_shapes = [
                sample.pad_shape for sample in samples
            ]  # (it sets them from the padded batch)
            out['data_samples'] = self.pseudo_masks(
                dict(inputs=colour, data_samples=samples), training=True
            )['data_samples']  # (copies: cast_data)
            for sample, pad_shape in zip(out['data_samples'], pad_shapes):
                sample.set_metainfo(dict(pad_shape=pad_shape))
        return out
