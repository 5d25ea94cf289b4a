"""An independent transcription of the official KAIST devkit for the tests: kaist_eval_full.m's run_exp and
aggreg_dets with bbGt.m's bbLoad, loadAll, evalRes, compOas and compRoc, statement by statement (Matlab's
1-based loops become 0-based, its stable sorts Python's sorted), on file texts. It shares no code with
mmwam's implementation, which it checks.
"""

import math
import re

LBLS, ILBLS = ['person'], ['people', 'person?', 'cyclist']
REF = [10**e for e in (-2, -1.75, -1.5, -1.25, -1, -0.75, -0.5, -0.25, 0)]
EXPS = {  # name: (hRng, vType), kaist_eval_full's exps
    'reasonable': ([55, math.inf], ['none', 'partial']),
    'near': ([115, math.inf], ['none']),
    'medium': ([45, 115], ['none']),
    'far': ([1, 45], ['none']),
    'none': ([1, math.inf], ['none']),
    'partial': ([1, math.inf], ['partial']),
    'heavy': ([1, math.inf], ['heavy']),
}


def bb_load(text, h_rng, v_type, x_rng=(5, 635), y_rng=(5, 507)):
    """bbLoad (format 0) with pLoad = lbls, ilbls, hRng, vType, xRng, yRng: rows [x y w h ign]."""
    lines = text.split('\n')
    v = 0
    m = re.match(r'% bbGt version=(\d+)', lines[0])
    if m:
        v = int(m.group(1))
        lines = lines[1:]
    nf = [10, 10, 11, 12][v]
    objs = []
    for line in lines:
        t = line.split()
        if not t:
            continue
        o = dict(lbl=t[0], bb=[float(x) for x in t[1:5]], occ=float(t[5]), ign=0, ang=0)
        if nf >= 11:
            o['ign'] = float(t[10])
        if nf >= 12:
            o['ang'] = float(t[11])
        objs.append(o)
    objs = [o for o in objs if o['lbl'] in LBLS + ILBLS]
    for o in objs:
        o['ang'] = o['ang'] % 360
    for o in objs:
        o['ign'] = o['ign'] or o['lbl'] in ILBLS
    for o in objs:
        o['ign'] = o['ign'] or o['bb'][0] < x_rng[0] or o['bb'][0] > x_rng[1]
    for o in objs:
        v_ = o['bb'][0] + o['bb'][2]
        o['ign'] = o['ign'] or v_ < x_rng[0] or v_ > x_rng[1]
    for o in objs:
        o['ign'] = o['ign'] or o['bb'][1] < y_rng[0] or o['bb'][1] > y_rng[1]
    for o in objs:
        v_ = o['bb'][1] + o['bb'][3]
        o['ign'] = o['ign'] or v_ < y_rng[0] or v_ > y_rng[1]
    for o in objs:
        o['ign'] = o['ign'] or o['bb'][3] < h_rng[0] or o['bb'][3] > h_rng[1]
    v_val = 0
    if 'none' in v_type:
        v_val += 1
    if 'partial' in v_type:
        v_val += 2
    if 'heavy' in v_type:
        v_val += 4
    for o in objs:
        o['occ'] = 2 ** int(o['occ'])
        o['ign'] = o['ign'] or not (o['occ'] & v_val)
    bbs = []
    for o in objs:
        bb = list(o['bb'])
        if o['ang']:
            cx, cy = bb[0] + bb[2] / 2, bb[1] + bb[3] / 2
            a, b, ang = bb[3] / 2, bb[2] / 2, o['ang'] - 90
            rx = (a * math.cos(math.radians(ang))) ** 2 + (b * math.sin(math.radians(ang))) ** 2
            rx = abs(rx / math.sqrt(rx))
            ry = (a * math.sin(math.radians(ang))) ** 2 + (b * math.cos(math.radians(ang))) ** 2
            ry = abs(ry / math.sqrt(ry))
            bb = [cx - rx, cy - ry, 2 * rx, 2 * ry]
        bbs.append(bb + [1.0 if o['ign'] else 0.0])
    return bbs


def load_all(gt_texts, dt_text):
    """loadAll with a single detection file: ids are 1-based positions in the (sorted) gt list."""
    n = len(gt_texts)
    rows = [[float(x) for x in line.split(',')] for line in dt_text.split('\n') if line.strip()]
    assert all(r[0] <= n for r in rows)
    return [[r[1:6] for r in rows if r[0] == i] for i in range(1, n + 1)]


def comp_oas(dt, gt, ig):
    oa = [[0.0] * len(gt) for _ in dt]
    for i, d in enumerate(dt):
        for j, g in enumerate(gt):
            w = min(d[0] + d[2], g[0] + g[2]) - max(d[0], g[0])
            if w <= 0:
                continue
            h = min(d[1] + d[3], g[1] + g[3]) - max(d[1], g[1])
            if h <= 0:
                continue
            t = w * h
            u = d[2] * d[3] if ig[j] else d[2] * d[3] + g[2] * g[3] - t
            oa[i][j] = t / u
    return oa


def eval_res(gt0, dt0, thr=0.5, mul=0):
    dt = [list(d) + [0] for d in sorted(dt0, key=lambda d: -d[4])]
    gt = [list(g) for g in sorted(gt0, key=lambda g: g[4])]
    for g in gt:
        g[4] = -g[4]
    oa = comp_oas(dt, gt, [g[4] == -1 for g in gt])
    for d in range(len(dt)):
        bst_oa, bstg, bstm = thr, -1, 0
        for g in range(len(gt)):
            m = gt[g][4]
            if m == 1 and not mul:
                continue
            if bstm != 0 and m == -1:
                break
            if oa[d][g] < bst_oa:
                continue
            bst_oa, bstg = oa[d][g], g
            bstm = 1 if m == 0 else -1
        if bstm == -1:
            dt[d][5] = -1
        elif bstm == 1:
            gt[bstg][4] = 1
            dt[d][5] = 1
    return gt, dt


def comp_roc(gts, dts, ref=REF):
    """Returns the recall at each reference point, or None when there is no positive (0/0 in Matlab)."""
    n_img = len(gts)
    gt = [g for gs in gts for g in gs if g[4] != -1]
    dt = [d for ds in dts for d in ds if d[5] != -1]
    if not dt:
        return [0.0] * len(ref)
    n_pos = len(gt)
    if n_pos == 0:
        return None
    order = sorted(range(len(dt)), key=lambda i: -dt[i][4])
    tp_flags = [dt[i][5] for i in order]
    fp, tp, cf, ct = [], [], 0, 0
    for f in tp_flags:
        cf += f != 1
        ct += f
        fp.append(cf)
        tp.append(ct)
    xs1 = [-math.inf] + [f / n_img for f in fp]
    ys1 = [0.0] + [t / n_pos for t in tp]
    out = []
    for r in ref:
        j = [i for i, x in enumerate(xs1) if x <= r]
        out.append(ys1[j[-1]])
    return out


def run_exp(gt_texts, dt_text, exp):
    """One experiment: MR^-2 as a fraction (None without positives)."""
    h_rng, v_type = EXPS[exp]
    gt0 = [bb_load(t, h_rng, v_type) for t in gt_texts]
    dt0 = load_all(gt_texts, dt_text)
    res = [eval_res(g, d) for g, d in zip(gt0, dt0)]
    miss = comp_roc([r[0] for r in res], [r[1] for r in res])
    if miss is None:
        return None
    return math.exp(sum(math.log(max(1e-10, 1 - m)) for m in miss) / len(miss))


def aggregate(per_image_texts):
    """aggreg_dets: per-image files (in set / video / frame order) to one leaderboard text."""
    out = []
    for num, text in enumerate(per_image_texts, 1):
        for line in text.split('\n'):
            t = line.split()
            if not t:
                continue
            x1, y1, x2, y2, s = (float(v) for v in t[1:6])
            out.append('%d,%.4f,%.4f,%.4f,%.4f,%.8f\n' % (num, x1 + 1, y1 + 1, x2 - x1, y2 - y1, s))
    return ''.join(out)
