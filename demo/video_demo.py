"""Predict a pair of videos, or two folders of frames (an RGB-T or RGB-D camera rig), frame by frame: frames
are paired by index, each subset is predicted, and the panels become a video or a folder of PNGs.

    python demo/video_demo.py rgb.mp4 thermal.mp4 CONFIG CHECKPOINT --out out.mp4
    python demo/video_demo.py rgb_frames/ depth_frames/ CONFIG CHECKPOINT --out panels/
"""

import os
import os.path as osp
import time
from argparse import ArgumentParser

import cv2
import mmcv
from image_demo import (
    other_modality,  # noqa: E402 (the demo folder is on the path when run as a script)
)
from mmengine.utils import ProgressBar

from mmwam.apis import inference_multimodal, init_model, show_result
from mmwam.apis.pipeline import IMAGE_EXTENSIONS
from mmwam.utils.cli import run_cli
from mmwam.utils.errors import InputError
from mmwam.utils.modalities import all_subsets


def parse_args():
    parser = ArgumentParser(description='Multimodal video demo (mmwam)')
    parser.add_argument('rgb', help='the RGB video, or a folder of RGB frames')
    parser.add_argument(
        'x', help='the other modality\'s video, or a folder of its frames (16-bit PNGs kept)'
    )
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument(
        '--modality', help='the name of X in the config (default: its one non-RGB modality)'
    )
    parser.add_argument(
        '--subsets', nargs='+', help='modality subsets to predict (default: every subset)'
    )
    parser.add_argument(
        '--out', default='result.mp4', help='a video file (.mp4, .avi) or a folder for PNG panels'
    )
    parser.add_argument(
        '--fps',
        type=float,
        help='the output video\'s frame rate (default: the input video\'s, ' 'else 10)',
    )
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


class Frames:
    """The frames of a video file or of a folder of images (sorted by name), as cv2 reads them."""

    def __init__(self, source: str, unchanged: bool = False):
        self.source, self.fps = source, None
        if osp.isdir(source):
            self.files = sorted(
                osp.join(source, f)
                for f in os.listdir(source)
                if f.lower().endswith(IMAGE_EXTENSIONS)
            )
            if not self.files:
                raise InputError(f'{source}: no image files in this folder')
            self.flag = cv2.IMREAD_UNCHANGED if unchanged else cv2.IMREAD_COLOR
            self.count = len(self.files)
        else:
            self.files, self.video = None, cv2.VideoCapture(source)
            if not self.video.isOpened():
                raise InputError(
                    f'{source}: not a folder of frames, and not a video that can be opened'
                )
            self.count = int(self.video.get(cv2.CAP_PROP_FRAME_COUNT))
            self.fps = self.video.get(cv2.CAP_PROP_FPS) or None

    def __iter__(self):
        if self.files is not None:
            for f in self.files:
                frame = cv2.imread(f, self.flag)
                if frame is None:
                    raise InputError(f'{f}: not an image')
                yield frame
            return
        while True:
            ok, frame = self.video.read()
            if not ok:
                return
            yield frame


def main():
    args = parse_args()
    model = init_model(args.config, args.checkpoint, args.device)
    modality = other_modality(model, args.modality)
    one_channel = model.data_preprocessor.modalities[modality] == 1
    rgb, x = Frames(args.rgb), Frames(args.x, unchanged=True)
    count = min(rgb.count, x.count)
    if rgb.count != x.count:
        print(
            f'{args.rgb} has {rgb.count} frames, {args.x} {x.count}: the first {count} are paired'
        )
    subsets = args.subsets or [
        '+'.join(s) for s in all_subsets(list(model.data_preprocessor.modalities))
    ]
    to_video = osp.splitext(args.out)[1].lower() in ('.mp4', '.avi')
    writer, progress, start = None, ProgressBar(count), time.perf_counter()
    for i, (frame, other) in enumerate(zip(rgb, x)):
        if i == count:
            break
        if one_channel and other.ndim == 3 and other.shape[2] == 3 and x.files is None:
            other = cv2.cvtColor(
                other, cv2.COLOR_BGR2GRAY
            )  # a video stores one channel as three, not equal
        pair = dict(rgb=frame, **{modality: other})
        panel = show_result(
            model,
            pair,
            inference_multimodal(model, pair, subsets=subsets),
            pred_score_thr=args.score_thr,
        )[..., ::-1]
        if to_video:
            if writer is None:
                os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
                writer = cv2.VideoWriter(
                    args.out,
                    cv2.VideoWriter_fourcc(*('mp4v' if args.out.endswith('mp4') else 'XVID')),
                    args.fps or rgb.fps or 10,
                    (panel.shape[1], panel.shape[0]),
                )
            writer.write(panel)
        else:
            mmcv.imwrite(panel, osp.join(args.out, f'frame_{i:06d}.png'))
        progress.update()
    seconds = time.perf_counter() - start
    if writer is not None:
        writer.release()
    print(
        f'\n{count} frame pairs, {len(subsets)} subset(s) each: {count / seconds:.2f} frames/s '
        f'(prediction and drawing); written to {args.out}'
    )


if __name__ == '__main__':
    run_cli(main, 'video_demo.py')
