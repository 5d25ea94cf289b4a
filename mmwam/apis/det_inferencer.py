"""mmdet's ``DetInferencer`` for multimodal models (imported only where mmdet is installed)."""

import os.path as osp

from mmdet.apis import DetInferencer
from mmengine.infer.infer import BaseInferencer

from .inferencers import MultiModalInferencerMixin


class MultiModalDetInferencer(MultiModalInferencerMixin, DetInferencer):
    """``DetInferencer`` for an mmwam detector::

        inferencer = MultiModalDetInferencer('configs/mwam/retinanet_r18_fpn_rgbt_llvip-mini_demo.py', 'epoch_16.pth')
        result = inferencer(dict(rgb='visible/', infrared='infrared/'), out_dir='out', pred_score_thr=0.3)

    Inputs and ``subsets`` as :class:`MultiModalSegInferencer`; ``predictions`` has mmdet's dicts (labels,
    scores, bboxes), per subset when several were asked for; panels go to ``out_dir/vis``.

    Args:
        model (str | Path | Config): The config file or object.
        weights (str, optional): The checkpoint; None: random weights (with a warning). Defaults to None.
        device (str, optional): The device. Defaults to ``'cpu'``.
        **kwargs: The upstream inferencer's other arguments (``scope``, ``palette``, ...).
    """

    forward_kwargs: set = DetInferencer.forward_kwargs | {'subsets'}

    def preprocess(self, inputs: list, batch_size: int = 1, **kwargs):
        """Chunks of ``(the inputs, the collated batch)``: the inputs stay whole dicts, for the panels."""
        for chunk in BaseInferencer._get_chunk_data(self, inputs, batch_size):
            yield chunk, self.collate_fn([self.pipeline(dict(r)) for r in chunk])

    def visualize(
        self,
        inputs: list,
        preds: list,
        return_vis: bool = False,
        show: bool = False,
        wait_time: int = 0,
        draw_pred: bool = True,
        pred_score_thr: float = 0.3,
        no_save_vis: bool = False,
        img_out_dir: str = '',
        **kwargs,
    ):
        out_dir = osp.join(img_out_dir, 'vis') if img_out_dir and not no_save_vis else ''
        return self._panels(inputs, preds, out_dir, show, return_vis, pred_score_thr)

    def postprocess(
        self,
        preds: list,
        visualization=None,
        return_datasamples: bool = False,
        print_result: bool = False,
        no_save_pred: bool = False,
        pred_out_dir: str = '',
        **kwargs,
    ) -> dict:
        if return_datasamples:
            return super().postprocess(
                preds, visualization, True, print_result, no_save_pred, pred_out_dir
            )

        def run(samples, subset):
            out_dir = osp.join(pred_out_dir, subset) if pred_out_dir and subset else pred_out_dir
            return super(MultiModalDetInferencer, self).postprocess(
                samples, None, False, False, no_save_pred, out_dir
            )['predictions']

        result = dict(predictions=self._per_subset(preds, run), visualization=visualization)
        if print_result:
            print(result)
        return result
