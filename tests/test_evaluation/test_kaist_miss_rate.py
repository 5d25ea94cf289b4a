"""KAIST's MR^-2: each rule of the devkit on hand-built cases, then agreement with an independent
transcription of the devkit (kaist_devkit_reference.py) on random data with score ties, unsorted
detections and images without detections."""

import math
import random

import kaist_devkit_reference as ref
import numpy as np
import pytest

from mmwam.datasets.kaist import read_bbgt
from mmwam.evaluation.kaist_miss_rate import (
    SETTINGS,
    evaluate_kaist,
    ground_truth,
    log_average_miss_rate,
    match_image,
    read_leaderboard,
    submission_rows,
    write_devkit_files,
    write_leaderboard,
)
from mmwam.utils.cli import InputError


def obj(lbl='person', x=100, y=100, w=40, h=100, occ=0, ign=0, ang=0):
    return dict(lbl=lbl, bb=[x, y, w, h], occ=occ, bbv=[0, 0, 0, 0], ign=ign, ang=ang)


def ignored(o, setting='reasonable'):
    return bool(ground_truth([o], setting)[0, 4])


# ---------------------------------------------------------------- which ground truths count (bbLoad)
def test_reasonable_positives_are_persons_and_other_labels_are_ignore_regions():
    assert not ignored(obj('person'))
    for lbl in ('people', 'person?', 'cyclist'):
        assert ignored(obj(lbl))
    assert (
        len(ground_truth([obj('dog')], 'reasonable')) == 0
    )  # other labels are dropped, not ignored
    assert ignored(obj(ign=1))  # a bbGt ignore flag


def test_height_bounds_are_inclusive():
    assert ignored(obj(h=54.9)) and not ignored(obj(h=55))
    assert not ignored(obj(h=45, y=100), 'far') and ignored(obj(h=46), 'far')
    assert (
        not ignored(obj(h=45), 'medium')
        and not ignored(obj(h=115), 'medium')
        and ignored(obj(h=116), 'medium')
    )
    assert not ignored(obj(h=115), 'near') and ignored(obj(h=114), 'near')


def test_occlusion_levels():
    assert not ignored(obj(occ=0)) and not ignored(obj(occ=1)) and ignored(obj(occ=2))
    for setting, kept in (('none', 0), ('partial', 1), ('heavy', 2)):
        assert [ignored(obj(occ=o), setting) for o in (0, 1, 2)] == [o != kept for o in (0, 1, 2)]
    assert ignored(obj(occ=1), 'near') and ignored(obj(occ=1, h=30), 'far')


def test_box_must_lie_inside_the_border_bounds_included():
    assert not ignored(obj(x=5, w=40)) and ignored(obj(x=4.9, w=40))
    assert not ignored(obj(x=595, w=40)) and ignored(obj(x=595.1, w=40))  # x + w = 635 / 635.1
    assert not ignored(obj(y=5, h=60)) and ignored(obj(y=4, h=60))
    assert not ignored(obj(y=447, h=60)) and ignored(obj(y=448, h=60))  # y + h = 507 / 508


def test_no_aspect_ratio_change_and_angle_extent():
    assert ground_truth([obj(x=100, y=100, w=10, h=100)], 'reasonable')[0, :4].tolist() == [
        100,
        100,
        10,
        100,
    ]
    # bbExtent: an ellipse turned by 90 degrees swaps width and height about its centre
    assert ground_truth([obj(x=100, y=100, w=40, h=100, ang=90)], 'reasonable')[
        0, :4
    ] == pytest.approx([70, 130, 100, 40])


# ---------------------------------------------------------------- matching one image (evalRes)
def gt_rows(*rows):
    return np.array(rows, dtype=float).reshape(-1, 5)


def test_iou_for_persons_and_intersection_over_detection_area_for_ignore_regions():
    person = gt_rows([0, 0, 10, 10, 0])
    n_pos, scores, tp = match_image(person, gt_rows([0, 0, 10, 20, 0.9]))  # IoU 0.5: a match
    assert n_pos == 1 and tp.tolist() == [True]
    _, _, tp = match_image(person, gt_rows([0, 0, 10, 21, 0.9]))  # IoU 0.476: a false positive
    assert tp.tolist() == [False]
    region = gt_rows([0, 0, 100, 100, 1])
    n_pos, scores, tp = match_image(region, gt_rows([40, 40, 10, 10, 0.9], [95, 95, 10, 10, 0.8]))
    # inside the region (IoU 0.01, IoA 1): dropped; a quarter inside (IoA 0.25): a false positive
    assert n_pos == 0 and scores.tolist() == [0.8] and tp.tolist() == [False]


def test_an_ignore_region_absorbs_any_number_of_detections():
    region = gt_rows([0, 0, 100, 100, 1])
    dets = gt_rows(*[[10 * i, 10, 20, 20, 0.5] for i in range(5)])
    assert match_image(region, dets)[1].size == 0


def test_a_person_is_preferred_to_an_ignore_region_and_matched_once():
    gt = gt_rows([0, 0, 100, 100, 1], [10, 10, 20, 40, 0])  # the region first in the file
    dets = gt_rows([10, 10, 20, 40, 0.6], [10, 10, 20, 40, 0.9], [12, 12, 20, 40, 0.3])
    n_pos, scores, tp = match_image(gt, dets)
    # highest score takes the person; the second one cannot (matched) and falls in the region: dropped,
    # as does the third
    assert n_pos == 1 and scores.tolist() == [0.9] and tp.tolist() == [True]
    _, scores, tp = match_image(
        gt_rows([10, 10, 20, 40, 0]), dets
    )  # without the region: false positives
    assert scores.tolist() == [0.9, 0.6, 0.3] and tp.tolist() == [True, False, False]


def test_highest_overlap_wins_and_a_later_ground_truth_wins_a_tie():
    a, b = [0, 0, 10, 10, 0], [4, 0, 10, 10, 0]
    first = [2, 0, 10, 10, 0.9]  # IoU 0.667 with both a and b
    second = [0, 0, 9, 10, 0.8]  # IoU 0.9 with a, 0.45 with b
    _, _, tp = match_image(gt_rows(a, b), gt_rows(first, second))
    assert tp.tolist() == [True, True]  # first took b (the later), so a was left for second
    _, _, tp = match_image(gt_rows(b, a), gt_rows(first, second))
    assert tp.tolist() == [True, False]  # now a is the later one: first took it
    # the highest overlap wins over file order
    _, _, tp = match_image(gt_rows(a, b), gt_rows([1, 0, 10, 10, 0.9], second))
    assert tp.tolist() == [True, False]


def test_detections_by_score_stable_for_ties():
    gt = gt_rows([0, 0, 10, 10, 0])
    dets = gt_rows([0, 0, 10, 11, 0.5], [0, 0, 10, 10, 0.5])  # equal scores: file order decides
    assert match_image(gt, dets)[2].tolist() == [True, False]
    assert match_image(gt, dets[::-1])[2].tolist() == [True, False]
    assert match_image(gt, gt_rows([0, 0, 10, 11, 0.4], [0, 0, 10, 10, 0.5]))[2].tolist() == [
        True,
        False,
    ]


# ---------------------------------------------------------------- the curve and MR (compRoc)
def mr(per_image):
    return log_average_miss_rate(
        [(n, np.array(s, float), np.array(t, bool)) for n, s, t in per_image]
    )[0]


def test_fppi_counts_every_image():
    one = [(1, [0.9, 0.5], [False, True])]
    # 1 image: the false positive comes first at FPPI 1, the hit at FPPI 1: recall 1 only at FPPI 1
    assert mr(one) == pytest.approx(math.exp(8 * math.log(1) / 9 + math.log(1e-10) / 9))
    # 100 images (99 empty): the hit is at FPPI 0.01, every reference point sees recall 1
    assert mr(one + [(0, [], [])] * 99) == pytest.approx(1e-10)


def test_no_point_below_a_reference_gives_recall_zero_not_the_last_point():
    # the first point has FPPI 1 (> every reference but the last): recall 0 at the 8 others
    r = log_average_miss_rate([(1, np.array([0.9, 0.1]), np.array([False, True]))])[1]
    assert r.tolist() == [0] * 8 + [1]


def test_recall_of_the_last_point_not_interpolated():
    # 10 images; hits at FPPI 0, then a false positive (FPPI 0.1), a hit, a false positive (0.2)
    per = [(4, np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, False, True, False]))] + [
        (0, [], [])
    ] * 9
    per = [(n, np.array(s, float), np.array(t, bool)) for n, s, t in per]
    r = log_average_miss_rate(per)[1]
    # refs 0.01 .. 0.0562: the last point with FPPI <= ref is the first hit (recall 1/4); 0.1 .. 0.1778:
    # the second hit (FPPI 0.1, recall 2/4); 0.1778 < 0.2, so 0.3162 and up: still 2/4 (the last point)
    assert r.tolist() == [0.25] * 4 + [0.5] * 5


def test_equal_scores_keep_image_order():
    fp_then_tp = [(1, [0.5], [False]), (1, [0.5], [True])]
    tp_then_fp = [(1, [0.5], [True]), (1, [0.5], [False])]
    assert mr(fp_then_tp) != mr(tp_then_fp)
    assert mr(tp_then_fp) == pytest.approx(math.exp(math.log(0.5) * 9 / 9))


def test_no_detection_is_100_percent_and_no_person_is_undefined():
    assert mr([(2, [], []), (1, [], [])]) == 1.0
    assert math.isnan(mr([(0, [0.5], [False])]))


def test_day_and_night_are_separate_evaluations():
    objects = {'set06/V000/I00019': [obj()], 'set09/V000/I00019': [obj()], 'set09/V000/I00039': []}
    hit = np.array([[100, 100, 40, 100, 0.9]])
    res = evaluate_kaist(objects, {'set06/V000/I00019': hit})
    assert res['reasonable']['day'] == pytest.approx(1e-8)  # percent
    assert res['reasonable']['night'] == 100.0
    # all: the night person is missed at every point: recall 1/2
    assert res['reasonable']['all'] == pytest.approx(50.0)
    with pytest.raises(InputError, match='without annotations'):
        evaluate_kaist(objects, {'set07/V000/I00019': hit})


# ---------------------------------------------------------------- files
def test_submission_rows_sorted_rounded_and_in_the_annotation_frame():
    dets = np.array([[1, 2, 3, 4, 0.123456789012], [10.123449, 20.0, 50.0, 120.55556, 0.3]])
    rows = submission_rows(dets)
    # highest score first; x = x1, w = x2 - x1 (no +1), corners to 4 decimals first, scores to 8
    assert rows[0] == (10.1234, 20.0, 39.8766, 100.5556, 0.3)
    assert rows[1] == (1.0, 2.0, 2.0, 2.0, 0.12345679)


def test_leaderboard_and_devkit_files_agree(tmp_path):
    keys = ['set06/V000/I00019', 'set06/V000/I00039', 'set09/V000/I00019']
    rng = np.random.default_rng(0)
    rows = {
        k: submission_rows(
            np.c_[rng.uniform(0, 300, (4, 2)), rng.uniform(300, 600, (4, 2)), rng.uniform(0, 1, 4)]
        )
        for k in keys[::2]
    }  # the middle image has none
    write_leaderboard(tmp_path / 'det-test-all.txt', keys, rows)
    write_devkit_files(tmp_path / 'det', keys, rows)
    per_image = [(tmp_path / 'det' / (k.replace('/', '_') + '.txt')).read_text() for k in keys]
    assert per_image[1] == ''  # written, so that the devkit numbers the next image 3
    assert ref.aggregate(per_image) == (tmp_path / 'det-test-all.txt').read_text()
    back = read_leaderboard(tmp_path / 'det-test-all.txt', keys)
    assert sorted(back) == keys[::2] and back[keys[2]].tolist() == [list(r) for r in rows[keys[2]]]


def test_malformed_leaderboard_lines_are_named(tmp_path):
    f = tmp_path / 'det.txt'
    f.write_text('1,1,2,3,4,0.5\n3,1,2,3,4,0.5\n')
    with pytest.raises(InputError, match=r'det.txt, line 2: image id 3 is not in 1..2'):
        read_leaderboard(str(f), ['set06/V000/I00019', 'set06/V000/I00039'])
    f.write_text('1,1,2,3,0.5\n')
    with pytest.raises(InputError, match=r'line 1: expected 6 numbers'):
        read_leaderboard(str(f), ['set06/V000/I00019'])


# ---------------------------------------------------------------- against the independent transcription
def random_case(seed, n_images=40):
    """Annotation texts (bbGt versions 0-3, every label and occlusion level, boxes on the border, heights
    about every threshold, some ignore flags and angles, pairs of persons with a detection of equal IoU
    with both) and a leaderboard text (detections near the objects and random ones, coarse scores with
    many ties, lines shuffled, images without detections)."""
    rnd = random.Random(seed)
    keys = sorted(
        {
            f'set{rnd.randint(6, 11):02d}/V00{rnd.randint(0, 2)}/I{20 * rnd.randint(0, 99) + 19:05d}'
            for _ in range(n_images)
        }
    )
    texts, lines = [], []
    for n, k in enumerate(keys, 1):
        version = rnd.choice([0, 1, 2, 3, 3, 3])
        rows, boxes = [] if version == 0 else [f'% bbGt version={version}'], []
        for _ in range(rnd.choice([0, 0, 1, 2, 3, 5])):
            h = rnd.choice([30, 44, 45, 46, 54, 55, 56, 80, 114, 115, 116, 200])
            w = max(1, int(h * rnd.uniform(0.3, 0.6)))
            x = rnd.choice([0, 4, 5, 6, 100, 300, 640 - 5 - w, 640 - 4 - w, rnd.randint(0, 600)])
            y = rnd.choice([4, 5, 100, 200, 507 - h, 508 - h, rnd.randint(0, 400)])
            lbl = rnd.choice(['person'] * 6 + ['people', 'person?', 'cyclist'])
            fields = [lbl, x, y, w, h, rnd.choice([0, 0, 0, 1, 2]), 0, 0, 0, 0]
            if version >= 2:
                fields.append(int(rnd.random() < 0.1))
            if version == 3:
                fields.append(rnd.choice([0] * 9 + [30]))
            rows.append(' '.join(map(str, fields)))
            boxes.append((x, y, w, h))
        pair = version and rnd.random() < 0.5
        if pair:  # two persons side by side and a detection between them: equal IoU with both
            x, y, h = rnd.randint(50, 500), rnd.randint(50, 300), rnd.choice([60, 120])
            rows += [
                ' '.join(map(str, ['person', x + d, y, 40, h, 0, 0, 0, 0, 0] + [0] * (version - 1)))
                for d in (0, 16)
            ]
        texts.append('\n'.join(rows) + '\n')
        if pair:
            lines += [(n, x + 8, y, 40, h, 0.95), (n, x, y, 38, h, 0.94)]  # the 2nd: only the 1st
        if rnd.random() < 0.25:
            continue  # an image without detections
        for x, y, w, h in boxes:
            for _ in range(rnd.randint(0, 3)):
                j = lambda v: v + rnd.uniform(-0.3, 0.3) * max(w, 8)  # noqa: E731
                lines.append(
                    (
                        n,
                        j(x),
                        j(y),
                        w * rnd.uniform(0.7, 1.3),
                        h * rnd.uniform(0.7, 1.3),
                        rnd.choice([0.1, 0.5, 0.5, 0.9, rnd.random()]),
                    )
                )
        for _ in range(rnd.randint(0, 4)):
            lines.append(
                (
                    n,
                    rnd.uniform(0, 600),
                    rnd.uniform(0, 450),
                    rnd.uniform(5, 60),
                    rnd.uniform(10, 150),
                    rnd.choice([0.1, 0.5, 0.9, rnd.random()]),
                )
            )
    rnd.shuffle(lines)
    dt_text = ''.join('%d,%.4f,%.4f,%.4f,%.4f,%.8f\n' % r for r in lines)
    return keys, texts, dt_text


@pytest.mark.parametrize('seed', range(12))
def test_agrees_with_an_independent_transcription_of_the_devkit(tmp_path, seed):
    keys, texts, dt_text = random_case(seed)
    objects = {}
    for k, t in zip(keys, texts):
        path = tmp_path / (k.replace('/', '_') + '.txt')
        path.write_text(t)
        objects[k] = read_bbgt(str(path))
    (tmp_path / 'det.txt').write_text(dt_text)
    ours = evaluate_kaist(objects, read_leaderboard(str(tmp_path / 'det.txt'), keys))
    compared = 0
    for setting in SETTINGS:
        for group in ('all', 'day', 'night'):
            idx = [
                i
                for i, k in enumerate(keys)
                if group == 'all' or (group == 'day') == (int(k[3:5]) in (6, 7, 8))
            ]
            # the devkit evaluates a subset from its own annotation folder and file: renumber the ids
            new = {i + 1: n for n, i in enumerate(idx, 1)}
            sub = ''.join(
                f'{new[int(line.split(",")[0])]},{line.split(",", 1)[1]}\n'
                for line in dt_text.splitlines()
                if int(line.split(',')[0]) in new
            )
            expected = ref.run_exp([texts[i] for i in idx], sub, setting) if idx else None
            if expected is None:
                assert math.isnan(ours[setting][group])
            else:
                assert ours[setting][group] == pytest.approx(100 * expected, rel=1e-12, abs=1e-12)
                compared += 1
    assert compared >= 10
