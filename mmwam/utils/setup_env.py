"""For scripts, tests and notebooks that build models without a config's ``custom_imports``."""

import importlib

from mmengine.registry import init_default_scope


def register_all_modules(scope: str = 'mmseg', init_default_scope_: bool = True) -> None:  # noqa: D417
    r"""Register mmwam's modules and the upstream ones of ``scope``.

    Args:
        scope (str): ``'mmseg'`` or ``'mmdet'``. Defaults to ``'mmseg'``.
        init_default_scope\_ (bool): Also make ``scope`` the default scope. Defaults to True.
    """
    import mmwam  # noqa: F401  (registers everything)

    importlib.import_module(f'{scope}.utils').register_all_modules(False)
    if init_default_scope_:
        init_default_scope(scope)
