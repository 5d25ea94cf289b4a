from .checkpoint import mmengine_checkpoint_globals, trusted_checkpoint_loading
from .dist import prepare_cpu_distributed
from .modalities import all_subsets, channel_slices, parse_modalities, parse_subsets, subset_name

__all__ = [
    'mmengine_checkpoint_globals',
    'trusted_checkpoint_loading',
    'prepare_cpu_distributed',
    'all_subsets',
    'channel_slices',
    'parse_modalities',
    'parse_subsets',
    'subset_name',
]
