"""Data errors that name the split list, its line and the sample, for every multimodal dataset."""

import os.path as osp
import re

import cv2

from ..utils.cli import InputError


class DataError(InputError):
    """A sample or split list that cannot be used: one line naming the list, the line and the file.
    The CLI tools print it as such, also when it comes from a data-loading worker."""


# what a loader raises about a file (missing, unreadable, undecodable, wrong size, NaN, bad labels);
# anything else (a TypeError, ...) is a bug and keeps its traceback
DATA_ERRORS = (OSError, ValueError, KeyError, AssertionError, cv2.error)


class DataErrorsMixin:
    """Put in front of a dataset class: an empty sample list, and a sample whose pipeline fails on its
    files, become a :class:`DataError` saying where the sample came from (``ann_file``, and the line
    when the dataset records it as ``data_info['split_line']``)."""

    def filter_data(self):
        return self.require_samples(super().filter_data())

    def require_samples(self, data_list):
        """``data_list`` (the samples left after filtering), refused when empty: mmengine would fail on it
        with "need at least one array to concatenate"."""
        if not data_list:
            source = (
                self.ann_file
                or self.data_prefix.get('img_path')
                or self.data_prefix.get('img')
                or self.data_root
            )
            found = len(self.data_list) if getattr(self, 'data_list', None) else 0
            why = (
                f'all {found} were filtered out (filter_cfg={self.filter_cfg})'
                if found
                else 'it is empty'
            )
            raise DataError(f'{type(self).__name__}: no samples in {source} ({why})')
        return data_list

    def prepare_data(self, idx):
        try:
            check_jpeg_ends(self.get_data_info(idx))
            return super().prepare_data(idx)
        except DATA_ERRORS as e:
            info = self.get_data_info(idx)
            raise DataError(
                f'{self.sample_origin(info)}: {_reason(e, info.get("img_path"))}'
            ) from e

    def sample_origin(self, info: dict) -> str:
        """``<split list>, line <n> (<RGB image>)``, or the RGB image alone without a split list."""
        img = info.get('img_path', '?')
        if not self.ann_file:
            return f'sample {img}'
        line = info.get('split_line')
        return f'{self.ann_file}{f", line {line}" if line else ""} ({img})'


def check_jpeg_ends(info: dict):
    """A truncated JPEG decodes without an error (the missing rows grey): refused instead. Its end marker
    (FF D9, maybe followed by padding) must close every local JPEG file of the sample.

    Args:
        info (dict): A sample's data info; its ``*_path`` entries are checked.

    Raises:
        ValueError: If a JPEG file lacks its end marker.
    """
    for key, path in info.items():
        if (
            key.endswith('_path')
            and isinstance(path, str)
            and path.lower().endswith(('.jpg', '.jpeg'))
            and osp.isfile(path)
        ):
            with open(path, 'rb') as f:
                f.seek(max(0, osp.getsize(path) - 64))
                tail = f.read().rstrip(b'\x00\r\n ')
            if not tail.endswith(b'\xff\xd9'):
                raise ValueError(
                    f'{path} is a truncated JPEG (it lacks the end marker): an interrupted copy or '
                    'download? copy it again'
                )


def _reason(error: Exception, img_path) -> str:
    """The error's first line, without a ``sample <RGB image>:`` the origin already gives."""
    msg = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    msg = (msg.strip().splitlines() or [type(error).__name__])[0]
    if img_path:
        msg = re.sub(rf'^sample {re.escape(str(img_path))}: ', '', msg)
    return msg
