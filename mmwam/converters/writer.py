"""A converted config as a short file: ``_base_ = CONFIG`` plus the fields that change."""

import os
import os.path as osp
from typing import Dict, Optional

from mmengine.config import Config

from .base import load_config
from .convert import RECIPES, mwam_overrides


def _fmt(value, refs: Dict[int, str]) -> str:
    if id(value) in refs:
        return refs[id(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) and k.isidentifier() for k in value):
            return 'dict(' + ', '.join(f'{k}={_fmt(v, refs)}' for k, v in value.items()) + ')'
        return '{' + ', '.join(f'{k!r}: {_fmt(v, refs)}' for k, v in value.items()) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(_fmt(v, refs) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ', '.join(_fmt(v, refs) for v in value) + (',)' if len(value) == 1 else ')')
    return repr(value)


def format_config(base: str, overrides: Dict[str, object], header: str = '') -> str:
    """Python source of a config inheriting ``base`` with ``overrides``; pipelines used in several
    places are written once and referenced by name.

    Args:
        base (str): The ``_base_`` value.
        overrides (Dict[str, object]): The top-level fields.
        header (str): Comment lines at the top (``#`` added). Defaults to ``''``.

    Returns:
        str: The config's source, formatted by yapf.
    """
    from yapf.yapflib.yapf_api import FormatCode

    refs = {id(v): k for k, v in overrides.items() if '_pipeline' in k}
    lines = [f'# {line}' if line else '#' for line in header.splitlines()]
    lines.append(f'_base_ = {base!r}')
    for k, v in overrides.items():
        lines.append(f'{k} = {_fmt(v, {i: n for i, n in refs.items() if n != k})}')
    style = dict(
        based_on_style='pep8',
        column_limit=100,
        blank_line_before_nested_class_or_def=True,
        split_before_expression_after_opening_paren=True,
    )
    text, _ = FormatCode('\n'.join(lines) + '\n', style_config=style)
    return text


def write_config(
    base: str, out: str, header: str = '', recipe: Optional[str] = None, **kwargs
) -> Config:
    """Write the MWAM config of ``base`` (a path or an ``mmseg::`` / ``mmdet::`` name) to ``out``,
    inheriting it (with a ``RECIPES`` entry applied).

    Args:
        base (str): The RGB config: a path (written relative to ``out``) or an ``mmseg::`` /
            ``mmdet::`` name.
        out (str): The config file written (its folder is created).
        header (str): Comment lines at the top. Defaults to ``''``.
        recipe (str, optional): A ``RECIPES`` name. Defaults to None.
        **kwargs: :func:`mwam_overrides`'s arguments.

    Returns:
        Config: The written config, loaded back.

    Raises:
        ConversionError: If the config cannot be made multimodal.
    """
    cfg = load_config(base)
    overrides = mwam_overrides(cfg, **kwargs)
    if recipe is not None:
        overrides = RECIPES[recipe](cfg, overrides)
    # a path is written relative to the new file so that the pair can move together
    rel = base if '::' in base else osp.relpath(osp.abspath(base), osp.dirname(osp.abspath(out)))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(format_config(rel, overrides, header))
    return Config.fromfile(out)
