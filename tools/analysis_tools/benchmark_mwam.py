"""What MWAM and the missing-modality evaluation cost, measured in one run, for a segmentation or a
detection config.

    python tools/analysis_tools/benchmark_mwam.py configs/mwam/segformer_rgbd.py \
        --batch 8 --size 512 512 --iters 20                       # GPU (the results page's table)
    python tools/analysis_tools/benchmark_mwam.py configs/mwam/segformer_rgbd.py \
        --batch 2 --size 512 512 --iters 5 --eval-only --add-modality thermal     # CPU, evaluation only

Training: one model is built (encoders, fusion, heads); "without MWAM" is the same model with its MWAM
module removed, so both share weights and data: training step, inference, peak memory (CUDA), FRM.
Evaluation: one full-set prediction of a batch, the all-subsets prediction by the plain path (every
subset runs every encoder) and by the shared path (each encoder once per batch on its real input; its
output for an all-zero input once per evaluation and shape, made before timing as over a whole test
set), as ratios to the full-set prediction, and the encoders' share of it. ``--add-modality NAME`` also
measures a variant with one more 1-channel modality (RGB-D-T from RGB-D). The measures are timed
alternately, iteration by iteration, so that drift of a noisy machine hits all alike; medians are
reported.
"""

import argparse
import copy
import statistics
import time

import torch
from mmengine.evaluator import Evaluator
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, init_default_scope

import mmwam  # noqa: F401
from mmwam import frequency_ratio
from mmwam.engine.runner.missing_modality_loops import (
    encoder_cache_for,
    evaluate_every_subset,
    predict_every_subset,
)
from mmwam.evaluation import MissingModalityEvaluator
from mmwam.models.encoder_init import drop_pretrained
from mmwam.testing import fake_det_batch, fake_seg_batch
from mmwam.utils import all_subsets, parse_modalities


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def timed(fn, device):
    sync(device)
    t = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t


def fake_batch(cfg, scope, batch, size, device):
    """Random images with every modality's statistics (the preprocessor's mean and std), and labels: a
    segmentation map or two boxes."""
    pre = cfg.model.data_preprocessor
    modalities = parse_modalities(pre.modalities, 'modalities')
    channels = sum(modalities.values())
    mean = torch.tensor([v for m in modalities for v in pre.mean[m]], device=device).view(-1, 1, 1)
    std = torch.tensor([v for m in modalities for v in pre.std[m]], device=device).view(-1, 1, 1)
    h, w = size
    if scope == 'mmdet':
        data = fake_det_batch(n=batch, size=(h, w), channels=channels)
    else:
        num_classes = cfg.model.decode_head.num_classes
        data = fake_seg_batch(n=batch, h=h, w=w, channels=channels, num_classes=num_classes)
    data['data_samples'] = [s.to(device) for s in data['data_samples']]
    data['inputs'] = [mean + std * torch.randn(channels, h, w, device=device) for _ in range(batch)]
    return data


def dataset_meta(cfg, scope):
    """Class names for the metrics: the config's dataset's, or as many placeholders as the head predicts."""
    classes = cfg.get('test_dataloader', {}).get('dataset', {}).get('metainfo', {}).get('classes')
    if classes is None:
        head = (
            cfg.model.get('decode_head')
            or cfg.model.get('bbox_head')
            or cfg.model.roi_head.bbox_head
        )
        classes = [f'class{i}' for i in range(head.num_classes)]
    return dict(classes=list(classes))


def with_modality(cfg, name):
    """The config with one more 1-channel modality (mean 0, std 1), its encoder cloned like the others."""
    cfg = copy.deepcopy(cfg)
    pre = cfg.model.data_preprocessor
    pre.modalities = dict(parse_modalities(pre.modalities, 'modalities'), **{name: 1})
    pre.mean[name], pre.std[name] = [0.0], [1.0]
    return cfg


def build(cfg, scope, size, device):
    cfg = copy.deepcopy(cfg)
    if scope == 'mmseg':
        cfg.model.data_preprocessor.size = tuple(size)
        if (
            device.type == 'cpu'
        ):  # SyncBN has no CPU multi-process path; the cost is the same as BN's
            cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    if cfg.model.get('mwam') is None:
        cfg.model.mwam = dict(type='MWAM')
    drop_pretrained(cfg.model)  # timings need no checkpoint (and none may be reachable)
    model = MODELS.build(cfg.model)
    # as a Runner does: parameters a module only allocates would otherwise time whatever memory held
    model.init_weights()
    return model.to(device)


def median_ms(times):
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def bench_training(cfg, scope, args, device):
    model = build(cfg, scope, args.size, device)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    mwam = model.backbone.mwam
    data = fake_batch(cfg, scope, args.batch, args.size, device)
    pre = model.data_preprocessor(copy.deepcopy(data), True)
    parts = model.backbone.split(pre['inputs'])

    def set_mwam(on):
        model.backbone.mwam = mwam if on else None

    def infer():
        with torch.no_grad():
            model.predict(pre['inputs'], copy.deepcopy(pre['data_samples']))

    times = {k: [] for k in ('train_on', 'train_off', 'infer_on', 'infer_off', 'frm')}
    mem = {}
    for i in range(args.warmup + args.iters):
        for on in (True, False):
            set_mwam(on)
            model.train()
            if device.type == 'cuda':
                torch.cuda.reset_peak_memory_stats()
            t = timed(lambda: model.train_step(copy.deepcopy(data), optim), device)
            if device.type == 'cuda':
                mem[on] = torch.cuda.max_memory_allocated() / 2**20
            model.eval()
            ti = timed(infer, device)
            if i >= args.warmup:
                times['train_on' if on else 'train_off'].append(t)
                times['infer_on' if on else 'infer_off'].append(ti)
        tf = timed(lambda: [frequency_ratio(x) for x in parts], device)
        if i >= args.warmup:
            times['frm'].append(tf)
    set_mwam(True)
    med = median_ms(times)
    print('\n| measure | without MWAM | with MWAM | ratio |\n|---|---|---|---|')
    rows = [
        ('training step (ms)', med['train_off'], med['train_on']),
        ('inference (ms)', med['infer_off'], med['infer_on']),
    ]
    if mem:
        rows.append(('peak training memory (MiB)', mem[False], mem[True]))
    for label, off, on in rows:
        print(f'| {label} | {off:.2f} | {on:.2f} | {on / off:.3f} |')
    print(
        f'| FRM of all modalities per batch (ms) | | {med["frm"]:.3f} | '
        f'{med["frm"] / med["train_off"]:.4f} of a step |'
    )


def bench_evaluation(cfg, scope, args, device, label):
    model = build(cfg, scope, args.size, device).eval()
    names = list(model.data_preprocessor.modalities)
    subsets = all_subsets(names)
    data = fake_batch(cfg, scope, args.batch, args.size, device)
    cache, why = encoder_cache_for(model)
    if cache is None:
        raise SystemExit(f'benchmark_mwam: the shared path does not apply here: {why}')
    parts = model.backbone.split(model.data_preprocessor(copy.deepcopy(data), False)['inputs'])

    def all_subsets_plain():
        for _ in predict_every_subset(model, data, subsets):
            pass

    def all_subsets_shared():
        for _ in predict_every_subset(model, data, subsets, cache=cache):
            pass

    def encoders():
        for name, x in zip(names, parts):
            model.backbone.encoders[name](x)

    # the test loops' whole work on a batch (preprocessing, prediction, the metrics' processing):
    # MMEngine's TestLoop on the full set, and the MissingModalityTestLoop's on every subset
    meta = dataset_meta(cfg, scope)
    metric_cfg = copy.deepcopy(cfg.test_evaluator)
    for m in metric_cfg if isinstance(metric_cfg, list) else [metric_cfg]:
        m.pop('ann_file', None)  # the fake batch's ground truth, not the data set's
    plain_metrics = Evaluator(copy.deepcopy(metric_cfg))
    subset_metrics = MissingModalityEvaluator(copy.deepcopy(metric_cfg), names, subsets)
    plain_metrics.dataset_meta = subset_metrics.dataset_meta = meta

    def loop_full():
        plain_metrics.process(data_samples=model.test_step(data), data_batch=data)

    def loop_subsets():
        evaluate_every_subset(model, data, subset_metrics, cache=cache)

    measures = dict(
        full=lambda: model.test_step(data),
        plain=all_subsets_plain,
        shared=all_subsets_shared,
        encoders=encoders,
        loop_full=loop_full,
        loop_subsets=loop_subsets,
    )
    times = {k: [] for k in measures}
    with torch.no_grad():
        all_subsets_shared()  # the all-zero outputs: made once per evaluation
        for i in range(args.warmup + args.iters):
            for k, fn in measures.items():
                t = timed(fn, device)
                if i >= args.warmup:
                    times[k].append(t)
    med = median_ms(times)
    full = med['full']
    print(f'\n{label}: {len(names)} modalities ({"+".join(names)}), {len(subsets)} subsets\n')
    print('| measure | ms | ratio to one full-set prediction |\n|---|---|---|')
    print(f'| one full-set prediction | {full:.1f} | 1.00 |')
    print(
        f'| all subsets, plain path (every subset runs every encoder) | {med["plain"]:.1f} | '
        f'{med["plain"] / full:.2f} |'
    )
    print(
        f'| all subsets, shared encoder outputs | {med["shared"]:.1f} | {med["shared"] / full:.2f} |'
    )
    print(
        f'| the encoders alone, on the full input | {med["encoders"]:.1f} | {med["encoders"] / full:.2f} |'
    )
    bound = med['encoders'] + len(subsets) * (full - med['encoders'])
    print(
        f'| lower bound of any shared path: the encoders once, the rest (fusion, neck, heads, '
        f'post-processing) once per subset | {bound:.1f} | {bound / full:.2f} |'
    )
    loop_bound = med['loop_full'] * bound / full
    print(
        f'\nThe whole test loop on a batch (preprocessing, prediction, metrics):\n\n| measure | ms | ratio |\n'
        f'|---|---|---|\n| TestLoop, the full set | {med["loop_full"]:.1f} | 1.00 |\n'
        f'| MissingModalityTestLoop, {len(subsets)} subsets | {med["loop_subsets"]:.1f} | '
        f'{med["loop_subsets"] / med["loop_full"]:.2f} |\n'
        f'| its bound: the model\'s bound ({bound / full:.2f}) x the full-set loop | {loop_bound:.1f} | '
        f'{loop_bound / med["loop_full"]:.2f} |\n\nthe missing-modality loop is at '
        f'{med["loop_subsets"] / loop_bound:.2f} x its bound'
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument('config')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--eval-only', action='store_true', help='only the evaluation measures')
    parser.add_argument(
        '--add-modality',
        metavar='NAME',
        help='also measure the evaluation with one more 1-channel modality (e.g. thermal)',
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    from mmwam.utils.cli import read_config

    cfg = read_config(args.config)
    scope = cfg.get('default_scope', 'mmseg')
    init_default_scope(scope)
    name = (
        torch.cuda.get_device_name(device)
        if device.type == 'cuda'
        else f'CPU ({torch.get_num_threads()} threads)'
    )
    print(
        f'{args.config}, batch {args.batch}, {args.size[0]}x{args.size[1]}, {name}, '
        f'median of {args.iters} iterations'
    )
    if not args.eval_only:
        bench_training(cfg, scope, args, device)
    bench_evaluation(cfg, scope, args, device, 'evaluation')
    if args.add_modality:
        bench_evaluation(
            with_modality(cfg, args.add_modality),
            scope,
            args,
            device,
            f'evaluation with {args.add_modality} added',
        )


if __name__ == '__main__':
    main()
