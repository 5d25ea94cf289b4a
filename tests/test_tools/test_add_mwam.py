"""add_mwam on mmseg / mmdet model-zoo configs: each converted model trains one step on CPU."""

import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch
from conftest import ROOT, run_tool
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import MODELS, init_default_scope

from mmwam.converters import ConversionError, add_mwam, load_config, mwam_overrides

# the zoo configs name hub checkpoints, which cannot be fetched here: off for the one-step tests. Loading is
# tested for real with local checkpoints: a converted zoo config in test_models/test_pretrained.py, every
# config of ours in test_configs/test_configs.py
from mmwam.models.encoder_init import drop_pretrained
from mmwam.testing import fake_det_batch, fake_seg_batch, train_one_step

SEG_ZOO = [
    'segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',  # MiT (ViT family)
    'deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-512x1024.py',  # ResNetV1c
    'pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
    'swin/swin-tiny-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py',  # UPerNet + Swin
    'hrnet/fcn_hr18s_4xb4-80k_ade20k-512x512.py',  # HRNet
    'twins/twins_pcpvt-s_fpn_fpnhead_8xb4-80k_ade20k-512x512.py',  # PCPVT + FPN neck
    'erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py',
    'vit/vit_deit-s16_upernet_8xb2-80k_ade20k-512x512.py',  # plain ViT + MLN neck
    'fastscnn/fast_scnn_8xb4-160k_cityscapes-512x1024.py',
    'bisenetv2/bisenetv2_fcn_4xb4-160k_cityscapes-1024x1024.py',
    'unet/unet-s5-d16_fcn_4xb4-160k_cityscapes-512x1024.py',  # UNet
    'mobilenet_v2/mobilenet-v2-d8_deeplabv3_4xb2-80k_cityscapes-512x1024.py',  # stem fixed at 3 channels
    'segnext/segnext_mscan-t_1xb16-adamw-160k_ade20k-512x512.py',  # MSCAN: in_channels unused by its stem
    'cgnet/cgnet_fcn_4xb4-60k_cityscapes-680x680.py',  # outputs depend on the input channels: replicated
    'ddrnet/ddrnet_23-slim_in1k-pre_2xb6-120k_cityscapes-1024x1024.py',  # Cityscapes' class weights dropped
    'dpt/dpt_vit-b16_8xb2-160k_ade20k-512x512.py',  # levels of [feature map, class token]
    'maskformer/maskformer_r50-d32_8xb2-160k_ade20k-512x512.py',  # class weights: 1 per class + no-object
]
DET_ZOO = [
    'faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    'retinanet/retinanet_r18_fpn_1x_coco.py',
    'fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py',  # caffe-style: BGR, std 1
    'atss/atss_r50_fpn_1x_coco.py',
    'cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py',  # three bbox heads (a list)
    'gfl/gfl_r50_fpn_1x_coco.py',
    'tood/tood_r50_fpn_1x_coco.py',
    'swin/retinanet_swin-t-p4-w7_fpn_1x_coco.py',  # Swin
    'pvt/retinanet_pvtv2-b0_fpn_1x_coco.py',  # PVTv2
    'regnet/retinanet_regnetx-800MF_fpn_1x_coco.py',  # RegNet
    'hrnet/faster-rcnn_hrnetv2p-w18-1x_coco.py',  # HRNet
    'rtmdet/rtmdet_tiny_8xb32-300e_coco.py',  # CSPNeXt: stem fixed at 3 channels
    'yolox/yolox_tiny_8xb8-300e_coco.py',  # CSPDarknet's Focus stem; no normalisation in its preprocessor
    'boxinst/boxinst_r50_fpn_ms-90k_coco.py',  # its own preprocessor: pseudo masks from the RGB image
]


# the representative configs of the default run (one per kind of backbone and of special case); the others
# are the long sweep, opt-in: make test-zoo (pytest -m zoo_sweep)
SEG_DEFAULT = {
    'segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
    'deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-512x1024.py',
    'mobilenet_v2/mobilenet-v2-d8_deeplabv3_4xb2-80k_cityscapes-512x1024.py',
    'cgnet/cgnet_fcn_4xb4-60k_cityscapes-680x680.py',
}
DET_DEFAULT = {
    'retinanet/retinanet_r18_fpn_1x_coco.py',
    'faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    'rtmdet/rtmdet_tiny_8xb32-300e_coco.py',
    'yolox/yolox_tiny_8xb8-300e_coco.py',
}


def _zoo(names, default):
    return [n if n in default else pytest.param(n, marks=pytest.mark.zoo_sweep) for n in names]


def _train_one_step(cfg, data):
    init_default_scope(cfg.default_scope)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        Compose(cfg[loader].dataset.pipeline)
    drop_pretrained(cfg.model)
    model = MODELS.build(cfg.model)
    model.init_weights()  # as a Runner does
    _, changed = train_one_step(model, data)  # (finite losses: checked there)
    for m in cfg.model.data_preprocessor.modalities:
        assert any(f'backbone.encoders.{m}.' in n for n in changed), m
    return model


@pytest.mark.slow
@pytest.mark.parametrize('name', _zoo(SEG_ZOO, SEG_DEFAULT))
def test_mmseg_zoo_config_converts_and_trains(name):
    cfg = add_mwam(load_config(f'mmseg::{name}'), dataset='demo-rgbd')
    assert cfg.model.type == 'MultiModalEncoderDecoder'
    assert cfg.model.decode_head.num_classes == 5  # the dataset's
    aux = cfg.model.get('auxiliary_head')
    for head in aux if isinstance(aux, list) else [aux] if aux else []:
        assert head.num_classes == 5
    cfg.model.data_preprocessor.size = (64, 64)
    model = _train_one_step(cfg, fake_seg_batch(n=2, h=64, w=64, channels=4, num_classes=5))
    assert model.mwam is not None
    assert model.backbone.replicate_to_rgb == (('depth',) if name.startswith('cgnet') else ())
    assert model.backbone.encoders['depth'] is not model.backbone.encoders['rgb']


@pytest.mark.slow
@pytest.mark.parametrize('name', _zoo(DET_ZOO, DET_DEFAULT))
def test_mmdet_zoo_config_converts_and_trains(name):
    base = load_config(f'mmdet::{name}')
    cfg = add_mwam(base, dataset='llvip-mini')
    assert cfg.model.type == 'DualBackboneDetector' and cfg.model.detector_type == base.model.type
    pre = cfg.model.data_preprocessor
    # the RGB statistics stay the backbone's (caffe-style configs: BGR input, std 1; none: mean 0, std 1)
    assert pre.mean['rgb'] == list(base.model.data_preprocessor.get('mean') or [0.0] * 3)
    assert pre.bgr_to_rgb == base.model.data_preprocessor.get('bgr_to_rgb', False)
    model = _train_one_step(cfg, fake_det_batch(n=2, size=64))
    # RTMDet's switch to its pipeline without mosaic for the last epochs loads the modality too
    for hook in (h for h in cfg.custom_hooks if h.type == 'PipelineSwitchHook'):
        assert 'ConcatModalities' in [t['type'] for t in hook.switch_pipeline]
        Compose(hook.switch_pipeline)
    assert model.stock_class.__name__ == base.model.type
    assert model.mwam is not None


def test_label_transforms_of_the_model_stay_in_the_datasets_pipeline():
    cfg = add_mwam(
        load_config('mmseg::pidnet/pidnet-s_2xb6-120k_1024x1024-cityscapes.py'), dataset='demo-rgbd'
    )
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert types[-2:] == ['GenerateEdge', 'PackSegInputs']  # PIDNet's head trains on edge maps
    loss = add_mwam(
        load_config('mmseg::mask2former/mask2former_r50_8xb2-160k_ade20k-512x512.py'),
        dataset='demo-rgbd',
    ).model.decode_head.loss_cls
    assert loss.class_weight == [1.0] * 5 + [0.1]  # 1 per class and the no-object weight


def test_without_dataset_the_pipelines_load_and_concatenate_the_modality():
    cfg = add_mwam(
        load_config('mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
        modality='thermal',
        channels=1,
    )
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    # LoadImageFromFile, LoadModality, LoadAnnotations, photometric (moved), Concat, geometric...
    assert types[:5] == [
        'LoadImageFromFile',
        'LoadModalityFromFile',
        'LoadAnnotations',
        'PhotoMetricDistortion',
        'ConcatModalities',
    ]
    assert types[5:] == ['RandomResize', 'RandomCrop', 'RandomFlip', 'PackSegInputs']
    assert cfg.model.data_preprocessor.mean['thermal'] == [pytest.approx(114.495)]
    assert cfg.val_cfg.type == 'MissingModalityValLoop' and cfg.runner_type == 'MWAMRunner'
    assert 'mmwam' in cfg.custom_imports.imports


def test_concat_fusion_gets_the_channels_of_each_level():
    cfg = add_mwam(
        load_config('mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py'),
        dataset='demo-rgbd',
        fusion=dict(type='ConcatFusion'),
    )
    assert 'in_channels' not in cfg.model.fusion  # sized when the model is built
    cfg.model.data_preprocessor.size = (64, 64)
    model = _train_one_step(cfg, fake_seg_batch(n=2, h=64, w=64, channels=4, num_classes=5))
    assert [f.proj.in_channels for f in model.backbone.fusions] == [64, 128, 320, 512]


@pytest.mark.slow
def test_written_config_equals_the_function_and_runs_a_real_runner(tmp_path, demo_root):
    """The tool writes a short config inheriting the zoo config; loaded back it is the function's
    result; a real Runner trains it two iterations on the demo set and evaluates every subset."""
    zoo = 'mmseg::deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-512x1024.py'
    out = tmp_path / 'dlv3p_demo.py'
    subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'misc', 'add_mwam.py'),
            zoo,
            '--dataset',
            'demo-rgbd',
            '-o',
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    text = out.read_text()
    assert f"_base_ = '{zoo}'" in text
    # the dataset is read from its config, not written out
    # outside a git working tree: the dataset config's absolute path
    dataset = osp.realpath(osp.join(ROOT, 'configs', '_base_', 'datasets', 'demo_rgbd.py'))
    assert 'dataset_config = Config.fromfile(' in text and f"'{dataset}'" in text
    assert 'LoadModalityFromFile' not in text and len(text.splitlines()) < 50
    written = Config.fromfile(str(out))
    direct = add_mwam(load_config(zoo), dataset='demo-rgbd')
    assert written.to_dict() == direct.to_dict()

    from mmwam.utils.cli import build_runner

    cfg = written
    drop_pretrained(cfg.model)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.launcher = 'none'
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    # the written config logs MWAM's scalars to TensorBoard: exercised for real here
    assert [b['type'] for b in cfg.visualizer.vis_backends] == [
        'LocalVisBackend',
        'TensorboardVisBackend',
    ]
    assert [h['type'] for h in cfg.custom_hooks] == ['FRMLoggerHook']
    cfg.visualizer.name = f'vis_{tmp_path}'
    cfg.custom_hooks[0].interval = 1
    cfg.model.test_cfg = dict(mode='whole')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False, batch_size=2)
        cfg[loader].dataset.data_root = demo_root
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert {'rgb+depth/mIoU', 'rgb/mIoU', 'depth/mIoU'} <= set(metrics)
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_2.pth'))
    events = glob.glob(osp.join(runner.log_dir, 'vis_data', 'events.out.tfevents.*'))
    assert events, 'no TensorBoard event file'
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tags = set().union(*(EventAccumulator(e).Reload().Tags()['scalars'] for e in events))
    assert {'frm_rgb', 'bank_depth', 'mwam_weight_depth', 'rgb/mIoU'} <= tags, tags


def test_a_written_config_follows_its_dataset_config_and_inline_dataset_stands_alone(tmp_path):
    """The dataset config is read when the written config is loaded: an edit to its datasets (here
    data_root) is seen, as with a _base_ file; its metrics and loops are copied (their dict or list form
    decides whether they merge). The path is relative inside a git working tree (also when the config is
    written through a link to a folder), absolute outside one. A missing or broken dataset config is one
    line naming it. --inline-dataset writes the same config out in full."""
    tree = tmp_path / 'project'
    (tree / '.git').mkdir(parents=True)  # a git working tree
    data = tree / 'datasets'
    data.mkdir()
    for name in ('demo_rgbd.py', 'nyudv2_rgbd.py'):  # the demo set's config inherits NYUDv2's
        (data / name).write_text(open(osp.join(ROOT, 'configs', '_base_', 'datasets', name)).read())
    (tmp_path / 'link').symlink_to(tree / 'configs', target_is_directory=True)
    (tree / 'configs').mkdir()
    zoo = 'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py'
    tool = osp.join(ROOT, 'tools', 'misc', 'add_mwam.py')
    out, inline, outside = tree / 'configs' / 'read.py', tmp_path / 'inline.py', tmp_path / 'out.py'
    for path, extra in (
        (out, []),
        (inline, ['--inline-dataset']),
        (outside, []),
        (tmp_path / 'link' / 'linked.py', []),
    ):
        proc = run_tool(tool, zoo, '--dataset', str(data / 'demo_rgbd.py'), '-o', str(path), *extra)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert f'the dataset config {data / "demo_rgbd.py"}: ' in proc.stdout
    assert "Config.fromfile('{{ fileDirname }}/../datasets/demo_rgbd.py')" in out.read_text()
    assert f"'{osp.realpath(data / 'demo_rgbd.py')}'" in outside.read_text()  # outside the tree
    assert (
        "'{{ fileDirname }}" not in (tree / 'configs' / 'linked.py').read_text()
    )  # through a link
    assert 'fromfile' not in inline.read_text() and 'LoadModalityFromFile' in inline.read_text()
    read = Config.fromfile(str(out))
    for other in (inline, outside, tmp_path / 'link' / 'linked.py'):
        assert read.to_dict() == Config.fromfile(str(other)).to_dict(), other
    assert 'Config' not in read and 'dataset_config' not in read  # no helper names left as fields
    read.dump(str(tmp_path / 'dumped.py'))  # a work dir's copy of the config
    assert Config.fromfile(str(tmp_path / 'dumped.py')).to_dict() == read.to_dict()
    assert 'IoUMetric' in out.read_text()  # the metric: copied

    text = (data / 'demo_rgbd.py').read_text()
    (data / 'demo_rgbd.py').write_text(
        text.replace("data_root = 'data/demo_rgbd'", "data_root = 'elsewhere'")
    )
    assert 'elsewhere' in (data / 'demo_rgbd.py').read_text()
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert Config.fromfile(str(out))[loader].dataset.data_root == 'elsewhere'
        assert Config.fromfile(str(inline))[loader].dataset.data_root == 'data/demo_rgbd'

    from mmwam.utils.cli import InputError, read_config

    (data / 'demo_rgbd.py').write_text(text.replace('crop_size = (', 'crop_size = (('))
    with pytest.raises(InputError, match=r'datasets/demo_rgbd\.py, line \d+: Python syntax error'):
        read_config(str(out))
    (data / 'demo_rgbd.py').rename(data / 'moved.py')
    with pytest.raises(
        InputError,
        match=r'a file it names does not exist: .*datasets/demo_rgbd\.py \(a _base_ file, or',
    ):
        read_config(str(out))


def test_inline_dataset_without_a_dataset_and_a_config_of_another_format_are_one_line(tmp_path):
    tool = osp.join(ROOT, 'tools', 'misc', 'add_mwam.py')
    zoo = 'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py'
    proc = run_tool(
        tool, zoo, '--modality', 'depth', '--inline-dataset', '-o', str(tmp_path / 'x.py')
    )
    assert proc.returncode != 0 and not (tmp_path / 'x.py').exists()
    assert proc.stderr.strip().splitlines()[-1] == (
        'add_mwam: --inline-dataset writes out the fields of a --dataset; give one, or leave it out'
    )
    (tmp_path / 'data.txt').write_text('x = 1\n')
    proc = run_tool(
        tool, zoo, '--dataset', str(tmp_path / 'data.txt'), '-o', str(tmp_path / 'y.py')
    )
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr, proc.stderr[-2000:]
    assert (
        'data.txt: Only py/yml/yaml/json type are supported now! (a config is a .py' in proc.stderr
    )


def test_a_dataset_pipeline_with_label_transforms_is_read_with_them_inserted(tmp_path):
    """PIDNet's GenerateEdge goes before the packing of the dataset's training pipeline: written as the
    dataset's pipeline with it inserted, and loaded back as the function's result."""
    zoo = 'mmseg::pidnet/pidnet-s_2xb6-120k_1024x1024-cityscapes.py'
    from mmwam.converters import write_config

    written = write_config(zoo, str(tmp_path / 'pidnet.py'), dataset='nyudv2')
    text = (tmp_path / 'pidnet.py').read_text()
    assert (
        'train_pipeline = dataset_config.train_pipeline[:8] + [dict(type=\'GenerateEdge\'' in text
    )
    assert written.to_dict() == add_mwam(load_config(zoo), dataset='nyudv2').to_dict()


@pytest.mark.slow
def test_a_cascade_segmentor_converts_trains_and_evaluates_every_subset_through_a_runner(
    tmp_path, demo_root
):
    """OCRNet (CascadeEncoderDecoder: an FCN head, then the OCR head refining it) on HRNet-18s."""
    from mmwam.models import MultiModalCascadeEncoderDecoder
    from mmwam.utils.cli import build_runner

    cfg = add_mwam(
        load_config('mmseg::ocrnet/ocrnet_hr18s_4xb4-80k_ade20k-512x512.py'), dataset='demo-rgbd'
    )
    assert cfg.model.type == 'MultiModalCascadeEncoderDecoder' and cfg.model.num_stages == 2
    assert [h.num_classes for h in cfg.model.decode_head] == [5, 5]
    drop_pretrained(cfg.model)
    cfg.work_dir, cfg.launcher = str(tmp_path / 'work'), 'none'
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = 2
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer.name = f'vis_{tmp_path}'
    cfg.model.test_cfg = dict(mode='whole')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False, batch_size=2)
        cfg[loader].dataset.data_root = demo_root
    runner = build_runner(cfg)
    assert type(runner.model) is MultiModalCascadeEncoderDecoder
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters()}
    runner.train()
    changed = {n for n, p in runner.model.named_parameters() if not torch.equal(before[n], p)}
    for part in (
        'backbone.encoders.rgb.',
        'backbone.encoders.depth.',
        'decode_head.0.',
        'decode_head.1.',
    ):
        assert any(n.startswith(part) for n in changed), part
    metrics = runner.test()
    assert {'rgb+depth/mIoU', 'rgb/mIoU', 'depth/mIoU', 'avg/mIoU', 'pcr/rgb/mIoU'} <= set(metrics)


@pytest.mark.parametrize(
    'config, kwargs, message',
    [
        (
            'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py',
            dict(modality='depth', channels=3),
            r'train_pipeline: Pad.pad_val: OpenCV pads at most 4 channels with values of their own, '
            r'the image has 3 \+ 3',
        ),
        (
            'mmseg::convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py',
            dict(modality='depth'),
            r"^the config needs the package 'mmpretrain', which is not installed: "
            r"pip install mmpretrain$",
        ),
        (
            'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
            dict(dataset='llvip', **{'model.data_preprocessor.type': 'ReIDDataPreprocessor'}),
            r"model.data_preprocessor.type 'ReIDDataPreprocessor' has no multimodal version here",
        ),
        (
            'mmdet::fast_rcnn/fast-rcnn_r50_fpn_1x_coco.py',
            dict(dataset='llvip'),
            r'--dataset llvip: model.type FastRCNN trains on precomputed proposals .* convert without --dataset',
        ),
        (
            'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py',
            dict(dataset='llvip'),
            r'--dataset llvip: model.roi_head.mask_head trains on instance masks, and the dataset config loads none',
        ),
        (
            'mmdet::soft_teacher/soft-teacher_faster-rcnn_r50-caffe_fpn_180k_semi-0.1-coco.py',
            dict(dataset='llvip'),
            r'SoftTeacher is a semi-supervised wrapper .* out of scope; convert the detector\'s own config',
        ),
        (
            'mmdet::glip/glip_atss_swin-t_a_fpn_dyhead_pretrain_obj365.py',
            dict(dataset='llvip'),
            r'GLIP is a vision-language detector .*: out of scope',
        ),
        (
            'mmdet::bytetrack/bytetrack_yolox_x_8xb4-80e_crowdhuman-mot17halftrain_test-mot17halfval.py',
            dict(dataset='llvip'),
            r'ByteTrack is a tracking or video model .*: out of scope',
        ),
        (
            'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
            dict(dataset='llvip'),
            r'--dataset llvip: a MultiModalDetDataPreprocessor dataset config, but the model is a seg model',
        ),
        (
            'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
            dict(dataset='nyudv2', modality='thermal'),
            r"--modality thermal: the dataset nyudv2 provides \['depth'\]",
        ),
        (
            'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
            dict(dataset='kitti'),
            r"--dataset 'kitti': neither a known dataset",
        ),
        (
            'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
            dict(),
            r'--modality is needed without --dataset',
        ),
        (
            osp.join(ROOT, 'configs', 'mwam', 'segformer_rgbd.py'),
            dict(modality='depth'),
            r'model.type is MultiModalEncoderDecoder: the config is already multimodal',
        ),
    ],
)
def test_unconvertible_configs_name_the_field(config, kwargs, message):
    changes = {
        k: kwargs.pop(k) for k in list(kwargs) if '.' in k
    }  # fields of the config changed first
    with pytest.raises(ConversionError, match=message):
        cfg = load_config(config)
        cfg.merge_from_dict(changes)
        mwam_overrides(cfg, **kwargs)


def test_a_detector_without_backbone_is_refused():
    with pytest.raises(
        ConversionError, match=r'model.backbone: the detector FasterRCNN has no backbone'
    ):
        mwam_overrides(Config(dict(model=dict(type='FasterRCNN', neck=None))), modality='thermal')


def test_the_cli_reports_a_conversion_error_in_one_line(tmp_path):
    res = run_tool(
        osp.join(ROOT, 'tools', 'misc', 'add_mwam.py'),
        'mmdet::fast_rcnn/fast-rcnn_r50_fpn_1x_coco.py',
        '--dataset',
        'llvip',
        '-o',
        str(tmp_path / 'x.py'),
    )
    assert res.returncode != 0
    assert 'Traceback' not in res.stderr
    assert (
        'add_mwam: mmdet::fast_rcnn/fast-rcnn_r50_fpn_1x_coco.py: --dataset llvip: model.type FastRCNN trains '
        'on precomputed proposals'
    ) in res.stderr


@pytest.mark.parametrize(
    'config, message',
    [
        (
            'no_such_config.py',
            'add_mwam: no_such_config.py: no such config file (relative paths start from ',
        ),
        (
            'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x51.py',
            "no such config in mmseg's model zoo; did you mean "
            'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
        ),
        (
            'mmseg::no_such_folder/x.py',
            "add_mwam: mmseg::no_such_folder/x.py: no such config in mmseg's model zoo "
            '(the configs are under ',
        ),
        ('mmnothing::x.py', "add_mwam: mmnothing::x.py: the package 'mmnothing' is not installed"),
        (
            'mmdet::gn+ws/faster-rcnn_r50_fpn_gn-ws-all_1x_coco.py',
            'mmengine cannot read this model-zoo name (a '
            'folder or file name with characters such as "+"); give the file itself: ',
        ),
    ],
)
def test_cli_names_a_missing_config_in_one_line(config, message, tmp_path):
    proc = run_tool(
        osp.join(ROOT, 'tools', 'misc', 'add_mwam.py'),
        config,
        '--modality',
        'depth',
        '-o',
        str(tmp_path / 'x.py'),
    )
    assert proc.returncode != 0
    errors = [
        line
        for line in proc.stderr.splitlines()
        if 'Warning' not in line and 'import' not in line and 'warn' not in line
    ]
    assert len(errors) == 1 and message in errors[0], proc.stderr[-2000:]


@pytest.mark.slow
def test_recipe_missing_modality_writes_dropout_mwam_both_and_heads_sized_from_the_model(tmp_path):
    """One flag instead of 11 --cfg-options: a converted zoo segmentor gets modality dropout, MWAM's gradient
    + loss modes and an FCN head per modality on the encoder's last level (ResNet-18: 512 channels), with
    the dataset's classes; it trains one step with every head's loss."""
    zoo = 'mmseg::deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-512x1024.py'
    out = tmp_path / 'robust.py'
    proc = run_tool(
        osp.join(ROOT, 'tools', 'misc', 'add_mwam.py'),
        zoo,
        '--dataset',
        'demo-rgbd',
        '--recipe',
        'missing-modality',
        '-o',
        str(out),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    cfg = Config.fromfile(str(out))
    direct = add_mwam(load_config(zoo), dataset='demo-rgbd', recipe='missing-modality')
    assert cfg.model.to_dict() == direct.model.to_dict()
    assert cfg.model.mwam == dict(type='MWAM', mode='both')
    assert cfg.model.modality_dropout == dict(type='ModalityDropout', p_full=None, level='input')
    heads = cfg.model.modality_heads
    assert (heads.type, heads.in_channels, heads.in_index, heads.num_classes) == (
        'FCNHead',
        'auto',  # sized when the model is built (below)
        'auto',
        5,
    )
    assert heads.norm_cfg == cfg.model.decode_head.norm_cfg
    cfg.model.data_preprocessor.size = (64, 64)
    init_default_scope('mmseg')
    drop_pretrained(cfg.model)
    model = MODELS.build(
        cfg.model
    ).train()  # (modality dropout zeroes a random subset: no per-encoder check)
    assert (
        set(model.modality_heads) == {'rgb', 'depth'}
        and model.backbone.modality_dropout is not None
    )
    head = model.modality_heads['depth']
    assert (head.in_channels, head.in_index, head.channels) == (
        512,
        3,
        128,
    )  # ResNet-18's last level
    losses, _ = train_one_step(model, fake_seg_batch(n=2, h=64, w=64, channels=4, num_classes=5))
    assert {'rgb.loss_ce', 'depth.loss_ce'} <= set(losses) and all(
        torch.isfinite(v) for v in losses.values()
    )


def test_recipe_missing_modality_for_detectors():
    cfg = add_mwam(
        load_config('mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'),
        dataset='llvip-mini',
        recipe='missing-modality',
    )
    assert (
        cfg.model.modality_heads == {} and cfg.model.mwam.mode == 'both'
    )  # RetinaNet's own head per modality
    init_default_scope('mmdet')
    drop_pretrained(cfg.model)
    model = MODELS.build(cfg.model).train()
    losses, _ = train_one_step(model, fake_det_batch(n=2, size=64))
    assert any(k.startswith('infrared.') for k in losses) and all(
        torch.isfinite(v) for v in losses.values()
    )
    with pytest.raises(
        ConversionError,
        match=r'--recipe missing-modality: MWAM\'s loss mode needs a single-stage '
        r'detector .*FasterRCNN is not one',
    ):
        add_mwam(
            load_config('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'),
            dataset='llvip-mini',
            recipe='missing-modality',
        )


def test_an_unknown_fusion_type_is_refused_before_the_config_is_written():
    cfg = load_config('mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py')
    with pytest.raises(
        ConversionError,
        match="fusion type 'Sum' is not a registered module; mmwam has " 'AddFusion, ConcatFusion',
    ):
        mwam_overrides(cfg, modality='depth', channels=1, fusion=dict(type='Sum'))
