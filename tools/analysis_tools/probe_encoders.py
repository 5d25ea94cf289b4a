"""Probe each encoder of a trained multimodal model: a light head trained on that encoder's features alone
(the model frozen), scored with the config's test metric; the same head on the fused features for
reference. See docs/en/user_guides/probe.md for how to read the table.

    python tools/analysis_tools/probe_encoders.py CONFIG CHECKPOINT [--iters 300] [--seed 0] [--out probe.json]
"""

import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def parse_args(argv=None):
    from mmwam.utils.cli import CfgOptionsAction

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument(
        '--iters', type=int, default=300, help='training iterations of every probe (default 300)'
    )
    p.add_argument(
        '--lr',
        type=float,
        help='AdamW learning rate of the probes (default: 0.01 for segmentation\'s '
        'linear probe, 0.001 for a detector\'s head)',
    )
    p.add_argument(
        '--seed', type=int, default=0, help='seed of the probes\' initialisation and data order'
    )
    p.add_argument('--out', help='also write the results to this JSON file')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, key=value (e.g. test_dataloader.dataset.data_root=...)',
    )
    return p.parse_args(argv)


def main(argv=None):
    import mmwam  # noqa: F401
    from mmwam.analysis.probe import (
        default_lr,
        format_table,
        head_description,
        load_frozen_model,
        probe_model,
    )
    from mmwam.utils.cli import read_config, run_cli

    def run():
        args = parse_args(argv)
        cfg = read_config(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        model = load_frozen_model(cfg, args.checkpoint)
        lr = default_lr(model) if args.lr is None else args.lr
        results = probe_model(model, cfg, iters=args.iters, seed=args.seed, lr=lr)
        head = head_description(model)
        print(
            f'Encoder probes ({head}; {args.iters} iterations, AdamW lr {lr:g}, seed {args.seed}):'
        )
        print(format_table(results, (cfg.get('test_cfg') or {}).get('table_keys')))
        if args.out:
            os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
            with open(args.out, 'w') as f:
                json.dump(
                    dict(
                        config=args.config,
                        checkpoint=args.checkpoint,
                        head=head,
                        iters=args.iters,
                        lr=lr,
                        seed=args.seed,
                        results=results,
                    ),
                    f,
                    indent=2,
                )
            print(f'results written to {args.out}')

    run_cli(run, 'probe_encoders.py')


if __name__ == '__main__':
    main()
