"""Plot what MWAM did during training: each modality's FRM, bank and weight K against the iteration, for
one or several runs (e.g. the seeds of a study), and a histogram of K.

    python tools/analysis_tools/plot_mwam.py work_dirs/segformer_rgbd_demo     # -> work_dirs/.../mwam.png
    python tools/analysis_tools/plot_mwam.py work_dirs/seeds/segformer_rgbd_demo_seed* --out seeds.png

It reads ``vis_data/scalars.json`` (the newest run under each WORK_DIR, or the file itself), where
FRMLoggerHook logs ``frm_<m>``, ``bank_<m>`` and ``mwam_weight_<m>``.
"""

import argparse
import glob
import json
import os.path as osp
import sys

KINDS = (
    ('frm', 'FRM of the batch'),
    ('bank', 'bank (EMA of FRM)'),
    ('mwam_weight', 'K (gradient weight)'),
)


def find_scalars(path: str) -> str:
    if osp.isfile(path):
        return path
    found = sorted(
        glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json'))
        + glob.glob(osp.join(path, 'vis_data', 'scalars.json'))
    )
    if not found:
        raise FileNotFoundError(
            f'{path}: no vis_data/scalars.json under it (a work dir of tools/train.py?)'
        )
    return found[-1]


def read_mwam(path: str):
    """{modality: {kind: [(iter, value), ...]}} from one scalars.json."""
    out, other = {}, set()
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            other.update(k.split('_')[0] for k in row if k.startswith('ogmge_'))
            for key, value in row.items():
                kind = next((k for k, _ in KINDS if key.startswith(k + '_')), None)
                if kind is not None:
                    modality = key[len(kind) + 1 :]
                    out.setdefault(modality, {}).setdefault(kind, []).append(
                        (row.get('iter', 0), value)
                    )
    if not out and other:
        raise ValueError(
            f'{path}: an OGM-GE run (its scalars are ogmge_score_<m>, ogmge_coeff_<m>): plot_mwam '
            'plots MWAM\'s FRM, banks and K; read OGM-GE\'s in TensorBoard or scalars.json'
        )
    if not out:
        raise ValueError(
            f'{path}: no MWAM scalars (frm_<m>, bank_<m>, mwam_weight_<m>): was FRMLoggerHook on '
            'and MWAM in the model?'
        )
    return out


def plot(runs, out: str):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    modalities = sorted({m for r in runs.values() for m in r}, key=lambda m: (m != 'rgb', m))
    fig, axes = plt.subplots(1, len(KINDS) + 1, figsize=(4.2 * (len(KINDS) + 1), 3.4))
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for j, (kind, label) in enumerate(KINDS):
        ax = axes[j]
        for r, (run, data) in enumerate(runs.items()):
            for c, m in enumerate(modalities):
                pts = data.get(m, {}).get(kind, [])
                if pts:
                    ax.plot(
                        *zip(*pts),
                        color=colours[c % len(colours)],
                        alpha=0.8 if len(runs) == 1 else 0.5,
                        lw=1,
                        label=m if r == 0 else None,
                    )
        ax.set_title(label)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
        if kind != 'mwam_weight':
            ax.set_yscale('log')
        ax.legend(fontsize=8)
    ax = axes[-1]
    for c, m in enumerate(modalities):
        ks = [v for data in runs.values() for _, v in data.get(m, {}).get('mwam_weight', [])]
        ax.hist(ks, bins=20, range=(0.5, 1.5), alpha=0.6, color=colours[c % len(colours)], label=m)
    ax.set_title(f'K over all logged steps ({len(runs)} run{"s" * (len(runs) > 1)})')
    ax.set_xlabel('K')
    ax.set_ylabel('logged steps')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        'work_dirs', nargs='+', help='work dirs of tools/train.py (or scalars.json files)'
    )
    p.add_argument('--out', help='the PNG to write (default: mwam.png in the first WORK_DIR)')
    args = p.parse_args(argv)
    try:
        runs = {w: read_mwam(find_scalars(w)) for w in args.work_dirs}
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f'plot_mwam.py: error: {e}')
    out = args.out or osp.join(
        args.work_dirs[0] if osp.isdir(args.work_dirs[0]) else osp.dirname(args.work_dirs[0]),
        'mwam.png',
    )
    plot(runs, out)
    print(
        f'wrote {out}: FRM, bank and K of {", ".join(sorted(next(iter(runs.values()))))} '
        f'over {len(runs)} run(s)'
    )


if __name__ == '__main__':
    main()
