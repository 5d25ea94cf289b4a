"""Puts MWAM's FRM, banks and weights into the message hub, so every logging backend gets them."""
from typing import List

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...models.mwam import MWAM


def find_mwams(model) -> List[MWAM]:
    model = model.module if is_model_wrapper(model) else model
    return [m for m in model.modules() if isinstance(m, MWAM)]


@HOOKS.register_module()
class FRMLoggerHook(Hook):
    """Every ``interval`` training iterations, for each modality ``m`` of each MWAM module:
    ``train/frm_{m}`` (this step's FRM), ``train/bank_{m}`` (its EMA bank) and ``train/mwam_weight_{m}``
    (K). With several MWAM modules, the second and later get the prefix ``mwam{i}_``.

    Keep ``interval`` equal to the LoggerHook's: the text log shows the latest value (these keys are
    not smoothed). Runs before LoggerHook (priority NORMAL < BELOW_NORMAL).
    """
    priority = 'NORMAL'

    def __init__(self, interval: int = 50):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not (self.every_n_train_iters(runner, self.interval)
                or self.end_of_epoch(runner.train_dataloader, batch_idx)):
            return
        for i, mwam in enumerate(find_mwams(runner.model)):
            prefix = f'mwam{i}_' if i else ''
            values = [v.tolist() for v in (mwam.frm, mwam.bank, mwam.weight)]
            for j, m in enumerate(mwam.modalities):
                runner.message_hub.update_scalar(f'train/{prefix}frm_{m}', values[0][j])
                runner.message_hub.update_scalar(f'train/{prefix}bank_{m}', values[1][j])
                runner.message_hub.update_scalar(f'train/{prefix}mwam_weight_{m}', values[2][j])
