"""Whole RGB checkpoints (a zoo detector or segmentor, the user's own RGB model) load into multimodal models:
the backbone into every encoder (stems adapted), the neck and heads as they are, heads of another class
count skipped; the converted model keeps the stock model's keys; checkpoints that do not fit are refused."""

import copy
import os.path as osp
import pickle
import subprocess
import sys

import pytest
import torch
from conftest import ROOT, run_tool
from mmengine.registry import MODELS, init_default_scope

from mmwam.converters import add_mwam, load_config
from mmwam.models.checkpoint_fit import fit_state_dict
from mmwam.models.encoder_init import adapt_input_weight, drop_pretrained, image_blocks
from mmwam.utils.errors import InputError

ZOO = {
    'retinanet': ('mmdet::retinanet/retinanet_r18_fpn_1x_coco.py', 'llvip-mini'),
    'faster-rcnn': ('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', 'llvip-mini'),
    'rtmdet-tiny': ('mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py', 'llvip-mini'),
    'segformer': ('mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py', 'demo-rgbd'),
    'deeplabv3plus': (
        'mmseg::deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-512x1024.py',
        'demo-rgbd',
    ),
}


def _build(model_cfg, scope):
    model_cfg = copy.deepcopy(model_cfg)
    drop_pretrained(model_cfg)
    init_default_scope(scope)
    return MODELS.build(model_cfg)


def rgb_and_multimodal(name, tmp_path):
    """A stock RGB model of a zoo config with random weights saved as a checkpoint file, and the
    multimodal model of the same config converted by add_mwam."""
    path, dataset = ZOO[name]
    rgb_cfg = load_config(path)
    scope = rgb_cfg.get('default_scope', 'mmseg')
    rgb = _build(rgb_cfg.model, scope)
    state = randomized(rgb)
    ckpt = tmp_path / f'{name}_rgb.pth'
    torch.save(dict(state_dict=state, meta=dict()), ckpt)
    converted = add_mwam(load_config(path), dataset=dataset)
    return state, ckpt, _build(converted.model, scope), converted


def randomized(model, seed=0):
    """The model's state dict with random values, written into the model (tensors that a model shares
    between its keys, RTMDet's head convolutions, stay shared)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for v in model.state_dict().values():
            if v.is_floating_point():
                v.copy_(torch.rand_like(v))
    return {k: v.clone() for k, v in model.state_dict().items()}


def _stem_equal(given, loaded):
    return torch.equal(
        loaded,
        adapt_input_weight(given, loaded.shape[1], image_blocks(given.shape[1], loaded.shape[1])),
    )


@pytest.mark.parametrize('name', list(ZOO))
def test_every_tensor_of_an_rgb_checkpoint_loads(name, tmp_path):
    state, _, model, _ = rgb_and_multimodal(name, tmp_path)
    fitted, report = fit_state_dict(state, model)
    assert report.refusal('init') is None
    model.load_state_dict(fitted, strict=False)
    own = model.state_dict()
    modalities = list(model.backbone.modalities)
    skipped = {k for k, _, _ in report.shape}
    checked = adapted = 0
    for key, value in state.items():
        targets = (
            [f'backbone.encoders.{m}.{key[9:]}' for m in modalities]
            if key.startswith('backbone.')
            else [key]
        )
        for target in targets:
            if target in skipped:  # a head with another class count: left at its initialisation
                assert 'head' in target.split('.')[0], target  # only class-dependent head layers
                continue
            got = own[target]
            if got.shape == value.shape:
                assert torch.equal(got, value), target
            else:
                assert _stem_equal(value, got), target
                adapted += 1
            checked += 1
    assert checked > 50 and adapted >= 1  # every encoder filled, the 1-channel stem adapted
    lines = '\n'.join(report.lines())
    for m in modalities:
        assert (
            f'backbone.encoders.{m}: ' in lines and 'from the RGB checkpoint\'s backbone' in lines
        )
    assert 'stem adapted' in lines
    assert (
        skipped and 'skipped: shape differs' in lines
    )  # 80 COCO / 150 ADE / 19 Cityscapes classes vs ours


def test_the_converted_detector_has_the_stock_detectors_keys_and_attributes(tmp_path):
    from mmdet.models import RetinaNet

    state, _, model, _ = rgb_and_multimodal('retinanet', tmp_path)
    assert isinstance(model, RetinaNet) and model.bbox_head is not None and model.neck is not None
    ours = set(model.state_dict())
    for key in state:
        if key.startswith('backbone.'):
            assert {f'backbone.encoders.{m}.{key[9:]}' for m in ('rgb', 'infrared')} <= ours
        else:
            assert key in ours
    extra = {k for k in ours if not k.startswith('backbone.encoders.') and k not in state}
    assert extra and all(
        k.startswith(('backbone.mwam.', 'backbone.fusions.')) for k in extra
    ), extra
    # a model deep-copies (EMAHook) and pickles as a stock one does
    assert type(copy.deepcopy(model)) is type(model)
    assert type(pickle.loads(pickle.dumps(model))) is type(model)


def test_a_checkpoint_of_the_earlier_detector_layout_loads(tmp_path):
    _, _, model, converted = rgb_and_multimodal('retinanet', tmp_path)
    saved = randomized(model, seed=1)
    legacy = {
        f'detector.{k}': v for k, v in saved.items()
    }  # the wrapper held the detector as .detector
    fresh = _build(converted.model, 'mmdet')
    fresh.load_state_dict(copy.deepcopy(legacy), strict=True)
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in saved.items())
    fitted, report = fit_state_dict(legacy, fresh)  # the runner's path too
    assert report.refusal('resume') is None and len(fitted) == len(saved)


def test_refusals_name_what_does_not_fit(tmp_path):
    state, _, model, converted = rgb_and_multimodal('segformer', tmp_path)
    trained = model.state_dict()
    # other modalities: rgb+depth checkpoint, rgb+thermal config
    other = copy.deepcopy(converted)
    other.model.data_preprocessor.modalities = dict(rgb=3, thermal=1)
    other.model.data_preprocessor.mean = dict(rgb=[0, 0, 0], thermal=[0])
    other.model.data_preprocessor.std = dict(rgb=[1, 1, 1], thermal=[1])
    thermal = _build(other.model, 'mmseg')
    for purpose in ('init', 'test', 'resume'):
        assert 'the checkpoint has rgb+depth encoders, the config rgb+thermal' in fit_state_dict(
            trained, thermal
        )[1].refusal(purpose)
    # a model's own checkpoint: fits for every purpose
    assert all(
        fit_state_dict(trained, model)[1].refusal(p) is None for p in ('init', 'test', 'resume')
    )
    # an RGB checkpoint: fine to start from, not a model to test (its head has other classes) or resume
    report = fit_state_dict(state, model)[1]
    assert report.refusal('init') is None
    assert 'another shape' in report.refusal(
        'test'
    ) and 'a resume continues the same model' in report.refusal('resume')
    # another architecture: DeepLabV3+ weights into SegFormer
    foreign, _, _, _ = rgb_and_multimodal('deeplabv3plus', tmp_path)
    assert 'only 0 of the model' in fit_state_dict(foreign, model)[1].refusal('init')
    assert 'a checkpoint of another model?' in fit_state_dict(foreign, model)[1].refusal('test')


@pytest.mark.slow
def test_runner_load_from_fills_the_model_and_logs_each_part(tmp_path, demo_root):
    """load_from with a stock RGB SegFormer checkpoint through a real Runner (the demo config); a foreign
    checkpoint given to a test is refused in one line."""
    from mmwam.testing import tiny_seg_runner_cfg
    from mmwam.utils.cli import build_runner

    cfg = tiny_seg_runner_cfg(demo_root, tmp_path / 'work', max_iters=1)
    rgb_model = copy.deepcopy(cfg.model)
    rgb_model = dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor'),
        backbone=rgb_model.backbone,
        decode_head=rgb_model.decode_head,
    )
    rgb = _build(rgb_model, 'mmseg')
    state = randomized(rgb)
    ckpt = tmp_path / 'segformer_rgb.pth'
    torch.save(dict(state_dict=state), ckpt)
    cfg.load_from, cfg.launcher = str(ckpt), 'none'
    # the encoders' own pretrained checkpoint cannot be had (offline): load_from fills them, so it is skipped
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=str(tmp_path / 'not_downloaded.pth')
    )
    runner = build_runner(cfg)
    runner._init_model_weights()
    runner.load_or_resume()
    own = runner.model.state_dict()
    for key, value in state.items():
        target = f'backbone.encoders.rgb.{key[9:]}' if key.startswith('backbone.') else key
        assert torch.equal(own[target], value), target
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert 'backbone.encoders.depth: ' in log and 'decode_head: ' in log and 'stem adapted' in log
    assert (
        'depth encoder: filled by load_from' in log
        and 'its own pretrained initialisation is skipped' in log
    )
    foreign, _, _, _ = rgb_and_multimodal('deeplabv3plus', tmp_path)
    bad = tmp_path / 'deeplab.pth'
    torch.save(dict(state_dict=foreign), bad)
    runner._purpose = 'test'
    with pytest.raises(
        InputError, match=r'checkpoint .*deeplab.pth: .*a checkpoint of another model\?'
    ):
        runner.load_checkpoint(str(bad))


@pytest.mark.slow
def test_rgb_to_multimodal_tool_writes_a_checkpoint_that_loads(tmp_path):
    state, ckpt, model, converted = rgb_and_multimodal('retinanet', tmp_path)
    config = tmp_path / 'retinanet_rgbt.py'
    converted.dump(str(config))
    out = tmp_path / 'converted.pth'
    run = subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'model_converters', 'rgb_to_multimodal.py'),
            str(config),
            str(ckpt),
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert 'backbone.encoders.infrared: ' in run.stdout and 'bbox_head: ' in run.stdout
    written = torch.load(out, weights_only=True)['state_dict']
    model.load_state_dict(written, strict=False)
    assert torch.equal(
        model.state_dict()['backbone.encoders.rgb.conv1.weight'], state['backbone.conv1.weight']
    )
    assert torch.equal(
        model.state_dict()['neck.fpn_convs.0.conv.weight'], state['neck.fpn_convs.0.conv.weight']
    )
    missing = run_tool(
        osp.join(ROOT, 'tools', 'model_converters', 'rgb_to_multimodal.py'),
        str(config),
        str(tmp_path / 'nope.pth'),
        str(out),
        cwd=ROOT,
    )
    lines = missing.stderr.strip().splitlines()
    assert missing.returncode != 0 and len(lines) == 1
    assert lines[0].startswith(
        f'rgb_to_multimodal: error: RGB checkpoint {tmp_path / "nope.pth"}: no such file ({tmp_path} has '
    )  # the checkpoints beside it, for a misspelt name
    assert 'converted.pth' in lines[0]
