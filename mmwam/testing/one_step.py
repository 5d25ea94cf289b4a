"""One training step of a real model, as a Runner's first iteration makes it."""

import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, build_optim_wrapper


def train_one_step(model, data, optim_wrapper=None):
    """Train ``model`` one step on ``data`` (its ``train_step``: preprocessing, loss, backward, update).

    The message hub is at epoch 0, iteration 0, as under a Runner (TOOD and YOLOX's batch resizing read
    them).

    Args:
        model (BaseModel): the model; it is put in training mode.
        data (dict): a batch as a data loader gives it (see :func:`fake_seg_batch`).
        optim_wrapper (OptimWrapper | dict, optional): the optimizer wrapper or its config (e.g. a
            config's ``optim_wrapper``); SGD at lr 0.01 if None.

    Returns:
        tuple[dict, set]: the losses, and the names of the parameters the step changed.

    Raises:
        RuntimeError: a loss is not finite.
    """
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 0)
    hub.update_info('iter', 0)
    if optim_wrapper is None:
        optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01))
    if not isinstance(optim_wrapper, OptimWrapper):
        optim_wrapper = build_optim_wrapper(model, optim_wrapper)
    model.train()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    losses = model.train_step(data, optim_wrapper)
    bad = [k for k, v in losses.items() if not torch.isfinite(v).all()]
    if bad:
        raise RuntimeError(f'non-finite losses {bad}')
    changed = {n for n, p in model.named_parameters() if not torch.equal(before[n], p)}
    return losses, changed
