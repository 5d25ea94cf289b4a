"""What MWAM costs: training step, FRM and inference time with vs without MWAM, in one run.

    python tools/analysis_tools/benchmark_mwam.py configs/mwam/segformer_rgbd.py \
        --batch 8 --size 512 512 --iters 20                       # GPU (the README's table)
    python tools/analysis_tools/benchmark_mwam.py configs/mwam/segformer_rgbd.py \
        --batch 2 --size 256 256 --iters 10                       # CPU

One model is built (dual encoders, fusion, head); "without MWAM" is the same model with its MWAM module
removed, so both variants share weights and data. The variants are timed alternately, iteration by
iteration, so that drift of a noisy machine hits both alike; medians are reported with their ratio.
"""
import argparse
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmwam  # noqa: F401
from mmwam import frequency_ratio


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def timed(fn, device):
    sync(device)
    t = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t


def fake_batch(model, batch, size, num_classes, device):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    channels = sum(model.backbone.modalities.values())
    h, w = size
    inputs = [torch.randint(0, 255, (channels, h, w), device=device).float() for _ in range(batch)]
    samples = []
    for _ in range(batch):
        s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, h, w), device=device))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    cfg.model.data_preprocessor.size = tuple(args.size)
    if device.type == 'cpu':  # SyncBN has no CPU multi-process path; the cost is the same as BN's
        cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    if cfg.model.get('mwam') is None:
        cfg.model.mwam = dict(type='MWAM')
    model = MODELS.build(cfg.model).to(device)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    mwam = model.backbone.mwam
    data = fake_batch(model, args.batch, args.size, cfg.model.decode_head.num_classes, device)
    pre = model.data_preprocessor(data, True)
    parts = model.backbone.split(pre['inputs'])

    def set_mwam(on):
        model.backbone.mwam = mwam if on else None

    def train_step():
        model.train_step(data, optim)

    def infer():
        with torch.no_grad():
            model.predict(pre['inputs'], pre['data_samples'])

    def frm():
        for x in parts:
            frequency_ratio(x)

    times = {k: [] for k in ('train_on', 'train_off', 'infer_on', 'infer_off', 'frm')}
    mem = {}
    for i in range(args.warmup + args.iters):
        for on in (True, False):
            set_mwam(on)
            model.train()
            if device.type == 'cuda':
                torch.cuda.reset_peak_memory_stats()
            t = timed(train_step, device)
            if device.type == 'cuda':
                mem[on] = torch.cuda.max_memory_allocated() / 2**20
            model.eval()
            ti = timed(infer, device)
            if i >= args.warmup:
                times['train_on' if on else 'train_off'].append(t)
                times['infer_on' if on else 'infer_off'].append(ti)
        tf = timed(frm, device)
        if i >= args.warmup:
            times['frm'].append(tf)
    set_mwam(True)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else f'CPU ({torch.get_num_threads()} threads)'
    rows = [
        ('training step (ms)', med['train_off'], med['train_on'], med['train_on'] / med['train_off']),
        ('inference (ms)', med['infer_off'], med['infer_on'], med['infer_on'] / med['infer_off']),
    ]
    if mem:
        rows.append(('peak training memory (MiB)', mem[False], mem[True], mem[True] / mem[False]))
    print(f'\n{args.config}, batch {args.batch}, {args.size[0]}x{args.size[1]}, {name}, '
          f'median of {args.iters} iterations\n')
    print('| measure | without MWAM | with MWAM | ratio |')
    print('|---|---|---|---|')
    for label, off, on, ratio in rows:
        print(f'| {label} | {off:.2f} | {on:.2f} | {ratio:.3f} |')
    print(f'| FRM of all modalities per batch (ms) | | {med["frm"]:.3f} | '
          f'{med["frm"] / med["train_off"]:.4f} of a step |')


if __name__ == '__main__':
    main()
