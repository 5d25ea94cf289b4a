"""Pretrained weights reach every encoder, through init_weights and a real Runner, for segmentation and
detection; an RGB checkpoint's stem is adapted for the other modality; per-modality choices."""

import copy
import logging
import os.path as osp
from contextlib import contextmanager

import pytest
import torch
from conftest import config_path
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.registry import MODELS, init_default_scope

from mmwam.converters import add_mwam, load_config
from mmwam.models.encoder_init import adapt_input_weight, image_blocks
from mmwam.testing import tiny_seg_runner_cfg


def make_checkpoint(
    backbone: dict, path, scope: str, seed=0, in_channels=3, key='in_channels', prefix=''
) -> dict:
    """A checkpoint of one single-modality backbone with random (non-default) values, saved as
    ``{'state_dict': ...}`` like the OpenMMLab ImageNet ones (its keys under ``prefix``, as an mmpretrain
    classifier's ``backbone.``). Returns the state dict (without the prefix)."""
    init_default_scope(scope)
    cfg = copy.deepcopy(dict(backbone))
    cfg.pop('pretrained', None)
    cfg.update({'init_cfg': None})
    from mmwam.models.multimodal_backbone import build_encoder

    net, _ = build_encoder(
        cfg, 'rgb', in_channels, key
    )  # a backbone without an input-channel argument too
    g = torch.Generator().manual_seed(seed)
    # random values far from any default init; variances positive, weights small enough to train a step
    state = {
        k: (
            v
            if not v.is_floating_point()
            else torch.rand(v.shape, generator=g) + 0.5
            if k.endswith('running_var')
            else 0.1 * torch.randn(v.shape, generator=g)
        )
        for k, v in net.state_dict().items()
    }
    saved = {prefix + k: v for k, v in state.items()}
    torch.save(dict(state_dict=saved, meta=dict(note='made by the test')), str(path))
    return state


def assert_encoders_equal(backbone, state: dict, modalities: dict, skip=()):
    """Every parameter and buffer of every encoder equals the checkpoint; a stem of another channel count
    equals the adapted filters."""
    for name, ch in modalities.items():
        if name in skip:
            continue
        got = backbone.encoders[name].state_dict()
        assert set(got) == set(state), (name, set(got) ^ set(state))
        for k, v in state.items():
            stem = (
                v.dim() == 4 and got[k].shape[1] != v.shape[1]
            )  # (several in a backbone with a fixed stem)
            want = (
                adapt_input_weight(v, got[k].shape[1], image_blocks(v.shape[1], got[k].shape[1]))
                if stem
                else v
            )
            assert torch.equal(got[k], want), (name, k)


@contextmanager
def captured_log():
    """The messages MMEngine's current logger prints inside the block."""
    logger = MMLogger.get_current_instance()
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Collect(level=logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


def test_adapt_input_weight_keeps_a_constant_inputs_response():
    w = torch.randn(8, 3, 5, 5, dtype=torch.float64)
    for c in (1, 2, 4):
        new = adapt_input_weight(w, c)
        assert new.shape == (8, c, 5, 5)
        x = torch.full((1, c, 9, 9), 0.7, dtype=torch.float64)
        ref = torch.nn.functional.conv2d(torch.full((1, 3, 9, 9), 0.7, dtype=torch.float64), w)
        assert torch.allclose(torch.nn.functional.conv2d(x, new), ref)
        assert torch.allclose(
            new[:, 0], w.mean(1) * 3 / c
        )  # every channel: the mean filter, scaled
    assert torch.allclose(
        adapt_input_weight(w, 1)[:, 0], w.sum(1)
    )  # timm's adapt_input_conv for 1 channel


def _seg_model(cfg_model):
    init_default_scope('mmseg')
    return MODELS.build(cfg_model)


def test_segformer_init_weights_loads_both_encoders_and_adapts_the_depth_stem(tmp_path):
    model_cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    ckpt = tmp_path / 'mit.pth'
    state = make_checkpoint(model_cfg.backbone, ckpt, 'mmseg')
    model_cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(ckpt))
    model = _seg_model(model_cfg)
    with captured_log() as log:
        model.init_weights()
    assert_encoders_equal(model.backbone, state, dict(rgb=3, depth=1))
    text = '\n'.join(log)
    assert f'rgb encoder (MixVisionTransformer, 3 channels): loading {ckpt}' in text
    assert f'depth encoder (MixVisionTransformer, 1 channel): loading {ckpt}' in text
    assert 'stem "layers.0.0.projection.weight" adapted from 3 to 1 input channels' in text
    assert f'load model from: {ckpt}' in text
    n = len(state)
    assert f'rgb encoder: {n} of its {n} parameters and buffers loaded from {ckpt}' in text
    assert f'depth encoder: {n} of its {n} parameters and buffers loaded from {ckpt}' in text
    assert 'size mismatch' not in text and 'do not match' not in text


def test_without_a_checkpoint_each_encoder_gets_its_default_init():
    model_cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    model = _seg_model(model_cfg)
    torch.manual_seed(0)
    before = {k: v.clone() for k, v in model.backbone.encoders.state_dict().items()}
    with captured_log() as log:
        model.init_weights()
    # MiT's own init zeroes its convolutions' biases (PyTorch's default init before is not zero)
    bias = model.backbone.encoders['depth'].layers[0][0].projection.bias
    assert torch.count_nonzero(before['depth.layers.0.0.projection.bias']) > 0
    assert torch.count_nonzero(bias) == 0
    assert any(
        'depth encoder (MixVisionTransformer, 1 channel): no pretrained checkpoint' in s
        for s in log
    )


def _loads_via_model_pretrained(cfg, tmp_path):
    ckpt = tmp_path / 'resnet.pth'
    state = make_checkpoint(cfg.model.backbone, ckpt, 'mmseg')
    cfg.model.pretrained = str(ckpt)
    model = _seg_model(cfg.model)
    model.init_weights()
    assert_encoders_equal(model.backbone, state, dict(rgb=3, depth=1))


@pytest.mark.slow
def test_deeplabv3plus_resnet_via_model_pretrained(tmp_path):
    _loads_via_model_pretrained(
        Config.fromfile(config_path('mwam', 'deeplabv3plus_r50-d8_nyudv2.py')), tmp_path
    )


def test_converted_zoo_config_via_model_pretrained(tmp_path):
    cfg = add_mwam(
        load_config('mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py'), dataset='demo-rgbd'
    )
    assert (
        cfg.model.pretrained == 'open-mmlab://resnet18_v1c'
    )  # the zoo's: replaced by a local file
    _loads_via_model_pretrained(cfg, tmp_path)


def test_per_modality_choice_scratch_or_another_checkpoint(tmp_path):
    model_cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    rgb_ckpt, depth_ckpt = tmp_path / 'rgb.pth', tmp_path / 'depth.pth'
    rgb_state = make_checkpoint(model_cfg.backbone, rgb_ckpt, 'mmseg', seed=0)
    depth_state = make_checkpoint(model_cfg.backbone, depth_ckpt, 'mmseg', seed=1, in_channels=1)
    model_cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(rgb_ckpt))

    other = _seg_model(dict(model_cfg, encoder_init=dict(depth=str(depth_ckpt))))
    with captured_log() as log:
        other.init_weights()
    assert_encoders_equal(other.backbone, rgb_state, dict(rgb=3), skip=('depth',))
    assert_encoders_equal(
        other.backbone, depth_state, dict(depth=1), skip=('rgb',)
    )  # fits: no adaptation
    assert not any('adapted' in s for s in log)

    scratch = _seg_model(dict(model_cfg, encoder_init=dict(depth='scratch')))
    with captured_log() as log:
        scratch.init_weights()
    assert_encoders_equal(scratch.backbone, rgb_state, dict(rgb=3), skip=('depth',))
    depth = scratch.backbone.encoders['depth'].state_dict()
    same = [
        k for k, v in rgb_state.items() if depth[k].shape == v.shape and torch.equal(depth[k], v)
    ]
    assert not same, same
    assert any(
        "depth encoder (MixVisionTransformer, 1 channel): no pretrained checkpoint, the backbone's "
        "default initialisation (model.encoder_init.depth='scratch')" in s
        for s in log
    )

    with pytest.raises(ValueError, match=r"model.encoder_init names \['thermal'\]"):
        _seg_model(dict(model_cfg, encoder_init=dict(thermal=None)))


def test_a_checkpoint_with_wrong_keys_warns(tmp_path):
    model_cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    ckpt = tmp_path / 'wrong.pth'
    state = make_checkpoint(model_cfg.backbone, ckpt, 'mmseg')
    state = {('backbone.' + k if k.startswith('layers.0') else k): v for k, v in state.items()}
    state['extra.weight'] = torch.zeros(3)
    torch.save(dict(state_dict=state), str(ckpt))
    model_cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(ckpt))
    model = _seg_model(model_cfg)
    with captured_log() as log:
        model.init_weights()
    text = '\n'.join(log)
    assert 'unexpected key in source state_dict: backbone.layers.0.0.projection.weight' in text
    assert 'missing keys in source state_dict: layers.0.0.projection.weight' in text
    assert 'extra.weight' in text
    n, moved = (
        len(model.backbone.encoders['rgb'].state_dict()),
        sum(k.startswith('backbone.') for k in state),
    )
    assert f'rgb encoder: {n - moved} of its {n} parameters and buffers loaded from {ckpt}' in text


def test_a_checkpoint_whose_keys_all_miss_is_loud_and_hints_the_prefix(tmp_path):
    model_cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    ckpt = tmp_path / 'segmentor.pth'
    state = make_checkpoint(model_cfg.backbone, ckpt, 'mmseg')
    torch.save(dict(state_dict={'backbone.' + k: v for k, v in state.items()}), str(ckpt))
    model_cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(ckpt))
    model = _seg_model(model_cfg)
    with captured_log() as log:
        model.init_weights()
    for m in ('rgb', 'depth'):
        assert any(
            f'{m} encoder: none of its {len(state)} parameters and buffers are in {ckpt}: it keeps its '
            "default initialisation; its keys match with init_cfg.prefix='backbone.'" in s
            for s in log
        ), m
    model_cfg.backbone.init_cfg.prefix = 'backbone.'  # the hint works
    fixed = _seg_model(model_cfg)
    fixed.init_weights()
    assert_encoders_equal(fixed.backbone, state, dict(rgb=3, depth=1))


def test_detector_init_weights_loads_both_encoders(tmp_path):
    cfg = Config.fromfile(config_path('mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py'))
    ckpt = tmp_path / 'r18.pth'
    state = make_checkpoint(cfg.model.backbone, ckpt, 'mmdet')
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(ckpt))
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    with captured_log() as log:
        model.init_weights()
    assert_encoders_equal(model.backbone, state, dict(rgb=3, infrared=1))
    assert any('infrared encoder (ResNet, 1 channel): loading' in s for s in log)


class _Snapshot(Hook):
    """Keeps the encoders' weights as the Runner hands them to the training loop."""

    state = None

    def before_train(self, runner):
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        _Snapshot.state = copy.deepcopy(model.backbone.encoders.state_dict())


def _runner_start_loads_every_encoder(cfg, scope, tmp_path, modalities, via='init_cfg'):
    """A local checkpoint in the backbone's init_cfg (or ``model.pretrained``); the encoders as the Runner
    hands them to the training loop must equal it. Returns the run's log and the checkpoint path."""
    from mmwam.utils.cli import build_runner

    ckpt = tmp_path / 'backbone.pth'
    state = make_checkpoint(cfg.model.backbone, ckpt, scope)
    if via == 'pretrained':
        cfg.model.pretrained = str(ckpt)
    else:
        cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(ckpt))
    cfg.launcher = 'none'
    runner = build_runner(cfg)
    runner.register_hook(_Snapshot(), 'LOWEST')
    runner.train()
    backbone = copy.deepcopy(runner.model.backbone)
    backbone.encoders.load_state_dict(_Snapshot.state)
    assert_encoders_equal(backbone, state, modalities)
    return open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read(), ckpt


@pytest.mark.slow
def test_runner_start_loads_the_segformer_encoders(tmp_path, demo_root):
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1)
    log, ckpt = _runner_start_loads_every_encoder(cfg, 'mmseg', tmp_path, dict(rgb=3, depth=1))
    assert f'depth encoder (MixVisionTransformer, 1 channel): loading {ckpt}' in log
    assert 'adapted from 3 to 1 input channels' in log


def _demo_run_with_model(model, demo_root, tmp_path):
    """The tiny demo run (data, schedule, runtime) around another segmentation model, at the demo's size."""
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1)
    model.data_preprocessor = cfg.model.data_preprocessor
    model.test_cfg = dict(mode='whole')
    cfg.model = model
    return cfg


@pytest.mark.slow
def test_runner_start_loads_deeplabv3plus_resnet_via_model_pretrained(tmp_path, demo_root):
    model = Config.fromfile(config_path('mwam', 'deeplabv3plus_r50-d8_nyudv2.py')).model
    cfg = _demo_run_with_model(model, demo_root, tmp_path)
    log, ckpt = _runner_start_loads_every_encoder(
        cfg, 'mmseg', tmp_path, dict(rgb=3, depth=1), via='pretrained'
    )
    assert 'depth encoder: stem "stem.0.weight" adapted from 3 to 1 input channels' in log


@pytest.mark.slow
def test_runner_start_loads_a_converted_zoo_config_via_model_pretrained(tmp_path, demo_root):
    model = add_mwam(
        load_config('mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py'), dataset='demo-rgbd'
    ).model
    cfg = _demo_run_with_model(model, demo_root, tmp_path)
    _runner_start_loads_every_encoder(
        cfg, 'mmseg', tmp_path, dict(rgb=3, depth=1), via='pretrained'
    )


@pytest.mark.slow
def test_runner_start_loads_the_detector_encoders(tmp_path):
    from conftest import llvip_mini

    from mmwam.testing import tiny_det_runner_cfg

    cfg = tiny_det_runner_cfg(llvip_mini(), tmp_path / 'work')
    log, ckpt = _runner_start_loads_every_encoder(cfg, 'mmdet', tmp_path, dict(rgb=3, infrared=1))
    assert f'rgb encoder (ResNet, 3 channels): loading {ckpt}' in log
    assert 'stem "conv1.weight" adapted from 3 to 1 input channels' in log


def test_a_truncated_pretrained_checkpoint_is_named_with_its_encoder(tmp_path):
    from mmwam.utils.cli import InputError

    model_cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    ckpt = tmp_path / 'mit.pth'
    make_checkpoint(model_cfg.backbone, ckpt, 'mmseg')
    ckpt.write_bytes(ckpt.read_bytes()[:1000])
    model_cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(ckpt))
    model = _seg_model(model_cfg)
    with pytest.raises(
        InputError,
        match=r"rgb encoder's pretrained checkpoint .*mit.pth: not a PyTorch "
        r"checkpoint, or a truncated",
    ):
        model.init_weights()


def test_a_checkpoint_url_that_cannot_be_fetched_is_one_line_naming_the_way_out(tmp_path):
    """Offline, a hub checkpoint fails in urllib deep inside MMEngine: the error names the encoder, the
    URL and the two config fields that avoid the download."""
    from mmwam.utils.errors import InputError

    model_cfg = Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    url = 'http://127.0.0.1:9/mmwam-test-no-such-checkpoint.pth'  # nothing listens on port 9
    model = _seg_model(dict(model_cfg, encoder_init=dict(depth=url)))
    with pytest.raises(InputError) as e:
        model.init_weights()
    msg = str(e.value)
    assert msg.startswith(
        f"depth encoder's pretrained checkpoint {url}: loading failed (URLError: "
    )
    assert 'model.encoder_init.depth=PATH' in msg and 'model.encoder_init.depth=scratch' in msg
    assert '\n' not in msg
