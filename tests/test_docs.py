"""The README and the docs: relative links point at files that exist (and at headings that exist, where
an anchor is given), the README stays short, and user-facing text does not speak of where it was written.
External URLs are not fetched. The Sphinx build (``make docs``, warnings as errors) checks the links
between the docs pages themselves."""

import glob
import os.path as osp
import re

import pytest
from conftest import ROOT

LINKED = ['README.md', osp.join('configs', 'mwam', 'README.md')]
LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+)\)')
FENCE = re.compile(r'^(```|~~~).*?^\1', re.S | re.M)
PLACE_WORDS = re.compile(r'\b(here|this machine|this session|sandbox)\b|\.\./shared', re.I)


def _text(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def _links(path):
    """The link targets of a markdown file, outside fenced code blocks."""
    return LINK.findall(FENCE.sub('', _text(path)))


def _anchors(path):
    """GitHub's (and myst's) heading anchors of a markdown file."""
    out = set()
    for line in FENCE.sub('', _text(path)).splitlines():
        m = re.match(r'#{1,6}\s+(.*?)\s*#*\s*$', line)
        if m:
            title = re.sub(r'[`*]', '', m.group(1)).strip().lower()
            out.add(re.sub(r'[^\w\- ]', '', title).replace(' ', '-'))
    return out


@pytest.mark.parametrize('doc', LINKED)
def test_relative_links_point_at_existing_files_and_headings(doc):
    path = osp.join(ROOT, doc)
    broken = []
    for target in _links(path):
        if re.match(r'[a-z]+:', target):  # http(s), mailto: not fetched
            continue
        file, _, anchor = target.partition('#')
        dest = osp.normpath(osp.join(osp.dirname(path), file)) if file else path
        if not osp.exists(dest):
            broken.append(f'{target}: no file {osp.relpath(dest, ROOT)}')
        elif anchor and dest.endswith('.md') and anchor not in _anchors(dest):
            broken.append(f'{target}: no heading #{anchor} in {osp.relpath(dest, ROOT)}')
    assert not broken, f'{doc}: broken links:\n' + '\n'.join(broken)


def test_the_readme_links_into_the_docs_sources():
    """README links into the docs point at docs/en/*.md files, so that they work on GitHub too."""
    targets = [t for t in _links(osp.join(ROOT, 'README.md')) if t.startswith('docs/')]
    assert targets and all(t.split('#')[0].endswith(('.md', '.png')) for t in targets)


def test_the_readme_is_short():
    assert osp.getsize(osp.join(ROOT, 'README.md')) <= 10 * 1024


def test_the_readme_gives_the_two_commands():
    text = _text(osp.join(ROOT, 'README.md'))
    assert re.search(r'^make demo\b', text, re.M) and re.search(r'^make test\b', text, re.M)


def test_user_facing_text_does_not_speak_of_the_place_it_was_written_in():
    files = ['README.md'] + [
        osp.relpath(p, ROOT)
        for pattern in (
            'docs/en/**/*.md',
            'docs/en/*.py',
            'configs/**/*.py',
            'configs/**/*.md',
            'configs/**/*.yml',
        )
        for p in glob.glob(osp.join(ROOT, pattern), recursive=True)
        if '_build' not in p
    ]
    hits = [
        f'{f}:{i}: {line.strip()}'
        for f in files
        for i, line in enumerate(_text(osp.join(ROOT, f)).splitlines(), 1)
        if PLACE_WORDS.search(line)
    ]
    assert not hits, 'words about the place of development:\n' + '\n'.join(hits)


def test_every_docs_page_is_in_a_toctree():
    """A page outside every toctree is a Sphinx warning; this test checks it without Sphinx."""
    index = _text(osp.join(ROOT, 'docs', 'en', 'index.md'))
    pages = [
        osp.relpath(p, osp.join(ROOT, 'docs', 'en'))[:-3]
        for p in glob.glob(osp.join(ROOT, 'docs', 'en', '**', '*.md'), recursive=True)
        if '_build' not in p and not p.endswith('index.md')
    ]
    assert pages and [p for p in pages if not re.search(rf'^{re.escape(p)}$', index, re.M)] == []


def test_the_readme_names_existing_configs_and_tools():
    text = _text(osp.join(ROOT, 'README.md'))
    named = set(re.findall(r'(?:configs|tools|demo)/[\w/.-]+\.(?:py|sh)', text))
    assert named and [p for p in sorted(named) if not osp.isfile(osp.join(ROOT, p))] == []


def _readme_inference_example():
    (code,) = [
        block
        for block in re.findall(r'```python\n(.*?)```', _text(osp.join(ROOT, 'README.md')), re.S)
        if 'init_model' in block
    ]
    return code


def test_the_readme_inference_example_uses_the_api():
    """The five lines import what mmwam.apis exports and load a config of the repository."""
    import mmwam.apis

    code = _readme_inference_example()
    assert len(code.strip().splitlines()) == 5
    names = re.search(r'from mmwam\.apis import (.+)', code).group(1).split(', ')
    assert all(hasattr(mmwam.apis, n) for n in names)
    config = re.search(r"init_model\('([^']+)'", code).group(1)
    assert osp.isfile(osp.join(ROOT, config))


def test_the_readme_inference_example_runs(trained_demo, demo_root, tmp_path):
    """The five lines as written, on the demo model trained 2 iterations and the small demo set of the
    tests: only the config, checkpoint, sample and output paths are replaced."""
    config, checkpoint = trained_demo
    sample = open(osp.join(demo_root, 'test.txt')).read().split()[0]
    code = _readme_inference_example()
    code = re.sub(
        r"init_model\('[^']+', '[^']+'\)", f'init_model({config!r}, {checkpoint!r})', code
    )
    code = re.sub(r"'data/demo_rgbd/(\w+)/\d+\.(\w+)'", rf"'{demo_root}/\1/{sample}.\2'", code)
    code = code.replace("out_file='panel.png'", f"out_file={str(tmp_path / 'panel.png')!r}")
    scope = {}
    exec(code, scope)
    assert set(scope['result']) == {'rgb+depth', 'rgb', 'depth'}
    assert (tmp_path / 'panel.png').is_file()
