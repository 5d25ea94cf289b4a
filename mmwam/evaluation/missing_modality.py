"""Evaluation of every modality subset from one data pass: one copy of the task's metric per subset."""

import copy
import logging
import math
import os.path as osp
from contextlib import contextmanager
from numbers import Number
from typing import Dict, Optional, Sequence, Tuple

from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger, print_log

from ..utils.modalities import subset_name


class MissingModalityEvaluator(Evaluator):
    """Holds one ``Evaluator`` per modality subset and merges their results.

    Result keys (``K`` = a key of the task's metric, e.g. ``mIoU`` or ``coco/bbox_mAP_50``;
    ``S`` = a subset name such as ``rgb`` or ``rgb+depth``):

    - ``K``: the full modality set (so ``save_best='mIoU'`` and leaderboards see the usual keys);
    - ``S/K``: every evaluated subset, the full set included;
    - ``avg/K``: the mean over the evaluated subsets;
    - ``pcr/S/K``: performance collapse rate ``(K_full - K_S) / K_full`` of every other subset; not
      defined (NaN, ``n/a`` in the table) when the full set scores 0.

    A lower-is-better key (a metric's ``lower_is_better`` maps it to its worst value W, e.g. a miss rate
    in percent, W = 100) keeps its plain mean (the mean miss rate) and has its PCR computed on ``W - K``,
    the part of the worst value the model avoids (100 - MR: the detection rate): ``PCR = (K_S - K_full) /
    (W - K_full)``, 0 when the subset loses nothing, 1 when it misses everything, negative when it does
    better, not defined when the full set is already at W. A line under the table names such columns.

    ``avg`` and ``pcr`` are computed for numeric keys only; ``pcr`` only when the full set is evaluated.
    The task metric's own log lines (per-class tables) follow a line naming their subset. With every
    metric in ``format_only`` mode there are no metrics: one line per subset says where its files went.

    Args:
        metrics (dict | list): The task's metric config(s), copied per subset (an output path gets the
            subset's name as a sub-folder).
        modalities (Sequence[str]): The model's modality names, in order.
        subsets (Sequence[Tuple[str, ...]]): The subsets evaluated.
        table_keys (Sequence[str], optional): The table's columns; None: every numeric key all subsets
            have, sorted. Defaults to None.
    """

    def __init__(
        self,
        metrics,
        modalities: Sequence[str],
        subsets: Sequence[Tuple[str, ...]],
        table_keys: Optional[Sequence[str]] = None,
    ):
        self.modalities = tuple(modalities)
        self.subsets = [tuple(s) for s in subsets]
        per_subset = {s: _per_subset_outputs(metrics, subset_name(s)) for s in self.subsets}
        self.evaluators = {s: Evaluator(m) for s, m in per_subset.items()}
        self.outputs = {s: _output_paths(m) for s, m in per_subset.items()}
        self.format_only = all(m.get('format_only', False) for m in _as_list(metrics))
        self.table_keys = table_keys
        self.worst = {
            f'{m.prefix}/{k}' if m.prefix else k: w
            for e in self.evaluators.values()
            for m in e.metrics
            for k, w in getattr(m, 'lower_is_better', {}).items()
        }
        # Evaluator's own state: every subset's metric objects (its dataset_meta setter reaches them all)
        super().__init__([m for e in self.evaluators.values() for m in e.metrics])

    def process(self, data_samples, data_batch=None):
        raise RuntimeError(
            'MissingModalityEvaluator needs one prediction per subset: use it through '
            'MissingModalityValLoop / MissingModalityTestLoop'
        )

    def evaluate(self, size: int) -> dict:
        """Every subset's metrics, merged, and the table logged.

        Args:
            size (int): The length of the dataset.

        Returns:
            dict: The result keys described above (empty in format-only mode).
        """
        per_subset = {}
        for s in self.subsets:
            if not self.format_only:
                print_log(
                    f'Missing-modality evaluation, subset {subset_name(s)}:', logger='current'
                )
            with _without_upstream_lines(self.format_only):
                per_subset[s] = self.evaluators[s].evaluate(size)
        if self.format_only:
            for s in self.subsets:
                print_log(
                    f'format-only, subset {subset_name(s)}: files written to '
                    f'{", ".join(self.outputs[s]) or "(no output path set)"}',
                    logger='current',
                )
            return {}
        results = merge_subset_metrics(per_subset, self.modalities, self.worst)
        print_log(
            'Missing-modality evaluation:\n'
            + format_table(per_subset, self.modalities, self.table_keys, self.worst),
            logger='current',
        )
        return results


# where IoUMetric / CocoMetric / DumpDetResults write: a folder, a file prefix, a file
OUTPUT_KEYS = ('output_dir', 'outfile_prefix', 'out_file_path')


def _as_list(metrics):
    return [m for m in (metrics if isinstance(metrics, list) else [metrics]) if isinstance(m, dict)]


def _output_paths(metrics):
    """Where format_only writes: IoUMetric's folder, CocoMetric's ``<prefix>.bbox.json``."""
    out = []
    for m in _as_list(metrics):
        if m.get('output_dir'):
            out.append(m['output_dir'])
        if m.get('outfile_prefix'):
            out.append(m['outfile_prefix'] + '.bbox.json')
    return out


@contextmanager
def _without_upstream_lines(format_only: bool):
    """IoUMetric and CocoMetric log "results are saved ..." (IoUMetric with the parent folder, so the same
    line for every subset): our per-subset line replaces them. In format-only mode IoUMetric keeps no
    results, which BaseMetric reports as "got empty self.results": expected there, so not shown."""
    logger = MMLogger.get_current_instance()
    drop = logging.Filter()
    drop.filter = lambda record: not (
        str(record.msg).startswith('results are saved')
        or (format_only and 'got empty `self.results`' in str(record.msg))
    )
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def _per_subset_outputs(metrics, name: str):
    """A copy of the metric configs whose output paths get the subset as a sub-folder."""
    metrics = copy.deepcopy(metrics)
    for m in _as_list(metrics):
        for key in OUTPUT_KEYS:
            if m.get(key):
                head, tail = osp.split(m[key].rstrip('/')) if key != 'output_dir' else (m[key], '')
                m[key] = osp.join(head, name, tail) if tail else osp.join(head, name)
    return metrics


def _numeric(metrics: dict) -> Dict[str, float]:
    return {
        k: float(v) for k, v in metrics.items() if isinstance(v, Number) and not isinstance(v, bool)
    }


def _pcr(ref: float, val: float, worst: Optional[float]) -> float:
    """(ref - val) / ref, or for a lower-is-better key with worst value W, (val - ref) / (W - ref); NaN
    when the full set's score leaves nothing to lose."""
    if worst is None:
        return (ref - val) / ref if ref else float('nan')
    return (val - ref) / (worst - ref) if worst != ref else float('nan')


def merge_subset_metrics(
    per_subset: Dict[Tuple[str, ...], dict],
    modalities: Sequence[str],
    worst: Optional[Dict[str, float]] = None,
) -> dict:
    """The flat result dict documented in :class:`MissingModalityEvaluator`.

    Args:
        per_subset (Dict[Tuple[str, ...], dict]): Each subset's metrics.
        modalities (Sequence[str]): The model's modality names: the full set.
        worst (Dict[str, float], optional): The worst value of each lower-is-better key. Defaults to None.

    Returns:
        dict: ``K``, ``S/K``, ``avg/K`` and ``pcr/S/K`` keys.
    """
    full, worst = tuple(modalities), worst or {}
    out = {}
    if full in per_subset:
        out.update(per_subset[full])
    for s, m in per_subset.items():
        out.update({f'{subset_name(s)}/{k}': v for k, v in m.items()})
    keys = set.intersection(*[set(_numeric(m)) for m in per_subset.values()])
    for k in sorted(keys):
        out[f'avg/{k}'] = sum(_numeric(m)[k] for m in per_subset.values()) / len(per_subset)
        if full in per_subset:
            ref = _numeric(per_subset[full])[k]
            for s, m in per_subset.items():
                if s != full:
                    out[f'pcr/{subset_name(s)}/{k}'] = _pcr(ref, _numeric(m)[k], worst.get(k))
    return out


def format_table(
    per_subset: Dict[Tuple[str, ...], dict],
    modalities: Sequence[str],
    keys: Optional[Sequence[str]] = None,
    worst: Optional[Dict[str, float]] = None,
) -> str:
    """A plain-text table: a row per subset (then the average), a column per key, and PCR of the
    first key.

    Args:
        per_subset (Dict[Tuple[str, ...], dict]): Each subset's metrics.
        modalities (Sequence[str]): The model's modality names: the full set.
        keys (Sequence[str], optional): The columns (those all subsets have); None: every numeric key
            all subsets have, sorted. Defaults to None.
        worst (Dict[str, float], optional): The worst value of each lower-is-better key. Defaults to None.

    Returns:
        str: The table.
    """
    full, worst = tuple(modalities), worst or {}
    common = set.intersection(*[set(_numeric(m)) for m in per_subset.values()])
    keys = [k for k in (keys or sorted(common)) if k in common]
    rows = [['subset', *keys, f'PCR({keys[0]})' if keys else 'PCR']]
    ref = _numeric(per_subset[full]).get(keys[0]) if keys and full in per_subset else None
    for s, m in per_subset.items():
        vals = _numeric(m)
        pcr = '' if ref is None or s == full else _pcr(ref, vals[keys[0]], worst.get(keys[0]))
        if pcr != '':
            pcr = f'n/a (full set scores {ref:g})' if math.isnan(pcr) else f'{pcr:.4f}'
        rows.append([subset_name(s), *[f'{vals[k]:.4f}' for k in keys], pcr])
    rows.append(
        [
            'avg',
            *[
                f'{sum(_numeric(m)[k] for m in per_subset.values()) / len(per_subset):.4f}'
                for k in keys
            ],
            '',
        ]
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    fmt = lambda r: '| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths)) + ' |'  # noqa: E731
    lower = [k for k in keys if k in worst]
    ws = ', '.join(sorted({f'{worst[k]:g}' for k in lower}))
    note = (
        [
            f'lower is better: {", ".join(lower)}; its PCR is (K_subset - K_full) / (W - K_full), W = {ws} '
            '(the worst value)'
        ]
        if lower
        else []
    )
    return '\n'.join([line, fmt(rows[0]), line, *[fmt(r) for r in rows[1:]], line, *note])


__all__ = ['MissingModalityEvaluator', 'merge_subset_metrics', 'format_table']
