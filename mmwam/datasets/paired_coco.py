"""COCO-json detection with a second modality found by a path mapping (FLIR-aligned, M3FD, ...)."""

from typing import Dict, Sequence, Tuple

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

from .data_errors import DataError, DataErrorsMixin


@DATASETS.register_module()
class PairedCocoDataset(DataErrorsMixin, CocoDataset):
    """``CocoDataset`` whose images are the RGB modality; ``modality_paths`` gives every other
    modality's path as string replacements on the RGB path, e.g. for FLIR-aligned::

        modality_paths=dict(infrared=[('/RGB/', '/thermal_8_bit/'), ('.jpg', '.jpeg')])

    and for a converted LLVIP (``tools/dataset_converters/llvip_to_coco.py``)::

        modality_paths=dict(infrared=[('visible/', 'infrared/')])

    Each sample gets ``<modality>_path``.

    Args:
        modality_paths (Dict[str, Sequence[Tuple[str, str]]], optional): Per modality, the ``(old, new)``
            replacements applied in turn to the RGB path. Defaults to None.
        **kwargs: mmdet ``CocoDataset``'s arguments.

    Raises:
        DataError: If a mapping leaves an image path unchanged.
    """

    def __init__(self, modality_paths: Dict[str, Sequence[Tuple[str, str]]] = None, **kwargs):
        self.modality_paths = {
            m: [tuple(r) for r in reps] for m, reps in (modality_paths or {}).items()
        }
        super().__init__(**kwargs)

    def parse_data_info(self, raw_data_info: dict):
        info = super().parse_data_info(raw_data_info)
        for m, reps in self.modality_paths.items():
            path = info['img_path']
            for old, new in reps:
                path = path.replace(old, new)
            if path == info['img_path']:
                raise DataError(
                    f'PairedCocoDataset: modality_paths[{m!r}] = {reps} does not change '
                    f'the image path {path}'
                )
            info[f'{m}_path'] = path
        return info
