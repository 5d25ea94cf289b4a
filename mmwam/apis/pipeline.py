"""The inference pipeline: a config's test pipeline without its annotation loaders, each modality read from
the path or array the user gives, with the scaling and channel handling of training."""

import copy
import os
import os.path as osp
from typing import Dict, List, Mapping, Sequence

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmcv.transforms.builder import TRANSFORMS
from mmengine.dataset import Compose

from ..datasets.transforms.loading import LoadModalityFromFile
from ..utils.errors import InputError

RGB = 'rgb'
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.pgm', '.ppm')
LOADERS = {
    'LoadImageFromFile': 'LoadImageFromInput',
    'LoadModalityFromFile': 'LoadModalityFromInput',
}
# meta keys a dataset gives and a user's input has not (mmdet's PackDetInputs asserts each key)
DATASET_META_KEYS = ('img_id', 'instances', 'seg_map_path', 'reduce_zero_label', 'seg_fields')


def _name(results: dict) -> str:
    return results.get('img_path') or results.get('input_name', '?')


@TRANSFORMS.register_module()
class LoadImageFromInput(LoadImageFromFile):
    """``LoadImageFromFile`` that also takes the image as an array (``results['img']``, BGR as cv2 reads
    it, as mmseg's and mmdet's inferencers take arrays); a file that cannot be read is an ``InputError``.
    Its arguments are mmcv ``LoadImageFromFile``'s.
    """

    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if img is None:
            try:
                out = super().transform(results)
            except (
                OSError,
                AssertionError,
            ) as e:  # mmcv: FileNotFoundError, or an assert when undecodable
                raise InputError(
                    f'{results.get("img_path")}: the rgb file is missing or is not an image '
                    f'({e.__class__.__name__})'
                ) from e
            if out is None:
                raise InputError(f'{results.get("img_path")}: the rgb file is empty')
            return out
        want = 'H x W x 3 (BGR, as cv2.imread gives)' if self.color_type == 'color' else 'H x W x C'
        if (
            not isinstance(img, np.ndarray)
            or img.ndim != 3
            or (self.color_type == 'color' and img.shape[2] != 3)
        ):
            shape = tuple(img.shape) if isinstance(img, np.ndarray) else type(img).__name__
            raise InputError(f'{_name(results)}: the rgb array is {shape}, expected {want}')
        results['img'] = img.astype(np.float32) if self.to_float32 else img
        results['img_shape'] = results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadModalityFromInput(LoadModalityFromFile):
    """``LoadModalityFromFile`` (channels, size check, ``scale``) that also takes the modality as an array
    (``results[modality]``). An integer array is read as the file would be (``scale`` applied: a uint16
    depth map in millimetres); a float array is taken as already in the model's units (metres for depth).
    Bad input is an ``InputError`` naming the file or the input. Its arguments are
    :class:`~mmwam.datasets.transforms.LoadModalityFromFile`'s.
    """

    def _read(self, results: dict, path: str, sample: str) -> np.ndarray:
        array = results.get(self.modality)
        return super()._read(results, path, sample) if array is None else array

    def transform(self, results: dict) -> dict:
        array = results.get(self.modality)
        try:
            if array is None:
                return super().transform(results)
            if not isinstance(array, np.ndarray) or array.ndim not in (2, 3):
                raise ValueError(
                    f'sample {_name(results)}: the {self.modality} input is '
                    f'{getattr(array, "shape", type(array).__name__)}, expected an H x W or '
                    f'H x W x {self.channels} array'
                )
            given = dict(
                results,
                img_path=_name(results),
                **{f'{self.modality}_path': f'({self.modality} array)'},
            )
            scale, self.scale = self.scale, (1.0 if array.dtype.kind == 'f' else self.scale)
            try:
                results[self.modality] = super().transform(given)[self.modality]
            finally:
                self.scale = scale
            return results
        except (OSError, ValueError, KeyError) as e:
            raise InputError(str(e).strip('"\'')) from e


def test_pipeline_cfg(cfg) -> list:
    """The config's test pipeline (``test_dataloader.dataset.pipeline``, else ``test_pipeline``).

    Args:
        cfg (Config): The config.

    Returns:
        list: A copy of the pipeline's transform configs.

    Raises:
        ValueError: If the config has no test pipeline.
    """
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    pipeline = dataset.get('pipeline') or cfg.get('test_pipeline')
    if not pipeline:
        raise InputError(
            'the config has no test pipeline (test_dataloader.dataset.pipeline or test_pipeline)'
        )
    return copy.deepcopy(list(pipeline))


def _type(t) -> str:
    kind = t['type'] if isinstance(t['type'], str) else t['type'].__name__
    return kind.split('.')[-1]


def inference_pipeline_cfg(cfg) -> list:
    """The test pipeline for inputs given by a user: annotation loaders removed, the loaders replaced by
    ones that also take arrays, dataset-only meta keys dropped.

    Args:
        cfg (Config): The config.

    Returns:
        list: The transform configs.

    Raises:
        ValueError: If the config has no test pipeline, or it has no ``LoadImageFromFile``.
    """
    pipeline = []
    for t in test_pipeline_cfg(cfg):
        kind = _type(t)
        if 'Annotation' in kind:
            continue
        t = dict(t)
        if kind in LOADERS:
            t['type'] = LOADERS[kind]
        if 'meta_keys' in t:
            t['meta_keys'] = tuple(k for k in t['meta_keys'] if k not in DATASET_META_KEYS)
        pipeline.append(t)
    if not any(t['type'] == 'LoadImageFromInput' for t in pipeline):
        raise InputError('the config\'s test pipeline has no LoadImageFromFile')
    return pipeline


def input_modalities(pipeline: Sequence[dict]) -> List[str]:
    """The modalities a user gives: rgb (the image file) and each one the pipeline loads.

    Args:
        pipeline (Sequence[dict]): An inference pipeline (:func:`inference_pipeline_cfg`).

    Returns:
        List[str]: The modality names, ``'rgb'`` first.
    """
    return [RGB] + [t['modality'] for t in pipeline if t['type'] == 'LoadModalityFromInput']


def loading_pipeline(pipeline: Sequence[dict]) -> Compose:
    """The pipeline up to the concatenation (no resize, no packing): the inputs as the model sees them, at
    their own size, for pictures.

    Args:
        pipeline (Sequence[dict]): An inference pipeline (:func:`inference_pipeline_cfg`).

    Returns:
        Compose: The loading transforms.
    """
    kinds = [t['type'] for t in pipeline]
    end = kinds.index('ConcatModalities') + 1 if 'ConcatModalities' in kinds else 1
    return Compose(copy.deepcopy(list(pipeline[:end])))


def to_results(item, names: Sequence[str], index: int = 0) -> dict:
    """One user input (``dict(rgb='a.jpg', depth='a.png')``, paths or arrays) as the pipeline's results.

    Args:
        item (Mapping): Modality name to a file path or a numpy array.
        names (Sequence[str]): The modalities the model takes (:func:`input_modalities`).
        index (int): The input's position, for the errors. Defaults to 0.

    Returns:
        dict: The results dict (``img_path`` / ``img``, ``<modality>_path`` / ``<modality>``, ...).

    Raises:
        ValueError: If the input is not such a dict, or its modalities are not the model's.
    """
    if not isinstance(item, Mapping):
        raise InputError(
            f'inputs[{index}]: a multimodal model takes a dict modality -> file or array, e.g. '
            f'dict({", ".join(f"{n}=..." for n in names)}); got {type(item).__name__}'
        )
    unknown = [k for k in item if k not in names]
    missing = [n for n in names if n not in item]
    if unknown or missing:
        problem = (
            f'{unknown} {"is not a modality" if len(unknown) == 1 else "are not modalities"} of this model'
            if unknown
            else f'no {missing} given'
        )
        raise InputError(f'inputs[{index}]: {problem}; it takes {", ".join(names)}')
    results = dict(input_name=item[RGB] if isinstance(item[RGB], str) else f'inputs[{index}]')
    for name, value in item.items():
        key = 'img' if name == RGB else name
        if isinstance(value, (str, os.PathLike)):
            results[f'{key}_path'] = str(value)
        elif isinstance(value, np.ndarray):
            results[key], results[f'{key}_path'] = value, None
        else:
            raise InputError(
                f'inputs[{index}][{name!r}]: expected a file path or a numpy array, got '
                f'{type(value).__name__}'
            )
    return results


def pair_folders(folders: Mapping[str, str]) -> List[Dict[str, str]]:
    """``dict(rgb='visible/', infrared='infrared/')`` -> one dict of files per name found in every folder
    (matched by file name without extension, sorted).

    Args:
        folders (Mapping[str, str]): Modality name to folder.

    Returns:
        List[Dict[str, str]]: Modality name to file, per matched name.

    Raises:
        ValueError: If a folder has no images, or a name is missing from some folder (one error for all).
    """
    stems = {}
    for name, folder in folders.items():
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS))
        stems[name] = {osp.splitext(f)[0]: osp.join(folder, f) for f in files}
        if not files:
            raise InputError(f'{folder}: no image files (the {name} folder)')
    common = sorted(set.intersection(*(set(s) for s in stems.values())))
    unmatched = {n: sorted(set(s) - set(common)) for n, s in stems.items()}
    if any(unmatched.values()):
        listed = '; '.join(
            f'{len(u)} only in {folders[n]} ({n}): {", ".join(u[:10])}'
            + (', ...' if len(u) > 10 else '')
            for n, u in unmatched.items()
            if u
        )
        raise InputError(
            f'files without a partner in the other modality folders (matched by name): {listed}'
        )
    return [{n: stems[n][s] for n in folders} for s in common]


def is_folders(inputs) -> bool:
    """Whether ``inputs`` is a dict whose every value is a directory: one folder per modality.

    Args:
        inputs: The user's inputs.

    Returns:
        bool: Whether it is.
    """
    return (
        isinstance(inputs, Mapping)
        and bool(inputs)
        and all(isinstance(v, (str, os.PathLike)) and osp.isdir(v) for v in inputs.values())
    )


def expand_inputs(inputs, names: Sequence[str]) -> List[dict]:
    """A dict, a list of dicts, or a dict of folders as a list of the pipeline's results dicts.

    Args:
        inputs (dict | list): The user's inputs.
        names (Sequence[str]): The modalities the model takes (:func:`input_modalities`).

    Returns:
        List[dict]: One results dict per input (:func:`to_results`).

    Raises:
        ValueError: If the inputs are empty or do not match the model's modalities.
    """
    if is_folders(inputs):
        unknown = [k for k in inputs if k not in names]
        missing = [n for n in names if n not in inputs]
        if unknown or missing:
            raise InputError(
                f'folders: {f"{unknown} not modalities of this model" if unknown else f"no folder for {missing}"}'
                f'; it takes {", ".join(names)}'
            )
        inputs = pair_folders({n: str(inputs[n]) for n in names})
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not items:
        raise InputError('no inputs given')
    return [to_results(item, names, i) for i, item in enumerate(items)]
