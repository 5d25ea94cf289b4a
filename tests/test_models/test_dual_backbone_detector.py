import copy

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.registry import init_default_scope

from mmwam.models import DualBackboneDetector
from mmwam.testing import fake_det_batch, tiny_det_model_cfg
from mmwam.testing.tiny_configs import DET_PREPROCESSOR


def build(name, mwam=True):
    init_default_scope('mmdet')
    return MODELS.build(tiny_det_model_cfg(name, mwam))


@pytest.mark.slow
@pytest.mark.parametrize('name', ['faster-rcnn', 'retinanet', 'fcos'])
def test_loss_and_predict(name):
    model = build(name)
    assert isinstance(model, DualBackboneDetector) and isinstance(model, model.stock_class)
    assert model.stock_class.__name__ in ('FasterRCNN', 'RetinaNet', 'FCOS')
    model.train()
    data = model.data_preprocessor(fake_det_batch(), True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    assert model.backbone.encoders['infrared'].conv1.weight.grad is not None
    assert int(model.mwam.num_steps) == 1
    model.eval()
    data = model.data_preprocessor(fake_det_batch(), False)
    with torch.no_grad():
        out = model(**data, mode='predict')
    assert len(out) == 2 and 'bboxes' in out[0].pred_instances
    assert int(model.mwam.num_steps) == 1  # inference does no MWAM work


@pytest.mark.slow
def test_encoder_gradients_are_k_times_those_without_mwam():
    model = build('retinanet').train()
    data = model.data_preprocessor(fake_det_batch(), True)

    def grads():
        model.zero_grad()
        model.parse_losses(model(**copy.deepcopy(data), mode='loss'))[0].backward()
        return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    model.mwam.update(model.backbone.split(data['inputs']))  # a non-trivial bank: K != 1 next
    with_mwam = grads()
    k = dict(zip(model.mwam.modalities, model.mwam.weight.tolist()))
    assert all(abs(v - 1) > 1e-3 for v in k.values()), k
    model.backbone.mwam = None
    without = grads()
    checked = 0
    for name, g in with_mwam.items():
        scale = next((k[m] for m in k if name.startswith(f'backbone.encoders.{m}.')), 1.0)
        torch.testing.assert_close(g, scale * without[name], rtol=1e-4, atol=1e-6)
        checked += scale != 1.0
    assert checked > 20


def test_detector_without_backbone_is_a_clear_error():
    init_default_scope('mmdet')
    cfg = tiny_det_model_cfg('retinanet')['detector']
    cfg.pop('backbone')
    with pytest.raises(ValueError, match='has no backbone'):
        MODELS.build(
            dict(
                type='DualBackboneDetector',
                modalities=dict(rgb=3, infrared=1),
                detector=cfg,
                data_preprocessor=DET_PREPROCESSOR,
            )
        )


def test_boxinst_pseudo_masks_come_from_the_colour_image_as_mmdet_makes_them():
    """BoxInst's pseudo masks (boxes, LAB colour similarity) from the RGB slice of the multimodal tensor equal
    mmdet's own BoxInstDataPreprocessor's on the RGB image alone; the model input keeps every modality."""
    from mmdet.models.data_preprocessors import BoxInstDataPreprocessor

    from mmwam.models import MultiModalBoxInstDataPreprocessor

    rgb_stats = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
    box = dict(
        pad_size_divisor=32,
        mask_stride=4,
        pairwise_size=3,
        pairwise_dilation=2,
        pairwise_color_thresh=0.3,
        bottom_pixels_removed=10,
    )
    ours = MultiModalBoxInstDataPreprocessor(
        modalities=dict(rgb=3, infrared=1),
        mean=dict(rgb=rgb_stats['mean'], infrared=[100.0]),
        std=dict(rgb=rgb_stats['std'], infrared=[40.0]),
        bgr_to_rgb=True,
        **box,
    )
    theirs = BoxInstDataPreprocessor(**rgb_stats, bgr_to_rgb=True, **box)
    torch.manual_seed(0)
    data = demo_mm_inputs(batch_size=2, image_shapes=[(4, 60, 70), (4, 50, 64)], num_items=[3, 2])
    rgb_only = dict(
        inputs=[x[:3].clone() for x in data['inputs']],
        data_samples=[s.clone() for s in data['data_samples']],
    )
    out, ref = ours(data, training=True), theirs(rgb_only, training=True)
    assert out['inputs'].shape[1] == 4
    assert torch.allclose(out['inputs'][:, :3], ref['inputs'], atol=1e-5)
    for a, b in zip(out['data_samples'], ref['data_samples']):
        assert a.pad_shape == b.pad_shape and a.batch_input_shape == b.batch_input_shape
        assert np.array_equal(a.gt_instances.masks.masks, b.gt_instances.masks.masks)
        assert torch.equal(a.gt_instances.pairwise_masks, b.gt_instances.pairwise_masks)
        assert (
            a.gt_instances.pairwise_masks.float().mean() > 0
        )  # the similarity thresholds pass some pairs
    evaluated = ours(data, training=False)['data_samples'][0]
    assert 'pairwise_masks' not in evaluated.gt_instances  # pseudo masks are for training only


def test_what_a_detector_reads_from_its_backbone_comes_from_the_encoders():
    """TridentNet reads ``num_branch`` / ``test_branch_idx`` from its backbone: the multimodal backbone gives
    its encoders' (clones of one config); an attribute no encoder has is still an AttributeError."""
    from mmwam.converters import add_mwam, load_config
    from mmwam.models.encoder_init import drop_pretrained

    cfg = add_mwam(
        load_config('mmdet::tridentnet/tridentnet_r50-caffe_1x_coco.py'), dataset='llvip-mini'
    )
    drop_pretrained(cfg.model)
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    assert model.num_branch == model.backbone.encoders['infrared'].num_branch == 3
    assert model.test_branch_idx == 1
    with pytest.raises(AttributeError):
        model.backbone.no_such_attribute
