"""The multimodal Mosaic / MixUp (and cached variants) and the RGB-only YOLOX HSV augmentation against
mmdet's own transforms: mmdet's output on a 3-channel 8-bit image, and on each modality's channels apart."""

import copy

import numpy as np
import pytest
from mmdet.datasets.transforms import CachedMixUp, CachedMosaic, MixUp, Mosaic, YOLOXHSVRandomAug
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes

from mmwam.datasets.transforms import (
    ConcatModalities,
    MultiModalCachedMixUp,
    MultiModalCachedMosaic,
    MultiModalMixUp,
    MultiModalMosaic,
    MultiModalYOLOXHSVRandomAug,
)

SIZE = 64  # every sample is SIZE x SIZE; img_scale=(SIZE, SIZE) pastes them unresized


def sample(i, ir=True):
    """RGB (8-bit) + infrared (float, not whole numbers: a cast to 8 bits would show) through the real
    ConcatModalities; one box, labelled ``i`` to know where it came from."""
    rng = np.random.default_rng(i)
    results = dict(
        img=rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8),
        img_path=f'{i}.jpg',
        gt_bboxes=HorizontalBoxes(np.array([[8, 10, 40, 50]], dtype=np.float32)),
        gt_bboxes_labels=np.array([i]),
        gt_ignore_flags=np.array([False]),
    )
    if ir:
        results['infrared'] = (rng.random((SIZE, SIZE, 1)) * 200 + 0.25).astype(np.float32)
        results = ConcatModalities(keys=['infrared'])(results)
    return results


def channels(results, part):
    """``results`` with only some channels of its image (as a 3-channel image for mmdet)."""
    out = copy.deepcopy(results)
    img = out['img'][..., part]
    out['img'] = np.ascontiguousarray(np.repeat(img, 3, axis=2) if img.shape[2] == 1 else img)
    out.pop('modality_channels', None)
    for m in out.get('mix_results', []):
        m.update(channels(m, part))
    return out


def run(transform, results, seed=0):
    np.random.seed(seed)  # mmdet's transforms draw from numpy's generator
    return transform(copy.deepcopy(results))


def mosaic_input(ir=True):
    return dict(sample(0, ir), mix_results=[sample(i, ir) for i in (1, 2, 3)])


def mixup_input(ir=True):
    return dict(sample(0, ir), mix_results=[sample(1, ir)])


def feed_cache(transform, n, ir=True):
    """Fill a cached transform with ``n`` samples (the cache's own randomness seeded); the last output."""
    np.random.seed(0)
    for i in range(n):
        out = transform(sample(i, ir))
    return out


PAIRS = [
    (MultiModalMosaic, Mosaic, dict(img_scale=(SIZE, SIZE)), mosaic_input),
    (MultiModalMixUp, MixUp, dict(img_scale=(SIZE, SIZE), ratio_range=(0.8, 1.6)), mixup_input),
]
CACHED = [
    (MultiModalCachedMosaic, CachedMosaic, dict(img_scale=(SIZE, SIZE), max_cached_images=6)),
    (
        MultiModalCachedMixUp,
        CachedMixUp,
        dict(img_scale=(SIZE, SIZE), ratio_range=(0.8, 1.6), max_cached_images=6),
    ),
]


def assert_same(a, b, img=True):
    if img:
        np.testing.assert_array_equal(a['img'], b['img'])
    np.testing.assert_array_equal(a['gt_bboxes'].numpy(), b['gt_bboxes'].numpy())
    np.testing.assert_array_equal(a['gt_bboxes_labels'], b['gt_bboxes_labels'])


@pytest.mark.parametrize('ours, theirs, kwargs, make', PAIRS)
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_an_rgb_image_gives_mmdets_output(ours, theirs, kwargs, make, seed):
    results = make(ir=False)
    assert_same(run(ours(**kwargs), results, seed), run(theirs(**kwargs), results, seed))


@pytest.mark.parametrize('ours, theirs, kwargs', CACHED)
def test_an_rgb_image_gives_mmdets_output_cached(ours, theirs, kwargs):
    for n in (3, 8, 12):  # below the cache's minimum (no mixing), and mixing with a full cache
        assert_same(
            feed_cache(ours(**kwargs), n, ir=False), feed_cache(theirs(**kwargs), n, ir=False)
        )


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_each_modality_is_pasted_as_mmdet_pastes_an_image_with_its_own_pad(seed):
    """RGB + infrared: the RGB channels are mmdet's Mosaic of the RGB images (padded with 114), the
    infrared channel mmdet's Mosaic of the infrared images (padded with 0); the same boxes."""
    results = mosaic_input()
    out = run(MultiModalMosaic(img_scale=(48, 40)), results, seed)  # resized patches
    assert out['img'].shape == (80, 96, 4) and out['img'].dtype == np.float32
    rgb = run(Mosaic(img_scale=(48, 40)), channels(results, slice(0, 3)), seed)
    ir = run(Mosaic(img_scale=(48, 40), pad_val=0.0), channels(results, slice(3, 4)), seed)
    np.testing.assert_array_equal(out['img'][..., :3], rgb['img'])
    np.testing.assert_array_equal(out['img'][..., 3], ir['img'][..., 0])
    assert_same(out, rgb, img=False)


def test_mosaic_boxes_frame_the_same_pixels_of_every_modality_and_pads_each_modality():
    """Unresized patches (img_scale = the images' size): every output box that lies whole inside the
    canvas frames exactly the pixels, RGB and infrared, that its box framed in its source image."""
    results = mosaic_input()
    sources = {i: s for i, s in enumerate([results] + results['mix_results'])}
    checked = 0
    for seed in range(6):
        out = run(
            MultiModalMosaic(img_scale=(SIZE, SIZE), pad_val=dict(rgb=114, infrared=7)),
            results,
            seed,
        )
        for box, label in zip(out['gt_bboxes'].numpy().astype(int), out['gt_bboxes_labels']):
            x1, y1, x2, y2 = box
            if (x2 - x1, y2 - y1) != (32, 40):  # clipped by the canvas or the paste: not whole
                continue
            np.testing.assert_array_equal(
                out['img'][y1:y2, x1:x2], sources[label]['img'][10:50, 8:40]
            )
            checked += 1
        # what no patch covers holds each modality's pad value
        unpainted = (out['img'][..., :3] == 114).all(axis=2) & (out['img'][..., 3] == 7)
        assert unpainted.any()
        assert not ((out['img'][..., 3] == 7) & ~unpainted).any()
    assert checked >= 6


def test_mixup_keeps_the_values_of_every_modality():
    """Same-size images, no scale jitter, no flip: the mix is the mean of the two, every modality, in
    float (mmdet casts to 8 bits, which would cut a depth map in metres to whole metres)."""
    results = mixup_input()
    out = run(
        MultiModalMixUp(img_scale=(SIZE, SIZE), ratio_range=(1.0, 1.0), flip_ratio=1.0), results
    )
    expected = 0.5 * results['img'] + 0.5 * results['mix_results'][0]['img']
    np.testing.assert_allclose(out['img'], expected, rtol=1e-6)
    assert out['gt_bboxes_labels'].tolist() == [0, 1]
    # with jitter, flip and crop: mmdet's boxes; the infrared of the other image (all 100 here) lands
    # where mmdet puts the image, and elsewhere its pad, 0, mixes in
    results['img'][..., 3] = 0
    results['mix_results'][0]['img'][..., 3] = 100
    for seed in range(3):
        kwargs = dict(img_scale=(SIZE, SIZE), ratio_range=(0.5, 0.8))
        out = run(MultiModalMixUp(**kwargs), results, seed)
        assert_same(out, run(MixUp(**kwargs), channels(results, slice(0, 3)), seed), img=False)
        ir = run(MixUp(**dict(kwargs, pad_val=0.0)), channels(results, slice(3, 4)), seed)['img'][
            ..., 0
        ]
        assert (ir == 50).any() and (ir == 0).any()
        np.testing.assert_array_equal(out['img'][..., 3] == 50, ir == 50)
        np.testing.assert_array_equal(out['img'][..., 3] == 0, ir == 0)


@pytest.mark.parametrize('ours, theirs, kwargs', CACHED)
def test_the_cached_variants_paste_cached_multimodal_results(ours, theirs, kwargs):
    out = feed_cache(ours(**kwargs), 12)
    assert out['img'].shape[2] == 4 and out['img'].dtype == np.float32
    rgb_only = feed_cache(theirs(**kwargs), 12, ir=False)
    assert_same(out, rgb_only, img=False)  # the same cache, picks and geometry as mmdet's
    if ours is MultiModalCachedMosaic:
        assert (out['img'][..., 3] == 0).any() and (out['img'][..., :3] == 114).all(axis=2).any()


def test_yolox_hsv_changes_the_rgb_channels_only_as_mmdet_does():
    results = sample(0)
    for seed in range(4):
        out = run(MultiModalYOLOXHSVRandomAug(), results, seed)
        rgb = run(YOLOXHSVRandomAug(), dict(img=results['img'][..., :3].astype(np.uint8)), seed)
        np.testing.assert_array_equal(out['img'][..., :3], rgb['img'])
        np.testing.assert_array_equal(out['img'][..., 3], results['img'][..., 3])
    plain = dict(img=results['img'][..., :3].astype(np.uint8))
    np.testing.assert_array_equal(
        run(MultiModalYOLOXHSVRandomAug(), plain, 5)['img'],
        run(YOLOXHSVRandomAug(), plain, 5)['img'],
    )


@pytest.mark.parametrize(
    'pad_val, error, message',
    [
        (
            dict(rgb=114, depth=0),
            ValueError,
            r"MultiModalMosaic.pad_val names \['depth'\], but the image holds \['rgb', 'infrared'\]",
        ),
        (
            dict(rgb=114, infrared=(0, 0)),
            ValueError,
            r"MultiModalMosaic.pad_val: 2 values for the 1 channel\(s\) of 'infrared'",
        ),
    ],
)
def test_a_pad_value_that_does_not_fit_the_image_is_named(pad_val, error, message):
    with pytest.raises(error, match=message):
        run(MultiModalMosaic(img_scale=(SIZE, SIZE), pad_val=pad_val), mosaic_input())


def test_a_pad_value_of_the_wrong_kind_is_refused_when_built():
    with pytest.raises(
        TypeError, match=r'MultiModalMosaic.pad_val: expected a number, a sequence of numbers'
    ):
        TRANSFORMS.build(dict(type='MultiModalMosaic', pad_val='grey'))
