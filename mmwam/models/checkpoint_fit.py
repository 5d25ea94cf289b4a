"""A checkpoint fitted to a multimodal model, and whether it fits at all.

One function serves ``load_from``, ``--resume``, ``tools/test.py`` and
``tools/model_converters/rgb_to_multimodal.py``: :func:`fit_state_dict` maps a stock RGB checkpoint
(``backbone.*``, from an mmseg / mmdet zoo file or the user's own RGB model) into every modality's encoder
(``backbone.encoders.<modality>.*``, a stem of another channel count adapted), keeps the neck and heads
as they are, skips tensors whose shape differs (a head with another class count) and reads the earlier
layout of the detector (``detector.*``). :class:`FitReport` says, per part of the model, how much loaded,
and :meth:`FitReport.refusal` when a checkpoint of another model must not be used.
"""

import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

from torch import nn

from ..utils.errors import InputError
from .encoder_init import StemAdapter, adapt_input_weight, image_blocks
from .multimodal_backbone import MultiModalBackbone

# tensors a checkpoint of the same architecture may lack without harm: the training-only parts (the
# balancer's banks, the per-modality auxiliary heads) and BatchNorm's counters
OPTIONAL = re.compile(r'(^|\.)(mwam|balancer|modality_heads)\.|num_batches_tracked$')


def multimodal_backbones(model: nn.Module) -> Dict[str, MultiModalBackbone]:
    """The model's multimodal backbones by key prefix.

    Args:
        model (nn.Module): The model (not its wrapper).

    Returns:
        Dict[str, MultiModalBackbone]: Each backbone by its state-dict key prefix (``'backbone.'``).
    """
    return {
        f'{n}.' if n else '': m
        for n, m in model.named_modules()
        if isinstance(m, MultiModalBackbone)
    }


def _part(key: str) -> str:
    """The part of the model a key belongs to, as the report names it: ``backbone.encoders.rgb``,
    ``neck``, ``bbox_head``, ..."""
    m = re.match(r'((?:.*\.)?backbone\.(?:encoders\.)?[^.]+)\.', key)
    return m.group(1) if m else key.split('.', 1)[0]


class FitReport:
    """What a state dict gives a model: per part, the tensors loaded; the tensors skipped for their shape;
    the model's tensors it lacks; its tensors the model does not have; the modality encoders it holds.
    Made by :func:`fit_state_dict`.
    """

    def __init__(self):
        self.loaded: Dict[str, int] = {}
        self.total: Dict[str, int] = {}
        self.from_rgb: List[str] = []  # backbones filled from an RGB checkpoint's backbone.*
        self.adapted: List[str] = []  # stems adapted to another channel count
        self.shape: List[Tuple[str, tuple, tuple]] = []  # key, checkpoint shape, model shape
        self.missing: List[str] = []
        self.unexpected: List[str] = []
        self.checkpoint_modalities: Dict[
            str, List[str]
        ] = {}  # backbone prefix -> encoders in the file
        self.model_modalities: Dict[str, List[str]] = {}

    def lines(self) -> List[str]:
        """One line per part of the model: how many of its tensors loaded, and why some did not.

        Returns:
            List[str]: The lines (and one for the checkpoint's tensors the model does not have).
        """
        out = []
        for part, total in self.total.items():
            n = self.loaded.get(part, 0)
            notes = [
                f'{len(s)} skipped: shape differs, e.g. {s[0][0]} {s[0][1]} in the checkpoint, '
                f'{s[0][2]} in the model'
                for s in [[x for x in self.shape if _part(x[0]) == part]]
                if s
            ]
            if n == 0 and OPTIONAL.search(part + '.'):
                notes.append('training state, starts anew')
            elif not notes and n < total:
                notes.append(f'{total - n} not in the checkpoint: they keep their initialisation')
            rgb = [p for p in self.from_rgb if part.startswith(p + 'encoders.')]
            if rgb:
                notes.insert(
                    0,
                    'from the RGB checkpoint\'s backbone'
                    + (
                        ', stem adapted'
                        if any(k.startswith(part + '.') for k in self.adapted)
                        else ''
                    ),
                )
            out.append(
                f'{part}: {n} of {total} tensors loaded'
                + (f' ({"; ".join(notes)})' if notes else '')
            )
        if self.unexpected:
            out.append(
                f'{len(self.unexpected)} checkpoint tensors not in the model (ignored), e.g. '
                f'{", ".join(self.unexpected[:3])}'
            )
        return out

    def refusal(self, purpose: str) -> Optional[str]:
        """Why this checkpoint must not be used for ``purpose``, or None.

        Every purpose: a file whose modality encoders differ from the model's. ``'resume'`` is strict
        about the model (every tensor present, every shape equal, nothing else); ``'test'`` needs every
        tensor used in prediction with its shape; ``'init'`` (``load_from`` in training, where partial
        loading is the point) needs at least half of the model's tensors.

        Args:
            purpose (str): ``'resume'``, ``'test'`` or ``'init'``.

        Returns:
            str or None: The reason, one line, or None when the checkpoint may be used.
        """
        for prefix, names in self.checkpoint_modalities.items():
            want = self.model_modalities[prefix]
            if names and names != want:
                return (
                    f'the checkpoint has {"+".join(names)} encoders, the config {"+".join(want)}: a '
                    'checkpoint of a model with other modalities'
                )
        needed = [k for k in self.missing if not OPTIONAL.search(k)]
        total = sum(self.total.values())
        loaded = sum(self.loaded.values())
        shape = ''
        if self.shape:
            key, given, want = self.shape[0]
            shape = f'{len(self.shape)} tensors have another shape, e.g. {key} {given} in the file, {want} in the model'
        if purpose == 'resume' and (self.shape or self.missing or self.unexpected):
            what = shape or (
                f'{len(self.missing)} of the model\'s tensors are not in it, e.g. '
                f'{", ".join(self.missing[:3])}'
                if self.missing
                else f'it has {len(self.unexpected)} tensors the model does not, e.g. '
                f'{", ".join(self.unexpected[:3])}'
            )
            return (
                f'{what}: a resume continues the same model; train a new run with load_from instead'
            )
        if purpose == 'test' and (self.shape or needed):
            what = shape or (
                f'{len(needed)} of the model\'s {total} tensors are not in it, e.g. '
                f'{", ".join(needed[:3])}'
            )
            return (
                f'{what}: a checkpoint of another model? Test with the config it was trained with'
            )
        if purpose == 'init' and loaded * 2 < total:
            return (
                f'only {loaded} of the model\'s {total} tensors match it (name and shape): a checkpoint '
                'of another architecture? To load one part only, give that part an init_cfg=dict('
                "type='Pretrained', checkpoint=..., prefix=...)"
            )
        return None


def fit_state_dict(state_dict: Dict, model: nn.Module) -> Tuple['OrderedDict', FitReport]:
    """``state_dict`` made to fit ``model``; see the module's docstring.

    Args:
        state_dict (Dict): The checkpoint's tensors, keys without ``module.``.
        model (nn.Module): The model (not its wrapper).

    Returns:
        tuple: The tensors to load (an ``OrderedDict``, every one with the model's shape) and the
        :class:`FitReport`.
    """
    report = FitReport()
    own = model.state_dict()
    state = OrderedDict()
    for (
        key,
        value,
    ) in state_dict.items():  # the earlier detector layout: the stock keys under detector.
        state[
            key[len('detector.') :]
            if key.startswith('detector.') and key[len('detector.') :] in own
            else key
        ] = value
    for prefix, backbone in multimodal_backbones(model).items():
        names = list(backbone.modalities)
        report.model_modalities[prefix] = names
        given = sorted(
            {
                k[len(prefix) + 9 :].split('.', 1)[0]
                for k in state
                if k.startswith(prefix + 'encoders.')
            }
        )
        report.checkpoint_modalities[prefix] = [n for n in names if n in given] + [
            n for n in given if n not in names
        ]
        children = set(backbone._modules) | {k.split('.', 1)[0] for k in backbone.state_dict()}
        rgb = [
            k
            for k in state
            if k.startswith(prefix) and k[len(prefix) :].split('.', 1)[0] not in children
        ]
        if rgb and not given:  # a stock model's backbone: into every encoder
            report.from_rgb.append(prefix)
            for key in rgb:
                value, rest = state.pop(key), key[len(prefix) :]
                for name in names:
                    state[f'{prefix}encoders.{name}.{rest}'] = value
    stems = _stem_weights(model)
    fitted = OrderedDict()
    for key, value in state.items():
        if key not in own:
            report.unexpected.append(key)
            continue
        want = tuple(own[key].shape)
        if key in stems and tuple(value.shape) != want and _is_stem(value.shape, want):
            value = adapt_input_weight(value, want[1], image_blocks(value.shape[1], want[1]))
            report.adapted.append(key)
        if tuple(value.shape) != want:
            report.shape.append((key, tuple(value.shape), want))
            continue
        fitted[key] = value
    for key in own:
        part = _part(key)
        report.total[part] = report.total.get(part, 0) + 1
        if key in fitted:
            report.loaded[part] = report.loaded.get(part, 0) + 1
        else:
            report.missing.append(key)
    return fitted, report


def _stem_weights(model: nn.Module) -> set:
    """The keys of the encoders' stem filters, which a checkpoint of another channel count may fill
    (those with a ``StemAdapter``; no other tensor is ever adapted)."""
    return {
        f'{n}.weight'
        for n, m in model.named_modules()
        if any(
            isinstance(getattr(h, 'hook', h), StemAdapter)
            for h in m._load_state_dict_pre_hooks.values()
        )
    }


def _is_stem(given, want) -> bool:
    """A convolution filter bank that differs only in its input channels (an RGB stem for depth)."""
    return len(given) == len(want) == 4 and given[0] == want[0] and given[2:] == want[2:]


def read_checkpoint(filename: str, what: str = 'checkpoint') -> dict:
    """The checkpoint file ``filename`` (MMEngine's own read under torch's safe loader), after checking
    that it is a complete checkpoint file holding a state dict.

    Args:
        filename (str): The checkpoint path or URL.
        what (str): What the file is, for the errors. Defaults to ``'checkpoint'``.

    Returns:
        dict: The checkpoint, on the CPU.

    Raises:
        ValueError: If the file is missing, truncated, not a torch checkpoint, or holds no state dict.
    """
    from mmengine.runner.checkpoint import _load_checkpoint

    from ..utils.checkpoint import check_checkpoint_file, trusted_checkpoint_loading

    check_checkpoint_file(filename, what)
    with trusted_checkpoint_loading():
        checkpoint = _load_checkpoint(filename, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not state:
        raise InputError(
            f'{what} {filename}: not a model checkpoint (a dict of tensors, or a dict with '
            f'"state_dict"); it holds a {type(state).__name__}'
        )
    return checkpoint


def load_fitted(
    model: nn.Module, checkpoint: dict, purpose: str, where: str, revise_keys=((r'^module\.', ''),)
) -> FitReport:
    """Fit ``checkpoint`` (from :func:`read_checkpoint`) to ``model`` and load it, or refuse it for
    ``purpose`` in one line.

    Args:
        model (nn.Module): The model (not its wrapper).
        checkpoint (dict): The checkpoint (a state dict, or a dict with ``state_dict``).
        purpose (str): ``'resume'``, ``'test'`` or ``'init'`` (see :meth:`FitReport.refusal`).
        where (str): The start of the error line (what the file is and its name).
        revise_keys (Sequence[tuple]): ``(pattern, replacement)`` regex pairs applied to the keys first.
            Defaults to removing a ``module.`` prefix (a DDP model's).

    Returns:
        FitReport: What was loaded.

    Raises:
        ValueError: If the checkpoint must not be used for ``purpose``.
    """
    state = checkpoint.get('state_dict', checkpoint)
    for pattern, repl in revise_keys:
        state = {re.sub(pattern, repl, k): v for k, v in state.items()}
    fitted, report = fit_state_dict(state, model)
    problem = report.refusal(purpose)
    if problem:
        raise InputError(f'{where}: {problem}')
    model.load_state_dict(fitted, strict=False)
    return report
