"""Multimodal panels during validation and testing: every modality, the ground truth and the prediction of
every modality subset the missing-modality loop evaluated (``mmwam.visualization.draw_panel``)."""

import os.path as osp
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...utils.modalities import subset_name
from ...visualization import draw_panel, split_inputs, units_from_pipeline


@HOOKS.register_module()
class MultiModalVisualizationHook(Hook):
    """mmseg's / mmdet's visualization-hook conventions (``draw``, ``interval``, ``show``,
    ``test_out_dir``) for multimodal models.

    Validation: the first sample of every ``interval``-th batch goes to the visualizer's backends
    (TensorBoard images, ``vis_data/vis_image`` locally) as ``val_panel_<image name>``. Test: every sample
    of every ``interval``-th batch is written to ``test_out_dir`` as ``<image name>.png``, one panel per
    sample with a tile per evaluated subset; without ``test_out_dir`` it goes to the backends. The other
    subsets' predictions come with the full set's (``subset_predictions`` of each output, set by the
    missing-modality loops); under a plain loop the panel has the full set's only. Works with the
    upstream ``SegLocalVisualizer`` / ``DetLocalVisualizer`` or the ``MultiModal*`` ones.

    Args:
        draw (bool): Draw at all. Defaults to False.
        interval (int): Draw every ``interval``-th batch. Defaults to 50.
        show (bool): Also open a window (needs a display). Defaults to False.
        test_out_dir (str, optional): Where test panels are written; a relative path is under the run's
            ``<work_dir>/<timestamp>``. None: to the visualizer's backends. Defaults to None.
        pred_score_thr (float): Detection boxes below this score are not drawn. Defaults to 0.3.
    """

    priority = 'NORMAL'

    def __init__(
        self,
        draw: bool = False,
        interval: int = 50,
        show: bool = False,
        test_out_dir: Optional[str] = None,
        pred_score_thr: float = 0.3,
    ):
        self.draw, self.interval, self.show = draw, interval, show
        self.test_out_dir, self.pred_score_thr = test_out_dir, pred_score_thr

    def _panels(self, runner, data_batch, outputs, samples):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        modalities = model.data_preprocessor.modalities
        pipeline = runner.cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline')
        units = units_from_pipeline(pipeline)
        for i in samples:
            sample = outputs[i]
            arrays = split_inputs(data_batch['inputs'][i], modalities, size=sample.ori_shape)
            preds = {
                sample.get('subset', subset_name(modalities)): sample,
                **sample.get('subset_predictions', {}),
            }
            stem = osp.splitext(osp.basename(sample.get('img_path', f'sample{i}')))[0]
            yield (
                stem,
                dict(
                    visualizer=runner.visualizer,
                    modalities=arrays,
                    gt_sample=sample,
                    predictions=preds,
                    units=units,
                    pred_score_thr=self.pred_score_thr,
                    show=self.show,
                ),
            )

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for stem, kwargs in self._panels(runner, data_batch, outputs, [0]):
            draw_panel(**kwargs, name=f'val_panel_{stem}', step=runner.iter)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        out_dir = self.test_out_dir
        if out_dir is not None and not osp.isabs(out_dir):
            out_dir = osp.join(runner.work_dir, runner.timestamp, out_dir)
        for stem, kwargs in self._panels(runner, data_batch, outputs, range(len(outputs))):
            out_file = osp.join(out_dir, f'{stem}.png') if out_dir else None
            draw_panel(**kwargs, out_file=out_file, name=f'test_panel_{stem}', step=batch_idx)
