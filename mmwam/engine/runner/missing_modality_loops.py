"""Val / test loops that predict every batch once per modality subset (one data pass)."""
import copy
from typing import Optional, Sequence

import torch
from mmengine.model import is_model_wrapper
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast
from mmengine.runner.loops import _update_losses

from ...evaluation import MissingModalityEvaluator
from ...utils.modalities import parse_subsets


def _preprocessor(runner):
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    pre = model.data_preprocessor
    if not hasattr(pre, 'drop'):
        raise TypeError(f'the missing-modality loops need a multimodal data preprocessor '
                        f'(MultiModal*DataPreProcessor), got {type(pre).__name__}')
    return pre


def _build_evaluator(runner, evaluator, subsets, table_keys):
    if not isinstance(evaluator, (dict, list)):
        raise TypeError('the missing-modality loops need the evaluator as a config (dict or list), '
                        f'got {type(evaluator).__name__}')
    names = list(_preprocessor(runner).modalities)
    return MissingModalityEvaluator(evaluator, names, parse_subsets(subsets, names, 'subsets'),
                                    table_keys)


class _PerSubsetIter:
    """``run_iter`` shared by both loops: each subset predicts on its own copy of the data samples
    (the model writes its predictions into them) and feeds its own evaluator. A model that returns
    losses with its predictions (MMEngine's ``_update_losses`` convention) has the full set's recorded
    as upstream does (``val_loss`` / ``test_loss`` in the results); the other subsets' are dropped."""
    _step: str
    _hook: str
    _losses: str

    @torch.no_grad()
    def run_iter(self, idx, data_batch):
        self.runner.call_hook(f'before_{self._hook}_iter', batch_idx=idx, data_batch=data_batch)
        pre = _preprocessor(self.runner)
        step = getattr(self.runner.model, self._step)
        outputs = None
        for subset in reversed(self.evaluator.subsets):  # the full set last: hooks see its outputs
            batch = dict(data_batch, data_samples=copy.deepcopy(data_batch['data_samples']))
            with pre.drop([m for m in pre.modalities if m not in subset]), autocast(enabled=self.fp16):
                outputs = step(batch)
            full = len(subset) == len(pre.modalities)  # _update_losses adds to the dict it is given
            outputs, _ = _update_losses(outputs, getattr(self, self._losses) if full else {})
            self.evaluator.evaluators[subset].process(data_samples=outputs, data_batch=batch)
        self.runner.call_hook(f'after_{self._hook}_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)


@LOOPS.register_module()
class MissingModalityValLoop(_PerSubsetIter, ValLoop):
    """``ValLoop`` over every non-empty modality subset (or ``subsets``, e.g. ``['rgb+depth', 'rgb']``).

    Result keys: see :class:`MissingModalityEvaluator`. ``table_keys`` picks the printed columns.
    """
    _step, _hook, _losses = 'val_step', 'val', 'val_loss'

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 subsets: Optional[Sequence] = None, table_keys: Optional[Sequence[str]] = None):
        super().__init__(runner, dataloader, _build_evaluator(runner, evaluator, subsets, table_keys),
                         fp16)


@LOOPS.register_module()
class MissingModalityTestLoop(_PerSubsetIter, TestLoop):
    """``TestLoop`` counterpart of :class:`MissingModalityValLoop`."""
    _step, _hook, _losses = 'test_step', 'test', 'test_loss'

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 subsets: Optional[Sequence] = None, table_keys: Optional[Sequence[str]] = None):
        super().__init__(runner, dataloader, _build_evaluator(runner, evaluator, subsets, table_keys),
                         fp16)
