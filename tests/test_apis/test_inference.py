"""mmwam.apis on a real segmentor (the demo model trained by a Runner) and a real detector (the RetinaNet
llvip-mini demo), from files, arrays and folders, per modality subset, batched; every bad input."""

import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import config_path

from mmwam.apis import (
    MultiModalDetInferencer,
    MultiModalSegInferencer,
    inference_multimodal,
    init_model,
    prepare_batch,
)
from mmwam.utils.errors import InputError

RETINANET = config_path('mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py')
# random weights score below mmdet's 0.05: keep every box, so that the detections can be compared
DET_OPTIONS = {'model.test_cfg.score_thr': 0.0}


@pytest.fixture(scope='module')
def seg(trained_demo):
    return init_model(*trained_demo)


def demo_pairs(demo_root, n=3):
    rgb = sorted(glob.glob(osp.join(demo_root, 'RGB', '*.jpg')))[:n]
    return [dict(rgb=r, depth=r.replace('RGB', 'Depth').replace('.jpg', '.png')) for r in rgb]


@pytest.fixture(scope='module')
def rgbt_folders(tmp_path_factory):
    """Three RGB-T pairs (a JPEG and an 8-bit one-channel PNG, 96x128) in two folders."""
    root = tmp_path_factory.mktemp('rgbt')
    rng = np.random.default_rng(0)
    for d in ('visible', 'infrared'):
        (root / d).mkdir()
    for i in range(3):
        cv2.imwrite(
            str(root / 'visible' / f'{i:04d}.jpg'),
            rng.integers(0, 255, (96, 128, 3), dtype=np.uint8),
        )
        cv2.imwrite(
            str(root / 'infrared' / f'{i:04d}.png'), rng.integers(0, 255, (96, 128), dtype=np.uint8)
        )
    return dict(rgb=str(root / 'visible'), infrared=str(root / 'infrared'))


@pytest.fixture(scope='module')
def det_checkpoint(tmp_path_factory):
    """A RetinaNet checkpoint (its initial weights) as torch.save writes one, with its class names."""
    from mmwam.utils.setup_env import register_all_modules

    register_all_modules('mmdet')
    model = init_model(RETINANET)
    path = str(tmp_path_factory.mktemp('det') / 'retinanet.pth')
    torch.save(
        dict(state_dict=model.state_dict(), meta=dict(dataset_meta=dict(classes=('person',)))), path
    )
    return path


@pytest.fixture(scope='module')
def det(det_checkpoint):
    return init_model(RETINANET, det_checkpoint, cfg_options=DET_OPTIONS)


def test_init_model_loads_the_trained_weights_and_classes(seg, trained_demo):
    state = torch.load(trained_demo[1], weights_only=False)['state_dict']
    for key, value in seg.state_dict().items():
        if key in state:
            assert torch.equal(value, state[key]), key
    assert seg.dataset_meta['classes'][1] == 'red box' and not seg.training


def test_a_file_pair_an_array_pair_and_metres_give_the_same_prediction(seg, demo_root):
    pair = demo_pairs(demo_root, 1)[0]
    from_files = inference_multimodal(seg, pair)
    rgb, depth_mm = cv2.imread(pair['rgb']), cv2.imread(pair['depth'], cv2.IMREAD_UNCHANGED)
    assert depth_mm.dtype == np.uint16
    from_arrays = inference_multimodal(seg, dict(rgb=rgb, depth=depth_mm))
    in_metres = inference_multimodal(seg, dict(rgb=rgb, depth=depth_mm.astype(np.float32) / 1000))
    assert from_files.pred_sem_seg.shape == rgb.shape[:2]
    assert torch.equal(from_files.seg_logits.data, from_arrays.seg_logits.data)
    torch.testing.assert_close(
        in_metres.seg_logits.data, from_files.seg_logits.data, rtol=0, atol=1e-5
    )


def test_subsets_predict_with_the_other_modalities_missing(seg, demo_root):
    pair = demo_pairs(demo_root, 1)[0]
    out = inference_multimodal(seg, pair, subsets=['rgb+depth', 'rgb', 'depth'])
    assert list(out) == ['rgb+depth', 'rgb', 'depth']
    assert torch.equal(
        out['rgb+depth'].seg_logits.data, inference_multimodal(seg, pair).seg_logits.data
    )
    # without depth, the depth given does not matter; with it, it does
    other = dict(pair, depth=np.full(cv2.imread(pair['rgb']).shape[:2], 900, np.uint16))
    out_other = inference_multimodal(seg, other, subsets=['rgb', 'rgb+depth'])
    assert torch.equal(out_other['rgb'].seg_logits.data, out['rgb'].seg_logits.data)
    assert not torch.equal(out_other['rgb+depth'].seg_logits.data, out['rgb+depth'].seg_logits.data)
    # one subset as a string is that subset (not its letters); no subset at all is an error, not {}
    assert list(inference_multimodal(seg, pair, subsets='rgb')) == ['rgb']
    with pytest.raises(InputError, match='subsets: no subset given'):
        inference_multimodal(seg, pair, subsets=[])


@pytest.mark.slow
def test_seg_inferencer_batches_folders_and_writes_panels_and_label_maps(
    trained_demo, seg, demo_root, tmp_path
):
    inferencer = MultiModalSegInferencer(*trained_demo)
    folders = dict(rgb=osp.join(demo_root, 'RGB'), depth=osp.join(demo_root, 'Depth'))
    out = inferencer(
        folders, batch_size=3, out_dir=str(tmp_path), subsets=['rgb+depth', 'rgb'], return_vis=True
    )
    names = sorted(osp.splitext(f)[0] for f in glob.os.listdir(folders['rgb']))
    assert len(out['predictions']) == len(names) == len(out['visualization'])
    assert sorted(glob.os.listdir(tmp_path / 'vis')) == [f'{n}.png' for n in names]
    for subset in ('rgb+depth', 'rgb'):
        assert len(glob.glob(str(tmp_path / 'pred' / subset / '*_pred.png'))) == len(names)
    # the same label maps as the API one input at a time
    one = inference_multimodal(seg, demo_pairs(demo_root, 1)[0], subsets=['rgb+depth', 'rgb'])
    for subset in ('rgb+depth', 'rgb'):
        assert np.array_equal(
            out['predictions'][0][subset], one[subset].pred_sem_seg.data[0].numpy()
        )
    panel = out['visualization'][0]
    assert (
        panel.ndim == 3 and panel.shape[1] >= 4 * panel.shape[0] // 2
    )  # rgb, depth, two predictions
    # one input, upstream's result shape; data samples on request
    single = inferencer(demo_pairs(demo_root, 1)[0])
    assert single['predictions'].shape == (64, 64)
    samples = inferencer(
        demo_pairs(demo_root, 2), return_datasamples=True, subsets=['rgb', 'depth']
    )
    assert [s.subset for s in samples] == ['rgb', 'rgb'] and list(
        samples[0].subset_predictions
    ) == ['depth']


@pytest.mark.slow
def test_det_inferencer_from_folders_arrays_and_per_subset(
    det_checkpoint, det, rgbt_folders, tmp_path
):
    inferencer = MultiModalDetInferencer(RETINANET, det_checkpoint, show_progress=False)
    inferencer.model.test_cfg.score_thr = 0.0
    out = inferencer(
        rgbt_folders,
        batch_size=2,
        out_dir=str(tmp_path),
        subsets=['rgb+infrared', 'infrared'],
        no_save_pred=False,
        return_vis=True,
    )
    assert len(out['predictions']) == 3 and list(out['predictions'][0]) == [
        'rgb+infrared',
        'infrared',
    ]
    assert sorted(glob.os.listdir(tmp_path / 'vis')) == ['0000.png', '0001.png', '0002.png']
    assert len(glob.glob(str(tmp_path / 'infrared' / 'preds' / '*.json'))) == 3
    first = out['predictions'][0]['rgb+infrared']
    assert set(first) == {'labels', 'scores', 'bboxes'} and len(first['bboxes']) > 0
    # the API on the arrays of the same pair: the same boxes, in the original image's frame
    rgb = cv2.imread(osp.join(rgbt_folders['rgb'], '0000.jpg'))
    ir = cv2.imread(osp.join(rgbt_folders['infrared'], '0000.png'), cv2.IMREAD_UNCHANGED)
    api = inference_multimodal(
        det, dict(rgb=rgb, infrared=ir), subsets=['rgb+infrared', 'infrared']
    )
    np.testing.assert_allclose(
        api['rgb+infrared'].pred_instances.bboxes.numpy(), np.array(first['bboxes']), atol=1e-3
    )
    assert api['rgb+infrared'].ori_shape == (96, 128)
    assert api['rgb+infrared'].pred_instances.bboxes[:, 2].max() <= 128 + 1e-3


# ---- bad input: one InputError naming the file or input and what was expected


def test_pair_of_different_sizes_names_both(seg, demo_root, tmp_path):
    pair = demo_pairs(demo_root, 1)[0]
    small = tmp_path / 'small.png'
    cv2.imwrite(str(small), np.zeros((32, 48), np.uint16))
    with pytest.raises(
        InputError, match=r'small\.png is 48x32 \(WxH\), the RGB image .*0\d+\.jpg is 64x64'
    ):
        inference_multimodal(seg, dict(pair, depth=str(small)))
    with pytest.raises(InputError, match=r'inputs\[0\].*48x32.*64x64'):
        inference_multimodal(
            seg, dict(rgb=cv2.imread(pair['rgb']), depth=np.zeros((32, 48), np.uint16))
        )


def test_missing_or_unreadable_files(seg, demo_root, tmp_path):
    pair = demo_pairs(demo_root, 1)[0]
    with pytest.raises(InputError, match=r'nope\.png is missing or unreadable'):
        inference_multimodal(seg, dict(pair, depth=str(tmp_path / 'nope.png')))
    (tmp_path / 'text.png').write_text('not an image')
    with pytest.raises(InputError, match=r'cannot decode the depth file .*text\.png'):
        inference_multimodal(seg, dict(pair, depth=str(tmp_path / 'text.png')))
    with pytest.raises(InputError, match=r'nope\.jpg: the rgb file is missing'):
        inference_multimodal(seg, dict(pair, rgb=str(tmp_path / 'nope.jpg')))


def test_modalities_the_model_does_not_have_or_lacks(seg, demo_root):
    pair = demo_pairs(demo_root, 1)[0]
    with pytest.raises(
        InputError, match=r"\['thermal'\] is not a modality of this model; it takes rgb, depth"
    ):
        inference_multimodal(seg, dict(pair, thermal=pair['depth']))
    with pytest.raises(InputError, match=r"no \['depth'\] given; it takes rgb, depth"):
        inference_multimodal(seg, dict(rgb=pair['rgb']))
    with pytest.raises(InputError, match=r"'rgb\+thermal' is not a non-empty subset"):
        inference_multimodal(seg, pair, subsets=['rgb+thermal'])
    with pytest.raises(InputError, match='a multimodal model takes a dict'):
        inference_multimodal(seg, pair['rgb'])


def test_wrong_channel_counts(seg, demo_root, tmp_path):
    pair = demo_pairs(demo_root, 1)[0]
    colour = tmp_path / 'colour.png'
    cv2.imwrite(str(colour), np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    with pytest.raises(
        InputError, match=r'colour\.png has 3 channels, the config expects channels=1'
    ):
        inference_multimodal(seg, dict(pair, depth=str(colour)))
    with pytest.raises(InputError, match=r'the rgb array is \(64, 64\), expected H x W x 3'):
        inference_multimodal(seg, dict(pair, rgb=np.zeros((64, 64), np.uint8)))


def test_8_bit_depth_warns_as_in_training(trained_demo, demo_root, tmp_path):
    import logging

    from mmengine.logging import MMLogger

    model = init_model(*trained_demo)  # a fresh model: the check runs on the first batches
    pair = demo_pairs(demo_root, 1)[0]
    eight_bit = tmp_path / 'depth8.png'
    cv2.imwrite(
        str(eight_bit), (cv2.imread(pair['depth'], cv2.IMREAD_UNCHANGED) // 20).astype(np.uint8)
    )
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        inference_multimodal(model, pair)
        assert not records
        inference_multimodal(model, dict(pair, depth=str(eight_bit)))
    finally:
        logger.removeHandler(handler)
    assert len(records) == 1 and 'a 16-bit depth map saved as 8-bit?' in records[0].getMessage()


def test_folders_with_unmatched_names_are_one_error(seg, demo_root, tmp_path):
    import shutil

    rgb, depth = tmp_path / 'rgb', tmp_path / 'depth'
    shutil.copytree(osp.join(demo_root, 'RGB'), rgb)
    shutil.copytree(osp.join(demo_root, 'Depth'), depth)
    (rgb / '0001.jpg').unlink()
    (depth / '0002.png').unlink()
    with pytest.raises(
        InputError, match=r'1 only in .*rgb \(rgb\): 0002; 1 only in .*depth \(depth\): 0001'
    ):
        inference_multimodal(seg, dict(rgb=str(rgb), depth=str(depth)))


def test_checkpoint_of_another_config_is_refused(det_checkpoint, trained_demo):
    with pytest.raises(
        InputError,
        match=r'retinanet\.pth: the checkpoint has rgb\+infrared encoders, the config '
        r'rgb\+depth: a checkpoint of a model with other modalities',
    ):
        init_model(trained_demo[0], det_checkpoint)
    wider = {'model.backbone.embed_dims': 32, 'model.decode_head.in_channels': [32, 64, 160, 256]}
    with pytest.raises(
        InputError,
        match=r'iter_2\.pth: \d+ tensors have another shape, e\.g\. .* a checkpoint '
        'of another model',
    ):
        init_model(trained_demo[0], trained_demo[1], cfg_options=wider)
    with pytest.raises(
        InputError, match=r'the checkpoint has rgb\+depth encoders, the config rgb\+infrared'
    ):
        init_model(RETINANET, trained_demo[1])
    with pytest.raises(InputError, match=r'nope\.pth: no such file'):
        init_model(trained_demo[0], 'nope.pth')
    with pytest.raises(InputError, match=r'nope\.py: no such config file'):
        init_model('nope.py')


def test_prepare_batch_is_what_the_preprocessor_takes(seg, demo_root):
    batch = prepare_batch(seg, demo_pairs(demo_root, 2))
    inputs = seg.data_preprocessor(batch, False)['inputs']
    assert inputs.shape == (2, 4, 64, 64)
