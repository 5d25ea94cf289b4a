"""KAIST's log-average miss rate (MR^-2), as the official Matlab devkit computes it (``kaist_eval_full.m``
with Piotr Dollar's ``bbGt.m``: bbLoad's filters, evalRes, compRoc), and the benchmark's submission files.

Everything is in the pixel frame of the annotation files: a box is ``[x, y, w, h]`` with ``w = x2 - x1``.
"""

import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ..datasets.kaist import day_or_night
from ..utils.cli import InputError

POSITIVE_LABELS = ('person',)
IGNORE_LABELS = ('people', 'person?', 'cyclist')
X_RANGE, Y_RANGE = (
    (5, 635),
    (5, 507),
)  # a box must lie inside these, bounds included (640 x 512 frames)
OCC_BITS = {
    'none': 1,
    'partial': 2,
    'heavy': 4,
}  # bbLoad's vType: occlusion level o counts if 2^o & bits
# the devkit's settings: (height range, occlusion levels); each is evaluated on all / day / night images
SETTINGS = {
    'reasonable': ((55, math.inf), ('none', 'partial')),
    'near': ((115, math.inf), ('none',)),
    'medium': ((45, 115), ('none',)),
    'far': ((1, 45), ('none',)),
    'none': ((1, math.inf), ('none',)),
    'partial': ((1, math.inf), ('partial',)),
    'heavy': ((1, math.inf), ('heavy',)),
}
SUBSETS = ('all', 'day', 'night')
# the 9 numbers kaist_eval_full prints: reasonable on all / day / night, the others on all
DEVKIT_KEYS = {
    'MR_reasonable_all': ('reasonable', 'all'),
    'MR_reasonable_day': ('reasonable', 'day'),
    'MR_reasonable_night': ('reasonable', 'night'),
    **{f'MR_{s}': (s, 'all') for s in ('near', 'medium', 'far', 'none', 'partial', 'heavy')},
}
FPPI_REFS = np.array([10.0 ** (k / 4) for k in range(-8, 1)])  # 10.^(-2:.25:0)
IOU_THR = 0.5


def _extent(bb, ang):
    """bbLoad's bbExtent (ellipse=1): the axis-aligned box around an ellipse rotated by ``ang`` degrees."""
    if not ang:
        return list(bb)
    cx, cy = bb[0] + bb[2] / 2, bb[1] + bb[3] / 2
    a, b, t = bb[3] / 2, bb[2] / 2, math.radians(ang - 90)
    rx = math.sqrt((a * math.cos(t)) ** 2 + (b * math.sin(t)) ** 2)
    ry = math.sqrt((a * math.sin(t)) ** 2 + (b * math.cos(t)) ** 2)
    return [cx - rx, cy - ry, 2 * rx, 2 * ry]


def ground_truth(objs: Sequence[dict], setting: str) -> np.ndarray:
    """bbLoad's filtering for one setting: ``(n, 5)`` rows ``[x, y, w, h, ignore]``. Labels other than
    person / people / person? / cyclist are dropped; the ignore labels, a bbGt ignore flag, a height outside
    the setting's range, an occlusion level outside its levels, or a box not inside X_RANGE x Y_RANGE
    make an ignore region. No aspect-ratio change (the devkit's KAIST settings use no squarify).

    Args:
        objs (Sequence[dict]): One image's bbGt objects (:func:`~mmwam.datasets.kaist.read_bbgt`).
        setting (str): A key of ``SETTINGS`` (``'reasonable'``, ``'near'``, ...).

    Returns:
        np.ndarray: ``(n, 5)`` rows ``[x, y, w, h, ignore]``.
    """
    (h_lo, h_hi), levels = SETTINGS[setting]
    bits = sum(OCC_BITS[lv] for lv in levels)
    rows = []
    for o in objs:
        if o['lbl'] not in POSITIVE_LABELS + IGNORE_LABELS:
            continue
        x, y, w, h = o['bb']
        ign = (
            o['lbl'] in IGNORE_LABELS
            or bool(o['ign'])
            or not (X_RANGE[0] <= x <= X_RANGE[1] and X_RANGE[0] <= x + w <= X_RANGE[1])
            or not (Y_RANGE[0] <= y <= Y_RANGE[1] and Y_RANGE[0] <= y + h <= Y_RANGE[1])
            or not h_lo <= h <= h_hi
            or not (2 ** int(o['occ'])) & bits
        )
        rows.append(_extent(o['bb'], o.get('ang', 0) % 360) + [float(ign)])
    return np.array(rows, dtype=np.float64).reshape(-1, 5)


def _overlaps(dt: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """compOas: intersection over union for normal ground truths, over the detection's own area for ignore
    regions; 0 without a positive-width and positive-height intersection."""
    w = np.minimum(dt[:, None, 0] + dt[:, None, 2], gt[None, :, 0] + gt[None, :, 2]) - np.maximum(
        dt[:, None, 0], gt[None, :, 0]
    )
    h = np.minimum(dt[:, None, 1] + dt[:, None, 3], gt[None, :, 1] + gt[None, :, 3]) - np.maximum(
        dt[:, None, 1], gt[None, :, 1]
    )
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    dt_area = (dt[:, 2] * dt[:, 3])[:, None]
    union = np.where(gt[None, :, 4] != 0, dt_area, dt_area + (gt[:, 2] * gt[:, 3])[None, :] - inter)
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(inter > 0, inter / union, 0.0)


def match_image(
    gt: np.ndarray, dt: np.ndarray, thr: float = IOU_THR
) -> Tuple[int, np.ndarray, np.ndarray]:
    """evalRes on one image. ``gt``: ``(n, 5)`` [x y w h ignore]; ``dt``: ``(m, 5)`` [x y w h score].

    Detections go highest score first (stable: equal scores keep their order). Each takes the not yet
    matched normal ground truth with the highest IoU >= thr (of equal ones, the later in file order); if
    there is none, a detection covered by an ignore region (intersection over its own area >= thr) is
    dropped, however many others that region already took; otherwise it is a false positive.

    Args:
        gt (np.ndarray): ``(n, 5)`` rows ``[x, y, w, h, ignore]``.
        dt (np.ndarray): ``(m, 5)`` rows ``[x, y, w, h, score]``.
        thr (float): The IoU threshold. Defaults to 0.5.

    Returns:
        tuple: The number of normal ground truths and, for the detections not dropped, in that order,
        their scores and true-positive flags.
    """
    dt = dt[np.argsort(-dt[:, 4], kind='stable')]
    gt = gt[np.argsort(gt[:, 4] != 0, kind='stable')]  # normal ones first, each group in file order
    ignore = gt[:, 4] != 0
    oa = _overlaps(dt, gt)
    taken = np.zeros(len(gt), bool)
    keep, tp = np.ones(len(dt), bool), np.zeros(len(dt), bool)
    for d in range(len(dt)):
        free = np.flatnonzero(~ignore & ~taken & (oa[d] >= thr))
        if len(free):
            best = free[oa[d, free] == oa[d, free].max()][-1]
            taken[best], tp[d] = True, True
        elif (oa[d, ignore] >= thr).any():
            keep[d] = False
    return int((~ignore).sum()), dt[keep, 4], tp[keep]


def log_average_miss_rate(
    per_image: Sequence[Tuple[int, np.ndarray, np.ndarray]], refs: np.ndarray = FPPI_REFS
) -> Tuple[float, np.ndarray]:
    """compRoc over every image of a subset (each counts in FPPI, with or without ground truths or
    detections), then ``exp(mean(log(max(1e-10, 1 - recall))))``. The recall at a reference FPPI is that
    of the last curve point (one per detection, highest score first, stable) whose FPPI <= the reference,
    0 when there is none.

    Args:
        per_image (Sequence[tuple]): :func:`match_image`'s result for every image.
        refs (np.ndarray): The reference FPPIs. Defaults to the devkit's ``10^(-2:.25:0)``.

    Returns:
        tuple: MR as a fraction and the recall at each reference; NaN (and NaN recalls) when the subset
        has no normal ground truth (recall is undefined).
    """
    n_img = len(per_image)
    n_pos = sum(p[0] for p in per_image)
    if n_img == 0 or n_pos == 0:
        return float('nan'), np.full(len(refs), np.nan)
    scores = np.concatenate([p[1] for p in per_image] + [np.zeros(0)])
    tps = np.concatenate([p[2] for p in per_image] + [np.zeros(0, bool)])
    order = np.argsort(-scores, kind='stable')
    tp = np.cumsum(tps[order])
    fp = np.cumsum(~tps[order])
    last = np.searchsorted(fp / n_img, refs, side='right') - 1
    recall = np.where(last >= 0, tp[np.maximum(last, 0)] / n_pos if len(tp) else 0.0, 0.0)
    return float(np.exp(np.mean(np.log(np.maximum(1e-10, 1 - recall))))), recall


def evaluate_kaist(
    objects: Dict[str, Sequence[dict]],
    detections: Dict[str, np.ndarray],
    settings: Sequence[str] = tuple(SETTINGS),
) -> Dict[str, Dict[str, float]]:
    """KAIST's MR^-2 in percent, per setting and on all / day / night images.

    Images go in sorted id order (the devkit's file order, which decides the order of equal scores).
    A subset without images or without a normal ground truth gets NaN.

    Args:
        objects (Dict[str, Sequence[dict]]): Every image of the evaluation: its id to its bbGt objects.
        detections (Dict[str, np.ndarray]): Image id to ``(m, 5)`` rows ``[x, y, w, h, score]`` (an image
            not in it has none).
        settings (Sequence[str]): The settings evaluated. Defaults to every key of ``SETTINGS``.

    Returns:
        Dict[str, Dict[str, float]]: ``{setting: {'all' | 'day' | 'night': MR}}``.

    Raises:
        ValueError: If there are detections for an image without annotations.
    """
    keys = sorted(objects)
    unknown = sorted(set(detections) - set(keys))
    if unknown:
        raise InputError(
            f'detections for {len(unknown)} image(s) without annotations, e.g. {unknown[0]}'
        )
    groups = {
        'all': keys,
        'day': [k for k in keys if day_or_night(k) == 'day'],
        'night': [k for k in keys if day_or_night(k) == 'night'],
    }
    empty = np.zeros((0, 5))
    out = {}
    for s in settings:
        matched = {
            k: match_image(ground_truth(objects[k], s), detections.get(k, empty)) for k in keys
        }
        out[s] = {
            g: 100 * log_average_miss_rate([matched[k] for k in ks])[0] for g, ks in groups.items()
        }
    return out


def _fmt(v: float, digits: int) -> float:
    return float(f'{v:.{digits}f}')


def submission_rows(dets: np.ndarray) -> List[Tuple[float, float, float, float, float]]:
    """One image's detections ``(m, 5)`` [x1 y1 x2 y2 score] as the leaderboard writes them, highest score
    first (stable): corners rounded to 4 decimals, then ``x, y, w = x2 - x1, h = y2 - y1`` (no +1) to 4
    decimals and the score to 8. The metric evaluates exactly these values, so that it agrees with any
    evaluation of the written file.

    Args:
        dets (np.ndarray): ``(m, 5)`` rows ``[x1, y1, x2, y2, score]``.

    Returns:
        List[tuple]: ``(x, y, w, h, score)`` rows.
    """
    rows = []
    for x1, y1, x2, y2, s in dets[np.argsort(-dets[:, 4], kind='stable')]:
        x1, y1, x2, y2 = (_fmt(v, 4) for v in (x1, y1, x2, y2))
        rows.append((_fmt(x1, 4), _fmt(y1, 4), _fmt(x2 - x1, 4), _fmt(y2 - y1, 4), _fmt(s, 8)))
    return rows


def write_leaderboard(path: str, keys: Sequence[str], rows: Dict[str, list]):
    """Write the leaderboard file: ``id,x,y,w,h,score`` lines.

    Args:
        path (str): The file.
        keys (Sequence[str]): The image ids, sorted: an id's 1-based position is its number.
        rows (Dict[str, list]): Image id to its :func:`submission_rows`.
    """
    with open(path, 'w') as f:
        for n, k in enumerate(keys, 1):
            for r in rows.get(k, []):
                f.write(f'{n},{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{r[3]:.4f},{r[4]:.8f}\n')


def write_devkit_files(folder: str, keys: Sequence[str], rows: Dict[str, list]):
    """One ``setXX_VYYY_IZZZZZ.txt`` per image, empty ones included (``person x1 y1 x2 y2 score`` in the
    0-based frame: kaist_eval_full adds 1 to x1 and y1 and takes w = x2 - x1 when it aggregates them, and
    numbers the images by the files it finds, so a missing file would shift every later id).

    Args:
        folder (str): The folder, created if needed.
        keys (Sequence[str]): The image ids.
        rows (Dict[str, list]): Image id to its :func:`submission_rows`.
    """
    os.makedirs(folder, exist_ok=True)
    for k in keys:
        with open(osp.join(folder, k.replace('/', '_') + '.txt'), 'w') as f:
            for x, y, w, h, s in rows.get(k, []):
                f.write(f'person {x - 1:.4f} {y - 1:.4f} {x + w - 1:.4f} {y + h - 1:.4f} {s:.8f}\n')


def read_leaderboard(path: str, keys: Sequence[str]) -> Dict[str, np.ndarray]:
    """A leaderboard file (``id,x,y,w,h,score``, ids 1-based in the sorted order of ``keys``) as
    ``{image id: (m, 5) [x y w h score]}``.

    Args:
        path (str): The leaderboard file.
        keys (Sequence[str]): The image ids, sorted.

    Returns:
        Dict[str, np.ndarray]: Image id to its ``(m, 5)`` rows (an image without detections is absent).

    Raises:
        ValueError: If the file is missing or a line is malformed (the error names it).
    """
    if not osp.isfile(path):
        raise InputError(f'{path}: no such file')
    per = {}
    with open(path) as f:
        for no, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.replace(',', ' ').split()
            try:
                vals = [float(p) for p in parts]
            except ValueError:
                vals = []
            if len(vals) != 6:
                raise InputError(
                    f'{path}, line {no}: expected 6 numbers "id,x,y,w,h,score", got {line.strip()!r}'
                )
            i = vals[0]
            if i != int(i) or not 1 <= i <= len(keys):
                raise InputError(
                    f'{path}, line {no}: image id {parts[0]} is not in 1..{len(keys)} (the ids are '
                    f'1-based positions in the sorted list of the {len(keys)} annotated images)'
                )
            per.setdefault(keys[int(i) - 1], []).append(vals[1:])
    return {k: np.array(v, dtype=np.float64).reshape(-1, 5) for k, v in per.items()}


def format_results(res: Dict[str, Dict[str, float]]) -> str:
    """A table: a row per setting, MR^-2 (%) on all / day / night.

    Args:
        res (Dict[str, Dict[str, float]]): :func:`evaluate_kaist`'s result.

    Returns:
        str: The table.
    """
    lines = [f'{"setting":<12}{"all":>9}{"day":>9}{"night":>9}']
    for s, v in res.items():
        lines.append(f'{s:<12}' + ''.join(f'{v[g]:>9.2f}' for g in SUBSETS))
    return '\n'.join(lines)


@METRICS.register_module()
class KAISTMissRateMetric(BaseMetric):
    """KAIST's log-average miss rate MR^-2 (%, lower is better) as the official devkit defines it.

    Result keys (prefix ``kaist/``): the devkit's nine numbers, ``MR_reasonable_all``, ``_day``,
    ``_night`` and ``MR_near``, ``MR_medium``, ``MR_far``, ``MR_none``, ``MR_partial``, ``MR_heavy`` (on
    all images); ``MR_<setting>_<day|night>`` too with ``all_subsets=True``. The evaluated images are
    those of the test set (each counts in FPPI); day = sets 00-02 and 06-08, night = 03-05 and 09-11.
    The annotations come from the data samples: the test pipeline must pack ``instances`` (a
    ``KAISTDataset``'s, which keep the bbGt objects) with ``img_id``.

    Boxes are scored as the submission file writes them (:func:`submission_rows`). With ``output_dir``
    it writes ``det-test-all.txt`` (and ``det-test-day.txt`` / ``det-test-night.txt`` when the test set
    has both), the leaderboard format: ``id,x,y,w,h,score``, ids 1-based in sorted image order; with
    ``devkit_files=True`` also ``det/setXX_VYYY_IZZZZZ.txt`` for the Matlab devkit
    (``kaist_eval_full('<output_dir>/det', ...)`` writes the same ``det-test-*.txt`` from them).

    Args:
        output_dir (str, optional): Where the submission files are written; None: none are. Defaults
            to None.
        format_only (bool): Write the files, compute nothing (needs ``output_dir``). Defaults to False.
        devkit_files (bool): Also write the Matlab devkit's per-image files. Defaults to False.
        all_subsets (bool): Also report every setting on day and night images. Defaults to False.
        collect_device (str): ``'cpu'`` or ``'gpu'``, where results are gathered across ranks. Defaults
            to ``'cpu'``.
        prefix (str, optional): The key prefix; None: ``'kaist'``. Defaults to None.

    Raises:
        ValueError: If ``format_only`` is given without ``output_dir``.
    """

    default_prefix = 'kaist'
    # MissingModalityEvaluator: these keys are lower-is-better, with this worst value (its PCR and table)
    lower_is_better = {
        **{k: 100.0 for k in DEVKIT_KEYS},
        **{f'MR_{s}_{g}': 100.0 for s in SETTINGS for g in SUBSETS},
    }

    def __init__(
        self,
        output_dir: Optional[str] = None,
        format_only: bool = False,
        devkit_files: bool = False,
        all_subsets: bool = False,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if format_only and not output_dir:
            raise InputError(
                'KAISTMissRateMetric: format_only=True needs output_dir (where the files go)'
            )
        self.output_dir, self.format_only = output_dir, format_only
        self.devkit_files, self.all_subsets = devkit_files, all_subsets

    def process(self, data_batch, data_samples: Sequence[dict]):
        classes = list((self.dataset_meta or {}).get('classes', ('person',)))
        person = classes.index('person') if 'person' in classes else 0
        for ds in data_samples:
            if 'instances' not in ds or 'img_id' not in ds:
                raise InputError(
                    "KAISTMissRateMetric needs each sample's img_id and instances: add 'instances' "
                    "to PackDetInputs' meta_keys in the test pipeline (and use KAISTDataset)"
                )
            objs = [i.get('kaist') for i in ds['instances']]
            if any(o is None for o in objs):
                raise InputError(
                    f'KAISTMissRateMetric: sample {ds["img_id"]}: its instances have no bbGt '
                    "objects ('kaist'): the test dataset must be a KAISTDataset"
                )
            pred = ds['pred_instances']
            keep = (pred['labels'] == person).cpu().numpy()
            dets = np.concatenate(
                [
                    pred['bboxes'].cpu().numpy().astype(np.float64),
                    pred['scores'].cpu().numpy().astype(np.float64)[:, None],
                ],
                axis=1,
            )[keep]
            self.results.append((ds['img_id'], objs, submission_rows(dets)))

    def compute_metrics(self, results: list) -> dict:
        objects = {k: o for k, o, _ in results}
        rows = {k: r for k, _, r in results}
        keys = sorted(objects)
        if self.output_dir:
            self._write(keys, rows)
        if self.format_only:
            return {}
        dets = {k: np.array(r, dtype=np.float64).reshape(-1, 5) for k, r in rows.items()}
        res = evaluate_kaist(objects, dets)
        print_log(
            'KAIST log-average miss rate MR^-2 (%, lower is better):\n' + format_results(res),
            logger='current',
        )
        out = {name: res[s][g] for name, (s, g) in DEVKIT_KEYS.items()}
        if self.all_subsets:
            out.update({f'MR_{s}_{g}': res[s][g] for s in SETTINGS for g in SUBSETS})
        return out

    def _write(self, keys, rows):
        os.makedirs(self.output_dir, exist_ok=True)
        groups = {'all': keys}
        day = [k for k in keys if day_or_night(k) == 'day']
        night = [k for k in keys if day_or_night(k) == 'night']
        if day and night:
            groups.update(day=day, night=night)
        for g, ks in groups.items():
            write_leaderboard(osp.join(self.output_dir, f'det-test-{g}.txt'), ks, rows)
        if self.devkit_files:
            write_devkit_files(osp.join(self.output_dir, 'det'), keys, rows)
        if (
            not self.format_only
        ):  # in format-only mode the evaluator says where each subset's files went
            print_log(
                f'KAIST submission files ({", ".join(f"det-test-{g}.txt" for g in groups)}'
                f'{", det/" if self.devkit_files else ""}) written to {self.output_dir}',
                logger='current',
            )
