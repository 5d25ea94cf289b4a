"""Convert LLVIP's Pascal VOC annotations to one COCO json per split, for PairedCocoDataset.

    python tools/dataset_converters/llvip_to_coco.py data/llvip --out data/llvip/coco

writes ``{out}/llvip_{split}.json`` with ``file_name`` = ``visible/{split}/<id>.jpg`` (relative to
the LLVIP root); the infrared path follows with ``modality_paths=dict(infrared=[('visible/',
'infrared/')])``. Boxes are parsed (and checked) exactly as ``LLVIPDataset`` does.
"""

import argparse
import json
import os
import os.path as osp

from mmwam.datasets import LLVIPDataset


def convert(root: str, split: str) -> dict:
    """One split of LLVIP as a COCO dict.

    Args:
        root (str): LLVIP's root (``visible/``, ``infrared/``, ``Annotations/``).
        split (str): ``'train'`` or ``'test'``.

    Returns:
        dict: ``images`` (file names relative to ``root``), ``annotations`` and ``categories``.
    """
    ds = LLVIPDataset(data_root=root, split=split, pipeline=[], test_mode=True)
    classes = ds.metainfo['classes']
    images, annotations = [], []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        images.append(
            dict(
                id=i,
                file_name=osp.relpath(info['img_path'], root),
                width=info['width'],
                height=info['height'],
            )
        )
        for inst in info['instances']:
            x1, y1, x2, y2 = inst['bbox']
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=i,
                    category_id=inst['bbox_label'] + 1,
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1),
                    iscrowd=inst['ignore_flag'],
                )
            )
    return dict(
        images=images,
        annotations=annotations,
        categories=[dict(id=i + 1, name=c) for i, c in enumerate(classes)],
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument('root', help='LLVIP root (visible/, infrared/, Annotations/)')
    parser.add_argument('--out', help='output folder (default: ROOT/coco)')
    parser.add_argument('--splits', nargs='+', default=['train', 'test'])
    args = parser.parse_args()
    out = args.out or osp.join(args.root, 'coco')
    os.makedirs(out, exist_ok=True)
    for split in args.splits:
        coco = convert(args.root, split)
        path = osp.join(out, f'llvip_{split}.json')
        with open(path, 'w') as f:
            json.dump(coco, f)
        print(f'{path}: {len(coco["images"])} images, {len(coco["annotations"])} boxes')


if __name__ == '__main__':
    main()
