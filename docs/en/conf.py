"""Sphinx configuration of the mmwam documentation (``make docs``)."""

import os
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))
os.environ.setdefault('MPLBACKEND', 'Agg')

from mmwam import __version__  # noqa: E402

project = 'mmwam'
author = 'mmwam contributors'
copyright = 'mmwam contributors'
version = release = __version__

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.napoleon',
]
source_suffix = {'.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build']

# myst: anchors for headings down to level 4, so that [text](page.md#a-heading) links are checked
myst_heading_anchors = 4
myst_enable_extensions = ['dollarmath']

# autodoc: members in source order, Google-style docstrings through napoleon
autodoc_member_order = 'bysource'
autodoc_typehints = 'none'
autodoc_default_options = {'members': True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = 'sphinx_rtd_theme'
html_title = f'mmwam {release}'
html_show_sourcelink = False
