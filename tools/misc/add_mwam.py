"""Write an RGB + depth / thermal MWAM config that inherits an existing mmseg or mmdet config.

    python tools/misc/add_mwam.py mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb4-80k_ade20k-512x512.py \
        --dataset nyudv2 -o configs/my/deeplabv3plus_r50_nyudv2_mwam.py

The new config holds ``_base_ = CONFIG`` and only what changes: the model wrapper, the preprocessor
(per-modality statistics), MWAM, the fusion, the pipelines and, with ``--dataset``, the dataset, which
it reads from the dataset config when it is loaded (``--inline-dataset``: written out in full).
"""

import argparse
import os.path as osp
import sys

from mmwam.converters import DATASETS, RECIPES, ConversionError, dataset_path, write_config
from mmwam.utils.cli import InputError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config', help='a config path, or mmseg::... / mmdet::... from the model zoo')
    p.add_argument('-o', '--out', required=True, help='the config file to write')
    p.add_argument(
        '--modality',
        help='the second modality (depth, thermal, ...); with --dataset, the ' "dataset's",
    )
    p.add_argument('--channels', type=int, help='its channel count (default 1)')
    p.add_argument(
        '--dataset',
        help=f'replace the dataset: one of {", ".join(DATASETS)}, or a dataset '
        'config path (see configs/_base_/datasets/)',
    )
    p.add_argument(
        '--inline-dataset',
        action='store_true',
        help="with --dataset, write its pipelines and datasets out in full (a file that stands alone) "
        'instead of reading them from the dataset config when the config is loaded',
    )
    p.add_argument('--mean', type=float, nargs='+', help="the modality's normalization mean")
    p.add_argument('--std', type=float, nargs='+', help="the modality's normalization std")
    p.add_argument('--fusion', default='AddFusion', help='AddFusion (default) or ConcatFusion')
    p.add_argument('--baseline', action='store_true', help='the same model without MWAM')
    p.add_argument(
        '--recipe',
        choices=list(RECIPES),
        help='missing-modality: for a modality that may be missing '
        "at test time, add modality dropout, MWAM's gradient + loss modes and the auxiliary head per "
        'modality they train, sized from the model',
    )
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.inline_dataset and args.dataset is None:
        sys.exit(
            'add_mwam: --inline-dataset writes out the fields of a --dataset; give one, or leave it out'
        )
    what = 'without MWAM (baseline)' if args.baseline else 'with MWAM'
    header = (
        f'{args.config} made multimodal {what}\n'
        f'by tools/misc/add_mwam.py {" ".join(sys.argv[1:] if argv is None else argv)}'
    )
    try:
        cfg = write_config(
            args.config,
            args.out,
            header=header,
            modality=args.modality,
            channels=args.channels,
            dataset=args.dataset,
            mean=args.mean,
            std=args.std,
            mwam=None if args.baseline else dict(type='MWAM'),
            fusion=dict(type=args.fusion),
            recipe=args.recipe,
            inline_dataset=args.inline_dataset,
        )
    except ConversionError as e:
        sys.exit(f'add_mwam: {args.config}: {e}')
    except InputError as e:  # the config path or zoo name
        sys.exit(f'add_mwam: {e}')
    print(
        f'wrote {args.out}: {cfg.model.type} with modalities {dict(cfg.model.data_preprocessor.modalities)}'
    )
    if args.dataset is not None:
        path = osp.abspath(dataset_path(args.dataset))
        print(
            f'the dataset config {path}: written out'
            if args.inline_dataset
            else f'the dataset config {path}: read when the config is loaded (its datasets and '
            'pipelines; the class count, statistics, metrics and loops are copied into the config)'
        )
    else:
        print(
            f'note: the dataset must give each sample a "{args.modality}_path" (see '
            'docs/en/user_guides/add_mwam.md)'
        )
    if args.dataset is None and args.mean is None:
        print(
            f'note: {args.modality} is normalized with placeholder statistics (the mean of the RGB ones); '
            f'measure yours: python tools/analysis_tools/modality_stats.py {args.out}'
        )


if __name__ == '__main__':
    main()
