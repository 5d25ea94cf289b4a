"""Convert the official NYUDv2 labelled release into the layout of NYUDv2Dataset / NYUDv2Dataset13.

    python tools/dataset_converters/nyudv2.py nyu_depth_v2_labeled.mat \
        --splits splits.mat --mapping40 classMapping40.mat --mapping13 class13Mapping.mat -o data/nyudv2

Inputs (all public): ``nyu_depth_v2_labeled.mat`` (NYU, MATLAB v7.3 / HDF5: ``images``, ``depths`` in
metres, ``labels`` with the 894 raw classes), ``splits.mat`` (NYU toolbox: 1-based ``trainNdxs`` /
``testNdxs``), ``classMapping40.mat`` (Gupta et al.: ``mapClass``, 894 -> 40) and ``class13Mapping.mat``
(Couprie et al.: ``classMapping13``, 40 -> 13). Writes::

    OUT/RGB/<id>.jpg  Depth/<id>.png (uint16, millimetres)  Label/<id>.png (0..40)  Label13/<id>.png (0..13)
    OUT/train.txt (795 ids)  test.txt (654 ids)           <id>: the 1-based frame index, 4 digits

Label 0 is unlabelled in both (the dataset classes map it to the ignore index).
"""

import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
from scipy.io import loadmat


def _mat(path: str, key: str):
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    data = loadmat(path)
    if key not in data:
        raise KeyError(f'{path}: no {key!r} (found {[k for k in data if not k.startswith("__")]})')
    return data[key]


def load_mappings(mapping40: str, mapping13: str):
    """Lookup tables raw (0..894) -> 40 classes and 40 -> 13, with 0 (unlabelled) kept 0."""
    to40 = np.concatenate([[0], _mat(mapping40, 'mapClass').ravel()]).astype(np.uint8)
    to13 = np.concatenate([[0], np.asarray(_mat(mapping13, 'classMapping13')[0, 0][0]).ravel()])
    return to40, to13.astype(np.uint8)


def convert(labelled: str, splits: str, mapping40: str, mapping13: str, out: str) -> dict:
    """Write ``RGB/``, ``Depth/`` (16-bit millimetres), ``Label/`` (40 classes), ``Label13/`` and the
    split lists under ``out``.

    Args:
        labelled (str): ``nyu_depth_v2_labeled.mat``.
        splits (str): ``splits.mat`` (``trainNdxs``, ``testNdxs``).
        mapping40 (str): The 894-to-40 class mapping (``classMapping40.mat``).
        mapping13 (str): The 40-to-13 class mapping (``class13Mapping.mat``).
        out (str): The output folder.

    Returns:
        dict: The number of ``frames``, ``train`` and ``test`` samples.

    Raises:
        KeyError: If ``labelled`` is not the official file.
        ValueError: If a split index or a raw label is out of range.
    """
    import h5py

    to40, to13 = load_mappings(mapping40, mapping13)
    train = _mat(splits, 'trainNdxs').ravel().astype(int)
    test = _mat(splits, 'testNdxs').ravel().astype(int)
    for sub in ('RGB', 'Depth', 'Label', 'Label13'):
        os.makedirs(osp.join(out, sub), exist_ok=True)
    with h5py.File(labelled, 'r') as f:
        for key in ('images', 'depths', 'labels'):
            if key not in f:
                raise KeyError(
                    f'{labelled}: no {key!r}; expected the official nyu_depth_v2_labeled.mat'
                )
        images, depths, labels = f['images'], f['depths'], f['labels']
        n = images.shape[0]
        bad = [i for i in np.concatenate([train, test]) if not 1 <= i <= n]
        if bad:
            raise ValueError(f'{splits}: frame indices {bad[:5]} outside 1..{n}')
        for i in range(n):
            # MATLAB stores column-major: HDF5 gives N x C x W x H
            rgb = np.asarray(images[i]).transpose(2, 1, 0)
            depth = np.asarray(depths[i]).T
            raw = np.asarray(labels[i]).T.astype(np.int64)
            if raw.max() >= len(to40):
                raise ValueError(
                    f'{labelled}: frame {i + 1} has raw label {raw.max()} > {len(to40) - 1}'
                )
            name = f'{i + 1:04d}'
            cv2.imwrite(
                osp.join(out, 'RGB', name + '.jpg'), rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 100]
            )
            cv2.imwrite(
                osp.join(out, 'Depth', name + '.png'),
                np.clip(np.round(depth * 1000), 0, 65535).astype(np.uint16),
            )
            label40 = to40[raw]
            cv2.imwrite(osp.join(out, 'Label', name + '.png'), label40)
            cv2.imwrite(osp.join(out, 'Label13', name + '.png'), to13[label40])
    for split, ids in (('train', train), ('test', test)):
        with open(osp.join(out, f'{split}.txt'), 'w') as f:
            f.writelines(f'{i:04d}\n' for i in sorted(ids))
    return dict(frames=n, train=len(train), test=len(test))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('labelled', help='nyu_depth_v2_labeled.mat')
    p.add_argument('--splits', required=True, help='splits.mat')
    p.add_argument('--mapping40', required=True, help='classMapping40.mat')
    p.add_argument('--mapping13', required=True, help='class13Mapping.mat')
    p.add_argument('-o', '--out', default='data/nyudv2')
    args = p.parse_args()
    try:
        stats = convert(args.labelled, args.splits, args.mapping40, args.mapping13, args.out)
    except (OSError, KeyError, ValueError) as e:  # a wrong input: one line naming it
        sys.exit(f'nyudv2: {e}')
    print(f'wrote {args.out}: {stats}')


if __name__ == '__main__':
    main()
