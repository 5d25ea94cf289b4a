"""The missing-modality bar chart, shared by tools/analysis_tools/compare_seeds.py (mean ± std over seeds)
and tools/analysis_tools/report_chart.py (one bar per run)."""

import statistics
from typing import Mapping, Optional, Sequence


def bar_chart(
    runs: Mapping[str, Sequence[Mapping[str, float]]],
    subsets: Sequence[str],
    metric: str,
    path: str,
    ylabel: Optional[str] = None,
    values_on_bars: bool = False,
    legend_ncol: int = 2,
) -> None:
    """One group of bars per subset (and the average, ``avg/<metric>``), one bar per entry of ``runs``:
    the mean, and the standard deviation as error bars where an entry has more than one dict. Headless.

    Args:
        runs (Mapping[str, Sequence[Mapping[str, float]]]): Legend label -> the metric dicts of its seeds
            (one dict for a single run), with ``<subset>/<metric>`` and ``avg/<metric>`` keys.
        subsets (Sequence[str]): The subsets, in the order of the groups.
        metric (str): The metric key (``mIoU``, ``coco/bbox_mAP``, ...).
        path (str): The PNG written.
        ylabel (str, optional): The y-axis label; None: ``metric``. Defaults to None.
        values_on_bars (bool): Write each bar's value above it. Defaults to False.
        legend_ncol (int): The legend's columns. Defaults to 2.
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    groups = list(subsets) + ['avg']
    labels = list(runs)
    width = 0.8 / len(labels)
    several = any(len(r) > 1 for r in runs.values())
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(groups) * max(1, len(labels) / 3), 4.2))
    for j, label in enumerate(labels):
        vals = [[r[f'{g}/{metric}'] for r in runs[label]] for g in groups]
        means = [statistics.mean(v) for v in vals]
        sds = [statistics.stdev(v) if len(v) > 1 else 0.0 for v in vals]
        xs = [i + (j - (len(labels) - 1) / 2) * width for i in range(len(groups))]
        bars = ax.bar(xs, means, width, yerr=sds if several else None, capsize=2, label=label)
        if values_on_bars:
            ax.bar_label(bars, fmt='%.1f', fontsize=7, padding=1)
    if values_on_bars:  # room above the tallest bar for its value and the legend
        ax.set_ylim(top=ax.get_ylim()[1] * 1.25)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g if g != 'avg' else 'average' for g in groups])
    ax.set_xlabel('modalities available at test time')
    ax.set_ylabel(ylabel or metric)
    ax.legend(fontsize=7, ncol=legend_ncol)
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
