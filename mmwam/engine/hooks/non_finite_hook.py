"""Stop training at the first non-finite loss, and never write a checkpoint with non-finite weights."""

import math

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...models.mwam import MWAM
from ...utils.cli import InputError


class NonFiniteError(InputError):
    """Training produced a NaN / Inf loss or weights; the CLI tools print it as one line."""


def batch_files(data_batch) -> str:
    """The files of a batch's samples, as far as their metainfo gives them (``img_path``, ``*_path``).

    Args:
        data_batch (dict, optional): The batch, with ``data_samples``.

    Returns:
        str: The files, comma-separated (or a sentence saying they are not known).
    """
    samples = (data_batch or {}).get('data_samples') if isinstance(data_batch, dict) else None
    files = []
    for sample in samples or []:
        meta = getattr(sample, 'metainfo', {})
        files += [str(v) for k, v in meta.items() if k.endswith('_path') and k != 'seg_map_path']
    return ', '.join(files) if files else 'not known (no img_path in the samples\' metainfo)'


@HOOKS.register_module()
class NonFiniteStopHook(Hook):
    """After each training iteration: a NaN / Inf loss stops training with one line naming the iteration,
    the loss terms and the batch's files (every rank stops: the check is reduced across ranks). The
    optimizer has already stepped with that loss, so the weights are broken; the hook runs before the
    ``CheckpointHook`` (priority ABOVE_NORMAL < VERY_LOW), and before any checkpoint is written it checks
    every floating-point tensor of the model (MWAM's ``frm``, the last step's diagnostic, excepted): a
    non-finite one stops training instead of being saved. ``tools/train.py`` adds this hook to every
    config that lacks it. It takes no arguments.

    Raises:
        NonFiniteError: On a non-finite loss, or before saving a checkpoint with a non-finite tensor.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        losses = {
            k: float(v.detach() if torch.is_tensor(v) else v)
            for k, v in (outputs or {}).items()
            if 'loss' in k
            and (torch.is_tensor(v) and v.numel() == 1 or isinstance(v, (int, float)))
        }
        bad = [k for k, v in losses.items() if not math.isfinite(v)]
        flag = torch.tensor(float(bool(bad)))
        all_reduce(flag, op='max')  # a no-op without distributed training
        if not flag.item():
            return
        terms = ', '.join(f'{k}={losses[k]}' for k in bad) or 'on another rank'
        raise NonFiniteError(
            f'iteration {runner.iter + 1}: the loss is not finite ({terms}); training stopped, and these '
            f'weights are not saved. Batch: {batch_files(data_batch)}. Usual causes: NaN / Inf in the data, '
            'a learning rate too high, float16 overflow (--amp)'
        )

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        skip = {f'{name}.frm' for name, m in model.named_modules() if isinstance(m, MWAM)}
        state = checkpoint.get('state_dict') or {}
        bad = [
            k
            for k, v in state.items()
            if k not in skip
            and torch.is_tensor(v)
            and v.is_floating_point()
            and not bool(torch.isfinite(v).all())
        ]
        if bad:
            raise NonFiniteError(
                f'iteration {runner.iter + 1}: {len(bad)} of the model\'s {len(state)} tensors are not finite '
                f'(NaN / Inf; the first: {bad[0]}): training stopped, and the checkpoint is not written. '
                'Usual causes: NaN / Inf in the data, a learning rate too high, float16 overflow (--amp)'
            )
