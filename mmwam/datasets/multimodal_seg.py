"""A segmentation dataset with one folder per modality."""

import os.path as osp
from typing import Dict, List, Optional, Tuple

import mmengine
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .data_errors import DataError, DataErrorsMixin


@DATASETS.register_module()
class MultiModalSegDataset(DataErrorsMixin, BaseSegDataset):
    """Segmentation samples with one file per modality, matched by file stem::

        data_root/
          RGB/<stem><img_suffix>            data_prefix img_path
          Depth/<stem><suffix of depth>     data_prefix depth_path (any '<modality>_path' key)
          Label/<stem><seg_map_suffix>      data_prefix seg_map_path
          train.txt, test.txt               ann_file: one sample a line

    A split-file line is a stem (``0001``) or a relative path whose stem is used (``RGB/0001.jpg``, as
    in the commonly distributed NYUDv2 lists; further columns are ignored). Without ``ann_file`` every
    image under ``img_path`` is used. Each extra modality ``m`` (a ``<m>_path`` key of ``data_prefix``)
    gives ``data_info[f'{m}_path']``.

    Local files are checked when the list is read: a listed sample with a missing file (image, label or
    modality), an empty list or folder, is an error naming the list, its line and the file; an error while
    loading a sample names them too (:class:`~mmwam.datasets.data_errors.DataErrorsMixin`).

    Args:
        modality_suffixes (Dict[str, str], optional): Each extra modality's file suffix, by modality
            name; a modality not named gets ``'.png'``. Defaults to None.
        **kwargs: mmseg ``BaseSegDataset``'s arguments (``data_root``, ``data_prefix``, ``ann_file``,
            ``img_suffix``, ``seg_map_suffix``, ``pipeline``, ...).

    Raises:
        DataError: If a folder, the split file or a listed sample's file is missing.
    """

    def __init__(self, modality_suffixes: Dict[str, str] = None, **kwargs):
        self.modality_suffixes = dict(modality_suffixes or {})
        super().__init__(**kwargs)

    def _extra_modalities(self) -> Dict[str, str]:
        return {
            k[: -len('_path')]: v
            for k, v in self.data_prefix.items()
            if k.endswith('_path') and k not in ('img_path', 'seg_map_path')
        }

    def _stems(self, img_dir: str) -> List[Tuple[str, Optional[int]]]:
        """``(stem, line of the split list)`` of every sample (line None without a list)."""
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise DataError(
                    f'{type(self).__name__}: split file {self.ann_file} not found '
                    f'(ann_file, relative to data_root {self.data_root})'
                )
            lines = mmengine.list_from_file(self.ann_file, backend_args=self.backend_args)
            names = [(line.split()[0], i) for i, line in enumerate(lines, 1) if line.strip()]
            return [
                (
                    osp.splitext(osp.basename(n))[0]
                    if '/' in n or n.endswith(self.img_suffix)
                    else n,
                    i,
                )
                for n, i in names
            ]
        files = mmengine.fileio.list_dir_or_file(
            img_dir,
            list_dir=False,
            suffix=self.img_suffix,
            recursive=True,
            backend_args=self.backend_args,
        )
        return [(f[: -len(self.img_suffix)], None) for f in sorted(files)]

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path', '')
        ann_dir = self.data_prefix.get('seg_map_path')
        extras = self._extra_modalities()
        for what, folder in [
            ('img_path', img_dir),
            ('seg_map_path', ann_dir),
            *[(f'{m}_path', d) for m, d in extras.items()],
        ]:
            if folder is not None and not osp.isdir(folder):
                raise DataError(
                    f'{type(self).__name__}: folder {folder} (data_prefix {what}) not found under '
                    f'data_root {self.data_root}. Expected layout: {self._layout()}'
                )
        data_list = []
        num_classes = len(
            self.metainfo['classes']
        )  # LoadSegAnnotations checks the label ids against it
        for stem, line in self._stems(img_dir):
            info = dict(
                img_path=osp.join(img_dir, stem + self.img_suffix),
                num_classes=num_classes,
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[],
                split_line=line,
            )
            if ann_dir is not None:
                info['seg_map_path'] = osp.join(ann_dir, stem + self.seg_map_suffix)
            for m, folder in extras.items():
                info[f'{m}_path'] = osp.join(folder, stem + self.modality_suffixes.get(m, '.png'))
            self._check_files(info, stem)
            data_list.append(info)
        return data_list

    def _check_files(self, info: dict, stem: str):
        """Every file of a listed sample exists (local files only: other backends are not listed)."""
        if self.backend_args:
            return
        for key, path in info.items():
            if key.endswith('_path') and not osp.isfile(path):
                what = (
                    'image'
                    if key == 'img_path'
                    else 'label map'
                    if key == 'seg_map_path'
                    else f'{key[:-len("_path")]} file'
                )
                entry = (
                    f'{self.ann_file}, line {info["split_line"]} ({stem!r})'
                    if self.ann_file
                    else f'sample {stem}'
                )
                raise DataError(
                    f'{entry}: no {what} {path} (data_prefix {key}, suffix '
                    f'{osp.splitext(path)[1] or "none"})'
                )

    def _layout(self) -> str:
        rel = {
            k: osp.relpath(v, self.data_root) if self.data_root else v
            for k, v in self.data_prefix.items()
        }
        return ', '.join(f'{k}: {v}/' for k, v in rel.items()) + (
            f', split file {osp.basename(self.ann_file)}' if self.ann_file else ''
        )
