"""add_mwam on the recipes that mix images (RTMDet: CachedMosaic + CachedMixUp, YOLOX: Mosaic + MixUp in a
MultiImageMixDataset): with a --dataset they keep their pipelines, loading the dataset's modality; and the
placement of photometric transforms around the concatenation."""

import os.path as osp

import pytest
from conftest import LLVIP_MINI, ROOT, run_tool
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmwam.converters import ConversionError, add_mwam, load_config
from mmwam.datasets.transforms import mix

LLVIP = LLVIP_MINI
needs_llvip = pytest.mark.skipif(
    not osp.isdir(LLVIP),
    reason=f'llvip_mini is not at {LLVIP} (set MMWAM_LLVIP_MINI to its folder)',
)
RTMDET = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
YOLOX = 'mmdet::yolox/yolox_s_8xb8-300e_coco.py'


def types(pipeline):
    return [t['type'] for t in pipeline]


@pytest.fixture
def pastes(monkeypatch):
    """How many times each multimodal Mosaic / MixUp mixed images (a spy on the real methods)."""
    calls = {'mosaic': 0, 'mixup': 0}

    def spy(name, method):
        def counted(self, *args):
            calls[name] += 1
            return method(self, *args)

        return counted

    monkeypatch.setattr(
        mix._MultiModalMosaic, '_paste', spy('mosaic', mix._MultiModalMosaic._paste)
    )
    monkeypatch.setattr(mix._MultiModalMixUp, '_mix', spy('mixup', mix._MultiModalMixUp._mix))
    return calls


def build_train_dataset(cfg, n):
    """The converted config's training dataset on llvip_mini, its first ``n`` pairs."""
    init_default_scope('mmdet')
    ds = cfg.train_dataloader.dataset.to_dict()
    inner = ds['dataset'] if 'dataset' in ds else ds
    inner.update(data_root=LLVIP, indices=n)
    return DATASETS.build(ds)


def test_rtmdet_with_a_dataset_keeps_its_cached_mosaic_and_mixup():
    cfg = add_mwam(load_config(RTMDET), dataset='llvip-mini')
    train = cfg.train_dataloader.dataset
    assert train.type == 'LLVIPDataset' and train.pipeline == cfg.train_pipeline
    assert types(train.pipeline) == [
        'LoadImageFromFile',
        'LoadModalityFromFile',
        'LoadAnnotations',
        'ConcatModalities',
        'MultiModalCachedMosaic',
        'RandomResize',
        'RandomCrop',
        'MultiModalYOLOXHSVRandomAug',
        'RandomFlip',
        'Pad',
        'MultiModalCachedMixUp',
        'PackDetInputs',
    ]
    mosaic, pad, mixup, pack = (train.pipeline[i] for i in (4, 9, 10, 11))
    assert mosaic.pad_val == dict(rgb=114.0, infrared=0) and mixup.pad_val == dict(
        rgb=(114, 114, 114), infrared=0
    )
    assert pad.pad_val.img == (114, 114, 114, 0)
    assert 'infrared_path' in pack.meta_keys  # the dataset's packing
    # the last epochs' pipeline (no mosaic): the same loading, the HSV change before the concatenation
    switch = next(h for h in cfg.custom_hooks if h.type == 'PipelineSwitchHook')
    assert switch.switch_pipeline == cfg.train_pipeline_stage2
    assert types(switch.switch_pipeline)[:5] == [
        'LoadImageFromFile',
        'LoadModalityFromFile',
        'LoadAnnotations',
        'YOLOXHSVRandomAug',
        'ConcatModalities',
    ]
    test = cfg.test_dataloader.dataset.pipeline
    assert types(test) == [
        'LoadImageFromFile',
        'LoadModalityFromFile',
        'ConcatModalities',
        'Resize',
        'Pad',
        'LoadAnnotations',
        'PackDetInputs',
    ]
    assert 'instances' in test[-1].meta_keys  # CocoMetric's ground truth, as the dataset packs it
    for pipeline in (train.pipeline, switch.switch_pipeline, test):
        init_default_scope('mmdet')
        Compose(pipeline)


@needs_llvip
def test_rtmdet_mosaic_and_mixup_paste_every_modality_of_real_pairs(pastes):
    cfg = add_mwam(load_config(RTMDET), dataset='llvip-mini')
    dataset = build_train_dataset(cfg, 8)
    for i in range(8):
        inputs = dataset[i]['inputs']
        assert inputs.shape == (4, 640, 640), inputs.shape
    # from the 5th sample on the cache holds more than 4 images: a mosaic each (more when the dataset draws
    # another sample for one whose boxes a crop removed)
    assert pastes['mosaic'] >= 4
    assert pastes['mixup'] >= 1


def test_yolox_with_a_dataset_keeps_its_mosaic_dataset():
    cfg = add_mwam(load_config(YOLOX), dataset='llvip-mini')
    train = cfg.train_dataloader.dataset
    assert train.type == 'MultiImageMixDataset' and train.dataset.type == 'LLVIPDataset'
    # the images that Mosaic / MixUp take are loaded and concatenated by the inner dataset's pipeline
    assert types(train.dataset.pipeline) == [
        'LoadImageFromFile',
        'LoadModalityFromFile',
        'LoadAnnotations',
        'ConcatModalities',
    ]
    assert types(train.pipeline) == [
        'MultiModalMosaic',
        'RandomAffine',
        'MultiModalMixUp',
        'MultiModalYOLOXHSVRandomAug',
        'RandomFlip',
        'Resize',
        'Pad',
        'FilterAnnotations',
        'PackDetInputs',
    ]
    assert train.pipeline[1].border_val == (114, 114, 114, 0)
    # the stock hook turns the multimodal mosaic off for the last epochs (it skips transforms by class name)
    hook = next(h for h in cfg.custom_hooks if h.type == 'YOLOXModeSwitchHook')
    assert hook.skip_type_keys == ['MultiModalMosaic', 'RandomAffine', 'MultiModalMixUp']


@needs_llvip
def test_yolox_mixes_real_pairs_and_its_mode_switch_turns_that_off(pastes):
    cfg = add_mwam(load_config(YOLOX), dataset='llvip-mini')
    dataset = build_train_dataset(cfg, 6)
    assert dataset[0]['inputs'].shape[0] == 4 and pastes == {'mosaic': 1, 'mixup': 1}
    hook = next(h for h in cfg.custom_hooks if h.type == 'YOLOXModeSwitchHook')
    dataset.update_skip_type_keys(hook.skip_type_keys)  # what YOLOXModeSwitchHook does
    assert dataset[1]['inputs'].shape[0] == 4 and pastes == {'mosaic': 1, 'mixup': 1}


def test_without_dataset_rtmdet_and_yolox_load_the_modality_in_their_own_pipelines():
    cfg = add_mwam(load_config(YOLOX), modality='thermal')
    assert types(cfg.train_dataloader.dataset.dataset.pipeline)[-1] == 'ConcatModalities'
    assert cfg.train_dataloader.dataset.pipeline[0].pad_val == dict(rgb=114.0, thermal=0)
    cfg = add_mwam(load_config(RTMDET), modality='depth')
    assert types(cfg.train_pipeline)[:5] == [
        'LoadImageFromFile',
        'LoadModalityFromFile',
        'LoadAnnotations',
        'ConcatModalities',
        'MultiModalCachedMosaic',
    ]
    # the test-time augmentation pads each alternative with a value per channel too
    pads = [
        t
        for alternatives in cfg.tta_pipeline[-1].transforms
        for t in alternatives
        if t.type == 'Pad'
    ]
    assert pads and all(t.pad_val.img == (114, 114, 114, 0) for t in pads)


@pytest.mark.parametrize(
    'photometric',
    ['PhotoMetricDistortion', 'mmdet.PhotoMetricDistortion', 'mmseg.PhotoMetricDistortion'],
)
def test_a_scoped_photometric_transform_moves_before_the_concatenation(photometric):
    cfg = load_config('mmdet::retinanet/retinanet_r18_fpn_1x_coco.py')
    cfg.train_dataloader.dataset.pipeline.insert(3, dict(type=photometric))  # after Resize
    pipeline = add_mwam(cfg, modality='thermal').train_dataloader.dataset.pipeline
    assert types(pipeline) == [
        'LoadImageFromFile',
        'LoadModalityFromFile',
        'LoadAnnotations',
        photometric,
        'ConcatModalities',
        'Resize',
        'RandomFlip',
        'PackDetInputs',
    ]


def test_a_photometric_transform_after_a_mosaic_without_an_rgb_only_version_is_refused():
    cfg = load_config(YOLOX)
    cfg.train_dataloader.dataset.pipeline.insert(1, dict(type='PhotoMetricDistortion'))
    with pytest.raises(
        ConversionError,
        match=r'^train_dataloader.dataset.pipeline: PhotoMetricDistortion changes '
        r'colours after Mosaic, where the modalities are concatenated, and has no RGB-only version '
        r'here \(there are: YOLOXHSVRandomAug\); move it before Mosaic$',
    ):
        add_mwam(cfg, dataset='llvip-mini')


def test_the_written_rtmdet_config_equals_the_function(tmp_path):
    out = tmp_path / 'rtmdet_llvip.py'
    run_tool(
        osp.join(ROOT, 'tools', 'misc', 'add_mwam.py'),
        RTMDET,
        '--dataset',
        'llvip-mini',
        '-o',
        str(out),
        check=True,
    )
    text = out.read_text()
    assert 'switch_pipeline=train_pipeline_stage2' in text and 'pipeline=train_pipeline' in text
    written, direct = Config.fromfile(str(out)), add_mwam(load_config(RTMDET), dataset='llvip-mini')
    for key in ('train_dataloader', 'test_dataloader', 'custom_hooks', 'model'):
        assert Config(dict(x=written[key])).to_dict() == Config(dict(x=direct[key])).to_dict(), key


def test_a_dataset_that_prepares_its_images_otherwise_is_refused_for_a_recipe_that_mixes(tmp_path):
    """The recipe's pipelines take only the dataset's loading and packing: anything else it does to its images
    before the concatenation would be lost, so it is named."""
    path = tmp_path / 'odd_rgbt.py'
    path.write_text(
        f"_base_ = '{ROOT}/configs/_base_/datasets/llvip-mini_rgbt.py'\n"
        "train_pipeline = [dict(type='LoadImageFromFile'), dict(type='SplitModalityFromImage', "
        "modality='infrared'), dict(type='LoadAnnotations', with_bbox=True), "
        "dict(type='ConcatModalities', keys=['infrared']), dict(type='PackDetInputs')]\n"
    )
    with pytest.raises(
        ConversionError,
        match=r"^--dataset: its train_pipeline prepares the images with "
        r"\['SplitModalityFromImage'\], which the model's own pipelines \(kept for their mosaic / "
        r"mixup\) would leave out$",
    ):
        add_mwam(load_config(RTMDET), dataset=str(path))
