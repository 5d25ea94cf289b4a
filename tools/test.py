"""Test a checkpoint: prints the missing-modality table (every modality subset, average, PCR)."""

import argparse
import json
import os
import os.path as osp

import mmwam  # noqa: F401
from mmwam.utils.cli import (
    CfgOptionsAction,
    InputError,
    build_runner,
    check_checkpoint_file,
    load_config,
    run_cli,
    save_predictions,
    set_format_only,
    show_predictions,
)
from mmwam.utils.dist import finish_distributed
from mmwam.utils.modalities import parse_modalities, parse_subsets


def parse_args():
    parser = argparse.ArgumentParser(description='Test a multimodal model (mmwam)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and the metrics JSON go')
    parser.add_argument(
        '--subsets',
        nargs='+',
        help='evaluate these modality subsets only, e.g. rgb+depth rgb (default: all)',
    )
    parser.add_argument(
        '--out',
        help='save the predictions to this folder, one sub-folder per modality subset '
        '(segmentation: label PNGs; detection: predictions.pkl, or with --format-only the COCO '
        'json of a submission)',
    )
    parser.add_argument(
        '--format-only',
        action='store_true',
        help='write the predictions for a benchmark server instead of evaluating',
    )
    parser.add_argument(
        '--show-dir',
        help='save one panel per test sample to this folder (PNG): every '
        'modality, the ground truth and the prediction of every evaluated modality subset',
    )
    parser.add_argument(
        '--show', action='store_true', help='show those panels in a window (needs a display)'
    )
    parser.add_argument(
        '--show-score-thr',
        type=float,
        default=0.3,
        help='detection panels: draw the predicted boxes scoring at least this (default 0.3)',
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        help='predict under automatic mixed precision ' '(float16 on CUDA, bfloat16 on the CPU)',
    )
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
    check_checkpoint_file(args.checkpoint)
    cfg.load_from = args.checkpoint
    if args.subsets:
        modalities = list(parse_modalities(cfg.model.data_preprocessor.modalities, 'modalities'))
        try:
            parse_subsets(args.subsets, modalities, '--subsets')
        except ValueError as e:
            raise InputError(f'{e} (write a subset as rgb+depth)') from e
        cfg.test_cfg.subsets = args.subsets
    if args.format_only:
        set_format_only(cfg, args.out or osp.join(cfg.work_dir, 'format_only'))
    elif args.out:
        save_predictions(cfg, args.out)
    if args.amp:
        cfg.test_cfg.fp16 = True
    if args.show_dir or args.show:
        show_predictions(cfg, args.show_dir, args.show, args.show_score_thr)
    runner = build_runner(cfg)
    if args.amp:
        runner.logger.info(
            '--amp: predicting under autocast (float16 on CUDA, bfloat16 on the CPU)'
        )
    if args.show_dir:
        runner.logger.info(
            f'--show-dir: one panel per test sample (every modality, the ground truth, every '
            f'subset\'s prediction) under {osp.abspath(args.show_dir)}'
        )
    metrics = runner.test()
    finish_distributed()
    if args.format_only or runner.rank != 0:
        return  # format-only: no metrics (the loop logged where the files went); the first process writes them
    path = osp.join(runner.log_dir, 'missing_modality_metrics.json')
    with open(path, 'w') as f:
        json.dump(metrics, f, indent=2)
    runner.logger.info(f'metrics written to {path}')
    if args.out:
        runner.logger.info(
            f'--out: the predictions of each subset are in {osp.abspath(args.out)}/<subset>/'
        )


if __name__ == '__main__':
    run_cli(main, 'test.py')
