import copy

import pytest
import torch
from conftest import config_path
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmwam.models import MultiModalEncoderDecoder
from mmwam.testing import fake_seg_batch, tiny_seg_model_cfg


def test_our_name_builds_our_class_not_sans():
    model = MODELS.build(tiny_seg_model_cfg())
    assert type(model) is MultiModalEncoderDecoder
    assert (
        MODELS.get('MultimodalEncoderDecoder') is not MultiModalEncoderDecoder
    )  # mmseg's SAN model
    assert set(model.backbone.encoders) == {'rgb', 'depth'}
    assert model.backbone.encoders['depth'].layers[0][0].projection.in_channels == 1


def _grads(model, batch):
    model.zero_grad()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    losses = model.loss(**data)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.slow
@pytest.mark.parametrize(
    'fusion', [dict(type='AddFusion'), dict(type='ConcatFusion', in_channels=[16, 32, 80, 128])]
)
def test_encoder_gradients_are_k_times_those_without_mwam(fusion):
    torch.manual_seed(0)
    model = MODELS.build(tiny_seg_model_cfg(fusion=fusion)).train()
    batch = fake_seg_batch()
    mwam = model.backbone.mwam
    mwam.update(model.backbone.split(model.data_preprocessor(copy.deepcopy(batch), True)['inputs']))
    with_mwam = _grads(model, batch)  # second step: K != 1 (T differs from the bank mean)
    k = dict(zip(mwam.modalities, mwam.weight.tolist()))
    assert all(abs(v - 1) > 1e-3 for v in k.values()), k
    model.backbone.mwam = None
    without = _grads(model, batch)
    assert with_mwam.keys() == without.keys()
    checked = 0
    for name, g in with_mwam.items():
        scale = next((k[m] for m in k if name.startswith(f'backbone.encoders.{m}.')), 1.0)
        torch.testing.assert_close(g, scale * without[name], rtol=1e-4, atol=1e-7)
        checked += scale != 1.0
    assert checked > 10  # every encoder parameter was compared


def test_predict_is_identical_with_and_without_mwam():
    model = MODELS.build(tiny_seg_model_cfg()).eval()
    batch = model.data_preprocessor(fake_seg_batch(), False)
    out1 = model.predict(**copy.deepcopy(batch))
    mwam, model.backbone.mwam = model.backbone.mwam, None
    out2 = model.predict(**copy.deepcopy(batch))
    for a, b in zip(out1, out2):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
    assert int(mwam.num_steps) == 0


def test_preprocessor_normalizes_each_modality_and_swaps_rgb_only():
    pre = MODELS.build(
        dict(
            type='MultiModalSegDataPreProcessor',
            modalities=dict(rgb=3, depth=1),
            mean=dict(rgb=[1, 2, 3], depth=[4]),
            std=dict(rgb=[1, 1, 1], depth=[2]),
        )
    )
    x = torch.stack([torch.full((4, 4), v) for v in (10.0, 20.0, 30.0, 40.0)])
    out = pre(dict(inputs=[x], data_samples=[SegDataSample()]), False)['inputs'][0]
    # BGR (10, 20, 30) -> RGB (30, 20, 10), minus (1, 2, 3); depth (40 - 4) / 2
    assert [out[c, 0, 0].item() for c in range(4)] == [29, 18, 7, 18]
    dropped = pre.zero_modalities(out[None], ['rgb'])[0]
    assert dropped[:3].abs().sum() == 0 and dropped[3, 0, 0] == 18
    assert out[:3].abs().sum() > 0  # a copy: the batch itself is kept
    with pytest.raises(ValueError, match="unknown modalities \\['thermal'\\]"):
        pre.zero_modalities(out[None], ['thermal'])
    always = MODELS.build(
        dict(
            type='MultiModalSegDataPreProcessor',
            modalities=dict(rgb=3, depth=1),
            mean=dict(rgb=[1, 2, 3], depth=[4]),
            std=dict(rgb=[1, 1, 1], depth=[2]),
            missing=['depth'],
        )
    )
    assert (
        always(dict(inputs=[x], data_samples=[SegDataSample()]), False)['inputs'][0, 3].abs().sum()
        == 0
    )


def test_config_channel_mismatch_is_reported_at_the_first_batch():
    model = MODELS.build(tiny_seg_model_cfg())
    batch = fake_seg_batch(channels=6)
    with pytest.raises(
        ValueError,
        match=r"sample sample0.jpg: the input has 6 channels.*rgb': 3, " r"'depth': 1.*needs 4",
    ):
        model.data_preprocessor(batch, True)


def test_config_errors_name_the_field():
    cfg = tiny_seg_model_cfg()
    cfg.modalities = dict(rgb=3, depth=1)  # given twice, and different
    cfg.data_preprocessor.modalities = dict(rgb=3, thermal=1)
    cfg.data_preprocessor.mean = dict(rgb=[0, 0, 0], thermal=[0])
    cfg.data_preprocessor.std = dict(rgb=[1, 1, 1], thermal=[1])
    with pytest.raises(ValueError, match='data_preprocessor.modalities'):
        MODELS.build(cfg)
    cfg = tiny_seg_model_cfg()
    cfg.data_preprocessor.mean = dict(rgb=[0, 0, 0])
    with pytest.raises(
        ValueError, match=r'data_preprocessor.mean must be a dict with one list per'
    ):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match=r"model.modalities\['depth'\] must be a positive int"):
        MODELS.build(dict(tiny_seg_model_cfg(), modalities=dict(rgb=3, depth=0)))
    cfg = tiny_seg_model_cfg()
    del cfg.data_preprocessor['modalities']
    with pytest.raises(
        ValueError, match=r'MultiModalEncoderDecoder: set model.data_preprocessor.modalities'
    ):
        MODELS.build(cfg)


def test_channel_order_survives_a_config_dump(tmp_path):
    """mmengine sorts dict keys when it dumps a config: the channel order must not depend on them."""
    cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py'))
    cfg.dump(str(tmp_path / 'dumped.py'))
    dumped = Config.fromfile(str(tmp_path / 'dumped.py'))
    assert list(dumped.model.data_preprocessor.modalities) == [
        'depth',
        'rgb',
    ]  # what mmengine does to the dict
    for c in (cfg, dumped):
        model = MODELS.build(c.model)
        assert list(model.backbone.modalities) == ['rgb', 'depth']
        assert list(model.data_preprocessor.modalities) == ['rgb', 'depth']
        assert model.data_preprocessor.slices['rgb'] == slice(0, 3)
