"""A config with a mistake in its own Python is one line naming the file and the line (the tools print
it as ``<tool>: error: ...``), not mmengine's traceback."""

import pytest
from conftest import config_path

from mmwam.utils.cli import read_config
from mmwam.utils.errors import InputError

DEMO = config_path('mwam', 'segformer_rgbd_demo.py')


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text(f'_base_ = {DEMO!r}\nmodel = dict(\n    mwam=None,\n')
    with pytest.raises(
        InputError, match=rf"^{bad}, line 2: Python syntax error: '\(' was never closed$"
    ):
        read_config(str(bad))


def test_a_syntax_error_in_a_base_says_so(tmp_path):
    (tmp_path / 'base.py').write_text('x = [1, 2\n')
    child = tmp_path / 'child.py'
    child.write_text("_base_ = './base.py'\ny = 1\n")
    with pytest.raises(InputError, match=rf"^{tmp_path / 'base.py'}, line 1: Python syntax error"):
        read_config(str(child))


def test_an_undefined_name_names_the_file_and_line(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text('a = 1\nb = undefined_name + 1\n')
    with pytest.raises(InputError) as e:
        read_config(str(bad))
    assert str(e.value) == (
        f"{bad}, line 2: NameError: name 'undefined_name' is not defined "
        f'(while reading the config {bad})'
    )


def test_a_missing_base_names_it(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("_base_ = './nothere.py'\n")
    with pytest.raises(InputError, match=r'bad\.py: a file it names does not exist: .*nothere\.py'):
        read_config(str(bad))
