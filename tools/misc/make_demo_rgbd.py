"""Write a small synthetic RGB-D segmentation set in the NYUDv2 layout (RGB/, Depth/, Label/, splits).

The modalities are imbalanced on purpose, as in real RGB-D data: RGB alone separates most classes
quickly, and one pair of classes differs only in depth.

Classes (label file value = class index + 1; 0 = unlabelled, a 2-pixel border):
  0 background  textured floor/wall; depth: a tilted plane (2-5 m)
  1 red box     reddish;  raised: 0.6-1.5 m in front of the background
  2 blue box    bluish;   raised like the red box
  3 gray box    gray;     raised like the red box
  4 gray patch  the same gray as 3, but flush with the background (painted on, no depth step)

RGB alone: background / red / blue / gray are easy, but 3 vs 4 is a coin flip. Depth alone: the raised
classes 1, 2, 3 look alike and 4 looks like the background. Both: everything. Depth has sensor noise
and holes (zeros), RGB has illumination changes, texture and JPEG compression.
"""

import argparse
import os
import os.path as osp

import cv2
import numpy as np

CLASSES = ('background', 'red box', 'blue box', 'gray box', 'gray patch')
PALETTE = [[120, 120, 120], [220, 40, 40], [40, 60, 220], [200, 200, 60], [60, 200, 200]]


def make_sample(rng: np.random.Generator, height: int, width: int):
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    # background: low-frequency colour field + texture; depth: tilted plane
    base = rng.uniform(70, 170, size=3)
    tilt = rng.uniform(-40, 40, size=(2, 3))
    rgb = base + tilt[0] * (yy / height)[..., None] + tilt[1] * (xx / width)[..., None]
    rgb += rng.normal(0, 12, size=(height, width, 3)) * rng.uniform(0.5, 1.5)
    far, near = rng.uniform(3.5, 5.0), rng.uniform(1.8, 3.0)
    depth = far + (near - far) * (yy / height) + rng.uniform(-0.5, 0.5) * (xx / width - 0.5)
    plane = depth.copy()
    label = np.zeros((height, width), np.uint8)  # class index
    gray = rng.uniform(90, 160)
    colors = {
        1: (rng.uniform(170, 240), rng.uniform(20, 80), rng.uniform(20, 80)),
        2: (rng.uniform(20, 80), rng.uniform(40, 100), rng.uniform(170, 240)),
        3: (gray, gray, gray),
        4: (gray, gray, gray),
    }
    for _ in range(rng.integers(3, 8)):
        cls = int(rng.integers(1, 5))
        h, w = rng.integers(height // 8, height // 3), rng.integers(width // 8, width // 3)
        y0, x0 = rng.integers(0, height - h), rng.integers(0, width - w)
        if rng.random() < 0.5:
            mask = np.zeros((height, width), bool)
            mask[y0 : y0 + h, x0 : x0 + w] = True
        else:
            cy, cx = y0 + h / 2, x0 + w / 2
            mask = ((yy - cy) / (h / 2)) ** 2 + ((xx - cx) / (w / 2)) ** 2 <= 1
        shade = rng.uniform(0.85, 1.15)
        rgb[mask] = np.array(colors[cls]) * shade + rng.normal(0, 10, size=(mask.sum(), 3))
        if cls == 4:  # painted on the background: no depth step
            depth[mask] = plane[mask]
        else:  # raised box: in front of whatever lies behind it
            depth[mask] = depth[mask].mean() - rng.uniform(0.6, 1.5)
        label[mask] = cls
    rgb *= rng.uniform(0.6, 1.3)  # global illumination
    depth += rng.normal(0, 0.02, size=depth.shape)
    holes = rng.random(depth.shape) < 0.02
    depth_mm = np.clip(depth * 1000, 300, 10000).astype(np.uint16)
    depth_mm[holes] = 0
    label_file = label + 1
    label_file[:2], label_file[-2:], label_file[:, :2], label_file[:, -2:] = 0, 0, 0, 0
    bgr = np.clip(rgb, 0, 255).astype(np.uint8)[..., ::-1]
    return bgr, depth_mm, label_file.astype(np.uint8)


def write_dataset(
    out_dir: str,
    num_train: int = 160,
    num_test: int = 40,
    height: int = 96,
    width: int = 128,
    seed: int = 0,
) -> str:
    """Write the set (idempotent for the same arguments).

    Args:
        out_dir (str): The dataset root.
        num_train (int): Training samples. Defaults to 160.
        num_test (int): Test samples. Defaults to 40.
        height (int): Image height. Defaults to 96.
        width (int): Image width. Defaults to 128.
        seed (int): The random seed. Defaults to 0.

    Returns:
        str: ``out_dir``.
    """
    rng = np.random.default_rng(seed)
    for sub in ('RGB', 'Depth', 'Label'):
        os.makedirs(osp.join(out_dir, sub), exist_ok=True)
    names = [f'{i:04d}' for i in range(num_train + num_test)]
    for name in names:
        bgr, depth, label = make_sample(rng, height, width)
        cv2.imwrite(osp.join(out_dir, 'RGB', name + '.jpg'), bgr, [cv2.IMWRITE_JPEG_QUALITY, 90])
        cv2.imwrite(osp.join(out_dir, 'Depth', name + '.png'), depth)
        cv2.imwrite(osp.join(out_dir, 'Label', name + '.png'), label)
    for split, part in (('train', names[:num_train]), ('test', names[num_train:])):
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.write(''.join(n + '\n' for n in part))
    return out_dir


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument('--out', default='data/demo_rgbd', help='output folder')
    parser.add_argument('--num-train', type=int, default=160)
    parser.add_argument('--num-test', type=int, default=40)
    parser.add_argument('--height', type=int, default=96)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    write_dataset(args.out, args.num_train, args.num_test, args.height, args.width, args.seed)
    print(f'demo RGB-D set written to {args.out}: {args.num_train} train, {args.num_test} test')


if __name__ == '__main__':
    main()
