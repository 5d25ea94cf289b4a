"""``init_model`` and ``inference_multimodal``: mmseg's / mmdet's inference API for multimodal models."""

import copy
import warnings
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import DATASETS, MODELS, VISUALIZERS, init_default_scope

from ..engine.runner.missing_modality_loops import encoder_cache_for, predict_every_subset
from ..models.checkpoint_fit import load_fitted, read_checkpoint
from ..utils.cli import read_config
from ..utils.errors import InputError
from ..utils.modalities import parse_subsets, subset_name
from ..visualization import draw_panel, split_inputs, units_from_pipeline
from .pipeline import (
    expand_inputs,
    inference_pipeline_cfg,
    input_modalities,
    is_folders,
    loading_pipeline,
    test_pipeline_cfg,
)


def load_checkpoint(model: torch.nn.Module, filename: str) -> dict:
    """Load ``filename`` into ``model`` as ``tools/test.py`` does (MWAMRunner): MMEngine checkpoints read
    under torch's safe loader, the state fitted to the model (an RGB checkpoint fills every encoder), and
    a checkpoint of another model (other modalities, missing or misshapen tensors) refused in one line.

    Args:
        model (nn.Module): The multimodal model.
        filename (str): The checkpoint path or URL.

    Returns:
        dict: The checkpoint.

    Raises:
        ValueError: If the file is not a complete checkpoint, or does not fit the model.
    """
    checkpoint = read_checkpoint(filename)
    load_fitted(model, checkpoint, 'test', f'checkpoint {filename}')
    return checkpoint


def dataset_meta_from_config(cfg) -> dict:
    """Class names and palette from the config's test dataset (its ``metainfo`` over its class's
    ``METAINFO``), without reading the dataset.

    Args:
        cfg (Config): The config.

    Returns:
        dict: ``classes``, ``palette`` and any other meta keys, lower-cased.
    """
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    meta = {}
    with DATASETS.switch_scope_and_registry(None) as registry:
        cls = (
            registry.get(dataset.get('type'))
            if isinstance(dataset.get('type'), str)
            else dataset.get('type')
        )
    meta.update(getattr(cls, 'METAINFO', None) or {})
    meta.update(dataset.get('metainfo') or {})
    return {k.lower(): v for k, v in meta.items()}


def init_model(
    config: Union[str, Path, Config],
    checkpoint: Optional[str] = None,
    device: str = 'cpu',
    cfg_options: Optional[dict] = None,
) -> torch.nn.Module:
    """A multimodal segmentor or detector from its config, in eval mode on ``device``, with the weights of
    ``checkpoint`` (see :func:`load_checkpoint`) and its classes and palette as ``model.dataset_meta``
    (from the checkpoint, else from the config). ``model.cfg`` is the config.

    Args:
        config (str | Path | Config): The config file or object (copied, not changed).
        checkpoint (str, optional): The checkpoint path or URL; None: random weights (with a warning).
            Defaults to None.
        device (str): The device. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Config overrides, merged as ``--cfg-options`` are. Defaults to None.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        ValueError: If the config is not a multimodal model's, or the checkpoint does not fit it.
    """
    if isinstance(config, (str, Path)):
        config = read_config(str(config))
    elif not isinstance(config, Config):
        raise InputError(f'config must be a file name or a Config, got {type(config).__name__}')
    else:
        config = config.copy()
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if config.model.get('pretrained') is not None:
        config.model.pretrained = None
    init_default_scope(config.get('default_scope', 'mmseg'))
    model = MODELS.build(config.model)
    if not hasattr(model.data_preprocessor, 'zero_modalities'):
        raise InputError(
            f'{config.filename or "the config"}: not a multimodal model (its data_preprocessor '
            f'is {type(model.data_preprocessor).__name__}, not a MultiModal* one)'
        )
    meta = dataset_meta_from_config(config)
    if checkpoint is not None:
        saved = load_checkpoint(model, checkpoint).get('meta', {}).get('dataset_meta') or {}
        meta.update({k.lower(): v for k, v in saved.items()})
    else:
        warnings.warn('no checkpoint given: the model has random weights')
    model.dataset_meta = meta
    model.cfg = config
    if str(device) == 'cpu' or not torch.cuda.is_available():
        model = revert_sync_batchnorm(model)
    return model.to(device).eval()


def prepare_batch(model, inputs) -> dict:
    """The user's ``inputs`` (see :func:`inference_multimodal`) through the inference pipeline, collated:
    what ``model.data_preprocessor`` takes (``model.data_preprocessor(batch)['inputs']`` is the
    normalized, concatenated tensor an exported model takes).

    Args:
        model (nn.Module): A model from :func:`init_model`.
        inputs (dict | list): As :func:`inference_multimodal` takes them.

    Returns:
        dict: The collated batch (``inputs`` and ``data_samples``).
    """
    pipeline = inference_pipeline_cfg(model.cfg)
    return pseudo_collate(
        [Compose(pipeline)(r) for r in expand_inputs(inputs, input_modalities(pipeline))]
    )


def check_subsets(model, subsets) -> List[tuple]:
    """The user's ``subsets`` checked against the model's modalities (one error line otherwise)."""
    names = list(model.data_preprocessor.modalities)
    subsets = (
        [subsets] if isinstance(subsets, str) else subsets
    )  # 'rgb': one subset, not its letters
    if not subsets:
        raise InputError(f'subsets: no subset given; name at least one, e.g. [{"+".join(names)!r}]')
    try:
        return parse_subsets(subsets, names, 'subsets')
    except ValueError as e:
        raise InputError(f'{e} (write a subset as {"+".join(names)})') from e


@torch.no_grad()
def predict_subsets(model, batch: dict, subsets=None) -> List[Dict[str, object]]:
    """Per input, ``{subset name: data sample}`` in the order of ``subsets`` (default: the full set
    only); a missing modality is zeroed in the normalized input, as the missing-modality evaluation does.
    The batch is normalized once; the encoders' outputs are shared by the subsets.

    Args:
        model (nn.Module): A model from :func:`init_model`.
        batch (dict): A batch from :func:`prepare_batch`.
        subsets (Sequence[str], optional): ``'rgb+depth'``-like subset names; None: the full set.
            Defaults to None.

    Returns:
        List[Dict[str, object]]: Per input, subset name to its data sample.

    Raises:
        ValueError: If a subset names an unknown modality, or none is given.
    """
    wanted = check_subsets(
        model, subsets if subsets is not None else ['+'.join(model.data_preprocessor.modalities)]
    )
    cache, _ = encoder_cache_for(model)
    results = [dict() for _ in batch['inputs']]
    for subset, outputs in predict_every_subset(model, batch, wanted, cache=cache):
        for per_input, sample in zip(results, outputs):
            per_input[subset_name(subset)] = sample
    return [{subset_name(s): r[subset_name(s)] for s in wanted} for r in results]


def inference_multimodal(model, inputs, subsets: Optional[Sequence] = None):
    """Predict ``inputs`` with a multimodal model, with every modality or some of them missing.

    Args:
        model (nn.Module): A model from :func:`init_model`.
        inputs (dict | list): A dict modality -> file path or array
            (``dict(rgb='a.jpg', depth='a.png')``; the RGB array BGR as cv2 reads it; an integer modality
            array is scaled as its file would be, a float one is taken in the model's units, e.g.
            metres), a list of them, or a dict of folders (files paired by name).
        subsets (Sequence[str], optional): Subsets to predict with, e.g. ``['rgb+depth', 'rgb']``, each
            with the other modalities missing; None: the full set. Defaults to None.

    Returns:
        SegDataSample | DetDataSample | dict | list: The data sample (``pred_sem_seg`` /
        ``pred_instances``) of each input; with ``subsets`` a dict subset -> data sample instead. A
        single dict of files gives one result, otherwise a list.
    """
    batch = prepare_batch(model, inputs)
    per_input = predict_subsets(model, batch, subsets)
    out = per_input if subsets is not None else [next(iter(r.values())) for r in per_input]
    single = isinstance(inputs, dict) and not is_folders(inputs)
    return out[0] if single else out


def build_visualizer(model):
    """The config's visualizer (mmseg's / mmdet's local one), with the model's classes and palette; no
    backends: panels are written or returned.

    Args:
        model (nn.Module): A model from :func:`init_model`.

    Returns:
        Visualizer: The visualizer.
    """
    cfg = copy.deepcopy(model.cfg.visualizer)
    cfg.pop('vis_backends', None)
    cfg['name'] = f'mmwam_{datetime.now().timestamp()}'
    visualizer = VISUALIZERS.build(cfg)
    visualizer.dataset_meta = dict(model.dataset_meta)
    return visualizer


def draw_result(
    model,
    visualizer,
    results: dict,
    predictions: Dict[str, object],
    out_file: Optional[str] = None,
    pred_score_thr: float = 0.3,
    show: bool = False,
):
    """The panel of one input (a results dict of :func:`expand_inputs`): every modality as the model reads
    it, at its own size, then each subset's prediction.

    Args:
        model (nn.Module): A model from :func:`init_model`.
        visualizer (Visualizer): From :func:`build_visualizer`.
        results (dict): One input as :func:`~mmwam.apis.pipeline.expand_inputs` gives it.
        predictions (Dict[str, object]): Subset name to data sample.
        out_file (str, optional): The PNG written; None: none. Defaults to None.
        pred_score_thr (float): Detection boxes below this score are not drawn. Defaults to 0.3.
        show (bool): Also open a window. Defaults to False.

    Returns:
        np.ndarray: The panel (RGB).
    """
    pipeline = inference_pipeline_cfg(model.cfg)
    loaded = loading_pipeline(pipeline)(dict(results))
    arrays = split_inputs(loaded['img'], model.data_preprocessor.modalities)
    return draw_panel(
        visualizer,
        arrays,
        predictions=predictions,
        out_file=out_file,
        pred_score_thr=pred_score_thr,
        units=units_from_pipeline(test_pipeline_cfg(model.cfg)),
        show=show,
        name='result',
    )


def show_result(
    model,
    inputs: dict,
    predictions,
    out_file: Optional[str] = None,
    pred_score_thr: float = 0.3,
    show: bool = False,
):
    """A panel for one input (a dict modality -> file or array) and its predictions (a data sample, or the
    dict subset -> data sample of ``inference_multimodal(..., subsets=...)``).

    Args:
        model (nn.Module): A model from :func:`init_model`.
        inputs (dict): One input: modality -> file or array.
        predictions: Its data sample, or dict subset -> data sample.
        out_file (str, optional): The PNG written; None: none. Defaults to None.
        pred_score_thr (float): Detection boxes below this score are not drawn. Defaults to 0.3.
        show (bool): Also open a window (needs a display). Defaults to False.

    Returns:
        np.ndarray: The panel (RGB).
    """
    if not isinstance(predictions, dict):
        predictions = {'+'.join(model.data_preprocessor.modalities): predictions}
    results = expand_inputs(inputs, input_modalities(inference_pipeline_cfg(model.cfg)))[0]
    return draw_result(
        model, build_visualizer(model), results, predictions, out_file, pred_score_thr, show
    )
