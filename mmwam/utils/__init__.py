from .checkpoint import allow_mmengine_checkpoints
from .dist import prepare_cpu_distributed
from .modalities import all_subsets, channel_slices, parse_modalities, parse_subsets, subset_name

__all__ = ['allow_mmengine_checkpoints', 'prepare_cpu_distributed', 'all_subsets', 'channel_slices',
           'parse_modalities', 'parse_subsets', 'subset_name']
