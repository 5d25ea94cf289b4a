"""Convert the official SUN RGB-D release into the layout of SUNRGBDDataset (37 classes).

    python tools/dataset_converters/sunrgbd.py data/SUNRGBD_release -o data/sunrgbd

The release root holds ``SUNRGBD/`` (the frames: ``<sensor>/.../<frame>/image/*.jpg``, ``depth/*.png``,
``depth_bfx/*.png``) and ``SUNRGBDtoolbox/`` with ``Metadata/SUNRGBDMeta.mat`` (each frame's RGB and
depth paths, in the order of the labels), ``Metadata/SUNRGBD2Dseg.mat`` (MATLAB v7.3: ``seglabel``, the
37-class map of each frame, 0 unlabelled) and ``traintestSUNRGBD/allsplit.mat`` (``alltrain`` /
``alltest``: the frame folders of the 5285 / 5050 split). Writes::

    OUT/RGB/<id>.jpg  Depth/<id>.png (uint16, millimetres)  Label/<id>.png (0..37)  train.txt  test.txt

<id> is the 1-based frame index in SUNRGBDMeta, 6 digits. The release's depth PNGs store millimetres
rotated by 3 bits (the toolbox's ``bitor(bitshift(d, -3), bitshift(d, 16 - 3))``); they are written back
as plain millimetres. ``--depth depth_bfx`` (default) takes the release's hole-filled depth, ``depth``
the raw one.
"""

import argparse
import os
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
from scipy.io import loadmat

RELEASE_PREFIX = '/n/fs/sun3d/data/'  # how the toolbox's .mat files name the frames


def _required(path: str) -> str:
    if not osp.exists(path):
        raise FileNotFoundError(
            f'{path} not found; expected the official SUN RGB-D layout: SUNRGBD/ and '
            'SUNRGBDtoolbox/{Metadata/SUNRGBDMeta.mat, Metadata/SUNRGBD2Dseg.mat, '
            'traintestSUNRGBD/allsplit.mat}'
        )
    return path


def _frame_dir(release_path: str) -> str:
    """'/n/fs/sun3d/data/SUNRGBD/kv1/NYUdata/NYU0001/image/NYU0001.jpg' -> 'SUNRGBD/kv1/NYUdata/NYU0001'."""
    path = str(release_path).replace('\\', '/')
    if path.startswith(RELEASE_PREFIX):
        path = path[len(RELEASE_PREFIX) :]
    parts = path.rstrip('/').split('/')
    return '/'.join(parts[:-2]) if parts[-1].lower().endswith(('.jpg', '.png')) else '/'.join(parts)


def unrotate_depth(depth: np.ndarray) -> np.ndarray:
    """The release's 16-bit depth (millimetres rotated right by 3 bits) as plain millimetres."""
    d = depth.astype(np.uint32)
    return (((d >> 3) | (d << 13)) & 0xFFFF).astype(np.uint16)


def convert(root: str, out: str, depth: str = 'depth_bfx') -> dict:
    """Write ``RGB/``, ``Depth/`` (16-bit millimetres), ``Label/`` (37 classes) and the split lists under
    ``out``.

    Args:
        root (str): The release's root (``SUNRGBD/``, ``SUNRGBDtoolbox/``).
        out (str): The output folder.
        depth (str): The depth folder of each frame: ``'depth_bfx'`` (hole-filled) or ``'depth'``.
            Defaults to ``'depth_bfx'``.

    Returns:
        dict: The number of ``frames``, ``train`` and ``test`` samples.

    Raises:
        FileNotFoundError: If a file of the release is missing.
        ValueError: If a frame's depth is not 16-bit, or its labels do not match it.
    """
    import h5py

    meta = loadmat(
        _required(osp.join(root, 'SUNRGBDtoolbox', 'Metadata', 'SUNRGBDMeta.mat')),
        squeeze_me=True,
        struct_as_record=False,
    )['SUNRGBDMeta']
    meta = np.atleast_1d(meta)
    split = loadmat(
        _required(osp.join(root, 'SUNRGBDtoolbox', 'traintestSUNRGBD', 'allsplit.mat')),
        squeeze_me=True,
    )
    train = {_frame_dir(p) for p in np.atleast_1d(split['alltrain'])}
    test = {_frame_dir(p) for p in np.atleast_1d(split['alltest'])}
    for sub in ('RGB', 'Depth', 'Label'):
        os.makedirs(osp.join(out, sub), exist_ok=True)
    ids = {'train': [], 'test': []}
    seg_path = _required(osp.join(root, 'SUNRGBDtoolbox', 'Metadata', 'SUNRGBD2Dseg.mat'))
    with h5py.File(seg_path, 'r') as f:
        refs = f['SUNRGBD2Dseg']['seglabel']
        if refs.shape[0] != len(meta):
            raise ValueError(
                f'{seg_path} has {refs.shape[0]} label maps, SUNRGBDMeta.mat {len(meta)} frames'
            )
        for i, frame in enumerate(meta):
            name = f'{i + 1:06d}'
            rel = _frame_dir(frame.rgbpath)
            frame_dir = osp.join(root, rel)
            rgb_path = _required(osp.join(frame_dir, 'image', osp.basename(str(frame.rgbpath))))
            depth_path = _required(osp.join(frame_dir, depth, osp.basename(str(frame.depthpath))))
            label = np.asarray(f[refs[i, 0]][()]).T  # MATLAB column-major
            raw_depth = cv2.imread(depth_path, cv2.IMREAD_UNCHANGED)
            if raw_depth is None or raw_depth.dtype != np.uint16:
                raise ValueError(f'{depth_path}: expected a 16-bit depth PNG')
            if label.shape != raw_depth.shape[:2] or label.max() > 37:
                raise ValueError(
                    f'{seg_path}: frame {i + 1} ({rel}): label {label.shape} max {label.max()}, '
                    f'depth {raw_depth.shape}; expected the same size and ids 0..37'
                )
            shutil.copyfile(rgb_path, osp.join(out, 'RGB', name + '.jpg'))
            cv2.imwrite(osp.join(out, 'Depth', name + '.png'), unrotate_depth(raw_depth))
            cv2.imwrite(osp.join(out, 'Label', name + '.png'), label.astype(np.uint8))
            if rel in train:
                ids['train'].append(name)
            elif rel in test:
                ids['test'].append(name)
    for s, names in ids.items():
        with open(osp.join(out, f'{s}.txt'), 'w') as fh:
            fh.writelines(n + '\n' for n in names)
    return dict(frames=len(meta), train=len(ids['train']), test=len(ids['test']))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('root', help='the folder holding SUNRGBD/ and SUNRGBDtoolbox/')
    p.add_argument('-o', '--out', default='data/sunrgbd')
    p.add_argument('--depth', default='depth_bfx', choices=['depth_bfx', 'depth'])
    args = p.parse_args()
    try:
        print(f'wrote {args.out}: {convert(args.root, args.out, args.depth)}')
    except (OSError, KeyError, ValueError) as e:  # a wrong input: one line naming it
        sys.exit(f'sunrgbd: {e}')


if __name__ == '__main__':
    main()
