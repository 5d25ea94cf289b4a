"""Train a multimodal segmentor / detector: the standard OpenMMLab CLI."""

import argparse
import logging
import os

from mmengine.logging import print_log

import mmwam  # noqa: F401  (registers mmwam's modules; configs also import it via custom_imports)
from mmwam.utils.cli import CfgOptionsAction, build_runner, load_config, run_cli, stop_on_non_finite
from mmwam.utils.dist import finish_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Train a multimodal model (mmwam)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or without a path from the latest one in '
        'the work dir (MWAM banks included)',
    )
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision training')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, key=value (see mmengine DictAction)',
    )
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.amp:
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            print_log(
                'AMP is already enabled in the config.', logger='current', level=logging.WARNING
            )
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    stop_on_non_finite(cfg)
    runner = build_runner(cfg)
    runner.train()
    finish_distributed()


if __name__ == '__main__':
    run_cli(main, 'train.py')
