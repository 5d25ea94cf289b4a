"""Puts MWAM's FRM, banks and weights (any balancer's scalars) into the message hub, so every logging
backend gets them."""

from typing import List

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...models.balancer import Balancer


def find_balancers(model) -> List[Balancer]:
    """Every balancer module of a model.

    Args:
        model (nn.Module): The model, or a model wrapper (DDP).

    Returns:
        List[Balancer]: Its balancers, in module order.
    """
    model = model.module if is_model_wrapper(model) else model
    return [m for m in model.modules() if isinstance(m, Balancer)]


@HOOKS.register_module()
class FRMLoggerHook(Hook):
    """Every ``interval`` training iterations, for each modality ``m`` of each MWAM module:
    ``train/frm_{m}`` (this step's FRM), ``train/bank_{m}`` (its EMA bank) and ``train/mwam_weight_{m}``
    (K). Another balancer logs its own (OGM-GE: ``train/ogmge_score_{m}``, ``train/ogmge_coeff_{m}``). With
    several balancers, the second and later get the prefix ``mwam{i}_``.

    Keep ``interval`` equal to the LoggerHook's: the text log shows the latest value (these keys are
    not smoothed). Runs before LoggerHook (priority NORMAL < BELOW_NORMAL).

    Args:
        interval (int): Log every ``interval`` training iterations (and at the end of each epoch).
            Defaults to 50.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 50):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not (
            self.every_n_train_iters(runner, self.interval)
            or self.end_of_epoch(runner.train_dataloader, batch_idx)
        ):
            return
        for i, balancer in enumerate(find_balancers(runner.model)):
            prefix = f'mwam{i}_' if i else ''
            for key, value in balancer.scalars().items():
                runner.message_hub.update_scalar(f'train/{prefix}{key}', value)
