"""Distributed training on CPU-only machines (gloo), where MMEngine's own set-up needs CUDA."""

import os

import torch
import torch.distributed as dist


def prepare_cpu_distributed(cfg, launcher: str) -> bool:
    """On a machine without CUDA, start the gloo process group from torchrun's environment and make
    the DDP wrapper take CPU modules (``device_ids=None``). MMEngine 0.10.7's ``init_dist`` calls
    ``torch.cuda.set_device`` and its wrapper passes ``device_ids=[local_rank]``, both of which fail
    there. The Runner skips its own ``init_dist`` once a process group exists. With CUDA, MMEngine's
    standard path is left untouched.

    Args:
        cfg (Config): The run's config; its ``model_wrapper_cfg`` is set.
        launcher (str): The ``--launcher`` value; only ``'pytorch'`` (torchrun) is handled.

    Returns:
        bool: Whether it did anything.
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']), world_size=int(os.environ['WORLD_SIZE'])
        )
    wrapper = dict(cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel'))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


def finish_distributed():
    """End a run's process group together: every rank waits for the others, then the group is destroyed.
    Without it a rank can exit while gloo threads of another still use the group, which aborts that
    rank ("terminate called without an active exception") after the work is done."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
