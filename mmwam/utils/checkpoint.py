"""Let ``torch.load(weights_only=True)`` (torch >= 2.6's default) read MMEngine's checkpoints.

MMEngine 0.10.7 saves its message hub (``HistoryBuffer`` holding numpy arrays) in every checkpoint,
so ``--resume`` fails with "Weights only load failed" on torch >= 2.6. We allow exactly the globals
such a checkpoint holds (``torch.serialization.add_safe_globals``) instead of switching the safe
loader off (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` would let any downloaded checkpoint run code).
"""
import numpy as np
import torch


def _mmengine_checkpoint_globals():
    from mmengine.logging import HistoryBuffer
    if int(np.__version__.split('.')[0]) >= 2:
        from numpy._core import multiarray
    else:
        from numpy.core import multiarray
    dtypes = [type(np.dtype(t)) for t in ('float64', 'float32', 'int64', 'int32', 'bool')]
    return [HistoryBuffer, multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype, *dtypes]


def allow_mmengine_checkpoints() -> None:
    """Idempotent; a no-op on torch versions without ``add_safe_globals``."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(_mmengine_checkpoint_globals())
