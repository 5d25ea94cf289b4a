"""How each modality's encoder starts: its own pretrained checkpoint (a 3-channel RGB one included, with
the stem adapted to the modality's channels), another checkpoint, or from scratch."""

import copy
import inspect
import logging
from typing import List, Optional, Union

from mmengine.logging import print_log
from torch import Tensor, nn

SAME = 'same'  # encoder_init value: the encoder's own init_cfg / pretrained, as configured


def adapt_input_weight(weight: Tensor, channels: int, blocks: int = 1) -> Tensor:
    """A stem filter bank for ``channels`` input channels from one for another count (RGB's 3): the
    filters averaged over their input channels, repeated ``channels`` times and scaled by
    ``in / channels``, so a constant input gives the same response as before. For one channel this is
    timm's ``adapt_input_conv`` (the sum over RGB); for other counts timm repeats the RGB filters instead.

    Args:
        weight (Tensor): The filters, out x in x kh x kw.
        channels (int): The new input channel count (a multiple of ``blocks``).
        blocks (int): The input is that many stacked copies of the image (YOLOX's ``Focus`` stacks 4
            shifted crops: 12 = 4 x 3 channels); each block is adapted on its own. Defaults to 1.

    Returns:
        Tensor: The filters, out x ``channels`` x kh x kw, in ``weight``'s dtype.
    """
    dtype, out_ch = weight.dtype, weight.shape[0]
    w = weight.double().reshape(out_ch, blocks, weight.shape[1] // blocks, *weight.shape[2:])
    per_block = channels // blocks
    new = w.sum(dim=2, keepdim=True) / per_block
    shape = [1] * new.dim()
    shape[2] = per_block
    return new.repeat(*shape).reshape(out_ch, channels, *weight.shape[2:]).to(dtype)


def image_blocks(given: int, want: int) -> int:
    """How many stacked copies of a 3-channel image a stem of ``given`` input channels reads (1, or 4 for
    YOLOX's Focus), when it is adapted to ``want`` channels.

    Args:
        given (int): The stem's input channels.
        want (int): The channels it is adapted to.

    Returns:
        int: The number of blocks (1 when ``want`` cannot be split into that many).
    """
    blocks = given // 3 if given % 3 == 0 else 1
    return blocks if want % blocks == 0 else 1


CHANNEL_KEYS = (
    'in_channels',
    'in_chans',
    'input_channels',
)  # how backbones name their input channels


def channels_argument(cls, keys=CHANNEL_KEYS) -> Optional[str]:
    """The first of ``keys`` that ``cls``'s constructor takes, also through ``**kwargs`` passed up its MRO
    (mmseg's ResNetV1c to ResNet).

    Args:
        cls (type): A backbone class.
        keys (Sequence[str]): The argument names looked for. Defaults to ``CHANNEL_KEYS``.

    Returns:
        str or None: The argument, or None: its stem is fixed at 3 channels.
    """
    for klass in cls.__mro__:
        if klass.__init__ is object.__init__:
            break
        params = inspect.signature(klass.__init__).parameters
        found = [k for k in keys if k in params]
        if found:
            return found[0]
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            break
    return None


def first_layer(module: nn.Module) -> Optional[nn.Module]:
    """The stem: the first convolution or linear layer in registration order (how every mmseg /
    mmdet backbone defines its input layer).

    Args:
        module (nn.Module): An encoder.

    Returns:
        nn.Module or None: The layer, or None when there is none.
    """
    return next((m for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))), None)


def input_channels(layer: nn.Module) -> Optional[int]:
    """A convolution's ``in_channels`` or a linear layer's ``in_features`` (None for another layer)."""
    return getattr(layer, 'in_channels', getattr(layer, 'in_features', None))


class StemAdapter:
    """A ``load_state_dict`` pre-hook on an encoder's stem convolution: a checkpoint filter bank with
    another input-channel count (a 3-channel RGB checkpoint into a 1-channel depth stem) is adapted by
    :func:`adapt_input_weight` instead of being skipped with a size-mismatch warning. It acts on every
    loader that goes through ``nn.Module`` loading (mmengine's ``Pretrained`` init, backbones' own
    ``init_weights``, ``load_checkpoint``); a checkpoint that already fits is loaded untouched.

    Args:
        modality (str): The encoder's modality, for the log line.
    """

    def __init__(self, modality: str):
        self.modality = modality

    def __call__(self, module, state_dict, prefix, *args):
        key = prefix + 'weight'
        given = state_dict.get(key)
        want = module.weight.shape
        if (
            given is None
            or given.dim() != len(want)
            or given.shape[1] == want[1]
            or given.shape[0] != want[0]
            or given.shape[2:] != want[2:]
        ):
            return
        state_dict[key] = adapt_input_weight(given, want[1], image_blocks(given.shape[1], want[1]))
        print_log(
            f'{self.modality} encoder: stem "{key}" adapted from {given.shape[1]} to {want[1]} input '
            f'channels (the checkpoint\'s filters averaged over their input channels, repeated, '
            f'scaled by {given.shape[1]}/{want[1]})',
            logger='current',
        )


def attach_stem_adapter(encoder: nn.Module, modality: str, channels: int) -> bool:
    """Register :class:`StemAdapter` on ``encoder``'s stem if it is a convolution taking ``channels``.

    Args:
        encoder (nn.Module): The encoder.
        modality (str): Its modality.
        channels (int): Its input channels.

    Returns:
        bool: Whether the adapter was registered.
    """
    stem = first_layer(encoder)
    if not isinstance(stem, nn.Conv2d) or stem.in_channels != channels or stem.groups != 1:
        return False
    stem.register_load_state_dict_pre_hook(StemAdapter(modality))
    return True


def rebuild_image_stems(encoder: nn.Module, modality: str, channels: int) -> List[str]:
    """For a backbone whose stem is fixed at 3 channels (no input-channel argument, or one its stem
    ignores): every convolution that reads the 3-channel image (``in_channels == 3``; else a first
    convolution on stacked copies of it, YOLOX's ``Focus``) is replaced by a copy that reads ``channels``
    (per copy), its filters adapted by :func:`adapt_input_weight` (so the backbone's initialisation scale is
    kept) and a :class:`StemAdapter` on it (so a 3-channel checkpoint loads adapted).

    Args:
        encoder (nn.Module): The encoder, changed in place.
        modality (str): Its modality.
        channels (int): Its input channels.

    Returns:
        List[str]: The names of the replaced convolutions.
    """
    convs = [
        (n, m) for n, m in encoder.named_modules() if isinstance(m, nn.Conv2d) and m.groups == 1
    ]
    stems = [(n, m) for n, m in convs if m.in_channels == 3]
    if not stems and convs and convs[0][1].in_channels % 3 == 0:
        stems = [convs[0]]
    for name, conv in stems:
        blocks = conv.in_channels // 3
        new = copy.deepcopy(
            conv
        )  # keeps the class (e.g. mmcv's Conv2dAdaptivePadding) and its settings
        new.in_channels = channels * blocks
        new.weight = nn.Parameter(adapt_input_weight(conv.weight.data, channels * blocks, blocks))
        new.register_load_state_dict_pre_hook(StemAdapter(modality))
        parent, _, attr = name.rpartition('.')
        setattr(encoder.get_submodule(parent) if parent else encoder, attr, new)
    return [n for n, _ in stems]


def _is_pretrained(init: dict) -> bool:
    return isinstance(init, dict) and init.get('type') == 'Pretrained'


def pretrained_checkpoints(init_cfg) -> list:
    """The checkpoints of the ``Pretrained`` entries of an ``init_cfg``.

    Args:
        init_cfg (dict | list | None): A module's ``init_cfg``.

    Returns:
        list: The checkpoint paths or URLs.
    """
    inits = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    return [i.get('checkpoint') for i in inits if _is_pretrained(i)]


def apply_encoder_init(cfg: dict, choice: Union[str, None], field: str) -> dict:
    """The encoder config with its pretrained source replaced as ``choice`` says: ``'same'`` (unchanged),
    ``None`` or ``'scratch'`` (no ``pretrained``, no ``Pretrained`` init: the backbone's default
    initialisation) or a checkpoint path (in the encoder's ``Pretrained`` init, its prefix kept).

    Args:
        cfg (dict): The encoder's backbone config (not changed).
        choice (str, optional): ``'same'``, ``'scratch'`` / None, or a checkpoint path.
        field (str): The config field, for the error.

    Returns:
        dict: The config (a copy when changed).

    Raises:
        TypeError: If ``choice`` is not a string or None.
    """
    if choice == SAME:
        return cfg
    if choice == 'scratch':
        choice = None
    if choice is not None and not isinstance(choice, str):
        raise TypeError(
            f'{field} must be "same", "scratch" (or None) or a checkpoint path, got {choice!r}'
        )
    init = cfg.get('init_cfg')
    inits = [i for i in (init if isinstance(init, list) else [init]) if i is not None]
    if (
        choice is None
        and not isinstance(cfg.get('pretrained'), str)
        and not any(map(_is_pretrained, inits))
    ):
        return cfg
    cfg = copy.deepcopy(cfg)
    cfg.pop('pretrained', None)
    kept = [i for i in inits if not _is_pretrained(i)]
    if choice is not None:
        old = next((i for i in inits if _is_pretrained(i)), {})
        kept.append(dict(old, type='Pretrained', checkpoint=choice))
    cfg['init_cfg'] = kept[0] if len(kept) == 1 else (kept or None)
    return cfg


def drop_pretrained(node) -> None:
    """Every ``pretrained`` and ``Pretrained`` init under a (model) config, in place: a hub checkpoint
    that cannot be fetched, for a build that only needs the architecture (tests, the zoo sweep).

    Args:
        node (dict | list): The config, changed in place.
    """
    if isinstance(node, dict):
        if node.get('pretrained'):
            node['pretrained'] = None
        if _is_pretrained(node.get('init_cfg')):
            node['init_cfg'] = None
        for v in node.values():
            drop_pretrained(v)
    elif isinstance(node, list):
        for v in node:
            drop_pretrained(v)


class LoadCounter:
    """A ``load_state_dict`` pre-hook on an encoder: how many of its parameters and buffers the last
    loaded state dict provides, so that a checkpoint with the wrong key set (a ``backbone.`` prefix, a
    whole segmentor) is reported with numbers instead of one generic mismatch warning."""

    def __init__(self):
        self.matched = self.total = None
        self.hint = ''

    def __call__(self, module, state_dict, prefix, *args):
        own = set(module.state_dict())
        given = [k[len(prefix) :] for k in state_dict if k.startswith(prefix)]
        self.matched, self.total = len(own & set(given)), len(own)
        self.hint = ''
        if not self.matched and given:  # a common prefix that would make the keys match?
            for head in sorted({k.split('.', 1)[0] + '.' for k in given if '.' in k}):
                if own & {k[len(head) :] for k in given if k.startswith(head)}:
                    self.hint = f'; its keys match with init_cfg.prefix={head!r}'
                    break


def describe_init(name: str, encoder: nn.Module, channels: int, adapted: bool, choice=SAME) -> str:
    """One log line: which checkpoint goes into which encoder, or that it starts from scratch.

    Args:
        name (str): The modality.
        encoder (nn.Module): Its encoder.
        channels (int): Its input channels.
        adapted (bool): Whether its stem can adapt a checkpoint of another channel count.
        choice (str, optional): Its ``encoder_init`` value. Defaults to ``'same'``.

    Returns:
        str: The line.
    """
    ckpts = pretrained_checkpoints(getattr(encoder, 'init_cfg', None))
    what = f'{name} encoder ({type(encoder).__name__}, {channels} channel{"s" * (channels != 1)})'
    if not ckpts:
        why = f' (model.encoder_init.{name}={choice!r})' if choice in (None, 'scratch') else ''
        return f'{what}: no pretrained checkpoint, the backbone\'s default initialisation{why}'
    stem = (
        ''
        if adapted
        else (
            ' (its first layer is not a convolution on the input: a checkpoint stem of '
            'another channel count cannot be adapted)'
        )
    )
    return f'{what}: loading {", ".join(map(str, ckpts))}{stem}'


def report_loading(name: str, encoder: nn.Module, counter: LoadCounter):
    """After init_weights: how much of the encoder came from its checkpoint; loud when nothing did.

    Args:
        name (str): The modality.
        encoder (nn.Module): Its encoder.
        counter (LoadCounter): The encoder's load counter.
    """
    ckpts = pretrained_checkpoints(getattr(encoder, 'init_cfg', None))
    if not ckpts:
        return
    if counter.total is None:
        print_log(
            f'{name} encoder: its backbone did not load {ckpts[0]} (its init_weights ignores init_cfg); '
            'it keeps its default initialisation',
            logger='current',
            level=logging.WARNING,
        )
    elif counter.matched == 0:
        print_log(
            f'{name} encoder: none of its {counter.total} parameters and buffers are in {ckpts[0]}: it '
            f'keeps its default initialisation{counter.hint}',
            logger='current',
            level=logging.WARNING,
        )
    else:
        level = logging.INFO if counter.matched == counter.total else logging.WARNING
        print_log(
            f'{name} encoder: {counter.matched} of its {counter.total} parameters and buffers loaded '
            f'from {ckpts[0]}',
            logger='current',
            level=level,
        )


__all__ = [
    'CHANNEL_KEYS',
    'channels_argument',
    'adapt_input_weight',
    'image_blocks',
    'rebuild_image_stems',
    'first_layer',
    'input_channels',
    'StemAdapter',
    'attach_stem_adapter',
    'apply_encoder_init',
    'pretrained_checkpoints',
    'drop_pretrained',
    'LoadCounter',
    'describe_init',
    'report_loading',
    'SAME',
]
