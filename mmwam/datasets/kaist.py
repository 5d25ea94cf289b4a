"""The KAIST Multispectral Pedestrian benchmark (Hwang et al., CVPR 2015) in its released layouts.

Images: ``images/setXX/VYYY/{visible,lwir}/IZZZZZ.jpg`` (or ``.png``). Annotations: one file per image in
Piotr Dollar's bbGt text format, either nested (``<ann>/setXX/VYYY/IZZZZZ.txt``, the original release) or
flat (``<ann>/setXX_VYYY_IZZZZZ.txt``, how the improved test annotations of Liu et al. are distributed),
or MLPD's COCO-like ``KAIST_annotation.json``. Each instance keeps the whole bbGt object (label,
occlusion level, ignore flag, ...) under ``'kaist'``: ``KAISTMissRateMetric`` applies the benchmark's
ignore rules to it, so nothing is filtered here.
"""

import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS

from ..utils.cli import InputError

# fields of one bbGt line per version (bbGt.m, bbLoad): lbl x y w h occ xv yv wv hv [ign [ang]]
BBGT_FIELDS = {0: 10, 1: 10, 2: 11, 3: 12}
BBGT_NAMES = ('label', 'x', 'y', 'w', 'h', 'occ', 'xv', 'yv', 'wv', 'hv', 'ign', 'ang')
KAIST_LABELS = ('person', 'people', 'person?', 'cyclist')
OCCLUSION = {0: 'none', 1: 'partial', 2: 'heavy'}
# day and night sets (the train sets 00-05 and the test sets 06-11 of the benchmark)
DAY_SETS, NIGHT_SETS = (0, 1, 2, 6, 7, 8), (3, 4, 5, 9, 10, 11)
_ID = re.compile(r'^(set\d\d)[/_](V\d\d\d)[/_](I\d{5})$')


def parse_image_id(text: str, where: str) -> Tuple[str, str, str]:
    """``('set06', 'V000', 'I00019')`` from ``set06/V000/I00019`` or ``set06_V000_I00019``.

    Args:
        text (str): The image id.
        where (str): Where it was read, for the error.

    Returns:
        Tuple[str, str, str]: The set, the video and the frame.

    Raises:
        ValueError: If ``text`` is not a KAIST image id.
    """
    m = _ID.match(text.strip())
    if m is None:
        raise InputError(
            f'{where}: {text.strip()!r} is not a KAIST image id (expected setXX/VYYY/IZZZZZ, '
            f'e.g. set06/V000/I00019)'
        )
    return m.groups()


def image_key(set_id: str, video: str, frame: str) -> str:
    """The image id ``setXX/VYYY/IZZZZZ`` of a set, a video and a frame."""
    return f'{set_id}/{video}/{frame}'


def day_or_night(key: str) -> Optional[str]:
    """Whether an image was taken by day or by night, from the set number of its id.

    Args:
        key (str): An image id, ``setXX/VYYY/IZZZZZ``.

    Returns:
        str or None: ``'day'`` or ``'night'``; None for a set outside 00-11.
    """
    n = int(key[3:5])
    return 'day' if n in DAY_SETS else 'night' if n in NIGHT_SETS else None


def read_bbgt(path: str) -> List[dict]:
    """The objects of one bbGt file (versions 0-3, as bbGt.m's bbLoad reads them): each
    ``dict(lbl, bb=[x, y, w, h], occ, bbv=[x, y, w, h], ign, ang)``. A file without the
    ``% bbGt version=N`` header is version 0.

    Args:
        path (str): The annotation file.

    Returns:
        List[dict]: The objects, in file order.

    Raises:
        ValueError: If a line is malformed (the error names the file, the line and the field).
    """
    with open(path) as f:
        lines = f.read().splitlines()
    version, first = 0, 0
    if lines and lines[0].lstrip().startswith('%'):
        m = re.match(r'^%\s*bbGt version=(\d+)\s*$', lines[0].strip())
        if m is None or int(m.group(1)) not in BBGT_FIELDS:
            raise InputError(
                f'{path}, line 1: expected the header "% bbGt version=N" with N in 0..3, '
                f'got {lines[0].strip()!r}'
            )
        version, first = int(m.group(1)), 1
    n = BBGT_FIELDS[version]
    objs = []
    for no, line in enumerate(lines[first:], first + 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != n:
            raise InputError(
                f'{path}, line {no}: {len(parts)} fields; a bbGt version={version} line has {n} '
                f'({" ".join(BBGT_NAMES[:n])})'
            )
        vals = []
        for name, text in zip(BBGT_NAMES[1:], parts[1:]):
            try:
                vals.append(float(text))
            except ValueError:
                raise InputError(
                    f'{path}, line {no}: field {name} is {text!r}, expected a number'
                ) from None
        occ = vals[4]
        if occ not in OCCLUSION:
            raise InputError(
                f'{path}, line {no}: field occ is {parts[5]!r}, expected 0 (none), 1 (partial) '
                f'or 2 (heavy occlusion)'
            )
        objs.append(
            dict(
                lbl=parts[0],
                bb=vals[0:4],
                occ=int(occ),
                bbv=vals[5:9],
                ign=int(vals[9] != 0) if n > 10 else 0,
                ang=vals[10] if n > 11 else 0.0,
            )
        )
    return objs


def annotation_path(ann_dir: str, key: str, modality: Optional[str] = None) -> str:
    """The annotation file of an image: nested ``<ann>/setXX/VYYY/[<modality>/]IZZZZZ.txt`` or flat
    ``<ann>/[<modality>/]setXX_VYYY_IZZZZZ.txt``.

    Args:
        ann_dir (str): The annotation folder.
        key (str): The image id.
        modality (str, optional): ``'visible'`` or ``'lwir'`` for the paired annotations. Defaults to
            None.

    Returns:
        str: The file.

    Raises:
        ValueError: If neither exists (the error names both).
    """
    s, v, i = key.split('/')
    sub = [modality] if modality else []
    nested = osp.join(ann_dir, s, v, *sub, i + '.txt')
    flat = osp.join(ann_dir, *sub, f'{s}_{v}_{i}.txt')
    for p in (nested, flat):
        if osp.isfile(p):
            return p
    raise InputError(
        f'image {key}: no annotation file {nested} (nested layout) or {flat} (flat layout)'
    )


def list_annotation_dir(ann_dir: str) -> List[str]:
    """The image ids of every annotation file in a folder, nested or flat, sorted.

    Args:
        ann_dir (str): The annotation folder.

    Returns:
        List[str]: The image ids.

    Raises:
        ValueError: If the folder is missing or holds no annotation files.
    """
    if not osp.isdir(ann_dir):
        raise InputError(f'annotation folder {ann_dir}: no such folder')
    keys = []
    for root, _, files in os.walk(ann_dir):
        rel = osp.relpath(root, ann_dir).replace(os.sep, '/')
        for f in files:
            if not f.endswith('.txt'):
                continue
            name = f[:-4] if rel == '.' else f'{rel}/{f[:-4]}'
            if _ID.match(name):
                keys.append(image_key(*_ID.match(name).groups()))
    if not keys:
        raise InputError(
            f'annotation folder {ann_dir}: no annotation files named setXX_VYYY_IZZZZZ.txt or '
            'setXX/VYYY/IZZZZZ.txt'
        )
    return sorted(keys)


def read_image_set(path: str) -> List[str]:
    """The image ids of an image-set list (``test-all-20.txt``: one ``set06/V000/I00019`` a line).

    Args:
        path (str): The list.

    Returns:
        List[str]: The image ids, in file order.

    Raises:
        ValueError: If the file is missing or a line is not an image id.
    """
    if not osp.isfile(path):
        raise InputError(f'image-set list {path}: no such file')
    with open(path) as f:
        return [
            image_key(*parse_image_id(line, f'{path}, line {no}'))
            for no, line in enumerate(f, 1)
            if line.strip()
        ]


def read_kaist_json(path: str) -> Dict[str, List[dict]]:
    """MLPD's ``KAIST_annotation.json`` as ``{image id: [bbGt object, ...]}``: ``bbox`` [x, y, w, h],
    ``occlusion``, ``ignore`` and the category name as the label (MLPD stores people / person? / cyclist
    regions as ``person`` with ``ignore`` 1, which the devkit treats the same way).

    Args:
        path (str): The JSON file.

    Returns:
        Dict[str, List[dict]]: Image id -> its bbGt objects (as :func:`read_bbgt` gives them).

    Raises:
        ValueError: If the file is missing, not JSON, or not in MLPD's format.
    """
    if not osp.isfile(path):
        raise InputError(f'{path}: no such file')
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise InputError(f'{path}: not a JSON file ({e})') from None
    for field in ('images', 'annotations', 'categories'):
        if field not in data:
            raise InputError(
                f'{path}: no {field!r} list; expected MLPD\'s KAIST_annotation.json '
                '(images with im_name, annotations with bbox / occlusion / ignore, categories)'
            )
    names = {c['id']: c['name'] for c in data['categories']}
    keys = {}
    for img in data['images']:
        keys[img['id']] = image_key(
            *parse_image_id(img.get('im_name', ''), f'{path}, image id {img["id"]}')
        )
    out = {k: [] for k in keys.values()}
    for a in data['annotations']:
        where = f'{path}, annotation id {a.get("id")}'
        if a.get('image_id') not in keys:
            raise InputError(f'{where}: image_id {a.get("image_id")!r} is not in the images list')
        if a.get('category_id') not in names:
            raise InputError(
                f'{where}: category_id {a.get("category_id")!r} is not in the categories list'
            )
        occ = a.get('occlusion', 0)
        if occ not in OCCLUSION:
            raise InputError(f'{where}: occlusion is {occ!r}, expected 0, 1 or 2')
        name = names[a['category_id']]
        out[keys[a['image_id']]].append(
            dict(
                lbl='person' if name == '__ignore__' else name,
                bb=[float(v) for v in a['bbox']],
                occ=int(occ),
                bbv=[0.0] * 4,
                ign=int(bool(a.get('ignore', 0)) or name == '__ignore__'),
                ang=0.0,
            )
        )
    return out


@DATASETS.register_module()
class KAISTDataset(BaseDetDataset):
    """KAIST RGB-thermal pedestrians: ``img_path`` (visible), ``thermal_path`` (lwir), and the person boxes.

    Every annotated object is kept as an instance; ``ignore_flag`` is 1 for the ignore labels, for a
    bbGt ignore flag and for boxes under 1 px, so that training learns from ``person`` boxes only. The
    benchmark's rules (height, occlusion, image border) are the metric's business.
    ``filter_cfg=dict(filter_empty_gt=True)`` drops training images without a trainable person.

    Args:
        ann_file (str): An image-set list (``imageSets/test-all-20.txt``, ``train-all-02.txt``: one
            ``setXX/VYYY/IZZZZZ`` a line), or MLPD's ``KAIST_annotation.json`` (its images and boxes).
            Defaults to ``'imageSets/test-all-20.txt'``.
        data_prefix (dict): ``img``: the folder of ``setXX/VYYY/{visible,lwir}/``; ``ann``: the
            annotation folder, nested or flat (found per file): ``annotations`` (original), the sanitized
            training annotations (Li et al.), the improved test annotations (Liu et al.). Defaults to
            ``dict(img='images', ann='annotations')``.
        paired_modality (str, optional): For the paired annotations (Zhang et al.: one box set per
            modality, in ``<ann>/setXX/VYYY/{visible,lwir}/IZZZZZ.txt`` or
            ``<ann>/{visible,lwir}/setXX_VYYY_IZZZZZ.txt``): which modality's boxes to load,
            ``'visible'`` or ``'lwir'`` (the model predicts one box set); None for the other releases.
            Defaults to None.
        ignore_labels (Sequence[str]): Labels loaded as ignore regions (``ignore_flag`` 1); ``person`` is
            the one class. Any other label is an error naming the file. Defaults to
            ``('people', 'person?', 'cyclist')``.
        img_size (Tuple[int, int]): (width, height) of every image, for the aspect-ratio sampler.
            Defaults to (640, 512).
        **kwargs: mmdet ``BaseDetDataset``'s other arguments (``data_root``, ``pipeline``, ...).

    Raises:
        ValueError: If ``paired_modality`` is invalid, or (on loading) a file is missing or malformed.
    """

    METAINFO = dict(classes=('person',), palette=[(220, 20, 60)])
    LAYOUT = (
        'images/setXX/VYYY/{visible,lwir}/IZZZZZ.jpg, annotations/setXX/VYYY/IZZZZZ.txt or a flat folder '
        'of setXX_VYYY_IZZZZZ.txt, imageSets/<list>.txt'
    )

    def __init__(
        self,
        ann_file: str = 'imageSets/test-all-20.txt',
        data_prefix: dict = dict(img='images', ann='annotations'),
        paired_modality: Optional[str] = None,
        ignore_labels: Sequence[str] = ('people', 'person?', 'cyclist'),
        img_size: Tuple[int, int] = (640, 512),
        **kwargs,
    ):
        if paired_modality not in (None, 'visible', 'lwir'):
            raise InputError(
                f"KAISTDataset: paired_modality must be None, 'visible' or 'lwir', got "
                f'{paired_modality!r}'
            )
        self.paired_modality = paired_modality
        self.ignore_labels = tuple(ignore_labels)
        self.img_size = tuple(img_size)
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def _image_paths(self, key: str) -> Tuple[str, str]:
        s, v, i = key.split('/')
        out = []
        for mod in ('visible', 'lwir'):
            base = osp.join(self.data_prefix['img'], s, v, mod, i)
            path = next((base + e for e in ('.jpg', '.png', '.jpeg') if osp.isfile(base + e)), None)
            if path is None:
                raise InputError(
                    f'KAISTDataset: image {key}: no {mod} image {base}.jpg (or .png). Expected '
                    f'layout under data_root {self.data_root}: {self.LAYOUT}'
                )
            out.append(path)
        return out[0], out[1]

    def load_data_list(self) -> List[dict]:
        if self.ann_file.endswith('.json'):
            objects = read_kaist_json(self.ann_file)
            keys = sorted(objects)
        else:
            keys = read_image_set(self.ann_file)
            ann_dir = self.data_prefix.get('ann', '')
            if not osp.isdir(ann_dir):
                raise InputError(
                    f'KAISTDataset: annotation folder {ann_dir} not found. Expected layout under '
                    f'data_root {self.data_root}: {self.LAYOUT}'
                )
            objects = {}
            for k in keys:
                path = annotation_path(ann_dir, k, self.paired_modality)
                objects[k] = [dict(o, file=path) for o in read_bbgt(path)]
        known = ('person',) + self.ignore_labels
        data_list = []
        for k in keys:
            img_path, thermal_path = self._image_paths(k)
            instances = []
            for o in objects[k]:
                if o['lbl'] not in known:
                    raise InputError(
                        f'{o.get("file", self.ann_file)}: unknown label {o["lbl"]!r} (image {k}); '
                        f'the KAIST labels are {list(known)} (KAISTDataset ignore_labels)'
                    )
                x, y, w, h = o['bb']
                ignore = o['lbl'] != 'person' or o['ign'] or w < 1 or h < 1
                instances.append(
                    dict(
                        bbox=[x, y, x + w, y + h],
                        bbox_label=0,
                        ignore_flag=int(ignore),
                        kaist={f: o[f] for f in ('lbl', 'bb', 'occ', 'bbv', 'ign', 'ang')},
                    )
                )
            data_list.append(
                dict(
                    img_path=img_path,
                    thermal_path=thermal_path,
                    img_id=k,
                    width=self.img_size[0],
                    height=self.img_size[1],
                    instances=instances,
                )
            )
        return data_list

    def filter_data(self) -> List[dict]:
        if self.test_mode or not self.filter_cfg or not self.filter_cfg.get('filter_empty_gt'):
            return self.data_list
        return [d for d in self.data_list if any(not i['ignore_flag'] for i in d['instances'])]
