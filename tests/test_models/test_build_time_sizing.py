"""What add_mwam used to find by building encoders is decided when the model is built: ``replicate_to_rgb``
and ``'auto'`` sizes (ConcatFusion's levels, the loss mode's per-modality heads). The decisions leave the
random state untouched, so a model with ``'auto'`` has the same initial weights as one with the values
written out, and converting a config builds nothing."""

import pytest
import torch
from conftest import config_path
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from torch import nn

from mmwam.converters import add_mwam, load_config

DEMO_LEVELS = [16, 32, 80, 128]  # the demo MiT's


def build(model_cfg, seed=0):
    init_default_scope('mmseg')
    torch.manual_seed(seed)
    return MODELS.build(model_cfg)


def same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope='module')
def demo_model_cfg():
    return Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model


def test_auto_replicate_decides_per_backbone_and_keeps_the_random_state(demo_model_cfg):
    written = build(demo_model_cfg)
    after_written = torch.rand(3)
    auto = build(dict(demo_model_cfg, replicate_to_rgb='auto'))
    after_auto = torch.rand(3)
    assert auto.backbone.replicate_to_rgb == ()  # MiT's outputs do not depend on its input channels
    assert same_weights(written, auto) and torch.equal(after_written, after_auto)


def test_auto_replicate_finds_a_backbone_whose_outputs_depend_on_its_input_channels():
    cfg = add_mwam(
        load_config('mmseg::cgnet/cgnet_fcn_4xb4-60k_cityscapes-680x680.py'), dataset='demo-rgbd'
    )
    assert cfg.model.replicate_to_rgb == 'auto'  # written by the converter, decided by the build
    model = build(cfg.model)
    assert model.backbone.replicate_to_rgb == ('depth',)
    written = build(dict(cfg.model, replicate_to_rgb=['depth']))
    assert same_weights(model, written)


def test_concat_fusion_and_auxiliary_heads_are_sized_from_the_backbone(demo_model_cfg):
    auto = dict(
        demo_model_cfg,
        fusion=dict(type='ConcatFusion'),
        modality_heads=dict(
            type='FCNHead',
            in_channels='auto',
            in_index='auto',
            channels='auto',
            num_convs=1,
            concat_input=False,
            num_classes=5,
        ),
        mwam=dict(type='MWAM', mode='both'),
    )
    model = build(auto)
    assert model.backbone.level_channels() == DEMO_LEVELS
    assert [f.proj.in_channels for f in model.backbone.fusions] == [2 * c for c in DEMO_LEVELS]
    head = model.modality_heads['depth']
    assert (head.in_channels, head.in_index, head.channels) == (128, 3, 32)
    written = dict(
        auto,
        fusion=dict(type='ConcatFusion', in_channels=DEMO_LEVELS),
        modality_heads=dict(auto['modality_heads'], in_channels=128, in_index=3, channels=32),
    )
    assert same_weights(model, build(written))


def test_converting_a_config_builds_no_model(tmp_path):
    """A backbone that cannot be built at all converts: the config is only transformed."""

    @MODELS.register_module(name='UnbuildableBackboneForTest', force=True)
    class Unbuildable(nn.Module):
        def __init__(self, in_channels=3, **kwargs):
            raise AssertionError('add_mwam built the backbone')

    cfg = load_config('mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py')
    cfg.model.backbone = dict(type='UnbuildableBackboneForTest', in_channels=3)
    out = add_mwam(
        cfg, dataset='demo-rgbd', fusion=dict(type='ConcatFusion'), recipe='missing-modality'
    )
    assert out.model.backbone.type == 'UnbuildableBackboneForTest'
    assert out.model.replicate_to_rgb == 'auto' and 'in_channels' not in out.model.fusion
    assert out.model.modality_heads.in_channels == 'auto'
