"""Val / test loops that predict every batch once per modality subset (one data pass)."""

import logging
from typing import Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast
from mmengine.runner.loops import _update_losses

from ...evaluation import MissingModalityEvaluator
from ...models.encoder_cache import EncoderOutputCache, exactness_problem
from ...utils.errors import InputError
from ...utils.modalities import parse_subsets, subset_name


def _preprocessor(model):
    pre = model.data_preprocessor
    if not hasattr(pre, 'zero_modalities'):
        raise TypeError(
            f'the missing-modality loops need a multimodal data preprocessor '
            f'(MultiModal*DataPreProcessor), got {type(pre).__name__}'
        )
    return pre


def _build_evaluator(runner, evaluator, subsets, table_keys):
    if not isinstance(evaluator, (dict, list)):
        raise TypeError(
            'the missing-modality loops need the evaluator as a config (dict or list), '
            f'got {type(evaluator).__name__}'
        )
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    names = list(_preprocessor(model).modalities)
    return MissingModalityEvaluator(
        evaluator, names, parse_subsets(subsets, names, 'subsets'), table_keys
    )


def predict_every_subset(
    model,
    data_batch: dict,
    subsets,
    fp16: bool = False,
    zero_level: str = 'input',
    cache: Optional[EncoderOutputCache] = None,
    step: str = 'test_step',
):
    """Yields ``(subset, outputs)`` for every subset, the full set last (hooks see its outputs). The batch
    goes through the data preprocessor once; each subset predicts on the normalized tensor with the other
    modalities zeroed (``zero_level='input'``) or with their encoder features zeros and their encoders not
    run (``'feature'``, as the official MWAM / MMANet code evaluates), into its own shallow copies of the
    data samples (the model writes its predictions into them). ``cache``: encoder outputs shared by the
    subsets (:class:`EncoderOutputCache`). A model with its own ``step`` (``val_step`` / ``test_step``: one
    that returns losses with its predictions, say) is called through it, once per subset, with the
    preprocessor zeroing the subset's missing modalities (:meth:`MultiModalPreprocessorMixin.drop`).

    Args:
        model (nn.Module): A multimodal model, or its wrapper.
        data_batch (dict): The batch as the dataloader gives it.
        subsets (Sequence[Tuple[str, ...]]): The subsets, the full set first.
        fp16 (bool): Predict under autocast. Defaults to False.
        zero_level (str): ``'input'`` or ``'feature'``. Defaults to ``'input'``.
        cache (EncoderOutputCache, optional): Encoder outputs shared by the subsets. Defaults to None.
        step (str): The model's step a model with its own is called through. Defaults to
            ``'test_step'``.

    Yields:
        tuple: ``(subset, outputs)``, the subset's data samples with their predictions.

    Raises:
        TypeError: If the model has no multimodal data preprocessor or backbone.
        ValueError: If ``zero_level`` is invalid.
    """
    if zero_level not in ('input', 'feature'):
        raise ValueError(f"zero_level must be 'input' or 'feature', got {zero_level!r}")
    inner = model.module if is_model_wrapper(model) else model
    pre = _preprocessor(inner)
    backbone = getattr(inner, 'backbone', None)
    if not hasattr(backbone, 'evaluating'):
        raise TypeError(
            f'the missing-modality evaluation needs a MultiModalBackbone, got {type(backbone).__name__}'
        )
    own_step = getattr(type(inner), step) is not getattr(BaseModel, step)
    data = None if own_step else pre(data_batch, False)
    for subset in reversed(subsets):
        dropped = [m for m in pre.modalities if m not in subset]
        zeroed_input = dropped if zero_level == 'input' else ()
        with backbone.evaluating(dropped if zero_level == 'feature' else (), cache), autocast(
            enabled=fp16
        ):
            if own_step:
                with pre.drop(zeroed_input):
                    outputs = getattr(model, step)(
                        dict(data_batch, data_samples=[s.new() for s in data_batch['data_samples']])
                    )
            else:
                inputs = pre.zero_modalities(data['inputs'], zeroed_input)
                samples = [s.new() for s in data['data_samples']]
                outputs = inner._run_forward(
                    dict(inputs=inputs, data_samples=samples), mode='predict'
                )
        yield subset, outputs
    if cache is not None:
        cache.new_batch()


def encoder_cache_for(model) -> Tuple[Optional[EncoderOutputCache], Optional[str]]:
    """A new cache for one evaluation of ``model`` (in eval mode).

    Args:
        model (nn.Module): The model (not its wrapper).

    Returns:
        tuple: ``(cache, None)``, or ``(None, reason)`` when sharing encoder outputs would not be exact.
    """
    backbone = getattr(model, 'backbone', None)
    if not hasattr(backbone, 'evaluating'):
        return None, f'{type(model).__name__} has no MultiModalBackbone (test-time augmentation?)'
    why = exactness_problem(backbone.encoders)
    return (None, why) if why else (EncoderOutputCache(), None)


def evaluate_every_subset(
    model,
    data_batch: dict,
    evaluator: MissingModalityEvaluator,
    fp16: bool = False,
    zero_level: str = 'input',
    cache: Optional[EncoderOutputCache] = None,
    losses: Optional[dict] = None,
    step: str = 'test_step',
) -> list:
    """One batch of the missing-modality evaluation: every subset predicted (:func:`predict_every_subset`)
    and fed to its own metrics; a model that returns losses with its predictions (MMEngine's
    ``_update_losses`` convention) has the full set's added to ``losses``.

    Args:
        model (nn.Module): A multimodal model, or its wrapper.
        data_batch (dict): The batch as the dataloader gives it.
        evaluator (MissingModalityEvaluator): Its subsets are predicted, each fed to its own metrics.
        fp16 (bool): Predict under autocast. Defaults to False.
        zero_level (str): ``'input'`` or ``'feature'``. Defaults to ``'input'``.
        cache (EncoderOutputCache, optional): Encoder outputs shared by the subsets. Defaults to None.
        losses (dict, optional): Where the full set's losses are added. Defaults to None.
        step (str): The model's step a model with its own is called through. Defaults to
            ``'test_step'``.

    Returns:
        list: The last subset's outputs (the full set's), each sample carrying the other subsets'
        predictions of it as ``subset_predictions`` and the name of its own subset as the metainfo
        ``subset``.
    """
    outputs, per_subset = None, {}
    for subset, outputs in predict_every_subset(
        model, data_batch, evaluator.subsets, fp16, zero_level, cache, step
    ):
        full = len(subset) == len(
            evaluator.modalities
        )  # _update_losses adds to the dict it is given
        outputs, _ = _update_losses(outputs, losses if full and losses is not None else {})
        evaluator.evaluators[subset].process(data_samples=outputs, data_batch=data_batch)
        per_subset[subset_name(subset)] = outputs
    last = per_subset.popitem()[0]
    for i, sample in enumerate(outputs):
        sample.set_metainfo(dict(subset=last))
        sample.subset_predictions = {name: outs[i] for name, outs in reversed(per_subset.items())}
    return outputs


class _PerSubsetIter:
    """``run_iter`` shared by both loops: every subset of a batch is predicted
    (:func:`predict_every_subset`) and fed to its own evaluator. With ``reuse_encoder_outputs`` (default)
    each encoder runs once per batch on its real input and once per evaluation and input shape on an
    all-zero one, and only fusion, neck and heads run per subset (:class:`EncoderOutputCache`: the same
    predictions as the plain path); where that would not be exact, the plain path, said once in the log.
    A model that returns losses with its predictions (MMEngine's ``_update_losses`` convention) has the
    full set's recorded as upstream does (``val_loss`` / ``test_loss`` in the results); the other
    subsets' are dropped."""

    _step: str
    _hook: str
    _losses: str
    reuse_encoder_outputs: bool = True
    zero_level: str = 'input'
    _cache: Optional[EncoderOutputCache] = None
    _plain_path_said = False

    def __init__(
        self,
        runner,
        dataloader,
        evaluator,
        fp16: bool = False,
        subsets: Optional[Sequence] = None,
        table_keys: Optional[Sequence[str]] = None,
        reuse_encoder_outputs: bool = True,
        zero_level: str = 'input',
    ):
        # ValLoop.__init__ or TestLoop.__init__, next in the MRO
        super().__init__(
            runner, dataloader, _build_evaluator(runner, evaluator, subsets, table_keys), fp16
        )
        if zero_level not in ('input', 'feature'):
            raise InputError(
                f"{type(self).__name__}: zero_level must be 'input' or 'feature', got {zero_level!r}"
            )
        self.reuse_encoder_outputs, self.zero_level = reuse_encoder_outputs, zero_level

    def _new_evaluation(self):
        model = (
            self.runner.model.module if is_model_wrapper(self.runner.model) else self.runner.model
        )
        self._cache = None
        print_log(
            f'missing-modality evaluation: a missing modality is zeroed at the {self.zero_level} level',
            logger='current',
        )
        if self.reuse_encoder_outputs:
            self._cache, why = encoder_cache_for(model)
            if why and not self._plain_path_said:
                print_log(
                    f'missing-modality evaluation: every subset runs every encoder ({why})',
                    logger='current',
                    level=logging.WARNING,
                )
                self._plain_path_said = True
        return model

    @torch.no_grad()
    def run_iter(self, idx, data_batch):
        self.runner.call_hook(f'before_{self._hook}_iter', batch_idx=idx, data_batch=data_batch)
        if idx == 0:
            self._new_evaluation()
        outputs = evaluate_every_subset(
            self.runner.model,
            data_batch,
            self.evaluator,
            self.fp16,
            self.zero_level,
            self._cache,
            getattr(self, self._losses),
            self._step,
        )
        self.runner.call_hook(
            f'after_{self._hook}_iter', batch_idx=idx, data_batch=data_batch, outputs=outputs
        )


@LOOPS.register_module()
class MissingModalityValLoop(_PerSubsetIter, ValLoop):
    """``ValLoop`` over every non-empty modality subset (or ``subsets``, e.g. ``['rgb+depth', 'rgb']``).

    The batch is read once; each subset predicts on it with the other modalities zeroed. Result keys:
    see :class:`~mmwam.evaluation.MissingModalityEvaluator`.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The dataloader or its config.
        evaluator (dict | list): The metric config(s), built once per subset.
        fp16 (bool): Predict under autocast. Defaults to False.
        subsets (Sequence, optional): The subsets evaluated, ``'rgb+depth'`` strings or name tuples;
            None: every non-empty subset. Defaults to None.
        table_keys (Sequence[str], optional): The metric keys printed as columns of the table; None: the
            metrics' own choice (see :class:`~mmwam.evaluation.MissingModalityEvaluator`). Defaults to None.
        reuse_encoder_outputs (bool): Share encoder outputs between the subsets where that is exact
            (False: every subset runs every encoder, the plain path). Defaults to True.
        zero_level (str): ``'input'``: a missing modality's normalized input is zeros; ``'feature'``: its
            encoder features are zeros and its encoder does not run (the official code's and MMANet's
            evaluation). Defaults to ``'input'``.

    Raises:
        TypeError: If the evaluator is not a config, or the model is not multimodal.
        ValueError: If ``subsets`` or ``zero_level`` is invalid.
    """

    _step, _hook, _losses = 'val_step', 'val', 'val_loss'


@LOOPS.register_module()
class MissingModalityTestLoop(_PerSubsetIter, TestLoop):
    """``TestLoop`` counterpart of :class:`MissingModalityValLoop`, with the same arguments."""

    _step, _hook, _losses = 'test_step', 'test', 'test_loss'
