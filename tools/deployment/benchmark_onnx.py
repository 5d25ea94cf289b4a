"""onnxruntime (CPU) latency against PyTorch for the same model, input and batch, in one run.

Both run the exported function (normalized tensor in, logits / raw head outputs out), alternated, after
warm-up; the medians and their ratio are printed. Threads: PyTorch's and onnxruntime's set to the same
number (--threads, default torch's)."""

import argparse
import os.path as osp
import statistics
import tempfile
import time

import torch

import mmwam  # noqa: F401
from mmwam.apis import init_model
from mmwam.apis.export import ExportWrapper, export_onnx, onnx_session, run_onnx
from mmwam.utils.cli import run_cli


def parse_args():
    parser = argparse.ArgumentParser(
        description='onnxruntime vs PyTorch latency of a multimodal model'
    )
    parser.add_argument('config')
    parser.add_argument(
        'checkpoint', nargs='?', help='optional: latency does not depend on the weights'
    )
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 512), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    return parser.parse_args()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    model = init_model(args.config, args.checkpoint)
    wrapper = ExportWrapper(model).eval()
    channels = sum(model.data_preprocessor.modalities.values())
    x = torch.randn(args.batch, channels, *args.shape)
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'model.onnx')
        export_onnx(model, path, args.shape, args.batch)
        session = onnx_session(path, threads=args.threads)
        times = dict(pytorch=[], onnxruntime=[])
        with torch.no_grad():
            for i in range(args.warmup + args.iters):
                for name, fn in (
                    ('pytorch', lambda: wrapper(x)),
                    ('onnxruntime', lambda: run_onnx(session, x)),
                ):
                    t = timed(fn)
                    if i >= args.warmup:
                        times[name].append(t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f'{osp.basename(args.config)}, batch {args.batch}, {args.shape[0]}x{args.shape[1]}, {args.threads} '
        f'thread(s), median of {args.iters} alternated iterations:'
    )
    print(
        f'PyTorch {med["pytorch"]:.2f} ms, onnxruntime {med["onnxruntime"]:.2f} ms, '
        f'ratio onnxruntime / PyTorch {med["onnxruntime"] / med["pytorch"]:.3f}'
    )


if __name__ == '__main__':
    run_cli(main, 'benchmark_onnx.py')
