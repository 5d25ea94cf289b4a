"""The zoo-coverage tool on two small model families: converted, one family config trained one step, the
table written, an interrupted sweep resumed from its results file."""
import json
import os.path as osp
import subprocess
import sys

from conftest import ROOT


def _run(out):
    return subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'analysis_tools', 'zoo_coverage.py'),
                           '--families', 'erfnet', 'san', '--packages', 'mmseg', '--out', str(out)],
                          capture_output=True, text=True, timeout=600)


def test_zoo_coverage_converts_trains_one_per_family_and_resumes(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in open(tmp_path / 'results.jsonl')]
    results = {r['family']: r['result'] for r in rows}
    assert results == {'erfnet': 'trained', 'san': 'out of scope'}, rows
    table = (tmp_path / 'zoo_coverage.md').read_text()
    assert 'model families in scope: 1; converted and trained one step: 1 (100.0 %)' in table
    assert '| mmseg | erfnet | erfnet/' in table and 'MultimodalEncoderDecoder' in table
    again = _run(tmp_path)
    assert again.returncode == 0 and 'zoo_coverage: mmseg::' not in again.stdout  # nothing re-checked
    assert len(open(tmp_path / 'results.jsonl').readlines()) == len(rows)
