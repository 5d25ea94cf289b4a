"""One encoder per modality, MWAM and per-level fusion, behind the interface of a single backbone."""

import copy
from contextlib import contextmanager
from typing import Dict, List, NamedTuple, Optional, Sequence

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule, ModuleDict, ModuleList
from mmseg.registry import MODELS as SEG_MODELS
from torch import Tensor

from ..registry import register_model
from ..utils.checkpoint import check_checkpoint_file
from ..utils.errors import InputError
from ..utils.modalities import parse_modalities
from .balancer import Balancer
from .encoder_cache import EncoderOutputCache
from .encoder_init import (
    SAME,
    LoadCounter,
    apply_encoder_init,
    attach_stem_adapter,
    channels_argument,
    describe_init,
    first_layer,
    input_channels,
    pretrained_checkpoints,
    rebuild_image_stems,
    report_loading,
)
from .mwam import MWAM

DEFAULT_MWAM = dict(type='MWAM')  # the wrappers' default ``mwam``, which a ``balancer`` replaces


class EvaluationScope(NamedTuple):
    """What an evaluation asks of the backbone (:meth:`MultiModalBackbone.evaluating`)."""

    zeroed: tuple = ()
    cache: Optional[EncoderOutputCache] = None


def _build(cfg):
    # mmengine switches to the registry of the current default scope (mmdet's under mmdet), so one
    # entry point serves both tasks.
    return SEG_MODELS.build(cfg)


def build_encoder(cfg: dict, modality: str, channels: int, in_channels_key: str = 'in_channels'):
    """One modality's encoder from a backbone config: ``in_channels_key=channels`` where the backbone takes
    it; a backbone whose stem is fixed at 3 channels (MobileNet, CSPNeXt, ...; or one that ignores the
    argument) gets its image-reading convolutions rebuilt for ``channels``
    (:func:`encoder_init.rebuild_image_stems`).

    Args:
        cfg (dict): The backbone config.
        modality (str): The modality's name (for the log).
        channels (int): Its input channels.
        in_channels_key (str): The backbone's argument for its input channels. Defaults to
            ``'in_channels'``.

    Returns:
        tuple: The encoder (``nn.Module``) and the names of its rebuilt stems (``List[str]``).

    Raises:
        ValueError: If the backbone type is not registered.
    """
    cfg = dict(cfg)
    kind = cfg['type']
    cls, scope = _registered_class(kind)
    if cls is None:
        raise InputError(f'model.backbone type {kind!r} is not registered (in scope {scope})')
    if channels_argument(cls, (in_channels_key,)):
        cfg[in_channels_key] = channels
    encoder = _build(cfg)
    if input_channels(first_layer(encoder)) in (channels, None):
        return encoder, []
    rebuilt = rebuild_image_stems(encoder, modality, channels)
    if rebuilt:
        print_log(
            f'{modality} encoder ({kind}): its stem reads a 3-channel image; rebuilt for {channels} '
            f'channel{"s" * (channels != 1)} ({", ".join(rebuilt)}: filters averaged over RGB and '
            'repeated; a 3-channel checkpoint loads adapted the same way)',
            logger='current',
        )
    return encoder, rebuilt


def _registered_class(kind):
    """The class a config's ``type`` names, looked up in the current default scope's registry (mmdet's
    under mmdet), and that scope; ``(None, scope)`` when nothing is registered under the name."""
    with SEG_MODELS.switch_scope_and_registry(None) as registry:
        return (registry.get(kind) if isinstance(kind, str) else kind), registry.scope


def _output_shapes(encoder, channels: int) -> List[tuple]:
    """The shapes of an encoder's outputs on a 1 x ``channels`` x 64 x 64 input of zeros: no gradient,
    eval mode (restored after), the random state untouched."""
    training = encoder.training
    encoder.eval()
    try:
        with torch.no_grad(), torch.random.fork_rng():
            out = encoder(torch.zeros(1, channels, 64, 64))
    finally:
        encoder.train(training)
    out = [out] if isinstance(out, Tensor) else out
    return [tuple(t.shape) for t in out if isinstance(t, Tensor)]


def _outputs_need_rgb(encoder: dict, modalities: Dict[str, int], key: str) -> List[str]:
    """``replicate_to_rgb='auto'``: the 1-channel modalities for which a backbone built for 1 channel gives
    other outputs than one built for 3 (CGNet concatenates the image into its features). Builds two
    throw-away encoders with the random state untouched; a backbone that cannot run a 64x64 input gets
    no verdict (not replicated)."""
    ones = [m for m, c in modalities.items() if c == 1]
    cls, _ = _registered_class(encoder['type'])
    if not ones or cls is None or not channels_argument(cls, (key,)):
        return []
    cfg = dict(encoder, init_cfg=None)
    cfg.pop('pretrained', None)
    with torch.random.fork_rng():
        try:
            rgb, one = (build_encoder(cfg, ones[0], n, key)[0] for n in (3, 1))
            differ = _output_shapes(rgb, 3) != _output_shapes(one, 1)
        except RuntimeError:  # torch's shape error: a backbone that needs another input size (BEiT)
            differ = False
    return ones if differ else []


def _needs_channels(fusion: dict) -> bool:
    """Whether a fusion type takes ``channels`` without a default (one module per level)."""
    import inspect

    cls, _ = _registered_class(fusion.get('type'))
    if cls is None:
        return False
    param = inspect.signature(cls.__init__).parameters.get('channels')
    return param is not None and param.default is inspect.Parameter.empty


@register_model()
class MultiModalBackbone(BaseModule):
    """Splits the concatenated input by ``modalities`` channels, encodes each modality with its own
    encoder, applies MWAM (training only) and fuses each feature level.

    ``init_weights`` (called by the Runner) initialises every encoder through MMEngine's normal path
    (its ``init_cfg``, or its default init) and logs which checkpoint went into which encoder.

    Args:
        modalities (Dict[str, int]): Ordered ``dict(rgb=3, depth=1)``: the channel layout of the input
            tensor.
        encoder (dict): One backbone config, cloned per modality with ``in_channels_key`` set to its
            channels; or a dict with one backbone config per modality name (used as given).
        mwam (dict, optional): The MWAM config (None: no re-balancing, the baseline). Defaults to
            ``dict(type='MWAM')``.
        fusion (dict): Fusion config. With ``in_channels`` (a list, one entry per feature level) one
            module is built per level with ``channels=in_channels[l]``; ``in_channels='auto'``, or none
            for a fusion that needs ``channels`` (``ConcatFusion``), takes them from
            :meth:`level_channels`; otherwise one parameter-free module serves all levels. Defaults to
            ``dict(type='AddFusion')``.
        in_channels_key (str): The backbone's argument for its input channels. Defaults to
            ``'in_channels'``.
        pretrained (str, optional): Forwarded to every encoder (as EncoderDecoder's ``pretrained``
            argument does). Defaults to None.
        encoder_init (Dict[str, str], optional): Per modality, how its encoder starts: ``'same'`` (its own
            ``init_cfg`` / ``pretrained`` as configured), a checkpoint path, or ``'scratch'`` / None (the
            backbone's default initialisation). A checkpoint whose stem has another channel count (an RGB
            checkpoint for a 1-channel depth encoder) is adapted: see ``encoder_init.StemAdapter``.
            Defaults to None (``'same'`` for every modality).
        modality_dropout (dict, optional): A :class:`~mmwam.models.ModalityDropout` config (training
            only; None: off). Defaults to None.
        balancer (dict, optional): Any balancer's config instead of ``mwam`` (``dict(type='OGMGE')``,
            ``dict(type='MWAM', ...)``; see :class:`~mmwam.models.Balancer`): it replaces the default
            ``mwam`` (a non-default ``mwam`` next to it is an error). None: ``mwam`` is used. Defaults to
            None.
        replicate_to_rgb (Sequence[str]): 1-channel modalities given to an encoder built for 3 channels as
            3 identical channels, for a backbone whose outputs depend on its input channels (CGNet
            concatenates the image into its features); an RGB checkpoint then loads as is (the same as an
            adapted stem). ``'auto'``: every 1-channel modality whose backbone takes an input-channel
            argument and whose outputs change with it (a forward of a 1- and a 3-channel build, decided
            at build time, the random state untouched). Defaults to ().
        init_cfg (dict, optional): MMEngine's initialisation config of this module. Defaults to None.

    Raises:
        ValueError: If the modalities, encoders, balancer or ``encoder_init`` do not fit together.
    """

    def __init__(
        self,
        modalities: Dict[str, int],
        encoder: dict,
        mwam: Optional[dict] = dict(type='MWAM'),
        fusion: dict = dict(type='AddFusion'),
        in_channels_key: str = 'in_channels',
        pretrained: Optional[str] = None,
        encoder_init: Optional[Dict[str, Optional[str]]] = None,
        modality_dropout: Optional[dict] = None,
        balancer: Optional[dict] = None,
        replicate_to_rgb: Sequence[str] = (),
        init_cfg=None,
    ):
        super().__init__(init_cfg=init_cfg)
        self.modalities = parse_modalities(modalities, 'model.modalities')
        names = list(self.modalities)
        per_modality = isinstance(encoder, dict) and set(encoder) == set(names)
        if replicate_to_rgb == 'auto':
            replicate_to_rgb = (
                () if per_modality else _outputs_need_rgb(encoder, self.modalities, in_channels_key)
            )
        self.replicate_to_rgb = tuple(replicate_to_rgb)
        bad = [m for m in self.replicate_to_rgb if self.modalities.get(m) != 1]
        if bad:
            raise InputError(
                f'model.replicate_to_rgb {bad}: only 1-channel modalities can be replicated to 3 '
                f'channels (modalities: {dict(self.modalities)})'
            )
        encoder_init = dict(encoder_init or {})
        unknown = set(encoder_init) - set(names)
        if unknown:
            raise InputError(
                f'model.encoder_init names {sorted(unknown)}, which are not modalities {names}'
            )
        # mmengine's containers: BaseModule.init_weights reaches only children that have init_weights
        self.encoders = ModuleDict()
        self._scope = (
            EvaluationScope()
        )  # set only inside ``evaluating`` (the missing-modality loops)
        self._stem_adapted, self._load_counters = {}, {}
        self._encoder_init = encoder_init
        for name, ch in self.modalities.items():
            cfg = copy.deepcopy(dict(encoder[name] if per_modality else encoder))
            if 'type' not in cfg:
                raise InputError(f'model.backbone for modality {name!r} has no "type": {cfg}')
            if pretrained is not None:
                cfg['pretrained'] = pretrained
            cfg = apply_encoder_init(
                cfg, encoder_init.get(name, SAME), f'model.encoder_init.{name}'
            )
            if per_modality:  # used as given
                self.encoders[name], rebuilt = _build(cfg), []
            else:
                ch = 3 if name in self.replicate_to_rgb else ch
                self.encoders[name], rebuilt = build_encoder(cfg, name, ch, in_channels_key)
            self._stem_adapted[name] = bool(rebuilt) or attach_stem_adapter(
                self.encoders[name], name, ch
            )
            self._load_counters[name] = LoadCounter()
            self.encoders[name].register_load_state_dict_pre_hook(self._load_counters[name])
        self.mwam = None
        if balancer is not None and mwam not in (None, DEFAULT_MWAM):
            raise InputError(
                f'give model.balancer ({balancer}) or model.mwam ({mwam}), not both: one balancer '
                'per model (set model.mwam=None next to a balancer)'
            )
        balancer = balancer if balancer is not None else mwam
        if balancer is not None:
            balancer = dict(balancer)
            given = balancer.setdefault('modalities', names)
            if list(given) != names:
                raise InputError(
                    f'{balancer["type"]}.modalities {list(given)} != model modalities {names}'
                )
            module = _build(balancer)
            if not isinstance(module, Balancer):
                raise InputError(
                    f'model.balancer type {balancer["type"]!r} is not a Balancer subclass '
                    '(mmwam.models.balancer)'
                )
            # MWAM keeps its checkpoint keys ``backbone.mwam.*``; another balancer is ``backbone.balancer.*``
            # (registered directly: ``balancer`` is the property below)
            if isinstance(module, MWAM):
                self.mwam = module
            else:
                self._modules['balancer'] = module
            module.attach(self.encoders)
        self.modality_dropout = None
        if modality_dropout is not None:
            self.modality_dropout = _build(
                dict(dict(type='ModalityDropout'), **modality_dropout, modalities=names)
            )
        fusion = dict(fusion)
        level_channels = fusion.pop('in_channels', None)
        if level_channels == 'auto' or (level_channels is None and _needs_channels(fusion)):
            level_channels = self.level_channels()
        if level_channels is None:
            self.fusions = ModuleList([_build(dict(fusion, num_modalities=len(names)))])
        else:
            self.fusions = ModuleList(
                _build(dict(fusion, channels=c, num_modalities=len(names))) for c in level_channels
            )

    def level_channels(self) -> List[int]:
        """The channels of each feature level the encoders give (one forward of zeros, 64x64, through
        the first encoder, in eval mode with the random state untouched), for modules sized from the
        backbone: ``ConcatFusion``, auxiliary heads.

        Returns:
            List[int]: One channel count per level.
        """
        if getattr(self, '_level_channels', None) is None:
            name = next(iter(self.modalities))
            channels = 3 if name in self.replicate_to_rgb else self.modalities[name]
            self._level_channels = [s[1] for s in _output_shapes(self.encoders[name], channels)]
        return list(self._level_channels)

    def init_weights(self):
        if self._is_init:
            return super().init_weights()  # MMEngine's "called more than once" message
        for name, ch in self.modalities.items():
            encoder = self.encoders[name]
            for ckpt in pretrained_checkpoints(getattr(encoder, 'init_cfg', None)):
                check_checkpoint_file(ckpt, f'{name} encoder\'s pretrained checkpoint')
            print_log(
                describe_init(
                    name, encoder, ch, self._stem_adapted[name], self._encoder_init.get(name, SAME)
                ),
                logger='current',
            )
            self._load_counters[name].matched = self._load_counters[name].total = None
        urls = {
            name: ckpt
            for name, encoder in self.encoders.items()
            for ckpt in pretrained_checkpoints(getattr(encoder, 'init_cfg', None))
            if '://' in str(ckpt)
        }
        try:
            super().init_weights()
        except (OSError, ImportError, RuntimeError) as e:
            if not urls:
                raise
            # a hub checkpoint without a network (URLError), or torchvision:// without torchvision
            name, url = next(iter(urls.items()))
            raise InputError(
                f"{name} encoder's pretrained checkpoint {url}: loading failed "
                f'({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}). Download it and '
                f'give the file (--cfg-options model.encoder_init.{name}=PATH), or train '
                f"that encoder from its default initialisation (model.encoder_init.{name}=scratch)"
            ) from e
        for name in self.modalities:
            report_loading(name, self.encoders[name], self._load_counters[name])

    def __getattr__(self, name: str):
        """What a detector reads from its backbone besides the forward (TridentNet's ``num_branch`` and
        ``test_branch_idx``) is the encoders' own: they are clones of one backbone config."""
        try:
            return super().__getattr__(name)
        except AttributeError:
            encoders = self.__dict__['_modules'].get('encoders')
            if name.startswith('_') or encoders is None or not len(encoders):
                raise
            return getattr(next(iter(encoders.values())), name)

    @property
    def balancer(self) -> Optional[Balancer]:
        """The model's balancer, whichever it is (``self.mwam`` is the same module when it is MWAM)."""
        return self.mwam if self.mwam is not None else self._modules.get('balancer')

    def split(self, inputs: Tensor):
        """The per-modality views of the concatenated input, in ``modalities`` order.

        Args:
            inputs (Tensor): The B x C x H x W model input, C the sum of the modalities' channels.

        Returns:
            Tuple[Tensor]: One view per modality.
        """
        total = sum(self.modalities.values())
        if inputs.dim() != 4 or inputs.shape[1] != total:
            raise ValueError(
                f'the model input has shape {tuple(inputs.shape)}, but model.modalities = '
                f'{dict(self.modalities)} needs {total} channels'
            )
        return torch.split(inputs, list(self.modalities.values()), dim=1)

    @contextmanager
    def evaluating(self, zeroed: Sequence[str] = (), cache: Optional[EncoderOutputCache] = None):
        """Inside the block (evaluation only): the ``zeroed`` modalities are not encoded, their features
        are zeros (the feature-level missing-modality evaluation), and the encoders run through ``cache``
        (encoder outputs shared by the subsets of a batch). The one way an evaluation steers the model.

        Args:
            zeroed (Sequence[str]): Modalities whose features are zeros. Defaults to ().
            cache (EncoderOutputCache, optional): Encoder outputs shared within the evaluation. Defaults
                to None.

        Yields:
            MultiModalBackbone: The backbone itself.

        Raises:
            ValueError: If ``zeroed`` names an unknown modality.
        """
        unknown = [m for m in zeroed if m not in self.modalities]
        if unknown:
            raise ValueError(
                f'evaluating: unknown modalities {unknown}; known: {list(self.modalities)}'
            )
        saved, self._scope = self._scope, EvaluationScope(tuple(zeroed), cache)
        try:
            yield self
        finally:
            self._scope = saved

    def _balancing(self) -> bool:
        return self.balancer is not None and self.training and torch.is_grad_enabled()

    def forward(self, inputs: Tensor):
        """:meth:`encode`, then :meth:`fuse`.

        Args:
            inputs (Tensor): The B x C x H x W concatenated input.

        Returns:
            tuple: The fused feature levels.
        """
        return self.fuse(self.encode(inputs))

    def encode(self, inputs: Tensor) -> List[List[Tensor]]:
        """Each modality's feature levels, in ``modalities`` order: the balancer's input-side step, modality
        dropout, the encoders. What per-modality heads train on (before the balancer's feature step).

        Args:
            inputs (Tensor): The B x C x H x W concatenated input.

        Returns:
            List[List[Tensor]]: Per modality, its feature levels.
        """
        parts = self.split(inputs)
        keep = None
        if (
            self._balancing()
        ):  # before the encoders (MWAM's host sync then costs ~nothing), on the undropped inputs
            self.balancer.before_encoders(parts)
        if self.modality_dropout is not None and self.training:
            keep = self.modality_dropout.draw(
                inputs.shape[0]
            )  # (B, M): the modalities each sample keeps
            if self.modality_dropout.level == 'input':
                parts = [
                    self.modality_dropout.zero_dropped(x, keep[:, i]) for i, x in enumerate(parts)
                ]
        feats = self._encode(parts)
        if keep is not None and self.modality_dropout.level == 'input':
            feats = [
                [self.modality_dropout.stop_gradient_of_dropped(f, keep[:, i]) for f in levels]
                for i, levels in enumerate(feats)
            ]
        if keep is not None and self.modality_dropout.level == 'feature':
            feats = [
                [self.modality_dropout.zero_dropped(f, keep[:, i]) for f in levels]
                for i, levels in enumerate(feats)
            ]
        return feats

    def fuse(self, feats: List[List[Tensor]]) -> tuple:
        """The balancer's feature step (MWAM's gradient scaling, training only) and the per-level fusion:
        the fused feature levels a stock neck or head expects.

        Args:
            feats (List[List[Tensor]]): Per modality, its feature levels (:meth:`encode`).

        Returns:
            tuple: The fused feature levels.

        Raises:
            ValueError: If the encoders' levels differ in number or shape, or ``fusion.in_channels`` does
                not fit them.
        """
        if self._balancing():
            feats = self.balancer.on_features(feats)
        num_levels = {len(f) for f in feats}
        if len(num_levels) != 1:
            raise ValueError(
                f'the encoders return different numbers of feature levels: {num_levels}'
            )
        levels = num_levels.pop()
        if len(self.fusions) not in (1, levels):
            raise ValueError(
                f'fusion.in_channels has {len(self.fusions)} levels, the encoders give {levels}'
            )
        fuse = [self.fusions[min(i, len(self.fusions) - 1)] for i in range(levels)]
        return tuple(self._fuse_level(fuse[i], [f[i] for f in feats], i) for i in range(levels))

    def _fuse_level(self, fusion, items, level):
        """One level's features of every modality fused; a level that is a sequence (DPT's ViT gives
        ``[feature map, class token]``) is fused item by item."""
        if not isinstance(items[0], Tensor):
            return type(items[0])(
                self._fuse_level(fusion, [it[j] for it in items], level)
                for j in range(len(items[0]))
            )
        shapes = {
            tuple(int(s) for s in f.shape) for f in items
        }  # ints: under ONNX tracing sizes are tensors
        if len(shapes) != 1:
            raise ValueError(
                f'the encoders give level-{level} features of different shapes '
                f'{dict(zip(self.modalities, (tuple(f.shape) for f in items)))}: this '
                'backbone\'s outputs depend on its input channels, which fusion cannot join; '
                'give its 1-channel modalities as 3 channels: model.replicate_to_rgb=[...]'
            )
        return fusion(items)

    def _encode(self, parts):
        """Each modality's feature levels: through the evaluation's cache if one is set; a modality whose
        features the evaluation zeroes is not encoded at all (zeros shaped like another's features)."""
        cache = None if self.training else self._scope.cache
        zeroed = () if self.training else self._scope.zeroed
        feats = {}
        for name, x in zip(self.modalities, parts):
            if name in zeroed:
                continue
            if name in self.replicate_to_rgb:
                x = x.expand(-1, 3, -1, -1)
            out = (
                self.encoders[name](x)
                if cache is None
                else cache.encode(name, self.encoders[name], x)
            )
            feats[name] = [out] if isinstance(out, Tensor) else list(out)
        if not feats:
            raise ValueError(f'every modality is zeroed at feature level ({list(zeroed)})')
        like = next(iter(feats.values()))
        return [
            feats[n] if n in feats else [torch.zeros_like(f) for f in like] for n in self.modalities
        ]
