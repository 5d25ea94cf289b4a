"""ONNX export of a multimodal model, and its outputs turned back into mmseg / mmdet predictions.

The exported graph takes ONE input: the normalized, concatenated tensor N x (3 + C) x H x W that the
data preprocessor makes (RGB channels first, in RGB order, then the other modalities in the canonical
order; each modality minus its mean, divided by its std). One input, not one per modality, because that
tensor is the model's own interface: training, evaluation and the missing-modality protocol all go through
it, and a missing modality is its channels set to 0, exactly as in ``tools/test.py``.

Outputs: a segmentor gives its logits resized to the input's size (N x K x H x W, before the arg-max); a
detector gives its head's raw outputs per feature level (class scores and box regressions; with an
objectness branch for YOLOX), before box decoding and NMS: NMS is not a standard-ONNX operator with mmcv's
semantics, and :func:`decode_detections` runs mmdet's own decoding and NMS on them, so the boxes are the
PyTorch model's. MWAM and every balancer act in training only: they are not in the graph.
"""

from typing import Dict, List, Optional, Sequence

import torch
from mmseg.models.segmentors import BaseSegmentor
from mmseg.models.utils import resize
from torch import nn

from ..registry import HAS_MMDET
from ..utils.errors import InputError


def task_of(model) -> str:
    """Whether ``model`` is a segmentor or a detector.

    Args:
        model (nn.Module): The model.

    Returns:
        str: ``'seg'`` or ``'det'``.

    Raises:
        ValueError: If it is neither.
    """
    if isinstance(model, BaseSegmentor):
        return 'seg'
    if HAS_MMDET:
        from mmdet.models.detectors import BaseDetector

        if isinstance(model, BaseDetector):
            return 'det'
    raise InputError(
        f'cannot export a {type(model).__name__}: an mmseg segmentor or an mmdet detector is expected'
    )


class ExportWrapper(nn.Module):
    """The tensor-in, tensors-out part of a model: see the module's docstring.

    Args:
        model (nn.Module): An mmwam segmentor or detector.
    """

    def __init__(self, model):
        super().__init__()
        self.model, self.task = model, task_of(model)

    def forward(self, inputs: torch.Tensor):
        outs = self.model._forward(inputs)
        if self.task == 'seg':
            head = self.model.decode_head
            return resize(
                outs, size=inputs.shape[2:], mode='bilinear', align_corners=head.align_corners
            )
        return tuple(
            t for level_list in outs for t in level_list
        )  # (scores per level, boxes per level, ...)


def output_names(model, shape: Sequence[int]) -> List[str]:
    """The exported graph's output names.

    Args:
        model (nn.Module): An mmwam segmentor or detector.
        shape (Sequence[int]): An input's (height, width), for a detector's dry run.

    Returns:
        List[str]: ``['seg_logits']``, or one name per head output and level, e.g.
        ``cls_score_0 .. bbox_pred_4``.
    """
    if task_of(model) == 'seg':
        return ['seg_logits']
    with torch.no_grad():
        outs = model._forward(
            torch.zeros(1, sum(model.data_preprocessor.modalities.values()), *shape)
        )
    kinds = ['cls_score', 'bbox_pred', 'objectness', 'extra'][: len(outs)]
    return [f'{kind}_{i}' for kind, level_list in zip(kinds, outs) for i in range(len(level_list))]


def export_onnx(
    model,
    out_file: str,
    shape: Sequence[int] = (512, 512),
    batch: int = 1,
    dynamic: Sequence[str] = (),
    opset: int = 17,
) -> List[str]:
    """Export ``model`` (put in eval mode) to ``out_file``, with one input ``inputs``, batch x C x H x W.

    Args:
        model (nn.Module): An mmwam segmentor or detector.
        out_file (str): The ONNX file.
        shape (Sequence[int]): The input's (height, width). Defaults to (512, 512).
        batch (int): The input's batch size. Defaults to 1.
        dynamic (Sequence[str]): ``'batch'`` and / or ``'size'`` (height and width): axes left free.
            Defaults to ().
        opset (int): The ONNX opset. Defaults to 17.

    Returns:
        List[str]: The output names (:func:`output_names`).

    Raises:
        ValueError: If ``dynamic`` names another axis, or the model is not a segmentor or detector.
    """
    unknown = set(dynamic) - {'batch', 'size'}
    if unknown:
        raise InputError(f'dynamic: {sorted(unknown)} unknown; use "batch" and / or "size"')
    model = model.eval()
    channels = sum(model.data_preprocessor.modalities.values())
    names = output_names(model, shape)
    axes = {}
    for name in ['inputs'] + names:
        axes[name] = {0: 'batch'} if 'batch' in dynamic else {}
        if 'size' in dynamic:
            axes[name].update({2: f'{name}_height', 3: f'{name}_width'})
    with torch.no_grad():
        torch.onnx.export(
            ExportWrapper(model).eval(),
            (torch.zeros(batch, channels, *shape),),
            out_file,
            dynamo=False,
            opset_version=opset,
            input_names=['inputs'],
            output_names=names,
            dynamic_axes={k: v for k, v in axes.items() if v} or None,
            do_constant_folding=True,
        )
    return names


def max_difference(model, session, inputs: torch.Tensor) -> float:
    """The largest absolute difference between onnxruntime's outputs and PyTorch's for ``inputs``.

    Args:
        model (nn.Module): The exported model.
        session (onnxruntime.InferenceSession): Its ONNX session (:func:`onnx_session`).
        inputs (Tensor): A normalized input tensor.

    Returns:
        float: The difference.
    """
    outs = run_onnx(session, inputs)
    with torch.no_grad():
        ref = ExportWrapper(model)(inputs)
    ref = ref if isinstance(ref, tuple) else (ref,)
    return max(float((o - r).abs().max()) for o, r in zip(outs.values(), ref))


def onnx_session(path: str, threads: Optional[int] = None):
    """An onnxruntime CPU session for ``path``.

    Args:
        path (str): The ONNX file.
        threads (int, optional): Intra-op threads; None: onnxruntime's default. Defaults to None.

    Returns:
        onnxruntime.InferenceSession: The session.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    # no busy-waiting between runs: its spinning threads would slow down whatever runs next (PyTorch)
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    return ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])


def run_onnx(session, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
    """The session's outputs for the normalized tensor ``inputs``.

    Args:
        session (onnxruntime.InferenceSession): The session.
        inputs (Tensor): The normalized, concatenated input.

    Returns:
        Dict[str, Tensor]: The outputs by name.
    """
    names = [o.name for o in session.get_outputs()]
    outs = session.run(names, {'inputs': inputs.detach().cpu().numpy()})
    return {n: torch.from_numpy(o) for n, o in zip(names, outs)}


def graph_node_names(path: str) -> List[str]:
    """Every node of the ONNX graph, as ``'<op type> <node name>'`` (node names carry the module path).

    Args:
        path (str): The ONNX file.

    Returns:
        List[str]: The nodes.
    """
    import onnx

    graph = onnx.load(path, load_external_data=False).graph
    return [f'{n.op_type} {n.name}' for n in graph.node]


def decode_detections(model, outputs: Dict[str, torch.Tensor], data_samples: list) -> list:
    """mmdet's decoding and NMS (the model's ``bbox_head.predict_by_feat`` and ``test_cfg``) on an exported
    detector's raw outputs (name -> tensor or numpy array, as onnxruntime returns them): the data samples
    with ``pred_instances``, boxes in the original image's frame.

    Args:
        model (nn.Module): The exported detector.
        outputs (Dict[str, Tensor]): The session's outputs by name (tensors or numpy arrays).
        data_samples (list): The inputs' data samples (their metainfo: image sizes, scale factors).

    Returns:
        list: ``data_samples`` with ``pred_instances``.
    """
    groups: Dict[str, list] = {}
    for name, tensor in outputs.items():
        groups.setdefault(name.rsplit('_', 1)[0], []).append(torch.as_tensor(tensor))
    metas = [s.metainfo for s in data_samples]
    results = model.bbox_head.predict_by_feat(*groups.values(), batch_img_metas=metas, rescale=True)
    return model.add_pred_to_datasample(data_samples, results)
