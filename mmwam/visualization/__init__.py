from .charts import bar_chart
from .multimodal_visualizer import (
    MultiModalDetLocalVisualizer,
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
    'MultiModalDetLocalVisualizer',
    'MultiModalPanelMixin',
    'MultiModalSegLocalVisualizer',
    'compose_row',
    'draw_modalities',
    'draw_panel',
    'split_inputs',
    'units_from_pipeline',
]
