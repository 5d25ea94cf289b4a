from ..registry import HAS_MMDET
from .charts import bar_chart
from .multimodal_visualizer import (
    MultiModalPanelMixin,
    MultiModalSegLocalVisualizer,
    compose_row,
    draw_modalities,
    draw_panel,
    split_inputs,
    units_from_pipeline,
)

__all__ = [
    'bar_chart',
    'MultiModalPanelMixin',
    'MultiModalSegLocalVisualizer',
    'compose_row',
    'draw_modalities',
    'draw_panel',
    'split_inputs',
    'units_from_pipeline',
]

if HAS_MMDET:
    from .det_visualizer import MultiModalDetLocalVisualizer

    __all__ += ['MultiModalDetLocalVisualizer']
