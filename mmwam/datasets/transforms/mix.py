"""mmdet's Mosaic, MixUp, their cached variants and YOLOX's HSV augmentation for an image of any channel count.

mmdet pastes the images into a 3-channel canvas and MixUp casts the result to 8 bits, so an RGB + depth /
thermal image cannot pass. These subclasses keep mmdet's arguments, randomness and box / mask handling
(a 3-channel 8-bit image gives mmdet's output exactly) and change what the canvas is: it has the image's
channels and dtype, and each modality is padded with its own value. They run after ``ConcatModalities``,
so every modality of an image is resized, pasted and flipped the same way.

``pad_val``: a number or a 3-value sequence pads the RGB channels, as in mmdet, and the other modalities
with 0; a dict gives each modality its value(s), e.g. ``dict(rgb=114, depth=0)`` (a modality it does not
name is padded with 0). The channel layout comes from ``results['modality_channels']``, which
``ConcatModalities`` writes.
"""

import copy
from numbers import Number

import mmcv
import numpy as np
from mmcv.transforms.builder import TRANSFORMS
from mmdet.datasets.transforms import CachedMixUp, CachedMosaic, MixUp, Mosaic, YOLOXHSVRandomAug
from mmdet.structures.bbox import autocast_box_type
from numpy import random  # as mmdet's transforms: the same draws in the same order


def _check_pad_val(pad_val, where: str):
    """A config error in ``pad_val`` is reported when the transform is built, in one line."""
    values = pad_val.values() if isinstance(pad_val, dict) else [pad_val]
    for v in values:
        if not (
            isinstance(v, Number)
            or (isinstance(v, (list, tuple)) and all(isinstance(x, Number) for x in v))
        ):
            raise TypeError(
                f'{where}.pad_val: expected a number, a sequence of numbers (one per channel) or a '
                f'dict modality -> value, e.g. dict(rgb=114, depth=0); got {pad_val!r}'
            )


def channel_pad_values(pad_val, results: dict, where: str) -> np.ndarray:
    """One pad value per channel of ``results['img']`` (see the module's docstring).

    Args:
        pad_val (Number | Sequence[Number] | dict): The transform's ``pad_val``.
        results (dict): The sample, with ``img`` and (after ``ConcatModalities``) ``modality_channels``.
        where (str): The transform's name, for the errors.

    Returns:
        np.ndarray: One float64 value per channel.

    Raises:
        ValueError: If ``pad_val`` does not fit the image's modalities and channels.
    """
    img = results['img']
    channels = img.shape[2] if img.ndim == 3 else 1
    layout = results.get('modality_channels')
    if layout is None:  # no ConcatModalities ran: RGB, then channels of unknown modalities
        layout = {'rgb': min(channels, 3), **({'?': channels - 3} if channels > 3 else {})}
    if sum(layout.values()) != channels:
        raise ValueError(
            f'{where}: results["modality_channels"] {layout} does not describe the image\'s '
            f'{channels} channels'
        )
    given = pad_val if isinstance(pad_val, dict) else {'rgb': pad_val}
    unknown = [m for m in given if m not in layout]
    if unknown:
        raise ValueError(
            f'{where}.pad_val names {unknown}, but the image holds {list(layout)} (put '
            'ConcatModalities, which records them, before this transform)'
        )
    values = []
    for modality, n in layout.items():
        v = given.get(modality, 0)
        v = [v] * n if isinstance(v, Number) else list(v)
        if len(v) != n:
            raise ValueError(
                f'{where}.pad_val: {len(v)} values for the {n} channel(s) of {modality!r}'
            )
        values += v
    return np.array(values, dtype=np.float64)


class _MultiModalMosaic:
    """The mosaic pasting of mmdet's ``Mosaic`` / ``CachedMosaic`` (masks included), with the canvas as
    described in the module's docstring."""

    def _paste(self, results: dict, mix_results: list) -> dict:
        img = results['img']
        pad = channel_pad_values(self.pad_val, results, type(self).__name__)
        scale_w, scale_h = self.img_scale
        canvas = np.full((int(scale_h * 2), int(scale_w * 2)) + img.shape[2:], pad, dtype=img.dtype)
        center = (
            int(random.uniform(*self.center_ratio_range) * scale_w),
            int(random.uniform(*self.center_ratio_range) * scale_h),
        )
        with_mask = 'gt_masks' in results
        bboxes, labels, ignore, masks = [], [], [], []
        for loc, patch in zip(
            ('top_left', 'top_right', 'bottom_left', 'bottom_right'), [results, *mix_results]
        ):
            h_i, w_i = patch['img'].shape[:2]
            ratio = min(scale_h / h_i, scale_w / w_i)
            img_i = mmcv.imresize(patch['img'], (int(w_i * ratio), int(h_i * ratio)))
            (x1_p, y1_p, x2_p, y2_p), (x1_c, y1_c, x2_c, y2_c) = self._mosaic_combine(
                loc, center, img_i.shape[:2][::-1]
            )
            canvas[y1_p:y2_p, x1_p:x2_p] = img_i[y1_c:y2_c, x1_c:x2_c]
            padw, padh = x1_p - x1_c, y1_p - y1_c
            boxes = patch['gt_bboxes'].clone()
            boxes.rescale_([ratio, ratio])
            boxes.translate_([padw, padh])
            bboxes.append(boxes)
            labels.append(patch['gt_bboxes_labels'])
            ignore.append(patch['gt_ignore_flags'])
            if with_mask and patch.get('gt_masks', None) is not None:
                size = (int(scale_w * 2), int(scale_h * 2))
                m = patch['gt_masks'].rescale(float(ratio))
                m = m.translate(out_shape=size, offset=padw, direction='horizontal')
                masks.append(m.translate(out_shape=size, offset=padh, direction='vertical'))
        bboxes = bboxes[0].cat(bboxes, 0)
        if self.bbox_clip_border:
            bboxes.clip_([2 * scale_h, 2 * scale_w])
        inside = bboxes.is_inside([2 * scale_h, 2 * scale_w]).numpy()
        results['img'] = canvas
        results['img_shape'] = canvas.shape[:2]
        results['gt_bboxes'] = bboxes[inside]
        results['gt_bboxes_labels'] = np.concatenate(labels, 0)[inside]
        results['gt_ignore_flags'] = np.concatenate(ignore, 0)[inside]
        if with_mask:
            results['gt_masks'] = masks[0].cat(masks)[inside]
        return results


@TRANSFORMS.register_module()
class MultiModalMosaic(_MultiModalMosaic, Mosaic):
    """mmdet's ``Mosaic`` for an image of any channel count, each modality padded with its own value
    (``pad_val``: see :mod:`mmwam.datasets.transforms.mix`). The other three images come from
    ``MultiImageMixDataset``, whose inner pipeline must load and concatenate the same modalities.

    Args:
        *args: mmdet ``Mosaic``'s arguments.
        **kwargs: mmdet ``Mosaic``'s arguments; ``pad_val`` may also be a dict by modality.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_pad_val(self.pad_val, type(self).__name__)

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        if random.uniform(0, 1) > self.prob:
            return results
        assert 'mix_results' in results
        return self._paste(results, results['mix_results'])


@TRANSFORMS.register_module()
class MultiModalCachedMosaic(_MultiModalMosaic, CachedMosaic):
    """mmdet's ``CachedMosaic`` for an image of any channel count (``pad_val``: see
    :mod:`mmwam.datasets.transforms.mix`); the other images come from its cache of earlier results of
    the same pipeline, so they hold the same modalities.

    Args:
        *args: mmdet ``CachedMosaic``'s arguments.
        **kwargs: mmdet ``CachedMosaic``'s arguments; ``pad_val`` may also be a dict by modality.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_pad_val(self.pad_val, type(self).__name__)

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        self.results_cache.append(copy.deepcopy(results))
        if len(self.results_cache) > self.max_cached_images:
            index = random.randint(0, len(self.results_cache) - 1) if self.random_pop else 0
            self.results_cache.pop(index)
        if len(self.results_cache) <= 4 or random.uniform(0, 1) > self.prob:
            return results
        indices = self.get_indexes(self.results_cache)
        return self._paste(results, [self.results_cache[i] for i in indices])


class _MultiModalMixUp:
    """The mixing of mmdet's ``MixUp`` / ``CachedMixUp`` (masks included), with a canvas of the image's
    channels padded per modality, and the result kept in the image's dtype (mmdet casts it to 8 bits,
    which would truncate a depth map in metres)."""

    def _mix(self, results: dict, retrieve: dict) -> dict:
        retrieve_img = retrieve['img']
        with_mask = 'gt_masks' in results
        jit_factor = random.uniform(*self.ratio_range)
        is_flip = random.uniform(0, 1) > self.flip_ratio
        pad = channel_pad_values(self.pad_val, retrieve, type(self).__name__)
        # 1. keep-ratio resize and paste into the top left of the canvas
        out_img = (
            np.ones(self.dynamic_scale[::-1] + retrieve_img.shape[2:], dtype=retrieve_img.dtype)
            * pad
        )
        scale_ratio = min(
            self.dynamic_scale[1] / retrieve_img.shape[0],
            self.dynamic_scale[0] / retrieve_img.shape[1],
        )
        retrieve_img = mmcv.imresize(
            retrieve_img,
            (int(retrieve_img.shape[1] * scale_ratio), int(retrieve_img.shape[0] * scale_ratio)),
        )
        out_img[: retrieve_img.shape[0], : retrieve_img.shape[1]] = retrieve_img
        # 2. scale jitter, flip
        scale_ratio *= jit_factor
        out_img = mmcv.imresize(
            out_img, (int(out_img.shape[1] * jit_factor), int(out_img.shape[0] * jit_factor))
        )
        if is_flip:
            out_img = out_img[:, ::-1]
        # 3. random crop to the image's size
        ori_img = results['img']
        origin_h, origin_w = out_img.shape[:2]
        target_h, target_w = ori_img.shape[:2]
        padded_img = (
            np.ones((max(origin_h, target_h), max(origin_w, target_w)) + ori_img.shape[2:]) * pad
        ).astype(ori_img.dtype)
        padded_img[:origin_h, :origin_w] = out_img
        x_offset, y_offset = 0, 0
        if padded_img.shape[0] > target_h:
            y_offset = random.randint(0, padded_img.shape[0] - target_h)
        if padded_img.shape[1] > target_w:
            x_offset = random.randint(0, padded_img.shape[1] - target_w)
        padded_cropped_img = padded_img[
            y_offset : y_offset + target_h, x_offset : x_offset + target_w
        ]
        # 4. the boxes (and masks) of the retrieved image
        boxes = retrieve['gt_bboxes'].clone()
        boxes.rescale_([scale_ratio, scale_ratio])
        if with_mask:
            masks = retrieve['gt_masks'].rescale(scale_ratio)
        if self.bbox_clip_border:
            boxes.clip_([origin_h, origin_w])
        if is_flip:
            boxes.flip_([origin_h, origin_w], direction='horizontal')
            if with_mask:
                masks = masks.flip()
        boxes.translate_([-x_offset, -y_offset])
        if with_mask:
            masks = masks.translate(
                out_shape=(target_h, target_w), offset=-x_offset, direction='horizontal'
            )
            masks = masks.translate(
                out_shape=(target_h, target_w), offset=-y_offset, direction='vertical'
            )
        if self.bbox_clip_border:
            boxes.clip_([target_h, target_w])
        # 5. mix
        mixup_img = 0.5 * ori_img.astype(np.float32) + 0.5 * padded_cropped_img.astype(np.float32)
        all_boxes = boxes.cat((results['gt_bboxes'], boxes), dim=0)
        inside = all_boxes.is_inside([target_h, target_w]).numpy()
        results['img'] = mixup_img.astype(ori_img.dtype)
        results['img_shape'] = mixup_img.shape[:2]
        results['gt_bboxes'] = all_boxes[inside]
        results['gt_bboxes_labels'] = np.concatenate(
            (results['gt_bboxes_labels'], retrieve['gt_bboxes_labels']), axis=0
        )[inside]
        results['gt_ignore_flags'] = np.concatenate(
            (results['gt_ignore_flags'], retrieve['gt_ignore_flags']), axis=0
        )[inside]
        if with_mask:
            results['gt_masks'] = masks.cat([results['gt_masks'], masks])[inside]
        return results


@TRANSFORMS.register_module()
class MultiModalMixUp(_MultiModalMixUp, MixUp):
    """mmdet's ``MixUp`` for an image of any channel count and dtype (``pad_val``: see
    :mod:`mmwam.datasets.transforms.mix`). The other image comes from ``MultiImageMixDataset``, whose
    inner pipeline must load and concatenate the same modalities.

    Args:
        *args: mmdet ``MixUp``'s arguments.
        **kwargs: mmdet ``MixUp``'s arguments; ``pad_val`` may also be a dict by modality.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_pad_val(self.pad_val, type(self).__name__)

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        assert 'mix_results' in results
        assert len(results['mix_results']) == 1, 'MixUp only support 2 images now !'
        if results['mix_results'][0]['gt_bboxes'].shape[0] == 0:
            return results
        return self._mix(results, results['mix_results'][0])


@TRANSFORMS.register_module()
class MultiModalCachedMixUp(_MultiModalMixUp, CachedMixUp):
    """mmdet's ``CachedMixUp`` for an image of any channel count and dtype (``pad_val``: see
    :mod:`mmwam.datasets.transforms.mix`); the other image comes from its cache.

    Args:
        *args: mmdet ``CachedMixUp``'s arguments.
        **kwargs: mmdet ``CachedMixUp``'s arguments; ``pad_val`` may also be a dict by modality.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_pad_val(self.pad_val, type(self).__name__)

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        self.results_cache.append(copy.deepcopy(results))
        if len(self.results_cache) > self.max_cached_images:
            index = random.randint(0, len(self.results_cache) - 1) if self.random_pop else 0
            self.results_cache.pop(index)
        if len(self.results_cache) <= 1 or random.uniform(0, 1) > self.prob:
            return results
        retrieve = self.results_cache[self.get_indexes(self.results_cache)]
        if retrieve['gt_bboxes'].shape[0] == 0:
            return results
        return self._mix(results, retrieve)


@TRANSFORMS.register_module()
class MultiModalYOLOXHSVRandomAug(YOLOXHSVRandomAug):
    """YOLOX's HSV augmentation on the RGB channels only (the first three: depth or thermal have no hue).

    For recipes that change colours after the mosaic, where the modalities are already concatenated.
    mmdet's transform works on 8-bit BGR, so the RGB channels are rounded to 8 bits, as they are when the
    image is 8-bit; a 3-channel 8-bit image is mmdet's case exactly. Its arguments are mmdet
    ``YOLOXHSVRandomAug``'s.
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8:
            return super().transform(results)
        rgb = np.clip(np.rint(img[..., :3]), 0, 255).astype(np.uint8)
        img = img.copy()
        img[..., :3] = super().transform(dict(img=rgb))['img']
        results['img'] = img
        return results
