"""mmseg's ``MMSegInferencer`` and mmdet's ``DetInferencer`` for multimodal models: the same calls
(``batch_size``, ``out_dir``, ``show``, ``return_vis``, ``pred_score_thr``, ``return_datasamples``), inputs
given as dicts of files or arrays or a dict of folders, ``subsets=[...]`` to predict with modalities
missing, and the project's panels (every modality, then one prediction per subset) as pictures."""

import os.path as osp
from pathlib import Path
from typing import List, Optional

from mmengine.dataset import Compose
from mmseg.apis import MMSegInferencer

from ..utils.cli import read_config
from .inference import draw_result, init_model, predict_subsets
from .pipeline import expand_inputs, inference_pipeline_cfg, input_modalities


def _config(model):
    return read_config(str(model)) if isinstance(model, (str, Path)) else model


def subset_names(sample) -> List[str]:
    """The subsets a prediction holds, its own first (the first requested).

    Args:
        sample: A data sample from the inferencers' ``forward``.

    Returns:
        List[str]: The subset names.
    """
    return [sample.subset] + list(sample.get('subset_predictions', {}))


def of_subset(sample, name: str):
    """The prediction of subset ``name`` that ``sample`` holds (itself or one of its
    ``subset_predictions``)."""
    return sample if sample.subset == name else sample.subset_predictions[name]


class MultiModalInferencerMixin:
    """What both inferencers change in their upstream class: the model (a config file or object, loaded as
    ``init_model`` does), the pipeline and the inputs (dicts of modalities), the forward pass (per subset)
    and the pictures."""

    def __init__(
        self, model, weights: Optional[str] = None, device: Optional[str] = 'cpu', **kwargs
    ):
        super().__init__(_config(model), weights, device=device, **kwargs)

    def _init_model(self, cfg, weights, device='cpu'):
        return init_model(cfg, weights, device)

    def _init_pipeline(self, cfg) -> Compose:
        pipeline = inference_pipeline_cfg(cfg)
        self.input_names = input_modalities(pipeline)
        return Compose(pipeline)

    def _inputs_to_list(self, inputs) -> list:
        return expand_inputs(inputs, self.input_names)

    def forward(self, inputs: dict, subsets=None, **kwargs) -> list:
        """One data sample per input: the first requested subset's prediction (the full set by default),
        with the other subsets' as ``subset_predictions`` (the missing-modality loops' convention)."""
        out = []
        for per_subset in predict_subsets(self.model, inputs, subsets):
            (first, sample), *rest = per_subset.items()
            sample.set_metainfo(dict(subset=first))
            sample.subset_predictions = dict(rest)
            out.append(sample)
        return out

    def _panels(
        self,
        inputs: list,
        preds: list,
        out_dir: str,
        show: bool,
        return_vis: bool,
        pred_score_thr: float,
    ) -> Optional[List]:
        """One panel per input: every modality at its own size, then each subset's prediction."""
        if not show and not out_dir and not return_vis:
            return None
        panels = []
        for results, pred in zip(inputs, preds):
            name = (
                osp.splitext(osp.basename(results['img_path']))[0]
                if results.get('img_path')
                else f'{self.num_visualized_imgs:08d}'
            ) + '.png'
            panels.append(
                draw_result(
                    self.model,
                    self.visualizer,
                    results,
                    {n: of_subset(pred, n) for n in subset_names(pred)},
                    osp.join(out_dir, name) if out_dir else None,
                    pred_score_thr,
                    show,
                )
            )
            self.num_visualized_imgs += 1
        return panels if return_vis else None

    def _per_subset(self, preds: list, run) -> list:
        """Per input, ``{subset: upstream result}`` from ``run(samples, subset)`` (the upstream
        postprocessing of one subset's samples), or the upstream results when one subset was asked for."""
        names = subset_names(preds[0]) if preds else []
        if len(names) <= 1:
            return run(preds, None)
        per = {n: run([of_subset(p, n) for p in preds], n) for n in names}
        return [{n: per[n][i] for n in names} for i in range(len(preds))]


class MultiModalSegInferencer(MultiModalInferencerMixin, MMSegInferencer):
    """``MMSegInferencer`` for an mmwam segmentor::

        inferencer = MultiModalSegInferencer('configs/mwam/segformer_rgbd_demo.py', 'iter_1000.pth')
        result = inferencer(dict(rgb='a.jpg', depth='a.png'), out_dir='out', subsets=['rgb+depth', 'rgb'])

    ``inputs``: a dict modality -> file or array, a list of them, or a dict of folders (files paired by
    name). ``subsets``: predict with the other modalities missing; ``predictions`` then has, per input, a
    dict subset -> label map, and ``pred_out_dir`` one folder per subset. ``out_dir``: panels in
    ``out_dir/vis``.

    Args:
        model (str | Path | Config): The config file or object.
        weights (str, optional): The checkpoint; None: random weights (with a warning). Defaults to None.
        device (str, optional): The device. Defaults to ``'cpu'``.
        **kwargs: The upstream inferencer's other arguments (``scope``, ``palette``, ...).
    """

    forward_kwargs: set = MMSegInferencer.forward_kwargs | {'subsets'}

    def preprocess(self, inputs: list, batch_size: int = 1, **kwargs):
        chunks = self._get_chunk_data(map(lambda r: self.pipeline(dict(r)), inputs), batch_size)
        yield from map(self.collate_fn, chunks)

    def visualize(
        self,
        inputs: list,
        preds: list,
        return_vis: bool = False,
        show: bool = False,
        wait_time: int = 0,
        img_out_dir: str = '',
        opacity: float = 0.8,
        with_labels: bool = True,
    ):
        meta = self.model.dataset_meta
        self.visualizer.set_dataset_meta(meta.get('classes'), meta.get('palette'))
        self.visualizer.alpha = opacity
        return self._panels(inputs, preds, img_out_dir, show, return_vis, 0.0)

    def postprocess(
        self, preds: list, visualization, return_datasample: bool = False, pred_out_dir: str = ''
    ) -> dict:
        if return_datasample:
            return super().postprocess(preds, visualization, True, pred_out_dir)
        start = self.num_pred_imgs

        def run(samples, subset):
            self.num_pred_imgs = start
            out = super(MultiModalSegInferencer, self).postprocess(
                samples,
                None,
                False,
                osp.join(pred_out_dir, subset) if pred_out_dir and subset else pred_out_dir,
            )
            return out['predictions'] if len(samples) > 1 else [out['predictions']]

        predictions = self._per_subset(preds, run)
        visualization = visualization or []
        return dict(
            predictions=predictions[0] if len(predictions) == 1 else predictions,
            visualization=visualization[0] if len(visualization) == 1 else visualization,
        )


def MultiModalInferencer(
    model, weights: Optional[str] = None, device: Optional[str] = 'cpu', **kwargs
):
    """The segmentation or detection inferencer, as the config's ``default_scope`` says.

    Args:
        model (str | Path | Config): The config file or object.
        weights (str, optional): The checkpoint; None: random weights (with a warning). Defaults to None.
        device (str, optional): The device. Defaults to ``'cpu'``.
        **kwargs: The upstream inferencer's other arguments (``scope``, ``palette``, ...).

    Returns:
        MultiModalSegInferencer | MultiModalDetInferencer: The inferencer.
    """
    cfg = _config(model)
    if cfg.get('default_scope') != 'mmdet':
        return MultiModalSegInferencer(cfg, weights, device=device, **kwargs)
    from .det_inferencer import MultiModalDetInferencer  # needs mmdet

    return MultiModalDetInferencer(cfg, weights, device=device, **kwargs)
