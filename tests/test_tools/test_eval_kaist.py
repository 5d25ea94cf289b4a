"""The KAIST path on the fixture in the official layout (tests/data/kaist): KAISTMissRateMetric on the
dataset's samples, the files it writes, eval_kaist.py on them; then a tiny detector trained by a real
Runner, its missing-modality MR table, tools/test.py --format-only and eval_kaist.py."""

import glob
import json
import os.path as osp
import runpy
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import ROOT, config_path
from mmdet.registry import DATASETS, METRICS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import RUNNERS, init_default_scope
from mmengine.structures import InstanceData

from mmwam.datasets.kaist import read_bbgt

KAIST = osp.join(ROOT, 'tests', 'data', 'kaist')
DEMO = config_path('mwam', 'retinanet_r18_fpn_rgbt_kaist-mini_demo.py')
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'eval_kaist.py')


def run_tool(capsys, tool, *args):
    """A tool in this process (as ``python TOOL ARGS`` runs it): (exit code, stdout, stderr)."""
    argv = sys.argv
    sys.argv = [tool, *map(str, args)]
    code = 0
    try:
        runpy.run_path(tool, run_name='__main__')
    except SystemExit as e:
        code, _ = (e.code if isinstance(e.code, int) else 1), print(e.code, file=sys.stderr)
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    return code, out, err


def eval_kaist(capsys, *args):
    return run_tool(capsys, TOOL, *args)


def predictions(dataset, seed=3):
    """Samples as the metric receives them: each test image's annotations, and detections near its
    objects (jittered, some missing) plus false positives, scores with ties."""
    rng = np.random.default_rng(seed)
    out = []
    for n in range(len(dataset)):
        info = dataset.get_data_info(n)
        boxes, scores = [], []
        for inst in info['instances']:
            if rng.random() < 0.6:
                boxes.append(np.array(inst['bbox']) + rng.normal(0, 2, 4))
                scores.append(rng.choice([0.9, 0.7, 0.7]))
        for _ in range(rng.integers(0, 4)):
            x, y = rng.uniform(0, 560), rng.uniform(0, 400)
            boxes.append([x, y, x + 30, y + 70])
            scores.append(rng.choice([0.95, 0.7, 0.3]))
        ds = DetDataSample(metainfo=dict(img_id=info['img_id'], instances=info['instances']))
        ds.pred_instances = InstanceData(
            bboxes=torch.tensor(np.array(boxes).reshape(-1, 4), dtype=torch.float32),
            scores=torch.tensor(scores, dtype=torch.float32),
            labels=torch.zeros(len(scores), dtype=torch.long),
        )
        out.append(ds.to_dict())
    return out


def test_metric_and_eval_kaist_agree_on_the_written_file(tmp_path, capsys):
    init_default_scope('mmdet')
    cfg = Config.fromfile(config_path('_base_', 'datasets', 'kaist-mini_rgbt.py'))
    test = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=KAIST, pipeline=[]))
    metric = METRICS.build(
        dict(
            type='KAISTMissRateMetric',
            output_dir=str(tmp_path),
            devkit_files=True,
            all_subsets=True,
        )
    )
    metric.dataset_meta = test.metainfo
    samples = predictions(test)
    metric.process({}, samples[::-1])  # any order: the metric sorts by image id
    res = metric.evaluate(len(test))
    assert (
        0 < res['kaist/MR_reasonable_all'] < 100
        and res['kaist/MR_reasonable_day'] != res['kaist/MR_reasonable_night']
    )
    assert sorted(osp.basename(p) for p in glob.glob(str(tmp_path / 'det*'))) == [
        'det',
        'det-test-all.txt',
        'det-test-day.txt',
        'det-test-night.txt',
    ]
    assert (
        len(glob.glob(str(tmp_path / 'det' / '*.txt'))) == 5
    )  # one per image, the empty one included
    lines = (tmp_path / 'det-test-all.txt').read_text().splitlines()
    ids = [int(line.split(',')[0]) for line in lines]
    assert ids == sorted(ids) and set(ids) <= {1, 2, 3, 4, 5}
    # the leaderboard file holds x, y, w, h in the annotation frame: the first image's first detection
    first = samples[0]['pred_instances']
    top = int(first['scores'].argmax())
    x1, y1, x2, y2 = first['bboxes'][top].tolist()
    x, y, w, h = (float(v) for v in lines[0].split(',')[1:5])
    assert (x, y, w, h) == pytest.approx((x1, y1, x2 - x1, y2 - y1), abs=2e-4)
    # eval_kaist.py on the file: the metric's numbers
    code, out, err = eval_kaist(
        capsys,
        tmp_path / 'det-test-all.txt',
        '--ann-dir',
        osp.join(KAIST, 'annotations_improved'),
        '--out-json',
        tmp_path / 'mr.json',
    )
    assert code == 0, err[-2000:]
    assert 'reasonable' in out and '5 images' in out
    out = json.load(open(tmp_path / 'mr.json'))
    assert set(out) == {'reasonable', 'near', 'medium', 'far', 'none', 'partial', 'heavy'}
    for s, groups in out.items():
        for g, v in groups.items():
            key = f'kaist/MR_{s}_{g}'
            assert (v is None and np.isnan(res[key])) or v == pytest.approx(res[key], abs=1e-9), key
    # the day file scores the day images alone, with its own ids
    code, _, err = eval_kaist(
        capsys,
        tmp_path / 'det-test-day.txt',
        '--ann-dir',
        osp.join(KAIST, 'annotations_improved'),
        '--image-set',
        osp.join(KAIST, 'imageSets', 'test-day-20.txt'),
        '--out-json',
        tmp_path / 'd.json',
    )
    assert code == 0, err[-2000:]
    assert json.load(open(tmp_path / 'd.json'))['reasonable']['all'] == pytest.approx(
        res['kaist/MR_reasonable_day']
    )
    assert 'warning' not in err
    # the day file against every annotation, its list forgotten: scored, but not silently
    code, _, err = eval_kaist(
        capsys, tmp_path / 'det-test-day.txt', '--ann-dir', osp.join(KAIST, 'annotations_improved')
    )
    assert code == 0 and 'det-test-day.txt: the detections stop at image ' in err
    assert 'give that list with --image-set' in err


def test_eval_kaist_reads_mlpd_json_and_names_bad_input(tmp_path, capsys):
    keys = ['set06/V000/I00019', 'set09/V000/I00019']
    images = [dict(id=i, im_name=k, height=512, width=640) for i, k in enumerate(keys)]
    anns = []
    for i, k in enumerate(keys):
        for o in read_bbgt(osp.join(KAIST, 'annotations_improved', k.replace('/', '_') + '.txt')):
            cat = {'person': 1, 'cyclist': 2, 'people': 3, 'person?': 4}[o['lbl']]
            anns.append(
                dict(
                    id=len(anns),
                    image_id=i,
                    category_id=cat,
                    bbox=o['bb'],
                    height=o['bb'][3],
                    occlusion=o['occ'],
                    ignore=o['ign'],
                )
            )
    cats = [
        dict(id=0, name='__ignore__'),
        dict(id=1, name='person'),
        dict(id=2, name='cyclist'),
        dict(id=3, name='people'),
        dict(id=4, name='person?'),
    ]
    (tmp_path / 'ann.json').write_text(
        json.dumps(dict(images=images, annotations=anns, categories=cats))
    )
    (tmp_path / 'det.txt').write_text(
        '1,301,99,70,162,0.9\n2,331,149,50,122,0.8\n2,10,10,30,60,0.95\n'
    )
    (tmp_path / 'list.txt').write_text('\n'.join(keys) + '\n')
    a = eval_kaist(
        capsys,
        tmp_path / 'det.txt',
        '--ann-json',
        tmp_path / 'ann.json',
        '--out-json',
        tmp_path / 'a.json',
    )
    b = eval_kaist(
        capsys,
        tmp_path / 'det.txt',
        '--ann-dir',
        osp.join(KAIST, 'annotations_improved'),
        '--image-set',
        tmp_path / 'list.txt',
        '--out-json',
        tmp_path / 'b.json',
    )
    assert a[0] == 0 and b[0] == 0, a[2][-2000:] + b[2][-2000:]
    assert json.load(open(tmp_path / 'a.json')) == json.load(open(tmp_path / 'b.json'))
    (tmp_path / 'det.txt').write_text('1,301,99,70,162\n')
    code, _, err = eval_kaist(capsys, tmp_path / 'det.txt', '--ann-json', tmp_path / 'ann.json')
    assert code != 0 and err.strip().splitlines()[-1] == (
        f'eval_kaist.py: error: {tmp_path / "det.txt"}, line 1: expected 6 numbers "id,x,y,w,h,score", got '
        "'1,301,99,70,162'"
    )


@pytest.mark.slow
def test_train_test_format_only_and_eval_kaist_on_the_fixture(tmp_path, capsys):
    """The demo config: a real Runner trains 2 iterations and tests every modality subset (the MR table);
    tools/test.py --format-only writes each subset's leaderboard and devkit files; eval_kaist.py, as a
    user runs it (a subprocess), scores the full set's file with the numbers of the test."""
    cfg = Config.fromfile(DEMO)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.visualizer.name = f'visualizer_{tmp_path}'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = KAIST
    cfg.train_cfg.val_interval = 2  # no validation after the one epoch: the test below evaluates
    runner = RUNNERS.build(cfg)
    runner.train()
    assert runner.iter == 2
    metrics = runner.test()
    for key in (
        'kaist/MR_reasonable_all',
        'rgb/kaist/MR_reasonable_night',
        'thermal/kaist/MR_far',
        'avg/kaist/MR_reasonable_day',
        'pcr/rgb/kaist/MR_reasonable_all',
    ):
        assert key in metrics, key
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert (
        'lower is better: kaist/MR_reasonable_all, kaist/MR_reasonable_day, kaist/MR_reasonable_night'
        in log
    )
    out = tmp_path / 'submission'
    code, _, err = run_tool(
        capsys,
        osp.join(ROOT, 'tools', 'test.py'),
        DEMO,
        tmp_path / 'work' / 'epoch_1.pth',
        '--format-only',
        '--out',
        out,
        '--work-dir',
        tmp_path / 'test',
        '--cfg-options',
        'test_evaluator.devkit_files=True',
        f'test_dataloader.dataset.data_root={KAIST}',
    )
    assert code == 0, err[-3000:]
    for subset in ('rgb+thermal', 'rgb', 'thermal'):
        assert (out / subset / 'det-test-all.txt').is_file()
        assert len(glob.glob(str(out / subset / 'det' / '*.txt'))) == 5
    ev = subprocess.run(
        [
            sys.executable,
            TOOL,
            str(out / 'rgb+thermal' / 'det-test-all.txt'),
            '--ann-dir',
            osp.join(KAIST, 'annotations_improved'),
            '--out-json',
            str(tmp_path / 'mr.json'),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ev.returncode == 0, ev.stderr[-2000:]
    assert 'log-average miss rate MR^-2' in ev.stdout
    mr = json.load(open(tmp_path / 'mr.json'))
    assert mr['reasonable']['all'] == pytest.approx(metrics['kaist/MR_reasonable_all'])
    assert mr['heavy']['all'] == pytest.approx(metrics['kaist/MR_heavy'])
