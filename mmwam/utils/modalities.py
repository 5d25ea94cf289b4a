"""The one description of a model's modalities: name -> channel count, in the canonical channel order.

The channel order of the concatenated tensor is NOT the order of the config dict: mmengine sorts dict
keys when it dumps a config (``work_dirs/*/config.py``, checkpoints), which would silently swap the
modalities of a re-loaded config. The order is fixed by a rule instead: ``rgb`` first (it is the image
``LoadImageFromFile`` reads), then the other modalities in alphabetical order, which is also the order
in which ``ConcatModalities`` appends them.
"""

from collections import OrderedDict
from itertools import combinations
from typing import Dict, List, Mapping, Sequence, Tuple

from .errors import InputError

FIRST = 'rgb'


def canonical_order(names) -> List[str]:
    """``rgb`` first, then the rest alphabetically: the channel order of the concatenated input.

    Args:
        names (Iterable[str]): Modality names.

    Returns:
        List[str]: The names in that order.
    """
    return sorted(names, key=lambda n: (n != FIRST, n))


def parse_modalities(
    modalities: Mapping[str, int], where: str = 'modalities'
) -> 'OrderedDict[str, int]':
    """Validate ``dict(rgb=3, depth=1)``-like config values.

    Args:
        modalities (Mapping[str, int]): Modality name to channel count.
        where (str): The config field, for the errors. Defaults to ``'modalities'``.

    Returns:
        OrderedDict[str, int]: The modalities in the canonical order (:func:`canonical_order`).

    Raises:
        TypeError: If ``modalities`` is not a non-empty mapping.
        ValueError: If a channel count is not a positive int, or a name holds ``+`` or ``/``.
    """
    if not isinstance(modalities, Mapping) or len(modalities) == 0:
        raise TypeError(
            f'{where} must be a non-empty dict name -> channel count, e.g. '
            f'dict(rgb=3, depth=1); got {modalities!r}'
        )
    for name, ch in modalities.items():
        if not isinstance(ch, int) or isinstance(ch, bool) or ch < 1:
            raise InputError(f'{where}[{name!r}] must be a positive int (channels), got {ch!r}')
        if '+' in name or '/' in name:
            raise InputError(f'{where}: modality name {name!r} may not contain "+" or "/"')
    return OrderedDict((n, modalities[n]) for n in canonical_order(modalities))


def channel_slices(modalities: Mapping[str, int]) -> Dict[str, slice]:
    """Where each modality lies on the channel axis of the concatenated tensor.

    Args:
        modalities (Mapping[str, int]): Modality name to channel count, in the tensor's order.

    Returns:
        Dict[str, slice]: Each modality's channels.
    """
    out, start = {}, 0
    for name, ch in modalities.items():
        out[name] = slice(start, start + ch)
        start += ch
    return out


def subset_name(subset: Sequence[str]) -> str:
    """A subset's name, its modalities joined by ``+`` (``'rgb+depth'``).

    Args:
        subset (Sequence[str]): Modality names.

    Returns:
        str: The name.
    """
    return '+'.join(subset)


def all_subsets(names: Sequence[str]) -> List[Tuple[str, ...]]:
    """Every non-empty subset, the full set first, then by decreasing size, in modality order.

    Args:
        names (Sequence[str]): Modality names.

    Returns:
        List[Tuple[str, ...]]: The 2^M - 1 subsets.
    """
    return [c for r in range(len(names), 0, -1) for c in combinations(names, r)]


def parse_subsets(subsets, names: Sequence[str], where: str = 'subsets') -> List[Tuple[str, ...]]:
    """Subsets as config values give them, checked.

    Args:
        subsets (Sequence[str | Sequence[str]], optional): ``'rgb+depth'`` strings or name tuples;
            None: every subset.
        names (Sequence[str]): The model's modality names.
        where (str): The config field, for the errors. Defaults to ``'subsets'``.

    Returns:
        List[Tuple[str, ...]]: The subsets, each in ``names`` order.

    Raises:
        ValueError: If a subset is empty or names an unknown modality.
    """
    if subsets is None:
        return all_subsets(names)
    out = []
    for s in subsets:
        parts = tuple(s.split('+')) if isinstance(s, str) else tuple(s)
        unknown = [p for p in parts if p not in names]
        if not parts or unknown:
            raise InputError(
                f'{where}: {s!r} is not a non-empty subset of the modalities {list(names)}'
            )
        out.append(tuple(n for n in names if n in parts))
    return out


def model_modalities(modalities, data_preprocessor, model_type: str):
    """A wrapper's ``modalities``: as given, else the data preprocessor's (so a config states them once).

    Args:
        modalities (Mapping[str, int], optional): The model's ``modalities`` argument.
        data_preprocessor (dict, optional): The model's data preprocessor config.
        model_type (str): The model's type, for the error.

    Returns:
        Mapping[str, int]: The modalities.

    Raises:
        ValueError: If neither gives them.
    """
    if modalities is None and isinstance(data_preprocessor, Mapping):
        modalities = data_preprocessor.get('modalities')
    if modalities is None:
        raise InputError(
            f'{model_type}: set model.data_preprocessor.modalities (or model.modalities), '
            f'e.g. dict(rgb=3, depth=1)'
        )
    return modalities


def check_preprocessor_modalities(model) -> None:
    """A model's data preprocessor must describe the same modalities as its backbone.

    Args:
        model (nn.Module): A multimodal model (with ``backbone.modalities``).

    Raises:
        ValueError: If the two differ.
    """
    given = getattr(model.data_preprocessor, 'modalities', None)
    if given is not None and dict(given) != dict(model.backbone.modalities):
        raise InputError(
            f'model.data_preprocessor.modalities {dict(given)} != model.modalities '
            f'{dict(model.backbone.modalities)}'
        )
