"""How much of the installed mmseg / mmdet model zoos add_mwam makes multimodal.

    python tools/analysis_tools/zoo_coverage.py                       # every config of both zoos
    python tools/analysis_tools/zoo_coverage.py --families segformer yolox --out work_dirs/zoo_coverage
    python tools/analysis_tools/zoo_coverage.py --packages mmdet --configs 'rtmdet/rtmdet_s_*'

Every config file (``_base_`` excepted) is converted (``--dataset demo-rgbd`` for mmseg, ``llvip-mini`` for
mmdet); the first config of each model family (its folder) that converts is also built and trained one
step on a tiny RGB + X batch (CPU, 64x64, pretrained weights off: no hub here). Each result is one line of
``--out/results.jsonl`` as soon as it is known, so an interrupted sweep resumes where it stopped; the
summary and the full table are written to ``--out/zoo_coverage.md``.

Results: ``trained`` (converted and one step trained), ``converted`` (another config of the family was
trained), ``needs a package`` (the config imports one that is not installed: mmpretrain, torchvision),
``out of scope`` (not an EncoderDecoder segmentor nor a detector with a backbone: trackers, video models,
semi-supervised wrappers, SAN, configs without a model), ``refused`` (add_mwam's one-line reason),
``fails upstream too`` (the converted model's training step failed, and so does the original RGB model's
on the same fake batch: a CPU op that mmcv lacks or crashes in, a model that needs its pretrained weights
to give finite losses; not counted) and ``failed`` (an error of ours: a bug to look at).

Each config is checked in a worker process; one that crashes it (a segfault in a compiled op) is recorded
as such and the sweep goes on in a new worker. A worker that has trained a model and whose address space has
grown past ``--fresh-worker-gb`` (memory a large model left behind) hands over to a fresh one before its next
training step, so that a later model does not fail for want of memory an earlier one holds.
"""

import argparse
import copy
import fnmatch
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
import traceback

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(osp.dirname(HERE)))

DATASET = {'mmseg': 'demo-rgbd', 'mmdet': 'llvip-mini'}
FRESH_WORKER = 75  # a worker's exit status: go on in a new worker (memory was left behind)
OWN_PIPELINES = {
    'mmseg': 'depth',
    'mmdet': 'infrared',
}  # the modality when a config keeps its own pipelines


def address_space() -> int:
    """This process's virtual memory size in bytes (what ``RLIMIT_AS`` limits)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[0]) * os.sysconf('SC_PAGE_SIZE')


def zoo_configs(package):
    import importlib.util

    # found without importing the package (a finished sweep resumes in a second)
    root = osp.join(osp.dirname(importlib.util.find_spec(package).origin), '.mim', 'configs')
    for folder, _, files in sorted(os.walk(root)):
        rel = osp.relpath(folder, root)
        if rel.split(os.sep)[0] == '_base_':
            continue
        for f in sorted(files):
            if f.endswith('.py'):
                yield rel.split(os.sep)[0], osp.join(root, folder, f), osp.join(rel, f)


def version(package):
    """A package's ``__version__``, read from its ``version.py`` without importing the package."""
    import importlib.util

    folder = osp.dirname(importlib.util.find_spec(package).origin)
    match = re.search(r"__version__ = '([^']+)'", open(osp.join(folder, 'version.py')).read())
    return match.group(1) if match else 'unknown'


def scope_of(cfg):
    """None when in scope, else why not (one line)."""
    from mmwam.converters import ConversionError
    from mmwam.converters.models import _task

    model = cfg.get('model')
    if not isinstance(model, dict):
        return 'no model in the config'
    try:
        _task(model)
    except ConversionError as e:
        return str(e)
    return None


def train_one_step(cfg, package, size=(64, 64)):
    """Build the model of ``cfg`` (converted or the original) and train it one step on a tiny fake batch
    of ``size`` with its preprocessor's channels."""
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS, init_default_scope

    from mmwam.converters import label_needs
    from mmwam.models.encoder_init import drop_pretrained
    from mmwam.testing import fake_det_batch, fake_seg_batch
    from mmwam.testing import train_one_step as one_step

    init_default_scope(cfg.default_scope or package)
    drop_pretrained(cfg.model)
    _torch_sync_bn(cfg.model)
    if package == 'mmseg':
        cfg.model.data_preprocessor.size = size
    for aug in cfg.model.data_preprocessor.get('batch_augments') or []:
        if (
            'size' in aug
        ):  # BatchFixedSizePad (Mask2Former's LSJ pads to 1024x1024): to the fake batch's size
            aug['size'] = size
    model = revert_sync_batchnorm(MODELS.build(cfg.model))  # SyncBN needs a process group
    # as a Runner does: parameters a module only allocates (DINO's level_embed) get their values here;
    # left out, they hold whatever memory was there (non-finite after earlier models in the worker)
    model.init_weights()
    channels = sum((cfg.model.data_preprocessor.get('modalities') or dict(rgb=3)).values())
    if package == 'mmdet':
        masks = any(  # for instance-segmentation models
            flag == 'with_mask'
            for _, flag in label_needs(
                dict(cfg.model, type=cfg.model.get('detector_type', cfg.model.type))
            )
        )
        data = fake_det_batch(n=2, size=size, channels=channels, masks=masks)
    else:
        data = fake_seg_batch(n=2, h=size[0], w=size[1], channels=channels, edge_maps=True)
    # (a non-finite loss is a RuntimeError too: the next size is tried)
    one_step(model, data, dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=1e-3)))


def _torch_sync_bn(node):
    """mmcv's MMSyncBN needs a process group to be built: torch's SyncBN instead, which
    ``revert_sync_batchnorm`` then turns into BN for the one-process step."""
    if isinstance(node, dict):
        if node.get('type') == 'MMSyncBN':
            node['type'] = 'SyncBN'
        for v in node.values():
            _torch_sync_bn(v)
    elif isinstance(node, list):
        for v in node:
            _torch_sync_bn(v)


def step_sizes(cfg, package):
    """64x64 first; then the config's own crop (BEiT's position bias, LR-ASPP's pooling need it), or for a
    detector 256 and 512 (deformable convolutions need some pixels at the coarsest level; a detector at
    512 can take over 16 GB on the CPU, so not first)."""
    own = cfg.get('crop_size') or cfg.model.get('backbone', {}).get('img_size')
    if own:
        return [(64, 64), (own, own) if isinstance(own, int) else tuple(own)]
    return [(64, 64), (512, 512)] if package == 'mmseg' else [(64, 64), (256, 256), (512, 512)]


def step_error(cfg, package):
    """None if the model of ``cfg`` trains one step at one of :func:`step_sizes`, else the last error."""
    try:
        sizes = step_sizes(cfg, package)
        for i, size in enumerate(sizes):
            try:
                train_one_step(copy.deepcopy(cfg), package, size)
                break
            except RuntimeError as e:  # a size the model cannot take: the next one
                # (an op that mmcv did not compile for this device fails at every size)
                if i == len(sizes) - 1 or 'implementation for device' in str(e):
                    raise
    except Exception as e:  # noqa: BLE001
        where = traceback.extract_tb(e.__traceback__)[-1]
        return f'{type(e).__name__}: {one_line(e)} ({osp.basename(where.filename)}:{where.lineno})'
    return None


def pipeline_error(cfg, package):
    """None if every pipeline of the converted config builds (its datasets', wrappers' included, and a
    PipelineSwitchHook's), else the error."""
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope

    init_default_scope(cfg.default_scope or package)
    pipelines = [
        ('custom_hooks', h['switch_pipeline'])
        for h in cfg.get('custom_hooks') or []
        if 'switch_pipeline' in h
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset, where = (cfg.get(loader) or {}).get('dataset'), f'{loader}.dataset'
        while isinstance(dataset, dict):
            pipelines += [(where, dataset['pipeline'])] if 'pipeline' in dataset else []
            dataset, where = dataset.get('dataset'), f'{where}.dataset'
    for where, pipeline in pipelines:
        try:
            Compose(pipeline)
        except Exception as e:  # noqa: BLE001  (any error building it is the result)
            return f'pipeline {where}: {type(e).__name__}: {one_line(e)}'
    return None


def one_line(error: Exception) -> str:
    """The first line of an error's message, at most 200 characters."""
    text = str(error).splitlines()[0] if str(error) else ''
    # the installation's own folders say nothing to a reader of the table
    text = re.sub(r'[^\s\'"]*/site-packages/', '<site-packages>/', text)
    return re.sub(r'[^\s\'"]*/pip-wheel-[^/]+/[^/]+/', '<source>/', text)[:200]


SIGNALS = {9: 'killed: out of memory?', 11: 'a segfault in a compiled op?'}


def crash(signal) -> str:
    return f'the process crashed ({SIGNALS.get(signal, f"signal {signal}")})'


def check(package, path, train, phase=lambda name: None, crashed=None):
    """The result and reason for one config. ``phase`` is told which step runs (so that a crash can be
    attributed); ``crashed``: ``(step, signal)`` that killed a previous worker on this config."""
    from mmwam.converters import ConversionError, add_mwam, load_config

    try:
        cfg = load_config(path)
    except Exception as e:  # noqa: BLE001  (a config that does not load is a result, not a crash)
        why = one_line(e)
        if (
            'not installed' in why
        ):  # ours names the package; mmengine's "please install mmpretrain manually"
            return 'needs a package', why
        return 'fails upstream too', f'the config does not load: {why}'
    why = scope_of(cfg)
    if why is not None:
        return 'out of scope', why
    refusal = (
        ''  # the --dataset conversion's, when the config's own pipelines are converted instead
    )
    try:
        try:
            converted = add_mwam(cfg, dataset=DATASET[package])
        except (
            ConversionError
        ) as e:  # e.g. Fast R-CNN's proposals: the model's own pipelines may convert
            if not str(e).startswith('--dataset'):
                raise
            refusal = str(e)
            converted = add_mwam(cfg, modality=OWN_PIPELINES[package])
    except ConversionError as e:
        return 'refused', f'{refusal}; with its own pipelines: {e}' if refusal else str(e)
    except Exception as e:  # noqa: BLE001
        why = f'conversion: {type(e).__name__}: {one_line(e)}'
        return (
            'needs a package' if 'pip install' in why else 'failed'
        ), why  # VPD asks for its own packages
    note = f'without --dataset ({refusal})' if refusal else ''
    if not train:
        return 'converted', note
    died = crashed and crash(crashed[1])
    if crashed and crashed[0] == 'upstream':
        return 'fails upstream too', f'training step: the original model: {died}'
    phase('converted')
    if not crashed:
        error = pipeline_error(converted, package)
        if error is not None:
            upstream = pipeline_error(cfg, package)
            if upstream is None:
                return 'failed', error
            # the original's pipelines do not build either (a transform's package is not installed):
            # not a conversion error, and the model's step does not need them
            note = '; '.join(
                x for x in (note, f'pipelines not built, nor the original\'s: {upstream}') if x
            )
    error = died if crashed else step_error(converted, package)
    if error is None:
        return 'trained', note
    if error.startswith(('ModuleNotFoundError', 'ImportError')) or 'pip install' in error:
        # torchvision (CrowdDet), sklearn (PAA), VPD's own requirements
        return 'needs a package', f'training step: {error}'
    phase('upstream')
    upstream = step_error(cfg, package)
    if upstream is not None:
        return 'fails upstream too', f'training step: {error}; the original model: {upstream}'
    return 'failed', f'training step: {error}'


def summary(rows, versions):
    fams = {}
    for r in rows:
        fams.setdefault((r['package'], r['family']), []).append(r['result'])
    outside = ('out of scope', 'needs a package', 'fails upstream too')
    in_scope = {k: v for k, v in fams.items() if any(x not in outside for x in v)}
    apart = {
        why: sorted(
            f'{p}::{f}' for (p, f), v in fams.items() if why in v and (p, f) not in in_scope
        )
        for why in outside[1:]
    }
    ok = [k for k, v in in_scope.items() if 'trained' in v]
    lines = [
        f'# add_mwam over the model zoos ({time.strftime("%Y-%m-%d")}, {versions})',
        '',
        f'- configs: {len(rows)}; '
        + ', '.join(
            f'{res} {sum(r["result"] == res for r in rows)}'
            for res in ('trained', 'converted', 'refused', 'failed') + outside
        ),
        f'- model families in scope: {len(in_scope)}; converted and trained one step: {len(ok)} '
        f'({100 * len(ok) / max(len(in_scope), 1):.1f} %)',
        f'- families in scope without a trained config: '
        f'{", ".join(f"{p}::{f}" for p, f in sorted(set(in_scope) - set(ok))) or "none"}',
        f'- families that need a package that was not installed (not counted): '
        f'{", ".join(apart["needs a package"]) or "none"}',
        f'- families whose original RGB model fails the same step too (not counted): '
        f'{", ".join(apart["fails upstream too"]) or "none"}',
        '',
        '| package | family | config | result | reason |',
        '|---|---|---|---|---|',
    ]
    for r in rows:
        lines.append(
            f'| {r["package"]} | {r["family"]} | {r["config"]} | {r["result"]} | '
            f'{r["reason"].replace("|", "/")} |'
        )
    return '\n'.join(lines) + '\n'


def selected(args, family, rel):
    """Whether ``--families`` / ``--configs`` select this config."""
    return (not args.families or family in args.families) and (
        not args.configs or any(fnmatch.fnmatch(rel, c) for c in args.configs)
    )


def main():
    class Formatter(argparse.RawTextHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        pass

    p = argparse.ArgumentParser(description=__doc__, formatter_class=Formatter)
    p.add_argument(
        '--packages',
        nargs='+',
        default=['mmseg', 'mmdet'],
        choices=['mmseg', 'mmdet'],
        help='the zoos to sweep',
    )
    p.add_argument('--families', nargs='+', help='only these model families (zoo folders)')
    p.add_argument(
        '--configs',
        nargs='+',
        help='only the configs matching these patterns (fnmatch, e.g. '
        '"yolox/yolox_s_*"; paths relative to the zoo)',
    )
    p.add_argument(
        '--out',
        default='work_dirs/zoo_coverage',
        help='results.jsonl (resumable) and zoo_coverage.md (every result in it) go here',
    )
    p.add_argument('--no-train', action='store_true', help='convert only')
    p.add_argument(
        '--retry',
        action='store_true',
        help='check again every config that was not trained, converted or out of scope (after a fix)',
    )
    p.add_argument(
        '--memory-gb',
        type=float,
        default=10,
        help='address-space limit of the worker: a model that needs more fails its step (out of '
        'memory) instead of the machine killing processes',
    )
    p.add_argument(
        '--fresh-worker-gb',
        type=float,
        help='a worker that has trained a model and has grown past this address space hands over to a '
        'fresh one before its next training step (default: half of --memory-gb)',
    )
    p.add_argument(
        '--worker', action='store_true', help=argparse.SUPPRESS
    )  # the process that checks
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = osp.join(args.out, 'results.jsonl')
    marker = osp.join(args.out, 'in_progress.json')  # the config and step being checked
    if not args.worker:
        if args.retry and osp.isfile(
            results
        ):  # forget them, so that every worker checks them again
            rows = [json.loads(line) for line in open(results)]
            with open(results, 'w') as f:
                f.writelines(
                    json.dumps(r) + '\n'
                    for r in rows
                    if r['result'] in ('trained', 'converted', 'out of scope')
                    or r['package'] not in args.packages
                    or not selected(args, r['family'], r['config'])
                )
        argv = [a for a in sys.argv[1:] if a != '--retry']
        while (
            True
        ):  # a worker killed by a signal (a segfault) is followed by another, which records it
            rc = subprocess.call([sys.executable, osp.abspath(__file__), *argv, '--worker'])
            if rc == FRESH_WORKER:
                continue
            if rc >= 0:
                sys.exit(rc)
            if osp.isfile(marker):
                with open(marker) as f:
                    m = json.load(f)
                with open(marker, 'w') as f:
                    json.dump(dict(m, signal=-rc), f)
            print(
                f'zoo_coverage: the worker died (signal {-rc}); going on in a new one', flush=True
            )
    done = {}
    if osp.isfile(results):
        for line in open(results):
            row = json.loads(line)
            done[(row['package'], row['config'])] = row
    crashed = {}
    if osp.isfile(marker):
        m = json.load(open(marker))
        crashed[(m['package'], m['config'])] = (m['phase'], m.get('signal'))

    def phase(package, rel, name):
        with open(marker, 'w') as f:
            json.dump(dict(package=package, config=rel, phase=name), f)

    zoo = [(package, *c) for package in args.packages for c in zoo_configs(package)]
    todo = [
        (package, family, rel) for package, family, _, rel in zoo if selected(args, family, rel)
    ]
    if not todo:
        sys.exit(
            f'zoo_coverage: error: no config of {" / ".join(args.packages)} matches --families '
            f'{args.families} --configs {args.configs} (patterns are paths in the zoo, e.g. '
            '"retinanet/retinanet_r18_*")'
        )
    print(
        f'zoo_coverage: {len(todo)} configs selected, {sum((p, r) in done for p, _, r in todo)} already in '
        f'{results}',
        flush=True,
    )
    limit = int(args.memory_gb * 2**30)
    fresh_limit = limit / 2 if args.fresh_worker_gb is None else args.fresh_worker_gb * 2**30
    trained_here = False  # whether this worker has stepped a model (a fresh one never hands over)
    if any((p, r) not in done for p, _, r in todo):  # work to do: the OpenMMLab stack is needed
        import logging
        import resource
        import warnings

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        warnings.filterwarnings('ignore')
        from mmengine.logging import MMLogger

        import mmwam  # noqa: F401  (its modules registered)

        MMLogger.get_instance('mmengine').setLevel(logging.ERROR)
    for package in args.packages:
        trained_families = {
            r['family']
            for r in done.values()
            if r['package'] == package and r['result'] == 'trained'
        }
        for _, family, path, rel in (z for z in zoo if z[0] == package):
            key = (package, rel)
            if selected(args, family, rel) and key not in done:
                train = not args.no_train and family not in trained_families
                if train and trained_here and address_space() > fresh_limit:
                    print(
                        f'zoo_coverage: the worker holds {address_space() / 2**30:.1f} GB of address '
                        'space; going on in a fresh one',
                        flush=True,
                    )
                    sys.exit(FRESH_WORKER)
                if crashed.get(key, ('',))[0] == 'conversion':
                    result, reason = 'failed', f'conversion: {crash(crashed[key][1])}'
                else:
                    phase(package, rel, 'conversion')
                    result, reason = check(
                        package,
                        path,
                        train,
                        lambda name: phase(package, rel, name),
                        crashed.get(key),
                    )
                done[key] = dict(
                    package=package, family=family, config=rel, result=result, reason=reason
                )
                with open(results, 'a') as f:
                    f.write(json.dumps(done[key]) + '\n')
                os.remove(marker)
                print(
                    f'zoo_coverage: {package}::{rel}: {result}{": " + reason if reason else ""}',
                    flush=True,
                )
                if result == 'trained':
                    trained_families.add(family)
                # a model was built and stepped (trained or failing): memory it leaves counts
                trained_here |= train and result not in (
                    'out of scope',
                    'needs a package',
                    'refused',
                )
    rows = [
        done[(p, rel)] for p, _, _, rel in zoo if (p, rel) in done
    ]  # the table: every result so far
    versions = ', '.join(f'{p} {version(p)}' for p in ('mmseg', 'mmdet', 'mmwam'))
    table = summary(rows, versions)
    with open(osp.join(args.out, 'zoo_coverage.md'), 'w') as f:
        f.write(table)
    print(table.split('\n\n| package')[0])
    print(f'zoo_coverage: the table is in {osp.join(args.out, "zoo_coverage.md")}')


if __name__ == '__main__':
    main()
