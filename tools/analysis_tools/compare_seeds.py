"""Train and test a config and its baseline over several seeds; print the missing-modality tables.

    python tools/analysis_tools/compare_seeds.py configs/mwam/segformer_rgbd_demo.py \
        configs/mwam/segformer_rgbd_demo_baseline.py --seeds 0 1 2 --metric mIoU

Each run is ``tools/train.py`` then ``tools/test.py`` on its last checkpoint (work dirs under
``--work-root``; a finished run's metrics there are reused, and the tool says so); the summary (mean and
standard deviation over seeds, per modality subset) is printed as a Markdown table and written to
``--work-root/summary.md``, with a bar chart (``--chart``, default ``--work-root/summary.png``). PCR is
averaged over the seeds where it is defined (the full set scored above 0), and the cell says over how many.
"""

import argparse
import glob
import json
import math
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
TOOLS = osp.dirname(HERE)
sys.path.insert(0, osp.dirname(TOOLS))

from mmwam.visualization.charts import bar_chart  # noqa: E402


def reusable_result(config, work, opts):
    """The metrics of an earlier run in ``work``, if any: said aloud, and refused when older than the
    checkpoint they should describe (a re-trained run whose test did not finish) or made with other
    ``--cfg-options``."""
    found = sorted(glob.glob(osp.join(work, 'test', '*', 'missing_modality_metrics.json')))
    if not found:
        return None
    path = found[-1]
    record = osp.join(work, 'compare_seeds_options.json')
    made_with = json.load(open(record)) if osp.isfile(record) else None
    if made_with is not None and made_with != opts:
        sys.exit(
            f'compare_seeds: {work} was made with the options {made_with}, not {opts}: delete it (or '
            'choose another --work-root) to run it again'
        )
    last = osp.join(work, 'last_checkpoint')
    ckpt = open(last).read().strip() if osp.isfile(last) else None
    if ckpt and osp.isfile(ckpt) and osp.getmtime(path) < osp.getmtime(ckpt):
        sys.exit(
            f'compare_seeds: {path} is older than the checkpoint {ckpt} it should describe: delete '
            f'{work} (or choose another --work-root) to run it again'
        )
    changed = (
        ' (the config file changed after it: delete the folder to re-run)'
        if osp.getmtime(config) > osp.getmtime(path)
        else ''
    )
    print(f'compare_seeds: reusing {path} from an earlier run{changed}', file=sys.stderr)
    return path


def run(config, seed, work_root, extra):
    name = osp.splitext(osp.basename(config))[0]
    work = osp.join(work_root, f'{name}_seed{seed}')
    opts = ['--cfg-options', f'randomness.seed={seed}', *extra]
    if reusable_result(config, work, opts) is None:
        print(
            f'compare_seeds: training {osp.basename(config)} seed {seed} in {work}', file=sys.stderr
        )
        os.makedirs(work, exist_ok=True)
        with open(osp.join(work, 'compare_seeds_options.json'), 'w') as f:
            json.dump(opts, f)
        subprocess.run(
            [sys.executable, osp.join(TOOLS, 'train.py'), config, '--work-dir', work, *opts],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ckpt = open(osp.join(work, 'last_checkpoint')).read().strip()
        subprocess.run(
            [
                sys.executable,
                osp.join(TOOLS, 'test.py'),
                config,
                ckpt,
                '--work-dir',
                osp.join(work, 'test'),
                *opts,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    path = sorted(glob.glob(osp.join(work, 'test', '*', 'missing_modality_metrics.json')))[-1]
    with open(path) as f:
        return json.load(f)


def run_all(args):
    """Every config x seed, in order; a progress line with an ETA after each run (finished runs are read
    back, not re-run)."""
    jobs = [(c, s) for c in args.configs for s in args.seeds]
    results, start, trained = {c: [] for c in args.configs}, time.time(), 0
    for i, (c, s) in enumerate(jobs, 1):
        t = time.time()
        results[c].append(run(c, s, args.work_root, args.cfg_options))
        if time.time() - t > 5:  # a run, not a read-back
            trained += 1
        left = len(jobs) - i
        eta = (time.time() - start) / max(trained, 1) * left if trained else 0
        print(
            f'compare_seeds: [{i}/{len(jobs)}] {osp.basename(c)} seed {s} done'
            + (f', about {eta / 60:.0f} min left' if trained and left else ''),
            file=sys.stderr,
        )
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--metric',
        default='mIoU',
        help="e.g. mIoU, pascal_voc/mAP (always reported), coco/bbox_mAP_50 (missing "
        "when a model gives no box above its score threshold)",
    )
    parser.add_argument('--work-root', default='work_dirs/compare_seeds')
    parser.add_argument(
        '--cfg-options',
        nargs='*',
        default=[],
        help='key=value overrides passed to every train and test run',
    )
    parser.add_argument('--chart', help='bar chart PNG (default: --work-root/summary.png)')
    args = parser.parse_args()
    os.makedirs(args.work_root, exist_ok=True)
    results = run_all(args)
    first = results[args.configs[0]][0]
    subsets = [
        k[: -len(args.metric) - 1]
        for k in first
        if k.endswith('/' + args.metric) and not k.startswith(('avg/', 'pcr/'))
    ]
    cols = subsets + ['avg'] + [f'PCR {s}' for s in subsets[1:]]
    keys = (
        [f'{s}/{args.metric}' for s in subsets]
        + [f'avg/{args.metric}']
        + [f'pcr/{s}/{args.metric}' for s in subsets[1:]]
    )
    lines = [
        f'{args.metric}, mean ± std over seeds {args.seeds}',
        '',
        '| config | ' + ' | '.join(cols) + ' |',
        '|---' * (len(cols) + 1) + '|',
    ]
    for c, runs in results.items():
        cells = []
        for k in keys:
            vals = [r[k] for r in runs if not math.isnan(r[k])]  # PCR is not defined where full = 0
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            if not vals:
                cells.append('n/a')
                continue
            cell = (
                f'{statistics.mean(vals):.3f} ± {sd:.3f}'
                if k.startswith('pcr/')
                else f'{statistics.mean(vals):.2f} ± {sd:.2f}'
            )
            cells.append(
                cell + (f' ({len(vals)} of {len(runs)} seeds)' if len(vals) < len(runs) else '')
            )
        lines.append(f'| {osp.basename(c)} | ' + ' | '.join(cells) + ' |')
    lines += ['', 'per seed:'] + [
        f'- {osp.basename(c)}: '
        + ', '.join(
            f'seed {s}: ' + ' / '.join(f'{r[k]:.2f}' for k in keys[: len(subsets)])
            for s, r in zip(args.seeds, runs)
        )
        for c, runs in results.items()
    ]
    text = '\n'.join(lines)
    print(text)
    with open(osp.join(args.work_root, 'summary.md'), 'w') as f:
        f.write(text + '\n')
    chart = args.chart or osp.join(args.work_root, 'summary.png')
    bar_chart(
        {osp.splitext(osp.basename(c))[0]: runs for c, runs in results.items()},
        subsets,
        args.metric,
        chart,
        ylabel=f'{args.metric} (mean ± std over seeds {", ".join(map(str, args.seeds))})',
    )
    print(f'chart: {chart}', file=sys.stderr)


if __name__ == '__main__':
    main()
