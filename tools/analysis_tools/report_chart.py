"""A bar chart of missing-modality results: one group per modality subset and the average, one bar per
run, each run's performance collapse rate (PCR) in the legend.

    python tools/analysis_tools/report_chart.py \
        work_dirs/study/segformer_rgbd_demo_seed0/test/*/missing_modality_metrics.json \
        work_dirs/study/segformer_rgbd_demo_baseline_seed0/test/*/missing_modality_metrics.json \
        --labels MWAM baseline --metric mIoU --out chart.png

The inputs are the ``missing_modality_metrics.json`` files that tools/test.py writes (keys ``<subset>/<K>``,
``avg/<K>``, ``pcr/<subset>/<K>``). Over seeds (mean ± std), see compare_seeds.py, which draws the same chart.
"""

import argparse
import json
import math
import os.path as osp
import re
import sys

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(osp.dirname(HERE)))


def read_metrics(path, metric, input_error):
    """The metrics of one run; a missing file, a file that is not a metrics json, or a run without
    ``metric`` is an ``input_error`` naming the file."""
    if not osp.isfile(path):
        raise input_error(f'{path}: no such file')
    try:
        with open(path) as f:
            metrics = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise input_error(f'{path}: not a json file ({e})') from e
    if not isinstance(metrics, dict):
        raise input_error(f'{path}: not a missing_modality_metrics.json (a dict of metrics)')
    if metric is None:
        return metrics
    if f'avg/{metric}' not in metrics:
        known = sorted(k[4:] for k in metrics if k.startswith('avg/'))
        raise input_error(
            f'{path}: no metric {metric!r} (its metrics: {", ".join(known) or "none"}; '
            'written by tools/test.py as missing_modality_metrics.json)'
        )
    return metrics


def subsets_of(metrics, metric):
    """The evaluated subsets, in the file's order (the full set first)."""
    return [
        k[: -len(metric) - 1]
        for k in metrics
        if k.endswith('/' + metric) and not k.startswith(('avg/', 'pcr/'))
    ]


def default_label(path):
    """The run's folder: the one above ``test/<timestamp>/`` as tools/test.py and compare_seeds lay them out."""
    parts = [
        p
        for p in osp.normpath(osp.abspath(path)).split(osp.sep)[:-1]
        if p != 'test' and not re.fullmatch(r'\d{8}_\d{6}', p)
    ]
    return parts[-1] if parts else path


def pcr_text(metrics, subsets, metric):
    cells = []
    for s in subsets[1:]:
        v = metrics.get(f'pcr/{s}/{metric}')
        cells.append(f'{s} ' + ('n/a' if v is None or math.isnan(v) else f'{v:.3f}'))
    return f'PCR {", ".join(cells)}' if cells else ''


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('metrics_json', nargs='+', help='missing_modality_metrics.json of each run')
    p.add_argument(
        '--metric',
        help='e.g. mIoU, mAcc, coco/bbox_mAP_50, pascal_voc/mAP (default: mIoU if the '
        'first file has it, else its first metric)',
    )
    p.add_argument(
        '--labels', nargs='+', help='one legend label per file (default: the run folder names)'
    )
    p.add_argument('--out', default='chart.png', help='the PNG to write (default: chart.png)')
    args = p.parse_args(argv)

    from mmwam.utils.cli import InputError, run_cli
    from mmwam.visualization.charts import bar_chart

    def run():
        if args.labels and len(args.labels) != len(args.metrics_json):
            raise InputError(
                f'--labels: {len(args.labels)} labels for {len(args.metrics_json)} files'
            )
        if args.metric is None:
            first = read_metrics(args.metrics_json[0], None, InputError)
            found = [k[4:] for k in first if k.startswith('avg/')]
            args.metric = 'mIoU' if 'mIoU' in found else (found or [None])[0]
        runs = [read_metrics(path, args.metric, InputError) for path in args.metrics_json]
        subsets = subsets_of(runs[0], args.metric)
        for path, metrics in zip(args.metrics_json, runs):
            missing = [s for s in subsets if f'{s}/{args.metric}' not in metrics]
            if missing:
                raise InputError(
                    f'{path}: no {args.metric} for the subsets {missing} of {args.metrics_json[0]}'
                )
        labels = args.labels or [default_label(path) for path in args.metrics_json]
        series = {}
        for label, metrics in zip(labels, runs):
            pcr = pcr_text(metrics, subsets, args.metric)
            series[f'{label} ({pcr})' if pcr else label] = [metrics]
        if len(series) != len(runs):
            raise InputError(f'two runs have the same label {labels}: give --labels')
        out_dir = osp.dirname(osp.abspath(args.out))
        if not osp.isdir(out_dir):
            raise InputError(f'--out {args.out}: no such folder {out_dir}')
        bar_chart(series, subsets, args.metric, args.out, values_on_bars=True, legend_ncol=1)
        print(f'report_chart.py: {args.metric} of {len(runs)} runs -> {args.out}')

    run_cli(run, 'report_chart.py')


if __name__ == '__main__':
    main()
