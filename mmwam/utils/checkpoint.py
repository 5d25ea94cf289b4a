"""Let ``torch.load(weights_only=True)`` (torch >= 2.6's default) read MMEngine's own checkpoints.

MMEngine 0.10.7 saves its message hub in every checkpoint: ``HistoryBuffer`` objects holding numpy
arrays and, in their ``statistics_methods``, bound methods pickled through ``builtins.getattr``
(as is the anneal function of a OneCycle scheduler's state). So
``--resume`` fails with "Weights only load failed" on torch >= 2.6. Instead of switching the safe
loader off (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` lets any downloaded checkpoint run code), we allow
exactly the globals such a checkpoint holds, and only while the runner loads the checkpoint the user
named (``--resume`` / ``load_from``): ``getattr`` in particular stays refused everywhere else.
"""

import os
import os.path as osp
import zipfile

import numpy as np
import torch

from .errors import InputError


def mmengine_checkpoint_globals() -> list:
    """The globals an MMEngine 0.10 checkpoint needs beyond torch's defaults.

    Returns:
        list: Classes and functions for ``torch.serialization.safe_globals``.
    """
    from mmengine.logging import HistoryBuffer
    from mmengine.optim.scheduler import OneCycleLR, OneCycleParamScheduler

    if int(np.__version__.split('.')[0]) >= 2:
        from numpy._core import multiarray
    else:
        from numpy.core import multiarray
    dtypes = [type(np.dtype(t)) for t in ('float64', 'float32', 'int64', 'int32', 'bool')]
    # OneCycle schedulers keep a bound method (their anneal function) in their state
    return [
        HistoryBuffer,
        multiarray._reconstruct,
        multiarray.scalar,
        np.ndarray,
        np.dtype,
        *dtypes,
        getattr,
        OneCycleParamScheduler,
        OneCycleLR,
    ]


def trusted_checkpoint_loading():
    """Context manager: inside it, ``torch.load`` accepts MMEngine checkpoints with weights_only.

    Returns:
        contextlib.AbstractContextManager: torch's ``safe_globals`` for :func:`mmengine_checkpoint_globals`.
    """
    return torch.serialization.safe_globals(mmengine_checkpoint_globals())


def check_checkpoint_file(path: str, what: str = 'checkpoint'):
    """A local checkpoint must exist and be in one of torch.save's formats: a truncated download or another
    kind of file otherwise reaches torch.load, whose error ends in a misleading weights_only hint.

    Args:
        path (str): A local path (checked) or a URL (not checked).
        what (str): What the file is, for the error. Defaults to ``'checkpoint'``.

    Raises:
        ValueError: If the file is missing or not in a torch.save format.
    """
    if '://' in str(path):
        return  # a URL: fetched by MMEngine
    if not osp.isfile(path):
        folder = osp.dirname(path) or '.'
        near = (
            sorted(f for f in os.listdir(folder) if f.endswith('.pth')) if osp.isdir(folder) else []
        )
        hint = f' ({folder} has {", ".join(near[-3:])})' if near else ''
        raise InputError(f'{what} {path}: no such file{hint}')
    if zipfile.is_zipfile(path):
        return
    with open(path, 'rb') as f:
        head = f.read(2)
    if head != b'\x80\x02':  # torch's legacy (non-zip) format is a protocol-2 pickle
        raise InputError(
            f'{what} {path}: not a PyTorch checkpoint, or a truncated one (neither torch.save\'s '
            'zip format nor its legacy one): an interrupted download or copy? fetch or save it '
            'again'
        )
