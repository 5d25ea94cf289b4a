"""Fakes and harnesses for tests, the zoo sweep and the benchmark: fake batches as a data loader gives
them, tiny configs of the embedded demo models, and a one-step training harness. Real models, real
MMEngine parts: nothing here is a mock."""

from .fake_batches import fake_det_batch, fake_seg_batch
from .one_step import train_one_step
from .tiny_configs import (
    config_file,
    tiny_det_model_cfg,
    tiny_det_runner_cfg,
    tiny_seg_model_cfg,
    tiny_seg_runner_cfg,
)

__all__ = [
    'fake_det_batch',
    'fake_seg_batch',
    'train_one_step',
    'config_file',
    'tiny_det_model_cfg',
    'tiny_det_runner_cfg',
    'tiny_seg_model_cfg',
    'tiny_seg_runner_cfg',
]
