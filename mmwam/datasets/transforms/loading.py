"""Loading the extra modalities and joining them to the RGB image as one tensor."""

import logging
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.builder import TRANSFORMS
from mmengine import fileio
from mmengine.logging import print_log
from mmseg.datasets.transforms import LoadAnnotations

NON_FINITE = ('error', 'zero')


@TRANSFORMS.register_module()
class LoadModalityFromFile(BaseTransform):
    """Read ``results[f'{modality}_path']`` into ``results[modality]`` as float32 H x W x C.

    8-bit and 16-bit PNG (read unchanged, e.g. depth in millimetres), JPEG and float TIFF are supported;
    the values are multiplied by ``scale``, then the preprocessor normalizes them with the modality's own
    mean and std. The result must have the RGB image's height and width. Must come after
    ``LoadImageFromFile`` and before ``ConcatModalities``.

    Required Keys:

    - ``<modality>_path``
    - ``img`` (optional: the size check)

    Added Keys:

    - ``<modality>`` (np.float32, H x W x ``channels``)

    Args:
        modality (str): The modality's name: reads ``results[f'{modality}_path']``. Defaults to
            ``'depth'``.
        channels (int): The channels the model expects: a file with 3 equal channels is read as 1
            channel when ``channels=1`` (infrared as LLVIP ships it); any other mismatch is an error.
            Defaults to 1.
        scale (float): The values are multiplied by it (e.g. 1/1000 for millimetres to metres).
            Defaults to 1.0.
        non_finite (str): What to do with NaN / Inf pixels (float files only). ``'error'`` refuses the
            sample, naming the file and the pixel count: one such pixel makes the loss NaN and the weights
            with it. ``'zero'`` reads them as missing measurements, 0 as the holes of a depth sensor are,
            with one warning per file (and data-loading worker). Defaults to ``'error'``.
        backend_args (dict, optional): mmengine file backend arguments. Defaults to None.
    """

    def __init__(
        self,
        modality: str = 'depth',
        channels: int = 1,
        scale: float = 1.0,
        non_finite: str = 'error',
        backend_args: Optional[dict] = None,
    ):
        if non_finite not in NON_FINITE:
            raise ValueError(
                f'LoadModalityFromFile(modality={modality!r}): non_finite must be one of '
                f'{NON_FINITE}, got {non_finite!r}'
            )
        self.modality = modality
        self.channels = channels
        self.scale = scale
        self.non_finite = non_finite
        self.backend_args = backend_args
        self._zeroed = set()  # files whose non-finite pixels were zeroed (and said so)

    def _read(self, results: dict, path: str, sample: str) -> np.ndarray:
        """The decoded file ``path`` (``mmwam.apis`` takes an array from ``results`` instead)."""
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except (FileNotFoundError, OSError) as e:
            raise FileNotFoundError(
                f'sample {sample}: the {self.modality} file {path} is missing or '
                f'unreadable ({e.__class__.__name__})'
            ) from e
        img = mmcv.imfrombytes(data, flag='unchanged', backend='cv2')
        if img is None:
            raise ValueError(f'sample {sample}: cannot decode the {self.modality} file {path}')
        return img

    def transform(self, results: dict) -> dict:
        key = f'{self.modality}_path'
        sample = results.get('img_path', '?')
        path = results.get(key)
        if path is None:
            raise KeyError(
                f'sample {sample}: no {key!r} in the data info; the dataset must give the '
                f'path of every modality (data_prefix {key}=...)'
            )
        img = self._read(results, path, sample)
        if img.ndim == 2:
            img = img[..., None]
        if img.shape[2] != self.channels:
            if self.channels == 1 and img.shape[2] == 3 and (img == img[..., :1]).all():
                img = img[..., :1]
            else:
                raise ValueError(
                    f'sample {sample}: the {self.modality} file {path} has {img.shape[2]} '
                    f'channels, the config expects channels={self.channels}'
                )
        rgb = results.get('img')
        if rgb is not None and rgb.shape[:2] != img.shape[:2]:
            raise ValueError(
                f'sample {sample}: the {self.modality} file {path} is {img.shape[1]}x'
                f'{img.shape[0]} (WxH), the RGB image {sample} is {rgb.shape[1]}x{rgb.shape[0]}'
            )
        data = img.astype(np.float32) * np.float32(self.scale)
        results[self.modality] = self._finite(data, path, sample) if img.dtype.kind == 'f' else data
        return results

    def _finite(self, x: np.ndarray, path: str, sample: str) -> np.ndarray:
        """``x`` if every value is finite; else refused or zeroed as ``non_finite`` says."""
        bad = ~np.isfinite(x)
        if not bad.any():
            return x
        pixels = int(bad.any(axis=2).sum())
        what = f'the {self.modality} file {path} has {pixels} of {x.shape[0] * x.shape[1]} pixels NaN or Inf'
        if self.non_finite == 'error':
            raise ValueError(
                f'sample {sample}: {what}; fix the file, or read them as missing measurements '
                f'(0, as depth holes are) with LoadModalityFromFile(non_finite=\'zero\')'
            )
        if path not in self._zeroed:
            self._zeroed.add(path)
            print_log(
                f'{what}: read as 0 (missing measurements, non_finite=\'zero\')',
                logger='current',
                level=logging.WARNING,
            )
        x[bad] = 0
        return x

    def __repr__(self):
        return (
            f'{self.__class__.__name__}(modality={self.modality!r}, channels={self.channels}, '
            f'scale={self.scale}, non_finite={self.non_finite!r})'
        )


@TRANSFORMS.register_module()
class ConcatModalities(BaseTransform):
    """``results['img'] = concat([img] + [results[k] for k in sorted(keys)], channel axis)``, float32.

    The extra modalities are appended in alphabetical order whatever the order of ``keys``: the model
    splits the tensor in that same canonical order (``mmwam.utils.modalities``), which survives
    mmengine's config dumps (they sort dict keys).

    Put it after the photometric transforms (which then touch RGB only) and before every geometric
    one, so that the stock Resize / RandomCrop / RandomFlip / Pad move all modalities with the labels.
    It records the channel layout in ``results['modality_channels']`` (e.g. ``{'rgb': 3, 'depth': 1}``),
    which the multimodal Mosaic / MixUp read to pad each modality with its own value.

    Required Keys:

    - ``img``
    - every entry of ``keys``

    Modified Keys:

    - ``img`` (np.float32, H x W x all channels)
    - ``img_shape``

    Added Keys:

    - ``modality_channels``

    Removed Keys:

    - every entry of ``keys``

    Args:
        keys (Sequence[str]): The extra modalities (``results`` keys) appended to ``results['img']``.
            Defaults to ``('depth',)``.
    """

    def __init__(self, keys: Sequence[str] = ('depth',)):
        self.keys = tuple(sorted(keys))

    def transform(self, results: dict) -> dict:
        sample = results.get('img_path', '?')
        if 'flip' in results or 'scale_factor' in results or 'crop_bbox' in results:
            raise RuntimeError(
                f'sample {sample}: ConcatModalities must come before the geometric '
                f'transforms (a resize, crop or flip already ran)'
            )
        img = results['img']
        parts = [img if img.ndim == 3 else img[..., None]]
        layout = {'rgb': parts[0].shape[2]}
        for k in self.keys:
            if k not in results:
                raise KeyError(
                    f'sample {sample}: no {k!r} to concatenate; add '
                    f'LoadModalityFromFile(modality={k!r}) before ConcatModalities'
                )
            parts.append(results.pop(k))
            layout[k] = parts[-1].shape[2]
        results['modality_channels'] = layout
        results['img'] = np.concatenate([p.astype(np.float32, copy=False) for p in parts], axis=2)
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class SplitModalityFromImage(BaseTransform):
    """Move the last ``channels`` channels of ``results['img']`` to ``results[modality]`` (float32).

    For datasets that store RGB and the other modality in one file, e.g. MFNet's 4-channel PNGs (RGB +
    thermal): read them with ``LoadImageFromFile(color_type='unchanged')``, then split, so that the
    photometric transforms see RGB only and ``ConcatModalities`` joins them again.

    Required Keys:

    - ``img`` (H x W x (3 + ``channels``))

    Modified Keys:

    - ``img`` (its first 3 channels)

    Added Keys:

    - ``<modality>`` (np.float32)

    Args:
        modality (str): The name the split channels get. Defaults to ``'thermal'``.
        channels (int): How many channels follow the 3 RGB ones. Defaults to 1.
    """

    def __init__(self, modality: str = 'thermal', channels: int = 1):
        self.modality = modality
        self.channels = channels

    def transform(self, results: dict) -> dict:
        img = results['img']
        c = img.shape[2] if img.ndim == 3 else 1
        if c != 3 + self.channels:
            raise ValueError(
                f'sample {results.get("img_path", "?")}: the image has {c} channel(s); '
                f'expected 3 (RGB) + {self.channels} ({self.modality}) in one file'
            )
        results[self.modality] = img[..., 3:].astype(np.float32)
        results['img'] = np.ascontiguousarray(img[..., :3])
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(modality={self.modality!r}, channels={self.channels})'


@TRANSFORMS.register_module()
class LoadSegAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that first checks the label ids of the file: each must be a class
    id of the dataset (``results['num_classes']``, set by ``MultiModalSegDataset``; 1..C with
    ``reduce_zero_label``, where 0 is unlabelled) or ``ignore_index``. A file with other ids is an error
    naming it and them: it would otherwise train on labels the model cannot have (or that wrap around
    when mmseg casts 16-bit maps to 8 bits). Skipped when a ``label_map`` renumbers the ids.

    Args:
        ignore_index (int): The label id of ignored pixels, allowed in any file. Defaults to 255.
        **kwargs: mmseg ``LoadAnnotations``'s arguments.
    """

    def __init__(self, ignore_index: int = 255, **kwargs):
        super().__init__(**kwargs)
        self.ignore_index = ignore_index

    def _load_seg_map(self, results: dict) -> None:
        num_classes = results.get('num_classes')
        if num_classes is not None and not results.get('label_map'):
            path = results['seg_map_path']
            raw = mmcv.imfrombytes(
                fileio.get(path, backend_args=self.backend_args),
                flag='unchanged',
                backend=self.imdecode_backend,
            )
            lo, hi = (0, num_classes) if results.get('reduce_zero_label') else (0, num_classes - 1)
            ids = np.unique(raw)
            bad = ids[((ids < lo) | (ids > hi)) & (ids != self.ignore_index)]
            if bad.size:
                raise ValueError(
                    f'{path}: label ids {bad.tolist()} are outside the {num_classes} classes '
                    f'(valid: {lo}..{hi}, and {self.ignore_index} = ignored)'
                )
        super()._load_seg_map(results)
