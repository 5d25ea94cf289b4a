"""Data preprocessors for the one concatenated multimodal tensor."""

import logging
from contextlib import contextmanager
from typing import Dict, Iterable, Mapping, Optional, Sequence

import torch
from mmengine.logging import print_log
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS as SEG_MODELS

from ...utils.errors import InputError
from ...utils.modalities import channel_slices, parse_modalities


class MultiModalPreprocessorMixin:
    """What every multimodal preprocessor adds to its task's own one.

    Per-modality mean, std and channel swap on the one concatenated tensor, modalities zeroed on demand,
    and a one-time warning per modality when a batch's normalized values are far from mean 0 / std 1
    (``|mean| > 3``, ``std > 10`` or ``std < 0.05``: a wrong scale or bit depth, or wrong statistics),
    checked on the first ``RANGE_CHECKS`` batches of training and of evaluation.

    Args:
        modalities (Dict[str, int]): Ordered ``dict(rgb=3, depth=1)``, the channel layout of ``inputs``;
            checked on every batch.
        mean (Dict[str, Sequence[float]], optional): One list per modality (concatenated in
            ``modalities`` order); None: no normalization. Defaults to None.
        std (Dict[str, Sequence[float]], optional): Like ``mean``. Defaults to None.
        bgr_to_rgb (bool): Swap the channels of the ``color_modality`` slice only. Defaults to True.
        color_modality (str): The 3-channel colour image's modality. Defaults to ``'rgb'``.
        missing (Sequence[str]): Modalities always zeroed in the normalized input
            (:meth:`zero_modalities`, which the missing-modality evaluation also uses on each batch).
            Defaults to ().
        **kwargs: The task preprocessor's other arguments (padding, batch augments, ...); it gets no
            mean, std or channel swap (mmengine's asserts 1 or 3 values): this class does both per
            modality.

    Raises:
        ValueError: If ``mean`` / ``std`` do not fit ``modalities``, ``color_modality`` is not a
            3-channel modality (with ``bgr_to_rgb``) or ``missing`` names an unknown modality.
    """

    RANGE_CHECKS = 20
    RANGE_LIMITS = dict(mean=3.0, std_high=10.0, std_low=0.05)

    def __init__(
        self,
        modalities: Dict[str, int],
        mean: Optional[Dict[str, Sequence[float]]] = None,
        std: Optional[Dict[str, Sequence[float]]] = None,
        bgr_to_rgb: bool = True,
        color_modality: str = 'rgb',
        missing: Sequence[str] = (),
        **kwargs,
    ):
        mean, std = self._init_modalities(
            modalities, mean, std, bgr_to_rgb, color_modality, missing
        )
        self.color_name = (
            color_modality  # the colour image, whether or not its channels are swapped
        )
        super().__init__(bgr_to_rgb=False, rgb_to_bgr=False, **kwargs)
        # normalizing before padding, as the upstream preprocessors do
        self.register_buffer(
            'modality_mean', None if mean is None else torch.tensor(mean).view(-1, 1, 1), False
        )
        self.register_buffer(
            'modality_std', None if std is None else torch.tensor(std).view(-1, 1, 1), False
        )

    def forward(self, data: dict, training: bool = False) -> dict:
        out = super().forward(self._prepare(data), training)
        out['inputs'] = self._zero_missing(out['inputs'])
        return out

    def _init_modalities(self, modalities, mean, std, bgr_to_rgb, color_modality, missing):
        """Runs before ``nn.Module.__init__``: plain attributes only. Returns the mean and std lists."""
        self.modalities = parse_modalities(modalities, 'data_preprocessor.modalities')
        self.slices = channel_slices(self.modalities)
        self.num_channels = sum(self.modalities.values())
        self.color_modality = color_modality if bgr_to_rgb else None
        if self.color_modality is not None and self.modalities.get(color_modality) != 3:
            raise InputError(
                f'data_preprocessor.bgr_to_rgb needs a 3-channel modality '
                f'{color_modality!r}; modalities are {dict(self.modalities)}'
            )
        self.missing = tuple(missing or ())
        self._check_names(self.missing, 'data_preprocessor.missing')
        self._range_checked = {True: 0, False: 0}  # batches checked, in training / in evaluation
        self._range_warned = set()
        return self._concat(mean, 'mean'), self._concat(std, 'std')

    def _check_names(self, names: Iterable[str], where: str):
        unknown = [n for n in names if n not in self.modalities]
        if unknown:
            raise InputError(
                f'{where}: unknown modalities {unknown}; known: {list(self.modalities)}'
            )

    def _concat(self, values: Optional[Mapping[str, Sequence[float]]], what: str):
        if values is None:
            return None
        if not isinstance(values, Mapping) or set(values) != set(self.modalities):
            raise InputError(
                f'data_preprocessor.{what} must be a dict with one list per modality '
                f'{list(self.modalities)}, got {values!r}'
            )
        out = []
        for name, ch in self.modalities.items():
            v = list(values[name]) if isinstance(values[name], (list, tuple)) else [values[name]]
            if len(v) != ch:
                raise InputError(
                    f'data_preprocessor.{what}[{name!r}] has {len(v)} values for {ch} channels'
                )
            out += v
        return out

    def _prepare(self, data: dict) -> dict:
        """Device transfer, the channel check, BGR to RGB on the color slice only, normalization."""
        data = self.cast_data(dict(data))
        data['inputs'] = [
            x.float() for x in self._check_and_swap(data['inputs'], data.get('data_samples'))
        ]
        if self.modality_mean is not None:
            data['inputs'] = [(x - self.modality_mean) / self.modality_std for x in data['inputs']]
            self._check_range(data['inputs'], data.get('data_samples'))
        return data

    def _check_range(self, inputs, data_samples):
        if self._range_checked[self.training] >= self.RANGE_CHECKS:
            return
        self._range_checked[self.training] += 1
        lim = self.RANGE_LIMITS
        for name, s in self.slices.items():
            if name in self._range_warned or bool((self.modality_std[s] == 1).all()):
                continue  # std 1 (caffe-style RGB, YOLOX): not scaled to unit range by design, nothing to check
            values = torch.cat([x[s].reshape(-1) for x in inputs])
            mean, std = values.mean().item(), values.std().item()
            if abs(mean) > lim['mean'] or not lim['std_low'] <= std <= lim['std_high']:
                self._range_warned.add(name)
                sample = (
                    data_samples[0] if data_samples else None
                )  # name its own file, else its RGB image's
                img = getattr(sample, 'img_path', '?')
                path = (
                    img
                    if name == self.color_name
                    else getattr(sample, f'{name}_path', None) or f'the {name} file of {img}'
                )
                print_log(
                    f'data_preprocessor: the normalized {name} values of a batch (e.g. {path}) have '
                    f'mean {mean:.3g} and std {std:.3g}, far from 0 and 1: check the file\'s bit depth '
                    f'(a 16-bit depth map saved as 8-bit?), LoadModalityFromFile\'s scale and '
                    f'data_preprocessor.mean/std[{name!r}] (tools/analysis_tools/modality_stats.py '
                    'CONFIG measures them)',
                    logger='current',
                    level=logging.WARNING,
                )

    def _check_and_swap(self, inputs, data_samples):
        for i, x in enumerate(inputs):
            if x.dim() != 3 or x.shape[0] != self.num_channels:
                path = getattr(data_samples[i], 'img_path', '?') if data_samples else '?'
                raise InputError(
                    f'sample {path}: the input has {x.shape[0] if x.dim() == 3 else tuple(x.shape)} '
                    f'channels, but data_preprocessor.modalities = {dict(self.modalities)} needs '
                    f'{self.num_channels}. Check the loading pipeline (LoadModalityFromFile channels, '
                    f'ConcatModalities keys) against the config\'s modalities.'
                )
        if self.color_modality is None:
            return inputs
        s = self.slices[self.color_modality]
        order = list(range(self.num_channels))
        order[s] = order[s][::-1]
        return [x[order] for x in inputs]

    @contextmanager
    def drop(self, names: Iterable[str]):
        """Zero these modalities, besides ``missing``, for the batches processed inside the ``with`` block
        (the missing-modality evaluation of a model with its own ``val_step`` / ``test_step``).

        Args:
            names (Iterable[str]): The modalities to zero.

        Yields:
            The preprocessor itself.
        """
        names = tuple(names)
        self._check_names(names, 'drop')
        saved, self.missing = self.missing, tuple(dict.fromkeys(self.missing + names))
        try:
            yield self
        finally:
            self.missing = saved

    def _zero_missing(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.zero_modalities(inputs, self.missing)

    def zero_modalities(self, inputs: torch.Tensor, names: Sequence[str]) -> torch.Tensor:
        """The normalized batch with these modalities' channels zero: a missing modality (``missing``,
        the missing-modality evaluation).

        Args:
            inputs (Tensor): The normalized B x C x H x W batch.
            names (Sequence[str]): The modalities to zero.

        Returns:
            Tensor: A copy of ``inputs`` with their channels zero (``inputs`` itself when ``names`` is
            empty).
        """
        self._check_names(names, 'zero_modalities')
        if not names:
            return inputs
        inputs = inputs.clone()
        for name in names:
            inputs[:, self.slices[name]] = 0
        return inputs


@SEG_MODELS.register_module()
class MultiModalSegDataPreProcessor(MultiModalPreprocessorMixin, SegDataPreProcessor):
    """``SegDataPreProcessor`` for ``modalities`` (mmseg's skips the BGR swap when C != 3).

    The arguments are :class:`MultiModalPreprocessorMixin`'s; ``**kwargs`` are ``SegDataPreProcessor``'s (``size``,
    ``pad_val``, ``seg_pad_val``, ...).
    """
