"""Writes this folder: a few KAIST images and annotation files in the released layouts (the committed
files are its output; run it again to rebuild them: python tests/data/kaist/make_fixture.py).

- images/setXX/V000/{visible,lwir}/IZZZZZ.jpg: 640x512 (lwir: one channel), a pale rectangle where each
  object is;
- annotations/setXX/V000/IZZZZZ.txt: the original annotations, nested, bbGt version 3;
- annotations_improved/setXX_V000_IZZZZZ.txt: the test images again, flat, as the improved test
  annotations are distributed (boxes moved by a pixel or two, one occlusion level corrected);
- imageSets/{train-all-02,test-all-20,test-day-20,test-night-20}.txt.

Day: set00 (train), set06 (test); night: set03 (train), set09 (test). The test images cover every label
(person, people, person?, cyclist), every occlusion level, a bbGt ignore flag, heights under 45, 45-55,
55-115 and over 115 px, boxes outside the 5-pixel border, and an image without objects.
"""
import os
import os.path as osp

import cv2
import numpy as np

HERE = osp.dirname(osp.abspath(__file__))
# (label, x, y, w, h, occ, ign)
P = 'person'
IMAGES = {
    'set00/V000/I00001': [(P, 100, 150, 40, 90, 0, 0), (P, 400, 120, 60, 130, 1, 0)],
    'set00/V000/I00003': [(P, 110, 150, 40, 90, 0, 0), ('people', 300, 200, 90, 70, 0, 0)],
    'set03/V000/I00001': [(P, 200, 180, 35, 80, 0, 0), ('cyclist', 450, 160, 60, 100, 0, 0)],
    'set03/V000/I00003': [(P, 210, 180, 35, 80, 2, 0)],
    'set06/V000/I00019': [(P, 60, 140, 40, 100, 0, 0), (P, 300, 100, 70, 160, 0, 0),
                          (P, 500, 200, 20, 40, 0, 0), ('people', 200, 220, 80, 60, 0, 0)],
    'set06/V000/I00039': [(P, 70, 150, 30, 60, 1, 0), (P, 380, 180, 25, 50, 0, 0),
                          ('person?', 520, 200, 30, 70, 0, 0), (P, 2, 150, 30, 80, 0, 0)],
    'set06/V000/I00059': [],
    'set09/V000/I00019': [(P, 120, 160, 45, 110, 2, 0), (P, 330, 150, 50, 120, 0, 0),
                          ('cyclist', 450, 170, 60, 90, 0, 0), (P, 600, 150, 30, 70, 0, 1)],
    'set09/V000/I00039': [(P, 140, 170, 40, 100, 0, 0), (P, 400, 200, 22, 45, 1, 0)],
}
# the improved test annotations: small corrections of the original ones
IMPROVED = {k: [(lb, x + 1, y - 1, w, h + 2, o, i) for lb, x, y, w, h, o, i in objs]
            for k, objs in IMAGES.items() if k[:5] in ('set06', 'set09')}
IMPROVED['set09/V000/I00039'][1] = ('person', 401, 199, 22, 47, 0, 0)  # occlusion corrected: none


def bbgt(objs):
    lines = ['% bbGt version=3']
    lines += [f'{lb} {x} {y} {w} {h} {o} 0 0 0 0 {i} 0' for lb, x, y, w, h, o, i in objs]
    return '\n'.join(lines) + '\n'


def image(objs, thermal, seed):
    rng = np.random.default_rng(seed)
    base = 40 if thermal else 90
    img = np.full((512, 640, 3), base, np.uint8)
    img[:256] += 20  # a horizon
    for lb, x, y, w, h, *_ in objs:
        v = int(rng.integers(170, 230)) if thermal else int(rng.integers(120, 200))
        cv2.rectangle(img, (x, y), (x + w, y + h), (v, v, v) if thermal else (v, v - 30, v - 60), -1)
    return img


def main():
    for n, (k, objs) in enumerate(sorted(IMAGES.items())):
        s, v, i = k.split('/')
        for mod in ('visible', 'lwir'):
            folder = osp.join(HERE, 'images', s, v, mod)
            os.makedirs(folder, exist_ok=True)
            img = image(objs, mod == 'lwir', n)
            cv2.imwrite(osp.join(folder, i + '.jpg'), img[..., 0] if mod == 'lwir' else img,
                        [cv2.IMWRITE_JPEG_QUALITY, 40, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
        os.makedirs(osp.join(HERE, 'annotations', s, v), exist_ok=True)
        with open(osp.join(HERE, 'annotations', s, v, i + '.txt'), 'w') as f:
            f.write(bbgt(objs))
    os.makedirs(osp.join(HERE, 'annotations_improved'), exist_ok=True)
    for k, objs in IMPROVED.items():
        with open(osp.join(HERE, 'annotations_improved', k.replace('/', '_') + '.txt'), 'w') as f:
            f.write(bbgt(objs))
    os.makedirs(osp.join(HERE, 'imageSets'), exist_ok=True)
    lists = {'train-all-02': [k for k in IMAGES if k[:5] in ('set00', 'set03')],
             'test-all-20': sorted(IMPROVED), 'test-day-20': [k for k in sorted(IMPROVED) if k[:5] == 'set06'],
             'test-night-20': [k for k in sorted(IMPROVED) if k[:5] == 'set09']}
    for name, keys in lists.items():
        with open(osp.join(HERE, 'imageSets', name + '.txt'), 'w') as f:
            f.write(''.join(k + '\n' for k in keys))


if __name__ == '__main__':
    main()
