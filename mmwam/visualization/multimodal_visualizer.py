"""Pictures of multimodal samples: one row of labelled tiles per sample.

:func:`draw_panel` shows what a missing-modality evaluation did: the RGB image, every other modality in a
colormap, the ground truth and the prediction of every evaluated modality subset. :func:`draw_modalities`
shows what the pipeline made: every modality with the labels drawn on it, to see whether the modalities
are still aligned after resize / crop / flip. Labels are drawn by the upstream visualizers (mmseg's
``SegLocalVisualizer``: palette and class names; mmdet's ``DetLocalVisualizer``: boxes with scores), so
both functions take one of those (or the registered subclasses below, which add the two as methods).
Nothing here needs a display: the tiles are numpy arrays, matplotlib gives only the colormaps.
"""

from contextlib import contextmanager
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from matplotlib import colormaps
from mmseg.registry import VISUALIZERS as SEG_VISUALIZERS
from mmseg.visualization import SegLocalVisualizer

from ..registry import HAS_MMDET
from ..utils.modalities import channel_slices, parse_modalities

if HAS_MMDET:
    from mmdet.structures.bbox import BaseBoxes
    from mmdet.visualization import DetLocalVisualizer

TITLE_H = 22  # the label strip above every tile
FOOTER_H = (
    18  # the strip below every tile: a colour bar with the value range for a non-RGB modality
)
MIN_TILE_H, MAX_TILE_H = (
    192,
    512,
)  # tiles are scaled into this height range, so labels stay readable
COLORMAPS = dict(depth='turbo', thermal='inferno', infrared='inferno')  # others: viridis
BROWSE_ALPHA = (
    0.5  # segmentation overlay on the modalities in draw_modalities: the modality shows through
)


class Tile(NamedTuple):
    """One labelled picture of a panel: its title, the RGB uint8 image and, for a colormapped modality,
    its value range ``(low, high, unit, colormap name)``."""

    title: str
    image: np.ndarray  # H x W x 3 uint8, RGB
    value_range: Optional[Tuple[float, float, str, str]] = None  # low, high, unit, colormap name


def split_inputs(
    inputs,
    modalities: Mapping[str, int],
    bgr_to_rgb: bool = True,
    size: Optional[Sequence[int]] = None,
) -> Dict[str, np.ndarray]:
    """The packed ``inputs`` of one sample (a C x H x W tensor as the pipeline packs it, or an H x W x C
    array) as one H x W x C float array per modality, in the canonical channel order.

    Args:
        inputs (Tensor | np.ndarray): One sample's packed input.
        modalities (Mapping[str, int]): Modality name -> channels.
        bgr_to_rgb (bool): Reverse the RGB channels: the pipeline reads RGB as BGR (cv2); the visualizers
            draw RGB. Defaults to True.
        size (Sequence[int], optional): (h, w) to resize every modality to, e.g. a test prediction's
            ``ori_shape``: mmseg and mmdet give their predictions (and the test pipeline its ground truth)
            at the original image size, the inputs are at the resized one. Defaults to None.

    Returns:
        Dict[str, np.ndarray]: Modality name -> H x W x C float32 array.

    Raises:
        ValueError: If the channels do not match ``modalities``.
    """
    array = (
        inputs.detach().cpu().numpy().transpose(1, 2, 0)
        if hasattr(inputs, 'detach')
        else np.asarray(inputs)
    )
    if array.ndim == 2:
        array = array[..., None]
    order = parse_modalities(dict(modalities))
    if array.shape[2] != sum(order.values()):
        raise ValueError(
            f'inputs have {array.shape[2]} channels, the modalities {dict(order)} '
            f'{sum(order.values())}'
        )
    out = {}
    for name, s in channel_slices(order).items():
        part = array[..., s].astype(np.float32)
        if name == 'rgb' and bgr_to_rgb and part.shape[2] == 3:
            part = part[..., ::-1]
        if size is not None and tuple(size[:2]) != part.shape[:2]:
            # nearest for the other modalities: a depth hole (0) must not blend into its neighbours
            interp = cv2.INTER_LINEAR if name == 'rgb' else cv2.INTER_NEAREST
            part = cv2.resize(part, (int(size[1]), int(size[0])), interpolation=interp)
            part = part[..., None] if part.ndim == 2 else part
        out[name] = np.ascontiguousarray(part)
    return out


def units_from_pipeline(pipeline) -> Dict[str, str]:
    """``{'depth': 'm'}`` where the pipeline loads depth with ``scale=0.001`` (millimetre files, as every
    depth dataset config of mmwam reads them); other modalities and scales: raw units (no entry).

    Args:
        pipeline (Sequence[dict], optional): A pipeline's transform configs.

    Returns:
        Dict[str, str]: Modality name -> unit.
    """
    units = {}
    for t in pipeline or []:
        if (
            t.get('type') == 'LoadModalityFromFile'
            and t.get('modality') == 'depth'
            and abs(float(t.get('scale', 1.0)) - 1e-3) < 1e-12
        ):
            units['depth'] = 'm'
    return units


def colorize(name: str, array: np.ndarray, unit: Optional[str] = None) -> Tile:
    """One modality as an RGB tile: RGB (or any 3-channel modality) as is, others (channel mean) through a
    perceptual colormap stretched over their value range; depth holes (0: no measurement) are black and
    left out of the range.

    Args:
        name (str): The modality (its colormap, and the tile's title).
        array (np.ndarray): H x W or H x W x C values.
        unit (str, optional): The values' unit, for the colour bar. Defaults to None.

    Returns:
        Tile: The tile.
    """
    array = np.asarray(array, dtype=np.float32)
    array = array[..., None] if array.ndim == 2 else array
    if array.shape[2] == 3:
        return Tile(name, np.clip(array, 0, 255).astype(np.uint8))
    values = array.mean(axis=2)
    valid = (values > 0) if name == 'depth' else np.isfinite(values)
    low, high = (
        (float(values[valid].min()), float(values[valid].max())) if valid.any() else (0.0, 1.0)
    )
    cmap = COLORMAPS.get(name, 'viridis')
    scaled = np.clip((values - low) / max(high - low, 1e-6), 0, 1)
    image = (colormaps[cmap](scaled)[..., :3] * 255).astype(np.uint8)
    image[~valid] = 0
    return Tile(name, image, (low, high, unit or '', cmap))


def _draw_labels(
    visualizer, image: np.ndarray, sample, kind: str, pred_score_thr: float
) -> np.ndarray:
    """``kind`` ('gt' or 'pred') labels of ``sample`` on ``image`` by the upstream visualizer's own drawing."""
    classes = visualizer.dataset_meta.get('classes')
    palette = visualizer.dataset_meta.get('palette')
    image = np.ascontiguousarray(image)
    if HAS_MMDET and isinstance(visualizer, DetLocalVisualizer):
        instances = sample.get(f'{kind}_instances')
        if instances is None:
            return image
        instances = instances.cpu().clone()
        if isinstance(instances.get('bboxes'), BaseBoxes):  # the dataset's ground truth
            instances.bboxes = instances.bboxes.tensor
        if kind == 'pred' and 'scores' in instances:
            instances = instances[instances.scores > pred_score_thr]
        return visualizer._draw_instances(image, instances, classes, palette)
    if isinstance(visualizer, SegLocalVisualizer):
        sem_seg = sample.get(f'{kind}_sem_seg')
        if sem_seg is None:
            return image
        if tuple(sem_seg.shape) != image.shape[:2]:
            raise ValueError(
                f'{kind}_sem_seg is {tuple(sem_seg.shape)}, the image {image.shape[:2]}: pass the '
                'modalities at the labels\' size (split_inputs(..., size=...))'
            )
        return visualizer._draw_sem_seg(image, sem_seg, classes, palette)
    raise TypeError(
        f'need a SegLocalVisualizer or DetLocalVisualizer (or a MultiModal* one), got '
        f'{type(visualizer).__name__}'
    )


def _tile_size(height: int, width: int) -> Tuple[int, int]:
    scale = min(max(1.0, MIN_TILE_H / height), MAX_TILE_H / height)
    return round(height * scale), round(width * scale)


def _text(canvas, text, x, y, max_width, color=(255, 255, 255), scale=0.45):
    """cv2 text at (x, baseline y), shrunk to fit ``max_width``; returns its width."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    width = cv2.getTextSize(text, font, scale, 1)[0][0]
    if width > max_width:
        scale, width = scale * max_width / width, max_width
    cv2.putText(canvas, text, (x, y), font, scale, color, 1, cv2.LINE_AA)
    return width


def _strip(width: int, height: int) -> np.ndarray:
    return np.full((height, width, 3), 40, np.uint8)


def _footer(width: int, value_range) -> np.ndarray:
    """The value range: 'low' [colour bar] 'high' (metres where the unit is known)."""
    footer = _strip(width, FOOTER_H)
    if value_range is None:
        return footer
    low, high, unit, cmap = value_range
    fmt = (lambda v: f'{v:.2f} {unit}') if unit else (lambda v: f'{v:.4g}')
    left = _text(footer, fmt(low), 3, FOOTER_H - 5, width // 3, scale=0.38) + 8
    right_text = fmt(high)
    right_w = min(cv2.getTextSize(right_text, cv2.FONT_HERSHEY_SIMPLEX, 0.38, 1)[0][0], width // 3)
    bar_w = width - left - right_w - 11
    if bar_w > 4:
        bar = (colormaps[cmap](np.linspace(0, 1, bar_w))[:, :3] * 255).astype(np.uint8)
        footer[4 : FOOTER_H - 4, left : left + bar_w] = bar[None]
    _text(footer, right_text, width - right_w - 3, FOOTER_H - 5, width // 3, scale=0.38)
    return footer


def compose_row(tiles: Sequence[Tile]) -> np.ndarray:
    """The tiles side by side, each scaled to the same size (height in [MIN_TILE_H, MAX_TILE_H]) with its
    title above and its value range (or an empty strip) below.

    Args:
        tiles (Sequence[Tile]): The tiles; the first one's aspect sets the size.

    Returns:
        np.ndarray: RGB uint8 of ``(TITLE_H + h + FOOTER_H) x (len(tiles) * w) x 3``.
    """
    height, width = tiles[0].image.shape[:2]
    th, tw = _tile_size(height, width)
    columns = []
    for tile in tiles:
        interp = cv2.INTER_NEAREST if th >= tile.image.shape[0] else cv2.INTER_AREA
        image = cv2.resize(np.ascontiguousarray(tile.image), (tw, th), interpolation=interp)
        title = _strip(tw, TITLE_H)
        _text(title, tile.title, 4, TITLE_H - 7, tw - 8)
        image[:, -1] = 255  # a thin separator between tiles
        columns.append(np.concatenate([title, image, _footer(tw, tile.value_range)], axis=0))
    return np.concatenate(columns, axis=1)


def _modality_tiles(modalities: Mapping[str, np.ndarray], units) -> List[Tile]:
    return [colorize(name, array, units.get(name)) for name, array in modalities.items()]


def _emit(visualizer, panel, out_file, name, step, show):
    """Save (``out_file``), else hand to the visualizer's backends; a window only when asked."""
    if show:
        visualizer.show(panel, win_name=name)
    if out_file is not None:
        mmcv.imwrite(panel[..., ::-1], out_file)
    elif not show:
        visualizer.add_image(name, panel, step)
    return panel


def draw_panel(
    visualizer,
    modalities: Mapping[str, np.ndarray],
    gt_sample=None,
    predictions: Optional[Mapping[str, object]] = None,
    out_file: Optional[str] = None,
    units: Optional[Mapping[str, str]] = None,
    pred_score_thr: float = 0.3,
    name: str = 'panel',
    step: int = 0,
    show: bool = False,
) -> np.ndarray:
    """One row: every modality (``modalities``: name -> H x W x C array, RGB in RGB order, e.g. from
    :func:`split_inputs`), the ground truth of ``gt_sample`` on the RGB image, then one tile per entry of
    ``predictions`` (subset name, e.g. ``'rgb+depth'`` -> a data sample with ``pred_sem_seg`` or
    ``pred_instances``), titled ``pred: <subset>``, drawn over what that subset saw: the RGB image when it
    has RGB, else its first modality (the depth map for ``'depth'``). The samples must be in the frame of
    the arrays.

    Args:
        visualizer (SegLocalVisualizer | DetLocalVisualizer): Draws the labels.
        modalities (Mapping[str, np.ndarray]): Name -> H x W x C array, RGB in RGB order.
        gt_sample (optional): A data sample with the ground truth. Defaults to None.
        predictions (Mapping[str, object], optional): Subset name -> data sample. Defaults to None.
        out_file (str, optional): The PNG written; None: the image goes to the visualizer's backends.
            Defaults to None.
        units (Mapping[str, str], optional): Name -> unit of the values (default: the visualizer's
            ``modality_units``; none: raw units). Defaults to None.
        pred_score_thr (float): Detection boxes below this score are not drawn. Defaults to 0.3.
        name (str): The image's name for the backends (and the window). Defaults to ``'panel'``.
        step (int): The step for the backends. Defaults to 0.
        show (bool): Also open a window (needs a display). Defaults to False.

    Returns:
        np.ndarray: The panel, RGB uint8.
    """
    units = dict(getattr(visualizer, 'modality_units', None) or {}, **(units or {}))
    tiles = _modality_tiles(modalities, units)
    rgb = tiles[list(modalities).index('rgb')].image if 'rgb' in modalities else tiles[0].image
    if gt_sample is not None:
        tiles.append(
            Tile('ground truth', _draw_labels(visualizer, rgb, gt_sample, 'gt', pred_score_thr))
        )
    names = list(modalities)
    for subset, sample in (predictions or {}).items():
        seen = [n for n in subset.split('+') if n in modalities]
        under = rgb if 'rgb' in seen or not seen else tiles[names.index(seen[0])].image
        tiles.append(
            Tile(f'pred: {subset}', _draw_labels(visualizer, under, sample, 'pred', pred_score_thr))
        )
    return _emit(visualizer, compose_row(tiles), out_file, name, step, show)


@contextmanager
def _overlay_alpha(visualizer, alpha):
    """A lighter segmentation overlay (the parent's ``alpha``), so that the modality under it shows."""
    if not isinstance(visualizer, SegLocalVisualizer):
        yield
        return
    kept, visualizer.alpha = visualizer.alpha, alpha
    try:
        yield
    finally:
        visualizer.alpha = kept


def draw_modalities(
    visualizer,
    modalities: Mapping[str, np.ndarray],
    gt_sample=None,
    out_file: Optional[str] = None,
    units: Optional[Mapping[str, str]] = None,
    name: str = 'sample',
    step: int = 0,
    show: bool = False,
) -> np.ndarray:
    """One row: every modality with the ground truth of ``gt_sample`` drawn on it (segmentation masks at
    ``BROWSE_ALPHA``, boxes), so that a misalignment between the modalities and the labels shows.

    Args:
        visualizer (SegLocalVisualizer | DetLocalVisualizer): Draws the labels.
        modalities (Mapping[str, np.ndarray]): Name -> H x W x C array, RGB in RGB order.
        gt_sample (optional): A data sample with the ground truth. Defaults to None.
        out_file (str, optional): The PNG written; None: the image goes to the visualizer's backends.
            Defaults to None.
        units (Mapping[str, str], optional): Name -> unit of the values. Defaults to None.
        name (str): The image's name for the backends. Defaults to ``'sample'``.
        step (int): The step for the backends. Defaults to 0.
        show (bool): Also open a window (needs a display). Defaults to False.

    Returns:
        np.ndarray: The panel, RGB uint8.
    """
    units = dict(getattr(visualizer, 'modality_units', None) or {}, **(units or {}))
    tiles = _modality_tiles(modalities, units)
    if gt_sample is not None:
        with _overlay_alpha(visualizer, BROWSE_ALPHA):
            tiles = [
                t._replace(image=_draw_labels(visualizer, t.image, gt_sample, 'gt', 0.0))
                for t in tiles
            ]
    return _emit(visualizer, compose_row(tiles), out_file, name, step, show)


class MultiModalPanelMixin:
    """:func:`draw_panel` and :func:`draw_modalities` as methods of a visualizer.

    Args:
        name (str): The visualizer's instance name. Defaults to ``'visualizer'``.
        *args: The upstream visualizer's other positional arguments.
        modality_units (Mapping[str, str], optional): Name -> unit (e.g. ``dict(depth='m')``; see
            :func:`units_from_pipeline`), for the colour bars. Defaults to None.
        **kwargs: The upstream visualizer's other arguments.
    """

    def __init__(
        self,
        name: str = 'visualizer',
        *args,
        modality_units: Optional[Mapping[str, str]] = None,
        **kwargs,
    ):  # ``name``: mmengine's ManagerMixin looks for it in the signature
        super().__init__(name, *args, **kwargs)
        self.modality_units = dict(modality_units or {})

    def draw_panel(self, modalities, gt_sample=None, predictions=None, **kwargs) -> np.ndarray:
        """:func:`draw_panel` with this visualizer; the same arguments and result."""
        return draw_panel(self, modalities, gt_sample, predictions, **kwargs)

    def draw_modalities(self, modalities, gt_sample=None, **kwargs) -> np.ndarray:
        """:func:`draw_modalities` with this visualizer; the same arguments and result."""
        return draw_modalities(self, modalities, gt_sample, **kwargs)


@SEG_VISUALIZERS.register_module()
class MultiModalSegLocalVisualizer(MultiModalPanelMixin, SegLocalVisualizer):
    """mmseg's ``SegLocalVisualizer`` (palette, class names) that also draws multimodal panels.

    Its arguments are :class:`MultiModalPanelMixin`'s and ``SegLocalVisualizer``'s.
    """
