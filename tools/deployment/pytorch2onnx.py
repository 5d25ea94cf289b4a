"""Export a multimodal model to ONNX and check it against PyTorch with onnxruntime.

The graph's input is the normalized, concatenated tensor (N x (3 + C) x H x W; see mmwam.apis.export);
a segmentor outputs its logits at the input's size, a detector its head's raw outputs before box decoding
and NMS (mmwam.apis.export.decode_detections finishes them as mmdet does)."""
import argparse

import torch
from mmengine.config import DictAction

import mmwam  # noqa: F401
from mmwam.apis import init_model
from mmwam.apis.export import ExportWrapper, export_onnx, graph_node_names, onnx_session, run_onnx
from mmwam.utils.cli import run_cli

TRAINING_ONLY = ('mwam', 'balancer', 'frm', 'frequency', 'ogm')


def parse_args():
    parser = argparse.ArgumentParser(description='Export a multimodal model (mmwam) to ONNX')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='model.onnx', help='the ONNX file to write')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='input height and width (default: the preprocessor\'s size, else 512 512)')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--dynamic', action='store_true', help='free batch size, height and width')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    model = init_model(args.config, args.checkpoint, 'cpu', args.cfg_options)
    pre = model.data_preprocessor
    shape = tuple(args.shape or getattr(pre, 'size', None) or (512, 512))
    names = export_onnx(model, args.out, shape, args.batch, args.dynamic, args.opset)
    layout = ', '.join(f'{m} {c}' for m, c in pre.modalities.items())
    print(f'{args.out}: input "inputs" {args.batch} x {sum(pre.modalities.values())} x {shape[0]} x {shape[1]} '
          f'(normalized channels: {layout}); outputs {", ".join(names)}')
    nodes = graph_node_names(args.out)
    training_only = [n for n in nodes if any(k in n.lower() for k in TRAINING_ONLY)]
    print(f'graph: {len(nodes)} nodes, {len(training_only)} of MWAM / FRM / a balancer')
    x = torch.randn(args.batch, sum(pre.modalities.values()), *shape)
    outs = run_onnx(onnx_session(args.out), x)
    with torch.no_grad():
        ref = ExportWrapper(model)(x)
    ref = ref if isinstance(ref, tuple) else (ref, )
    diff = max(float((o - r).abs().max()) for o, r in zip(outs.values(), ref))
    print(f'onnxruntime vs PyTorch on a random input: max abs difference {diff:.3g}')


if __name__ == '__main__':
    run_cli(main, 'pytorch2onnx.py')
