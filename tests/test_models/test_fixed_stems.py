"""Backbones whose stem is fixed at 3 channels (MobileNet, MSCAN, CSPNeXt, YOLOX's CSPDarknet with its
Focus stem) take any modality: their image-reading convolutions are rebuilt with adapted filters, so that
a grey image gives exactly what the RGB encoder gives for that image replicated to 3 channels, before and
after a 3-channel checkpoint is loaded."""

import copy

import pytest
import torch
from mmengine.registry import DefaultScope

from mmwam.models.encoder_init import rebuild_image_stems
from mmwam.models.multimodal_backbone import build_encoder

BACKBONES = [
    ('mmseg', dict(type='MobileNetV2', widen_factor=0.25, out_indices=(1, 2))),
    ('mmseg', dict(type='MobileNetV3', arch='small', out_indices=(1, 3))),
    (
        'mmseg',
        dict(
            type='MSCAN', embed_dims=[8, 16, 32, 64], depths=[1, 1, 1, 1], mlp_ratios=[2, 2, 2, 2]
        ),
    ),
    (
        'mmseg',
        dict(type='ResNetV1c', depth=18),
    ),  # has in_channels: the rebuild itself is still exact
    ('mmdet', dict(type='CSPNeXt', deepen_factor=0.167, widen_factor=0.125)),
    (
        'mmdet',
        dict(type='CSPDarknet', deepen_factor=0.33, widen_factor=0.125),
    ),  # Focus: 4 stacked crops
]


def _outputs(encoder, x):
    encoder.eval()  # (some backbones' train() returns None)
    with torch.no_grad():
        out = encoder(x)
    return [out] if isinstance(out, torch.Tensor) else list(out)


@pytest.mark.parametrize('scope, cfg', BACKBONES, ids=[c['type'] for _, c in BACKBONES])
def test_rebuilt_stem_on_a_grey_image_equals_the_rgb_encoder_on_it(scope, cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope(scope):
        rgb, _ = build_encoder(cfg, 'rgb', 3)
    grey_encoder = copy.deepcopy(rgb)
    rebuilt = rebuild_image_stems(grey_encoder, 'depth', 1)
    assert rebuilt
    grey = torch.rand(1, 1, 64, 64)
    for a, b in zip(_outputs(rgb, grey.expand(1, 3, 64, 64)), _outputs(grey_encoder, grey)):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)
    # a 3-channel checkpoint (the RGB encoder's weights, changed) loads into the 1-channel encoder adapted
    for p in rgb.parameters():
        p.data.add_(0.01 * torch.randn_like(p))
    grey_encoder.load_state_dict(rgb.state_dict())
    for a, b in zip(_outputs(rgb, grey.expand(1, 3, 64, 64)), _outputs(grey_encoder, grey)):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    'scope, cfg',
    [b for b in BACKBONES if b[1]['type'] != 'ResNetV1c'],
    ids=[c['type'] for _, c in BACKBONES if c['type'] != 'ResNetV1c'],
)
def test_build_encoder_rebuilds_a_fixed_stem_for_the_modality(scope, cfg):
    with DefaultScope.overwrite_default_scope(scope):
        encoder, rebuilt = build_encoder(cfg, 'depth', 1)
    assert rebuilt and len(_outputs(encoder, torch.rand(1, 1, 64, 64))) >= 1
