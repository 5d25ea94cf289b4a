"""Write one picture per training sample as the model gets it (after the whole training pipeline): every
modality side by side, the labels drawn on each (segmentation masks, boxes), so that you see whether the
modalities and the labels are still aligned after resize / crop / flip.

    python tools/analysis_tools/browse_dataset.py configs/mwam/segformer_rgbd_demo.py --max-samples 20
    # -> work_dirs/browse_dataset/segformer_rgbd_demo/<index>_<image name>.png

Headless: nothing is shown unless ``--show`` (``--not-show``, mmseg's / mmdet's option, is accepted).
Depth is drawn in the 'turbo' colormap with its range in metres when the pipeline loads it with
``scale=0.001``, thermal / infrared in 'inferno' (raw units).
"""

import argparse
import os
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(osp.dirname(HERE)))


def build_train_dataset(cfg, config_path):
    """The config's training dataset with its pipeline, under the config's default scope."""
    from mmengine.registry import DATASETS

    from mmwam.utils.cli import InputError
    from mmwam.utils.setup_env import register_all_modules

    register_all_modules(cfg.get('default_scope', 'mmseg'))
    try:
        return DATASETS.build(cfg.train_dataloader.dataset)
    except (FileNotFoundError, ValueError, KeyError) as e:
        raise InputError(f'{config_path}: cannot build the training dataset: {e}') from e


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('--output-dir', help='default: work_dirs/browse_dataset/<config name>')
    p.add_argument('--max-samples', type=int, default=0, help='samples to draw (0: all)')
    p.add_argument(
        '--show', action='store_true', help='also show each picture in a window (needs a display)'
    )
    p.add_argument(
        '--not-show', action='store_true', help='do not show (the default; overrides --show)'
    )
    from mmwam.utils.cli import CfgOptionsAction, run_cli

    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, key=value (e.g. train_dataloader.dataset.data_root=...)',
    )
    args = run_cli(lambda: p.parse_args(argv), 'browse_dataset.py')  # a dict(...) option: one line

    import mmwam  # noqa: F401
    from mmwam.utils.cli import InputError, read_config
    from mmwam.visualization import (
        MultiModalDetLocalVisualizer,
        MultiModalSegLocalVisualizer,
        draw_modalities,
        split_inputs,
        units_from_pipeline,
    )

    def run():
        if args.max_samples < 0:
            raise InputError(f'--max-samples {args.max_samples}: must be 0 (all) or more')
        cfg = read_config(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        modalities = cfg.get('model', {}).get('data_preprocessor', {}).get('modalities')
        if not modalities:
            raise InputError(
                f'{args.config}: no model.data_preprocessor.modalities: not a multimodal mmwam config'
            )
        dataset = build_train_dataset(cfg, args.config)
        detection = cfg.get('default_scope', 'mmseg') == 'mmdet'
        visualizer_type = (
            MultiModalDetLocalVisualizer if detection else MultiModalSegLocalVisualizer
        )
        visualizer = visualizer_type(
            name='browse_dataset',
            modality_units=units_from_pipeline(_pipeline(cfg.train_dataloader.dataset)),
        )
        visualizer.dataset_meta = dict(
            classes=dataset.metainfo['classes'], palette=dataset.metainfo['palette']
        )
        out_dir = args.output_dir or osp.join(
            'work_dirs', 'browse_dataset', osp.splitext(osp.basename(args.config))[0]
        )
        os.makedirs(out_dir, exist_ok=True)
        n = len(dataset) if args.max_samples == 0 else min(args.max_samples, len(dataset))
        for i in range(n):
            item = dataset[i]
            sample = item['data_samples']
            stem = osp.splitext(osp.basename(sample.get('img_path', f'sample{i}')))[0]
            draw_modalities(
                visualizer,
                split_inputs(item['inputs'], modalities),
                sample,
                out_file=osp.join(out_dir, f'{i:04d}_{stem}.png'),
                name=stem,
                show=args.show and not args.not_show,
            )
        print(f'browse_dataset.py: {n} pictures of training samples in {out_dir}')

    run_cli(run, 'browse_dataset.py')


def _pipeline(dataset_cfg):
    """The pipeline of a dataset config, also inside a wrapper (RepeatDataset, ConcatDataset)."""
    while 'pipeline' not in dataset_cfg and ('dataset' in dataset_cfg or 'datasets' in dataset_cfg):
        dataset_cfg = dataset_cfg.get('dataset') or dataset_cfg['datasets'][0]
    return dataset_cfg.get('pipeline', [])


if __name__ == '__main__':
    main()
