"""mmwam.testing's one-step harness on the tiny demo models: every encoder learns, a non-finite loss
is an error."""

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.registry import MODELS, init_default_scope

from mmwam.testing import (
    fake_det_batch,
    fake_seg_batch,
    tiny_det_model_cfg,
    tiny_seg_model_cfg,
    train_one_step,
)


def test_one_step_trains_every_encoder_of_a_segmentor():
    model = MODELS.build(tiny_seg_model_cfg())
    losses, changed = train_one_step(model, fake_seg_batch(), dict(optimizer=dict(type='AdamW')))
    assert model.training and 'decode.loss_ce' in losses
    assert MessageHub.get_current_instance().get_info('iter') == 0
    for m in ('rgb', 'depth'):
        assert any(n.startswith(f'backbone.encoders.{m}.') for n in changed), m
    assert int(model.backbone.mwam.num_steps) == 1


def test_one_step_trains_a_detector():
    init_default_scope('mmdet')
    model = MODELS.build(tiny_det_model_cfg('fcos', mwam=False))
    losses, changed = train_one_step(model, fake_det_batch(size=64))
    assert 'loss_cls' in losses and any('encoders.infrared.' in n for n in changed)


def test_a_non_finite_loss_is_an_error():
    model = MODELS.build(tiny_seg_model_cfg())
    data = fake_seg_batch()
    data['inputs'][0][0, 0, 0] = float('nan')
    with pytest.raises(RuntimeError, match=r"non-finite losses \[.*'decode.loss_ce'"):
        train_one_step(model, data)
    assert torch.isnan(data['inputs'][0]).any()  # (the batch is the caller's, unchanged otherwise)
