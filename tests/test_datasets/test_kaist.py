"""KAISTDataset on the fixture in the official layout (tests/data/kaist), its other annotation layouts
(flat, paired, MLPD's json) and one-line errors for bad input."""

import json
import os.path as osp
import shutil

import pytest
from conftest import ROOT, config_path
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmwam.datasets.kaist import read_bbgt, read_kaist_json
from mmwam.utils.cli import InputError

KAIST = osp.join(ROOT, 'tests', 'data', 'kaist')
BASE = config_path('_base_', 'datasets', 'kaist-mini_rgbt.py')


def dataset(split='train', pipeline=False, **kwargs):
    init_default_scope('mmdet')
    cfg = Config.fromfile(BASE)[f'{split}_dataloader'].dataset
    cfg.data_root = KAIST
    cfg.update(kwargs)
    if not pipeline:
        cfg.pipeline = []
    return DATASETS.build(cfg)


def test_fixture_in_the_official_layout():
    train, test = dataset(), dataset('test')
    assert [train.get_data_info(i)['img_id'] for i in range(len(train))] == [
        'set00/V000/I00001',
        'set00/V000/I00003',
        'set03/V000/I00001',
        'set03/V000/I00003',
    ]
    assert len(test) == 5
    info = test.get_data_info(0)
    assert info['img_path'].endswith('images/set06/V000/visible/I00019.jpg')
    assert info['thermal_path'].endswith('images/set06/V000/lwir/I00019.jpg')
    assert (info['width'], info['height']) == (640, 512)
    # the improved annotations (flat folder): boxes moved by the correction, labels and occlusion kept
    first = info['instances'][0]
    assert first['bbox'] == [61.0, 139.0, 101.0, 241.0] and first['ignore_flag'] == 0
    assert first['kaist'] == dict(
        lbl='person', bb=[61.0, 139.0, 40.0, 102.0], occ=0, bbv=[0.0] * 4, ign=0, ang=0.0
    )
    objs = [
        i['kaist']
        for d in (train, test)
        for n in range(len(d))
        for i in d.get_data_info(n)['instances']
    ]
    assert {o['lbl'] for o in objs} == {'person', 'people', 'person?', 'cyclist'}
    assert {o['occ'] for o in objs} == {0, 1, 2} and any(o['ign'] for o in objs)
    assert test.get_data_info(2)['instances'] == []  # set06/V000/I00059 has no object
    # training learns from persons only: other labels and bbGt ignore flags are ignore regions
    flags = {
        (i['kaist']['lbl'], i['kaist']['ign']): i['ignore_flag']
        for n in range(len(test))
        for i in test.get_data_info(n)['instances']
    }
    assert flags == {
        ('person', 0): 0,
        ('people', 0): 1,
        ('person?', 0): 1,
        ('cyclist', 0): 1,
        ('person', 1): 1,
    }


def test_pipeline_gives_rgb_plus_thermal_and_the_metric_keys():
    sample = dataset('test', pipeline=True)[0]
    assert sample['inputs'].shape == (4, 128, 160)
    meta = sample['data_samples'].metainfo
    assert meta['img_id'] == 'set06/V000/I00019' and meta['thermal_path'].endswith(
        'lwir/I00019.jpg'
    )
    assert len(meta['instances']) == 4 and 'kaist' in meta['instances'][0]
    train = dataset(pipeline=True)[0]['data_samples']
    assert len(train.gt_instances) == 2 and len(train.ignored_instances) == 0


def test_nested_and_flat_layouts_read_the_same_files(tmp_path):
    flat = tmp_path / 'flat'
    flat.mkdir()
    for s in ('set00', 'set03'):
        for f in ('I00001', 'I00003'):
            shutil.copy(
                osp.join(KAIST, 'annotations', s, 'V000', f + '.txt'), flat / f'{s}_V000_{f}.txt'
            )
    a, b = dataset(), dataset(data_prefix=dict(img='images', ann=str(flat)))
    assert [a.get_data_info(i)['instances'] for i in range(4)] == [
        b.get_data_info(i)['instances'] for i in range(4)
    ]


def test_paired_annotations_one_box_set_per_modality(tmp_path):
    ann = tmp_path / 'paired'
    for mod, dx in (('visible', 0), ('lwir', 7)):
        (ann / 'set00' / 'V000' / mod).mkdir(parents=True)
        for f in ('I00001', 'I00003'):
            (ann / 'set00' / 'V000' / mod / f'{f}.txt').write_text(
                f'% bbGt version=3\nperson {10 + dx} 20 30 60 0 0 0 0 0 0 0\n'
            )
    (ann / 'list.txt').write_text('set00/V000/I00001\nset00/V000/I00003\n')
    for mod, x in (('visible', 10.0), ('lwir', 17.0)):
        ds = dataset(
            ann_file=str(ann / 'list.txt'),
            data_prefix=dict(img='images', ann=str(ann)),
            paired_modality=mod,
        )
        assert ds.get_data_info(1)['instances'][0]['bbox'][0] == x
    with pytest.raises(InputError, match="paired_modality must be None, 'visible' or 'lwir'"):
        dataset(paired_modality='thermal')


def test_mlpd_json_gives_the_same_annotations(tmp_path):
    """KAIST_annotation.json as MLPD distributes it (0-based image ids, im_name, categories with
    __ignore__, people / person? / cyclist regions stored as person with ignore 1)."""
    test = dataset('test')
    cats = [
        dict(id=0, name='__ignore__'),
        dict(id=1, name='person'),
        dict(id=2, name='cyclist'),
        dict(id=3, name='people'),
        dict(id=4, name='person?'),
    ]
    images, anns = [], []
    for n in range(len(test)):
        info = test.get_data_info(n)
        images.append(dict(id=n, im_name=info['img_id'], height=512, width=640))
        for inst in info['instances']:
            o = inst['kaist']
            anns.append(
                dict(
                    id=len(anns),
                    image_id=n,
                    category_id={c['name']: c['id'] for c in cats}[o['lbl']],
                    bbox=o['bb'],
                    height=o['bb'][3],
                    occlusion=o['occ'],
                    ignore=o['ign'],
                )
            )
    path = tmp_path / 'KAIST_annotation.json'
    path.write_text(json.dumps(dict(images=images, annotations=anns, categories=cats)))
    from_json = dataset('test', ann_file=str(path))
    assert len(from_json) == 5
    for n in range(5):
        a, b = test.get_data_info(n), from_json.get_data_info(n)
        assert a['img_path'] == b['img_path'] and a['instances'] == b['instances']
    bad = dict(images=images, annotations=[dict(anns[0], image_id=99)], categories=cats)
    path.write_text(json.dumps(bad))
    with pytest.raises(
        InputError,
        match=r'KAIST_annotation.json, annotation id 0: image_id 99 is not in the images',
    ):
        read_kaist_json(str(path))


@pytest.mark.parametrize(
    'text,message',
    [
        ('% bbGt version=7\n', r'line 1: expected the header "% bbGt version=N" with N in 0..3'),
        (
            '% bbGt version=3\nperson 1 2 3 4 0 0 0 0 0 0\n',
            r'line 2: 11 fields; a bbGt version=3 line has 12',
        ),
        (
            '% bbGt version=3\nperson 1 2 x 4 0 0 0 0 0 0 0\n',
            r'line 2: field w is \'x\', expected a number',
        ),
        (
            '% bbGt version=2\nperson 1 2 3 4 3 0 0 0 0 0\n',
            r'line 2: field occ is \'3\', expected 0 \(none\)',
        ),
    ],
)
def test_malformed_bbgt_lines_name_the_file_line_and_field(tmp_path, text, message):
    f = tmp_path / 'set06_V000_I00019.txt'
    f.write_text(text)
    with pytest.raises(InputError, match=message):
        read_bbgt(str(f))


def test_bbgt_versions_and_a_file_without_header(tmp_path):
    f = tmp_path / 'a.txt'
    f.write_text('people 1 2 3 4 1 5 6 7 8\n')  # version 0: no header, no ign / ang fields
    assert read_bbgt(str(f)) == [
        dict(lbl='people', bb=[1, 2, 3, 4], occ=1, bbv=[5, 6, 7, 8], ign=0, ang=0.0)
    ]
    f.write_text('% bbGt version=2\nperson 1 2 3 4 0 0 0 0 0 1\n')
    assert read_bbgt(str(f))[0]['ign'] == 1


@pytest.fixture
def root(tmp_path):
    """A copy of the fixture, to break."""
    shutil.copytree(KAIST, tmp_path / 'kaist', ignore=shutil.ignore_patterns('*.py'))
    return tmp_path / 'kaist'


def test_bad_input_is_one_line_naming_the_file(root):
    (root / 'annotations' / 'set00' / 'V000' / 'I00003.txt').unlink()
    with pytest.raises(
        InputError,
        match=r'image set00/V000/I00003: no annotation file .*annotations/set00/V000/'
        r'I00003.txt \(nested layout\) or .*set00_V000_I00003.txt \(flat layout\)',
    ):
        dataset(data_root=str(root))
    (root / 'images' / 'set06' / 'V000' / 'lwir' / 'I00039.jpg').unlink()
    with pytest.raises(
        InputError, match=r'image set06/V000/I00039: no lwir image .*lwir/I00039.jpg'
    ):
        dataset('test', data_root=str(root))
    (root / 'imageSets' / 'test-all-20.txt').write_text('set06/V000/I00019\nset6/V0/I19\n')
    with pytest.raises(
        InputError, match=r"test-all-20.txt, line 2: 'set6/V0/I19' is not a KAIST image id"
    ):
        dataset('test', data_root=str(root))
    ann = root / 'annotations' / 'set00' / 'V000' / 'I00001.txt'
    ann.write_text(ann.read_text().replace('person 100', 'persn 100'))
    (root / 'annotations' / 'set00' / 'V000' / 'I00003.txt').write_text('% bbGt version=3\n')
    with pytest.raises(
        InputError, match=r"I00001.txt: unknown label 'persn' \(image set00/V000/I00001\)"
    ):
        dataset(data_root=str(root))


def test_filter_empty_gt_keeps_images_with_a_trainable_person(root):
    ann = root / 'annotations' / 'set00' / 'V000' / 'I00003.txt'
    ann.write_text('% bbGt version=3\npeople 300 200 90 70 0 0 0 0 0 0 0\n')
    assert len(dataset(data_root=str(root))) == 3
    assert len(dataset(data_root=str(root), filter_cfg=dict(filter_empty_gt=False))) == 4
