"""Score a KAIST leaderboard file (ours from ``tools/test.py --format-only``, or any method's released
results) with the official devkit's log-average miss rate MR^-2:

    python tools/analysis_tools/eval_kaist.py det-test-all.txt --ann-dir data/kaist/annotations_improved
    python tools/analysis_tools/eval_kaist.py MLPD_result.txt --ann-json KAIST_annotation.json --out-json mr.json

The file has one ``id,x,y,w,h,score`` line per detection; ``id`` is the 1-based position of the image in
the sorted list of the annotated images (all annotation files of ``--ann-dir``, or those of
``--image-set``; the test-all-20 set: 2252 images). Prints MR^-2 (%) of every setting on all / day / night
images; ``--out-json`` writes ``{"reasonable": {"all": .., "day": .., "night": ..}, "near": {...}, ...}``.
"""

import argparse
import json
import math
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(osp.dirname(HERE)))


def parse_args():
    parser = argparse.ArgumentParser(
        description='KAIST log-average miss rate of a leaderboard file'
    )
    parser.add_argument('det_txt', help='detections: id,x,y,w,h,score lines')
    ann = parser.add_mutually_exclusive_group(required=True)
    ann.add_argument(
        '--ann-dir',
        help='annotation folder: bbGt files, flat (setXX_VYYY_IZZZZZ.txt, as the '
        'improved test annotations come) or nested (setXX/VYYY/IZZZZZ.txt)',
    )
    ann.add_argument('--ann-json', help="MLPD's KAIST_annotation.json instead of --ann-dir")
    parser.add_argument(
        '--image-set',
        help='evaluate the images of this list only (test-all-20.txt style); '
        'the ids of the file are positions in it, sorted',
    )
    parser.add_argument('--out-json', help='write the results here (percent)')
    return parser.parse_args()


def main():
    from mmwam.datasets.kaist import (
        annotation_path,
        list_annotation_dir,
        read_bbgt,
        read_image_set,
        read_kaist_json,
    )
    from mmwam.evaluation.kaist_miss_rate import evaluate_kaist, format_results, read_leaderboard
    from mmwam.utils.cli import InputError

    args = parse_args()
    if args.ann_json:
        objects = read_kaist_json(args.ann_json)
        if args.image_set:
            keys = read_image_set(args.image_set)
            missing = [k for k in keys if k not in objects]
            if missing:
                raise InputError(
                    f'{args.image_set}: {len(missing)} image(s) are not in {args.ann_json}, '
                    f'e.g. {missing[0]}'
                )
            objects = {k: objects[k] for k in keys}
    else:
        keys = (
            read_image_set(args.image_set) if args.image_set else list_annotation_dir(args.ann_dir)
        )
        objects = {k: read_bbgt(annotation_path(args.ann_dir, k)) for k in keys}
    keys = sorted(objects)
    detections = read_leaderboard(args.det_txt, keys)
    last = max((keys.index(k) + 1 for k in detections), default=0)
    if last < len(keys):  # a file made for a shorter image list scores as if the rest were missed
        print(
            f'eval_kaist.py: warning: {args.det_txt}: the detections stop at image {last} of '
            f'{len(keys)}; the last {len(keys) - last} images count as missed. If the file was made for '
            'a shorter image list, give that list with --image-set',
            file=sys.stderr,
        )
    res = evaluate_kaist(objects, detections)
    print(
        f'{args.det_txt}: {len(objects)} images, {sum(len(d) for d in detections.values())} detections'
    )
    print('log-average miss rate MR^-2 (%, lower is better):\n' + format_results(res))
    if args.out_json:
        with open(
            args.out_json, 'w'
        ) as f:  # null: a subset without images or without a person to find
            json.dump(
                {
                    s: {g: None if math.isnan(v) else v for g, v in r.items()}
                    for s, r in res.items()
                },
                f,
                indent=2,
            )
        print(f'written to {args.out_json}')


if __name__ == '__main__':
    from mmwam.utils.cli import run_cli

    run_cli(main, 'eval_kaist.py')
