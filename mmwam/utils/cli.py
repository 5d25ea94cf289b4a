"""What tools/train.py and tools/test.py share: the config as the standard OpenMMLab CLI sets it, and
bad input (a config or checkpoint path) reported in one line."""

import difflib
import glob
import importlib.util
import os
import os.path as osp
import re
import sys
import tempfile
import traceback

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..registry import HAS_MMDET
from .checkpoint import check_checkpoint_file  # noqa: F401 (tools import it from here)
from .config_cache import cache_config_work
from .dist import prepare_cpu_distributed
from .errors import InputError

DEBUG_ENV = 'MMWAM_DEBUG'  # set to 1: the tools show the full traceback of the errors they shorten


def run_cli(main, prog: str):
    """Run a tool's ``main``; an :class:`InputError` (also one raised in a data-loading worker), or a
    config typo that reaches a registry or a constructor (:func:`config_typo`), ends it with one line on
    stderr, not a traceback, unless ``MMWAM_DEBUG=1``.

    Args:
        main (Callable): The tool's ``main``, called without arguments.
        prog (str): The tool's name, at the start of the error line.

    Returns:
        What ``main`` returns.
    """
    if os.environ.get(DEBUG_ENV, '') not in ('', '0'):
        return main()
    try:
        return main()
    except InputError as e:
        sys.exit(f'{prog}: error: {error_line(e)}')
    except (KeyError, TypeError) as e:
        line = config_typo(e)
        if line is None:
            raise
        sys.exit(f'{prog}: error: {line}')


def error_line(error: Exception) -> str:
    """The message of ``error``; of the original error where a data-loading worker re-raised it (torch
    puts the worker's traceback into the message: its last line is the original ``Type: message``).

    Args:
        error (Exception): The error.

    Returns:
        str: The message.
    """
    msg = str(error)
    if 'Original Traceback' not in msg:
        return msg
    last = [line for line in msg.splitlines() if line.strip()][-1]
    return re.sub(r'^[\w.]+: ', '', last) + f' ({DEBUG_ENV}=1 shows the traceback)'


class CfgOptionsAction(DictAction):
    """mmengine's ``--cfg-options`` parser, which takes ``key=value`` with a number, a string, True / False
    / None, or a list / tuple of them as value; a ``dict(...)`` or ``{...}`` value (which it does not parse,
    or sends into endless recursion) is refused in one line saying how to set a dict."""

    def __call__(self, parser, namespace, values, option_string=None):
        for kv in values:
            key, _, value = kv.partition('=')
            if re.match(r'\s*(dict\s*\(|\{)', value):
                raise InputError(
                    f'--cfg-options {kv}: a dict value is not understood (values are numbers, strings, '
                    f'True / False / None, or lists [a,b] / tuples (a,b) of them); set its fields one by one, '
                    f'e.g. {key}.type=NAME {key}.FIELD=VALUE (and {key}._delete_=True to replace the whole '
                    'dict)'
                )
        try:
            super().__call__(parser, namespace, values, option_string)
        except RecursionError:
            raise InputError(
                f'--cfg-options {" ".join(values)}: cannot be parsed (values are numbers, strings, '
                'True / False / None, or lists [a,b] / tuples (a,b) of them)'
            ) from None


def _registered(kind: str) -> dict:
    """Every registered name of one kind ('model', 'hook', ...) in MMEngine's registries and their
    children (mmseg's, mmdet's): name -> class."""
    from mmengine import registry as reg

    root = getattr(reg, kind.upper() + 'S', None) or getattr(reg, kind.upper(), None)
    found, stack = {}, [root] if root is not None else []
    while stack:
        r = stack.pop()
        found.update(r.module_dict)
        stack.extend(r.children.values())
    return found


def config_typo(error: Exception):
    """One line for the two ways a misspelt config reaches the registries, with the close names: an
    unknown ``type`` (mmengine's KeyError '<X> is not in the <scope>::<kind> registry') and an unknown
    field (a constructor's TypeError 'got an unexpected keyword argument'); and mmengine's refusal to
    merge a dict option into a field that is None in the base.

    Args:
        error (Exception): A KeyError or TypeError.

    Returns:
        str or None: The line, or None for any other error.
    """
    import inspect
    import re

    msg = str(error.args[0]) if error.args else str(error)
    m = re.search(r"(\S+) is not in the (\w+)::(\w+) registry", msg)
    if isinstance(error, KeyError) and m:
        name, scope, kind = m.groups()
        close = difflib.get_close_matches(name, list(_registered(kind)), n=3, cutoff=0.6)
        hint = f'; did you mean {" or ".join(map(repr, close))}?' if close else ''
        return (
            f'{name!r} is not a registered {kind} type (scope {scope}): check the type field{hint}'
        )
    m = re.search(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'", msg)
    if isinstance(error, TypeError) and m:
        cls_name, field = m.groups()
        # the registered class, or one whose base raised (the missing-modality loops' _PerSubsetIter)
        found = {
            k: c
            for kind in ('model', 'loop', 'hook', 'dataset', 'transform', 'metric')
            for k, c in _registered(kind).items()
            if any(b.__name__ == cls_name for b in getattr(c, '__mro__', ()))
        }
        exact = {k: c for k, c in found.items() if k == cls_name}
        found = exact or found
        name, cls = (
            (' / '.join(sorted(found)), next(iter(found.values()))) if found else (cls_name, None)
        )
        known = (
            [
                p
                for p in inspect.signature(cls.__init__).parameters
                if p not in ('self', 'args', 'kwargs')
            ]
            if cls
            else []
        )
        close = difflib.get_close_matches(field, known, n=3, cutoff=0.6)
        hint = (
            f'; did you mean {" or ".join(map(repr, close))}?'
            if close
            else (f' (its fields: {", ".join(known)})' if known else '')
        )
        return f'{name} has no field {field!r}{hint}'
    if isinstance(error, TypeError) and 'cannot inherit from base' in msg:
        return (
            f'{msg.splitlines()[0]} (a field that is None in the base config, e.g. model.mwam=None in '
            'a baseline, takes a whole dict: add its type, e.g. model.mwam.type=MWAM, with '
            'model.mwam._delete_=True)'
        )
    return None


def _zoo_path(path: str) -> str:
    """The file behind ``mmseg::x/y.py`` (any installed OpenMMLab package's ``.mim/configs``)."""
    scope, rel = path.split('::', 1)
    spec = importlib.util.find_spec(scope)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f'{path}: the package {scope!r} is not installed')
    root = osp.join(spec.submodule_search_locations[0], '.mim', 'configs')
    full = osp.join(root, rel)
    if not osp.isfile(full):
        known = [
            osp.relpath(p, root) for p in glob.glob(osp.join(root, '**', '*.py'), recursive=True)
        ]
        close = difflib.get_close_matches(rel, known, n=3, cutoff=0.6)
        hint = (
            f'; did you mean {" or ".join(f"{scope}::{c}" for c in close)}?'
            if close
            else f' (the configs are under {root})'
        )
        raise InputError(f'{path}: no such config in {scope}\'s model zoo{hint}')
    return full


def _missing_package(error: ImportError) -> str:
    """The package a config's ``custom_imports`` needs and lacks, from mmengine's ImportError chain."""
    e = error
    while e is not None and not isinstance(e, ModuleNotFoundError):
        e = e.__cause__ or e.__context__
    name = (getattr(e, 'name', None) or '').split('.')[0]
    return (
        f'the config needs the package {name!r}, which is not installed: pip install {name}'
        if name
        else f'the config imports a package that does not load: {str(error).splitlines()[0]}'
    )


def read_config(path: str) -> Config:
    """``Config.fromfile`` that also takes ``mmseg::`` / ``mmdet::`` model-zoo paths; a config whose
    ``custom_imports`` cannot be imported is one line naming the package to install.

    Args:
        path (str): A config path or an ``mmseg::`` / ``mmdet::`` name.

    Returns:
        Config: The config.

    Raises:
        ValueError: If the file, the zoo name or a package it imports is missing (the error names the
            closest files or the package to install).
    """
    try:
        cfg = _read_config(path)
    except ImportError as e:
        raise InputError(f'{path}: {_missing_package(e)}') from e
    if cfg.get('default_scope') == 'mmdet' and not HAS_MMDET:
        raise InputError(
            f'{path}: a detection config (default_scope=\'mmdet\'), and mmdet is not installed: '
            'pip install "mmdet>=3.0.0,<3.4.0"'
        )
    return cfg


def _read_config(path: str) -> Config:
    if '::' not in path:
        if not osp.isfile(path):
            folder = osp.dirname(path) or '.'
            near = sorted(glob.glob(osp.join(folder, '*.py'))) if osp.isdir(folder) else []
            close = difflib.get_close_matches(path, near, n=3, cutoff=0.8)
            hint = (
                f'; did you mean {" or ".join(close)}?'
                if close
                else ' (relative paths start from the current directory: run the tools from the repository root)'
            )
            raise InputError(f'{path}: no such config file{hint}')
        return _fromfile(path)
    full = _zoo_path(path)
    if re.match(r'\w*::\w*/\w*', path) is None:  # mmengine's own test for package::folder/file
        raise InputError(
            f'{path}: mmengine cannot read this model-zoo name (a folder or file name with '
            f'characters such as "+"); give the file itself: {full}'
        )
    with tempfile.TemporaryDirectory() as tmp:
        stub = osp.join(tmp, osp.basename(path.split('::', 1)[1]))
        with open(stub, 'w') as f:
            f.write(f'_base_ = {path!r}\n')
        return Config(Config.fromfile(stub).to_dict())  # not tied to the stub file, which is gone


def _file_with_syntax_error(path: str, seen=()):
    """The config file, ``path`` or one of its ``_base_`` files (recursively), that does not parse."""
    import ast

    if path in seen or not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        try:
            tree = ast.parse(f.read(), path)
        except SyntaxError:
            return path
    named = []  # the files it reads: its _base_ files, the dataset config of an add_mwam.py config
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == '_base_' for t in node.targets
        ):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                return None
            named += [bases] if isinstance(bases, str) else bases
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == 'fromfile'
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            named.append(re.sub(r'^\{\{\s*fileDirname\s*\}\}/', '', node.args[0].value))
    for name in named:
        found = _file_with_syntax_error(
            osp.normpath(osp.join(osp.dirname(path), name)), (*seen, path)
        )
        if found:
            return found
    return None


def _fromfile(path: str) -> Config:
    """``Config.fromfile`` whose errors in the config's own Python (a syntax error, an undefined name, a
    missing ``_base_`` file) are one line naming the file and line, not mmengine's traceback."""
    try:
        return Config.fromfile(path)
    except SyntaxError as e:  # mmengine parses the text, so the error does not name the file
        where = _file_with_syntax_error(path) or f'{path} (in one of the files it reads)'
        raise InputError(f'{where}, line {e.lineno}: Python syntax error: {e.msg}') from e
    except FileNotFoundError as e:
        missing = osp.normpath(e.filename) if e.filename else str(e)
        raise InputError(
            f'{path}: a file it names does not exist: {missing} (a _base_ file, or the dataset '
            'config that a config written by add_mwam.py reads: put the file back or convert again)'
        ) from e
    except OSError as e:  # mmengine: not a .py / .json / .yaml file
        raise InputError(f'{path}: {e} (a config is a .py, .json or .yaml file)') from e
    except (NameError, TypeError, ValueError, AttributeError, KeyError) as e:
        frames = [
            f
            for f in traceback.extract_tb(e.__traceback__)
            if osp.isfile(f.filename)
            and 'site-packages' not in f.filename
            and not f.filename.startswith(sys.prefix)
            and f.filename != __file__
        ]
        where = f'{frames[-1].filename}, line {frames[-1].lineno}' if frames else path
        raise InputError(
            f'{where}: {type(e).__name__}: {e} (while reading the config {path})'
        ) from e


def load_config(path: str, cfg_options=None, work_dir=None, launcher='none') -> Config:
    """Load ``path``; apply ``--cfg-options``; work dir: CLI > config > ``./work_dirs/<config name>``.

    Args:
        path (str): A config path or an ``mmseg::`` / ``mmdet::`` name.
        cfg_options (dict, optional): The ``--cfg-options`` values. Defaults to None.
        work_dir (str, optional): The ``--work-dir`` value. Defaults to None.
        launcher (str): The ``--launcher`` value. Defaults to ``'none'``.

    Returns:
        Config: The config.
    """
    cfg = read_config(path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def build_runner(cfg: Config):
    """CPU-only distributed set-up where needed, then the config's ``runner_type`` (our configs select
    MWAMRunner, which resumes under torch's safe loader) or MMEngine's Runner.

    Args:
        cfg (Config): The config (from :func:`load_config`).

    Returns:
        Runner: The runner.
    """
    prepare_cpu_distributed(cfg, cfg.launcher)
    cache_config_work()  # the config's text formatted once, not per log, file, backend and checkpoint
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)


def stop_on_non_finite(cfg):
    """Training through the tools stops at a NaN / Inf loss and never saves non-finite weights
    (``NonFiniteStopHook``), whatever the config's ``custom_hooks``.

    Args:
        cfg (Config): The config; its ``custom_hooks`` get the hook if they lack it.
    """
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') == 'NonFiniteStopHook' for h in hooks):
        cfg.custom_hooks = hooks + [dict(type='NonFiniteStopHook')]


FORMAT_ONLY = dict(
    IoUMetric=lambda out: dict(output_dir=out),
    CocoMetric=lambda out: dict(outfile_prefix=osp.join(out, 'results')),
    KAISTMissRateMetric=lambda out: dict(output_dir=out),
)


def set_format_only(cfg, out):
    """Keep the metrics that can write submission files, switched to format_only into ``out``.

    Args:
        cfg (Config): The config; its ``test_evaluator`` is changed.
        out (str): The folder the files go to.

    Raises:
        ValueError: If no metric can write submission files.
    """
    metrics = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    kept = [
        dict(m, format_only=True, **FORMAT_ONLY[m['type']](out))
        for m in metrics
        if m['type'] in FORMAT_ONLY
    ]
    if not kept:
        raise ValueError(
            f'--format-only: none of the test_evaluator metrics '
            f'{[m["type"] for m in metrics]} can write submission files '
            f'(supported: {list(FORMAT_ONLY)})'
        )
    cfg.test_evaluator = kept


def save_predictions(cfg, out):
    """``--out DIR`` without ``--format-only``, as mmseg's and mmdet's test tools do it: evaluate, and save
    the predictions too, one sub-folder per modality subset: segmentation maps as PNGs (IoUMetric's
    ``output_dir``), detections as mmdet's pickle (``DumpDetResults``, ``predictions.pkl``).

    Args:
        cfg (Config): The config; its ``test_evaluator`` is changed.
        out (str): The folder the predictions go to.

    Raises:
        ValueError: If a segmentation config has no ``IoUMetric``.
    """
    metrics = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    if cfg.get('default_scope') == 'mmdet':
        cfg.test_evaluator = list(metrics) + [
            dict(type='DumpDetResults', out_file_path=osp.join(out, 'predictions.pkl'))
        ]
        return
    if not any(m['type'] == 'IoUMetric' for m in metrics):
        raise InputError(
            f'--out: none of the test_evaluator metrics {[m["type"] for m in metrics]} can save '
            'segmentation maps (IoUMetric can)'
        )
    cfg.test_evaluator = [
        dict(m, output_dir=out) if m['type'] == 'IoUMetric' else m for m in metrics
    ]


def show_predictions(cfg, show_dir=None, show=False, score_thr=0.3):
    """``--show-dir`` / ``--show``: a ``MultiModalVisualizationHook`` draws one panel per test sample (every
    modality, the ground truth, the prediction of every evaluated subset) into ``show_dir`` and / or a
    window. A window needs a display: refused in one line on a headless machine.

    Args:
        cfg (Config): The config; its ``custom_hooks`` get the hook.
        show_dir (str, optional): The folder of the panels. Defaults to None.
        show (bool): Open a window per panel. Defaults to False.
        score_thr (float): Detection boxes below this score are not drawn. Defaults to 0.3.

    Raises:
        ValueError: If ``show`` is asked for without a display.
    """
    if show and not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        raise InputError(
            '--show needs a display (none here: DISPLAY is not set); use --show-dir DIR to save '
            'the panels as PNG files instead'
        )
    hooks = [
        h for h in cfg.get('custom_hooks', []) if h.get('type') != 'MultiModalVisualizationHook'
    ]
    hooks.append(
        dict(
            type='MultiModalVisualizationHook',
            draw=True,
            interval=1,
            show=show,
            test_out_dir=osp.abspath(show_dir) if show_dir else None,
            pred_score_thr=score_thr,
        )
    )
    cfg.custom_hooks = hooks
