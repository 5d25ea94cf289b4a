"""A converted config as a short file: ``_base_ = CONFIG`` plus the fields that change."""

import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

from .base import load_config
from .convert import RECIPES, mwam_overrides
from .datasets import dataset_config, dataset_path

# the variable holding the --dataset's base config in a written config (deleted at its end)
DATASET_VARIABLE = 'dataset_config'


def _reference(value, targets: List[Tuple[str, object]], fmt) -> Optional[str]:
    """``value`` written as one of ``targets`` (expression, value): the expression when equal, or
    ``dict(expression, key=...)`` when the dict extends or changes a few of its keys; None if neither."""
    if not isinstance(value, (dict, list)):
        return None
    for expr, target in targets:
        if value == target:  # a dict and a ConfigDict compare by content
            return expr
    for expr, target in targets:
        if isinstance(value, list) and isinstance(target, list) and len(target) < len(value):
            # a pipeline with transforms inserted (a model's label transforms before the packing)
            i = next((i for i, (a, b) in enumerate(zip(value, target)) if a != b), len(target))
            j = len(value) - len(target) + i
            if i > 0 and value[:i] == target[:i] and value[j:] == target[i:]:
                inserted = '[' + ', '.join(fmt(v) for v in value[i:j]) + ']'
                return f'{expr}[:{i}] + {inserted}' + (
                    f' + {expr}[{i}:]' if i < len(target) else ''
                )
        if isinstance(value, dict) and isinstance(target, dict) and set(target) <= set(value):
            changed = {k: v for k, v in value.items() if k not in target or v != target[k]}
            if len(changed) < len(value) and all(k.isidentifier() for k in changed):
                return f'dict({expr}' + ''.join(f', {k}={fmt(v)}' for k, v in changed.items()) + ')'
    return None


def _fmt(value, refs: Dict[int, str], targets: List[Tuple[str, object]] = ()) -> str:
    if id(value) in refs:
        return refs[id(value)]

    def fmt(v):
        return _fmt(v, refs, targets)

    ref = _reference(value, targets, fmt) if targets else None
    if ref is not None:
        return ref
    if isinstance(value, dict):
        if all(isinstance(k, str) and k.isidentifier() for k in value):
            return 'dict(' + ', '.join(f'{k}={fmt(v)}' for k, v in value.items()) + ')'
        return '{' + ', '.join(f'{k!r}: {fmt(v)}' for k, v in value.items()) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(fmt(v) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ', '.join(fmt(v) for v in value) + (',)' if len(value) == 1 else ')')
    return repr(value)


def _dataset_targets(key: str, data: Config) -> List[Tuple[str, object]]:
    """What the top-level field ``key`` of a converted config reads from the dataset config ``data``:
    the pipelines and the dataloaders' datasets (files, roots, annotations). Metrics and loops are
    written out: whether one merges with the model config's or replaces it depends on its form (a dict
    or a list), which must not change after the config is written."""
    if key in ('train_pipeline', 'test_pipeline'):
        return [(f'{DATASET_VARIABLE}.{key}', data[key])]
    if key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        return [(f'{DATASET_VARIABLE}.{key}.dataset', data[key]['dataset'])]
    return []


def format_config(
    base: str,
    overrides: Dict[str, object],
    header: str = '',
    dataset: Optional[Tuple[str, Config]] = None,
) -> str:
    """Python source of a config inheriting ``base`` with ``overrides``; pipelines used in several
    places are written once and referenced by name.

    With ``dataset``, the pipelines and dataloaders' datasets the overrides take from that dataset config
    are read from the file when the config is loaded, not written out: mmengine refuses a key defined
    in two ``_base_`` files, so the model config is inherited and the dataset config read with
    ``Config.fromfile`` (which mmengine allows in a config).

    Args:
        base (str): The ``_base_`` value.
        overrides (Dict[str, object]): The top-level fields.
        header (str): Comment lines at the top (``#`` added). Defaults to ``''``.
        dataset (Tuple[str, Config], optional): The dataset config's path as the written config names
            it (``{{ fileDirname }}/...`` or absolute), and the config. Defaults to None (everything
            written out).

    Returns:
        str: The config's source, formatted by yapf.
    """
    from yapf.yapflib.yapf_api import FormatCode

    refs = {id(v): k for k, v in overrides.items() if '_pipeline' in k}
    body = []
    for k, v in overrides.items():
        targets = _dataset_targets(k, dataset[1]) if dataset is not None else []
        body.append(f'{k} = {_fmt(v, {i: n for i, n in refs.items() if n != k}, targets)}')
    reads = any(f'{DATASET_VARIABLE}.' in line for line in body)
    lines = [f'# {line}' if line else '#' for line in header.splitlines()]
    if reads:
        lines.append('from mmengine import Config')
    lines.append(f'_base_ = {base!r}')
    if reads:
        lines += [
            '# the dataset: read from its config (mmengine refuses a key defined in two _base_ files)',
            f'{DATASET_VARIABLE} = Config.fromfile({dataset[0]!r})',
        ]
    lines += body
    if reads:
        lines.append(f'del Config, {DATASET_VARIABLE}  # not config fields')
    style = dict(
        based_on_style='pep8',
        column_limit=100,
        blank_line_before_nested_class_or_def=True,
        split_before_expression_after_opening_paren=True,
    )
    text, _ = FormatCode('\n'.join(lines) + '\n', style_config=style)
    return text


def _repository(path: str) -> Optional[str]:
    """The git working tree holding ``path`` (a real path), if any."""
    folder = osp.dirname(path)
    while folder != osp.dirname(folder):
        if osp.exists(osp.join(folder, '.git')):
            return folder
        folder = osp.dirname(folder)
    return None


def _path_from(out: str, path: str) -> Tuple[str, bool]:
    """How the config ``out`` names the file ``path``: relative to its folder when both are in the same
    git working tree (they move together), else absolute. Returns the path and whether it is relative.

    mmengine joins a relative path to the config's folder as the config was named and removes ``..``
    without following links: a relative path is written only if that finds the file from ``out`` as
    named (not through a link to a folder inside the tree)."""
    real_out, real = osp.realpath(out), osp.realpath(path)
    repo = _repository(real_out)
    if repo is not None and real.startswith(repo + os.sep):
        rel = osp.relpath(real, osp.dirname(real_out))
        found = osp.normpath(osp.join(osp.dirname(osp.abspath(out)), rel))
        if osp.realpath(found) == real:
            return rel, True
    return real, False


def write_config(
    base: str,
    out: str,
    header: str = '',
    recipe: Optional[str] = None,
    inline_dataset: bool = False,
    **kwargs,
) -> Config:
    """Write the MWAM config of ``base`` (a path or an ``mmseg::`` / ``mmdet::`` name) to ``out``,
    inheriting it (with a ``RECIPES`` entry applied).

    Args:
        base (str): The RGB config: a path (written relative to ``out``) or an ``mmseg::`` /
            ``mmdet::`` name.
        out (str): The config file written (its folder is created).
        header (str): Comment lines at the top. Defaults to ``''``.
        recipe (str, optional): A ``RECIPES`` name. Defaults to None.
        inline_dataset (bool): With a ``dataset``, write its pipelines and dataloaders' datasets out in
            full (a file that stands alone) instead of reading them from the dataset config when the
            config is loaded. Defaults to False.
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
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    rel = base if '::' in base else _path_from(out, base)[0]
    dataset = kwargs.get('dataset')
    if dataset is not None and not inline_dataset:
        path, relative = _path_from(out, dataset_path(dataset))
        dataset = ('{{ fileDirname }}/' + path if relative else path, dataset_config(dataset))
    else:
        dataset = None
    with open(out, 'w') as f:
        f.write(format_config(rel, overrides, header, dataset))
    return Config.fromfile(out)
