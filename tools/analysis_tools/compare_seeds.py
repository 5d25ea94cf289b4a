"""Train and test a config and its baseline over several seeds; print the missing-modality tables.

    python tools/analysis_tools/compare_seeds.py configs/mwam/segformer_rgbd_demo.py \
        configs/mwam/segformer_rgbd_demo_baseline.py --seeds 0 1 2 --metric mIoU

Each run is ``tools/train.py`` then ``tools/test.py`` on its last checkpoint (work dirs under
``--work-root``; a finished run's metrics there are reused, and the tool says so); the summary (mean and
standard deviation over seeds, per modality subset) is printed as a Markdown table and written to
``--work-root/summary.md``, with a bar chart (``--chart``, default ``--work-root/summary.png``). PCR is
averaged over the seeds where it is defined (the full set scored above 0), and the cell says over how many.

``--test-name NAME --test-options k=v ...`` tests each finished run once more with other test settings
(for example ``test_cfg.zero_level=input``), into ``<work dir>/NAME``; the training is reused. ``--probe``
runs ``probe_encoders.py`` on each run's checkpoint (``<work dir>/probe.json``, reused when there) and adds
a table of the probes' metric per encoder, mean and standard deviation over seeds.
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


def _options_record(work, test_name):
    suffix = '' if test_name == 'test' else f'_{test_name}'
    return osp.join(work, f'compare_seeds{suffix}_options.json')


def _metrics_file(work, test_name):
    found = sorted(glob.glob(osp.join(work, test_name, '*', 'missing_modality_metrics.json')))
    return found[-1] if found else None


def reusable_result(config, work, opts, test_name='test'):
    """The metrics of an earlier run in ``work``, if any: said aloud, and refused when older than the
    checkpoint they should describe (a re-trained run whose test did not finish) or made with other
    ``--cfg-options`` (``--test-options`` for a test other than the first)."""
    path = _metrics_file(work, test_name)
    if path is None:
        return None
    record = _options_record(work, test_name)
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


def run(config, seed, work_root, extra, test_name='test', test_options=(), probe=None):
    """Train and test one config and seed (or read the finished run back); then, if asked, a second
    test with ``test_options`` and the encoder probe (``probe``: its iterations). Returns the metrics of the test named
    ``test_name`` and the probe's results (``None`` without ``probe``)."""
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
    ckpt = open(osp.join(work, 'last_checkpoint')).read().strip()
    if test_name != 'test':
        test_opts = [*opts, *test_options]
        if reusable_result(config, work, test_opts, test_name) is None:
            print(f'compare_seeds: testing {work} with {list(test_options)}', file=sys.stderr)
            with open(_options_record(work, test_name), 'w') as f:
                json.dump(test_opts, f)
            test_dir = osp.join(work, test_name)
            subprocess.run(
                [sys.executable, osp.join(TOOLS, 'test.py'), config, ckpt, '--work-dir', test_dir]
                + test_opts,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    with open(_metrics_file(work, test_name)) as f:
        metrics = json.load(f)
    return metrics, run_probe(config, work, ckpt, opts, probe) if probe else None


def run_probe(config, work, ckpt, opts, iters):
    """The encoder probe of one run: ``<work>/probe.json``, made by ``probe_encoders.py`` unless there."""
    out = osp.join(work, 'probe.json')
    if not osp.isfile(out):
        print(f'compare_seeds: probing {work}', file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                osp.join(HERE, 'probe_encoders.py'),
                config,
                ckpt,
                '--out',
                out,
                '--iters',
                str(iters),
                *opts,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    elif osp.isfile(ckpt) and osp.getmtime(out) < osp.getmtime(ckpt):
        sys.exit(
            f'compare_seeds: {out} is older than the checkpoint {ckpt}: delete it to probe again'
        )
    with open(out) as f:
        return json.load(f)['results']


def _probe_value(metrics, metric):
    """``metric`` in one probe's results: the key itself or one that ends with ``/metric``."""
    for key, value in metrics.items():
        if key == metric or key.endswith('/' + metric):
            return value
    sys.exit(f'compare_seeds: the probes have no metric {metric!r}; they have {sorted(metrics)}')


def mean_std(vals, digits=2):
    """``mean ± std`` of a list of numbers (std 0 for a single one)."""
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return f'{statistics.mean(vals):.{digits}f} ± {sd:.{digits}f}'


def table_head(title, cols):
    return [title, '', '| config | ' + ' | '.join(cols) + ' |', '|---' * (len(cols) + 1) + '|']


def probe_table(probes, metric):
    """Markdown lines: the probes' ``metric`` per encoder (and on the fused features), mean ± std."""
    sources = list(next(iter(probes.values()))[0])
    title = (
        f"probe {metric} (a fresh head on each frozen encoder's features), mean ± std over seeds"
    )
    lines = table_head(title, sources)
    for c, runs in probes.items():
        cells = [mean_std([_probe_value(r[src], metric) for r in runs]) for src in sources]
        lines.append(f'| {osp.basename(c)} | ' + ' | '.join(cells) + ' |')
    return lines


def run_all(args):
    """Every config x seed, in order; a progress line with an ETA after each run (finished runs are read
    back, not re-run)."""
    jobs = [(c, s) for c in args.configs for s in args.seeds]
    results, probes = {c: [] for c in args.configs}, {c: [] for c in args.configs}
    start, trained = time.time(), 0
    for i, (c, s) in enumerate(jobs, 1):
        t = time.time()
        metrics, probe = run(
            c,
            s,
            args.work_root,
            args.cfg_options,
            args.test_name,
            args.test_options,
            args.probe_iters if args.probe else None,
        )
        results[c].append(metrics)
        probes[c].append(probe)
        if time.time() - t > 5:  # a run, not a read-back
            trained += 1
        left = len(jobs) - i
        eta = (time.time() - start) / max(trained, 1) * left if trained else 0
        print(
            f'compare_seeds: [{i}/{len(jobs)}] {osp.basename(c)} seed {s} done'
            + (f', about {eta / 60:.0f} min left' if trained and left else ''),
            file=sys.stderr,
        )
    return results, probes


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
    parser.add_argument(
        '--test-name',
        default='test',
        help='test each finished run again into <work dir>/NAME, with --test-options (the training '
        "is reused); the summary is that test's",
    )
    parser.add_argument(
        '--test-options', nargs='*', default=[], help='key=value overrides for that test only'
    )
    parser.add_argument(
        '--probe', action='store_true', help="also probe each run's encoders (probe_encoders.py)"
    )
    parser.add_argument(
        '--probe-iters', type=int, default=300, help="the probes' training iterations (default 300)"
    )
    parser.add_argument('--chart', help='bar chart PNG (default: --work-root/summary.png)')
    args = parser.parse_args()
    if args.test_options and args.test_name == 'test':
        parser.error(
            '--test-options needs a --test-name other than "test" (the folder of that test)'
        )
    os.makedirs(args.work_root, exist_ok=True)
    results, probes = run_all(args)
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
    lines = table_head(f'{args.metric}, mean ± std over seeds {args.seeds}', cols)
    for c, runs in results.items():
        cells = []
        for k in keys:
            vals = [r[k] for r in runs if not math.isnan(r[k])]  # PCR is not defined where full = 0
            if not vals:
                cells.append('n/a')
                continue
            cell = mean_std(vals, 3 if k.startswith('pcr/') else 2)
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
    if args.probe:
        lines += [''] + probe_table(probes, args.metric)
    text = '\n'.join(lines)
    print(text)
    suffix = '' if args.test_name == 'test' else f'_{args.test_name}'
    with open(osp.join(args.work_root, f'summary{suffix}.md'), 'w') as f:
        f.write(text + '\n')
    chart = args.chart or osp.join(args.work_root, f'summary{suffix}.png')
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
