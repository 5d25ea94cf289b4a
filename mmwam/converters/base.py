"""Where configs come from: the package's configs folder, reading a config, the conversion error."""

import os.path as osp

from mmengine.config import Config

from ..utils.cli import InputError, read_config


def _configs_root() -> str:
    """mmwam's configs: shipped in the package as ``mmwam/.mim/configs`` (a copy in a wheel, a link in
    an editable install, as OpenMMLab packages do), else the source tree's ``configs/``."""
    here = osp.dirname(osp.dirname(osp.abspath(__file__)))  # mmwam/
    packaged = osp.join(here, '.mim', 'configs')
    return packaged if osp.isdir(packaged) else osp.join(osp.dirname(here), 'configs')


CONFIGS = _configs_root()


class ConversionError(InputError):
    """A config that cannot be made multimodal; the message names the field and why."""


def load_config(path: str) -> Config:
    """``read_config`` (paths and ``mmseg::`` / ``mmdet::`` names) with a missing package named.

    Args:
        path (str): A config path or an ``mmseg::`` / ``mmdet::`` name.

    Returns:
        Config: The config.

    Raises:
        ConversionError: If the file, the name or its package is missing.
    """
    try:
        return read_config(path)
    except (
        InputError
    ) as e:  # a missing file, a zoo name that does not exist, a package not installed
        msg = str(e)  # a ConversionError does not name the config: the CLI puts it in front
        raise ConversionError(msg[len(path) + 2 :] if msg.startswith(f'{path}: ') else msg) from e
