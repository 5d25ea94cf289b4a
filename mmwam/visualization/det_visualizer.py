"""The multimodal panels on mmdet's visualizer (imported only where mmdet is installed)."""

from mmdet.registry import VISUALIZERS as DET_VISUALIZERS
from mmdet.visualization import DetLocalVisualizer

from .multimodal_visualizer import MultiModalPanelMixin


@DET_VISUALIZERS.register_module()
class MultiModalDetLocalVisualizer(MultiModalPanelMixin, DetLocalVisualizer):
    """mmdet's ``DetLocalVisualizer`` (boxes with scores) that also draws multimodal panels.

    Its arguments are :class:`MultiModalPanelMixin`'s and ``DetLocalVisualizer``'s.
    """
