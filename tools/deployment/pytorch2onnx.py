"""Export a multimodal model to ONNX and check it against PyTorch with onnxruntime.

The graph's input is the normalized, concatenated tensor (N x (3 + C) x H x W; see mmwam.apis.export);
a segmentor outputs its logits at the input's size, a detector its head's raw outputs before box decoding
and NMS (mmwam.apis.export.decode_detections finishes them as mmdet does)."""

import argparse
import os.path as osp

import torch

import mmwam  # noqa: F401
from mmwam.apis import init_model
from mmwam.apis.export import export_onnx, graph_node_names, max_difference, onnx_session
from mmwam.apis.pipeline import test_pipeline_cfg
from mmwam.utils.cli import CfgOptionsAction, InputError, run_cli

TRAINING_ONLY = ('mwam', 'balancer', 'frm', 'frequency', 'ogm')


def parse_args():
    parser = argparse.ArgumentParser(description='Export a multimodal model (mmwam) to ONNX')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='model.onnx', help='the ONNX file to write')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input height and width (default: the preprocessor\'s size, else 512 512)',
    )
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument(
        '--dynamic',
        action='store_true',
        help='free batch size, height and width (the '
        'batch only where the model\'s graph fixes its size)',
    )
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args()


def other_size_works(model, path, batch, shape, channels) -> bool:
    """Whether the graph runs, and equals PyTorch, at another batch size and input size."""
    x = torch.randn(batch + 1, channels, shape[0] + 32, shape[1] + 32)
    try:
        return max_difference(model, onnx_session(path), x) < 1e-3
    except Exception:  # onnxruntime's error when a reshape has the export's size built in
        return False


def padded_size(cfg):
    """(H, W) of the test pipeline's fixed padding (mmdet's ``Pad(size=(w, h))``: RTMDet, YOLOX), so the
    graph takes the input that the config's own preprocessing makes; None without one."""
    pad = next(
        (
            t
            for t in test_pipeline_cfg(cfg)
            if str(t.get('type')).split('.')[-1] == 'Pad' and t.get('size')
        ),
        None,
    )
    return (pad['size'][1], pad['size'][0]) if pad else None


def main():
    args = parse_args()
    if args.batch < 1 or (args.shape and min(args.shape) < 32):
        raise InputError(
            f'--batch {args.batch} --shape {args.shape}: the batch must be 1 or more and the '
            'input at least 32 x 32 pixels'
        )
    folder = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(folder):
        raise InputError(f'--out {args.out}: the folder {folder} does not exist')
    model = init_model(args.config, args.checkpoint, 'cpu', args.cfg_options)
    pre = model.data_preprocessor
    channels = sum(pre.modalities.values())
    shape = tuple(args.shape or getattr(pre, 'size', None) or padded_size(model.cfg) or (512, 512))
    dynamic = ('batch', 'size') if args.dynamic else ()
    names = export_onnx(model, args.out, shape, args.batch, dynamic, args.opset)
    if args.dynamic and not other_size_works(model, args.out, args.batch, shape, channels):
        dynamic = ('batch',)
        names = export_onnx(model, args.out, shape, args.batch, dynamic, args.opset)
        print(
            '--dynamic: this model\'s graph has the input size built in (its attention layers reshape to the '
            'traced sequence length), so only the batch size is free: export once per input size (--shape)'
        )
    layout = ', '.join(f'{m} {c}' for m, c in pre.modalities.items())
    free = f' (free: {" and ".join(dynamic)})' if dynamic else ''
    print(
        f'{args.out}: input "inputs" {args.batch} x {channels} x {shape[0]} x {shape[1]}{free}, normalized '
        f'channels {layout}; outputs {", ".join(names)}'
    )
    nodes = graph_node_names(args.out)
    training_only = [n for n in nodes if any(k in n.lower() for k in TRAINING_ONLY)]
    print(f'graph: {len(nodes)} nodes, {len(training_only)} of MWAM / FRM / a balancer')
    diff = max_difference(model, onnx_session(args.out), torch.randn(args.batch, channels, *shape))
    print(f'onnxruntime vs PyTorch on a random input: max abs difference {diff:.3g}')


if __name__ == '__main__':
    run_cli(main, 'pytorch2onnx.py')
