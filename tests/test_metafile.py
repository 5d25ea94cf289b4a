"""configs/mwam/metafile.yml (OpenMMLab's model-index format) lists every config of configs/mwam, each
with its task, training data, modalities and status, and results only where a run was measured."""

import glob
import os.path as osp

import pytest
import yaml
from conftest import ROOT
from test_docs import _anchors

METAFILE = osp.join(ROOT, 'configs', 'mwam', 'metafile.yml')
REQUIRED = ('Task', 'Training Data', 'Modalities', 'Status')


@pytest.fixture(scope='module')
def meta():
    with open(METAFILE, encoding='utf-8') as f:
        return yaml.safe_load(f)


def test_the_collection(meta):
    (collection,) = meta['Collections']
    assert collection['Name'] == 'MWAM'
    assert collection['Paper']['URL'] and collection['Paper']['Title']
    assert osp.isfile(osp.join(ROOT, collection['README']))


def test_every_config_is_listed_once_and_every_listed_config_exists(meta):
    listed = [m['Config'] for m in meta['Models']]
    assert len(listed) == len(set(listed)), 'a config is listed twice'
    on_disk = sorted(
        osp.relpath(p, ROOT).replace(osp.sep, '/')
        for p in glob.glob(osp.join(ROOT, 'configs', 'mwam', '*.py'))
    )
    assert sorted(listed) == on_disk
    for m in meta['Models']:
        assert m['Name'] == osp.basename(m['Config'])[:-3]


def test_every_model_has_the_required_fields(meta):
    names = {c['Name'] for c in meta['Collections']}
    for m in meta['Models']:
        assert m['In Collection'] in names
        missing = [k for k in REQUIRED if not m['Metadata'].get(k)]
        assert not missing, f'{m["Name"]}: no {missing}'
        assert m['Metadata']['Status'] in ('trained', 'not trained')
        assert set(m['Metadata']['Modalities']) >= {'rgb'} and len(m['Metadata']['Modalities']) >= 2


def test_results_only_for_trained_configs_and_with_their_source(meta):
    for m in meta['Models']:
        trained = m['Metadata']['Status'] == 'trained'
        assert bool(m.get('Results')) == trained, m['Name']
        for r in m.get('Results', []):
            assert r['Task'] == m['Metadata']['Task'] and r['Dataset'] and r['Metrics']
            assert r['Commit'] and r['Hardware'] and r['Seeds']
            page, _, anchor = r['Source'].partition('#')
            assert osp.isfile(osp.join(ROOT, page)) and anchor in _anchors(osp.join(ROOT, page)), r[
                'Source'
            ]


def test_the_configs_readme_lists_every_config():
    with open(osp.join(ROOT, 'configs', 'mwam', 'README.md'), encoding='utf-8') as f:
        text = f.read()
    for p in glob.glob(osp.join(ROOT, 'configs', 'mwam', '*.py')):
        assert f'[{osp.basename(p)}]({osp.basename(p)})' in text


def test_the_model_index_imports_the_metafile():
    with open(osp.join(ROOT, 'model-index.yml'), encoding='utf-8') as f:
        assert yaml.safe_load(f)['Import'] == ['configs/mwam/metafile.yml']
