"""Measure each modality's mean, standard deviation and value range over a dataset, as the model sees it
after loading (LoadModalityFromFile's scale applied, before any augmentation), and print the data
preprocessor values to use.

    python tools/analysis_tools/modality_stats.py configs/mwam/segformer_rgbd_demo.py [--split train] [--num 200]

A depth map saved as 8-bit instead of 16-bit millimetres, or a wrong ``scale``, shows up here as a mean
or range far from the config's statistics (the data preprocessor also warns once when normalized values
are far outside the usual range).
"""

import argparse
import os.path as osp
import sys

import numpy as np

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(osp.dirname(HERE)))

LOADING = (
    'LoadImageFromFile',
    'LoadModalityFromFile',
    'SplitModalityFromImage',
    'ConcatModalities',
)


def loading_pipeline(pipeline):
    """The loading transforms of a pipeline, up to the concatenation: no photometric or geometric change."""
    kept = [t for t in pipeline if t['type'] in LOADING]
    if not any(t['type'] == 'ConcatModalities' for t in kept):
        raise ValueError('the pipeline has no ConcatModalities: not a multimodal mmwam pipeline')
    return kept


def measure(cfg, split: str, num: int):
    """Per channel: count, sum, sum of squares, min, max over ``num`` samples (all: 0)."""
    from mmengine.dataset import Compose
    from mmengine.registry import DATASETS, init_default_scope

    init_default_scope(cfg.get('default_scope', 'mmseg'))
    data = cfg[f'{split}_dataloader'].dataset
    data = dict(data, pipeline=loading_pipeline(data.pipeline), lazy_init=False)
    if 'indices' in data:
        data.pop('indices')
    dataset = DATASETS.build(data)
    pipeline = Compose(data['pipeline'])
    n = len(dataset) if num <= 0 else min(num, len(dataset))
    acc = None
    for i in range(n):
        img = pipeline(dataset.get_data_info(i))['img'].astype(np.float64)
        flat = img.reshape(-1, img.shape[-1])
        stats = np.stack(
            [
                np.full(flat.shape[1], len(flat)),
                flat.sum(0),
                (flat**2).sum(0),
                flat.min(0),
                flat.max(0),
            ]
        )
        if acc is None:
            acc = stats
        else:
            acc[:3] += stats[:3]
            acc[3] = np.minimum(acc[3], stats[3])
            acc[4] = np.maximum(acc[4], stats[4])
    return n, acc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    p.add_argument('--num', type=int, default=200, help='samples to read (0: all)')
    from mmwam.utils.cli import CfgOptionsAction, run_cli

    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, key=value (e.g. train_dataloader.dataset.data_root=...)',
    )
    args = run_cli(lambda: p.parse_args(argv), 'modality_stats.py')  # a dict(...) option: one line

    import mmwam  # noqa: F401
    from mmwam.utils.cli import read_config
    from mmwam.utils.modalities import channel_slices

    def run():
        cfg = read_config(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        pre = cfg.model.data_preprocessor
        modalities = pre.modalities
        n, acc = measure(cfg, args.split, args.num)
        count, total, squares, low, high = acc
        mean = total / count
        std = np.sqrt(np.maximum(squares / count - mean**2, 0))
        order = {}  # channel order in the preprocessor's terms: it swaps BGR to RGB on the colour slice
        for name, s in channel_slices(modalities).items():
            idx = list(range(s.start, s.stop))
            order[name] = idx[::-1] if pre.get('bgr_to_rgb', True) and name == 'rgb' else idx
        print(f'{args.config}: {n} {args.split} samples, values after loading (scale applied)')
        print(
            f'{"modality":<10} {"channel":>7} {"mean":>10} {"std":>10} {"min":>10} {"max":>10}   '
            'config mean / std'
        )
        for name, idx in order.items():
            for j, c in enumerate(idx):
                given = (pre.mean[name][j], pre.std[name][j]) if pre.get('mean') else ('-', '-')
                label = 'RGB'[j] if name == 'rgb' else str(j)
                print(
                    f'{name:<10} {label:>7} {mean[c]:>10.4f} {std[c]:>10.4f} {low[c]:>10.4f} {high[c]:>10.4f}'
                    f'   {given[0]} / {given[1]}'
                )
        fmt = lambda v: '[' + ', '.join(f'{x:.4f}' for x in v) + ']'  # noqa: E731
        print('\ndata_preprocessor values measured here:')
        print('    mean=dict(' + ', '.join(f'{m}={fmt(mean[i])}' for m, i in order.items()) + '),')
        print('    std=dict(' + ', '.join(f'{m}={fmt(std[i])}' for m, i in order.items()) + '),')
        print(
            '(an RGB backbone pretrained on ImageNet keeps the ImageNet RGB statistics it was trained with; '
            'from scratch, the measured ones fit)'
        )

    run_cli(run, 'modality_stats.py')


if __name__ == '__main__':
    main()
