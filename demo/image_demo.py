"""Predict one RGB + X pair with every modality subset and save a panel: both modalities, then each subset's
prediction (what the model does when a sensor fails).

    python demo/image_demo.py a.jpg a.png configs/mwam/segformer_rgbd_demo.py iter_1000.pth --out-file out.png
"""

from argparse import ArgumentParser

import numpy as np

from mmwam.apis import inference_multimodal, init_model, show_result
from mmwam.apis.pipeline import inference_pipeline_cfg, input_modalities
from mmwam.utils.cli import run_cli
from mmwam.utils.errors import InputError
from mmwam.utils.modalities import all_subsets


def parse_args():
    parser = ArgumentParser(description='Multimodal image demo (mmwam)')
    parser.add_argument('rgb', help='the RGB image')
    parser.add_argument('x', help='the other modality\'s image (depth, thermal, infrared)')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='trained weights (without: random weights)')
    parser.add_argument(
        '--modality', help='the name of X in the config (default: its one non-RGB modality)'
    )
    parser.add_argument(
        '--subsets',
        nargs='+',
        help='modality subsets to predict, e.g. rgb+depth rgb ' '(default: every subset)',
    )
    parser.add_argument('--out-file', default='result.png', help='the panel to write (PNG)')
    parser.add_argument(
        '--score-thr', type=float, default=0.3, help='detection: draw boxes scoring at least this'
    )
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def other_modality(model, given) -> str:
    others = [n for n in input_modalities(inference_pipeline_cfg(model.cfg)) if n != 'rgb']
    if given is None and len(others) == 1:
        return others[0]
    if given not in others:
        raise InputError(
            f'--modality {given}: the config\'s modalities besides rgb are {", ".join(others)}'
        )
    return given


def summary(sample, score_thr: float, classes) -> str:
    """The largest classes' share of the pixels, or the number of boxes kept."""
    if 'pred_sem_seg' in sample:
        labels, counts = np.unique(sample.pred_sem_seg.data.cpu().numpy(), return_counts=True)
        top = sorted(zip(labels, counts), key=lambda t: -t[1])[:4]
        return ', '.join(f'{classes[i] if classes else i} {c / counts.sum():.0%}' for i, c in top)
    kept = sample.pred_instances[sample.pred_instances.scores >= score_thr]
    return f'{len(kept)} boxes scoring at least {score_thr}'


def main():
    args = parse_args()
    model = init_model(args.config, args.checkpoint, args.device)
    if args.checkpoint is None:
        print(
            'image_demo.py: no checkpoint given: the model has random weights, its predictions mean nothing'
        )
    pair = dict(rgb=args.rgb, **{other_modality(model, args.modality): args.x})
    subsets = args.subsets or [
        '+'.join(s) for s in all_subsets(list(model.data_preprocessor.modalities))
    ]
    predictions = inference_multimodal(model, pair, subsets=subsets)
    show_result(model, pair, predictions, out_file=args.out_file, pred_score_thr=args.score_thr)
    for subset, sample in predictions.items():
        print(f'{subset}: {summary(sample, args.score_thr, model.dataset_meta.get("classes"))}')
    print(f'panel written to {args.out_file}')


if __name__ == '__main__':
    run_cli(main, 'image_demo.py')
