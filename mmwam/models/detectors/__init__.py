from .dual_backbone_detector import DualBackboneDetector

__all__ = ['DualBackboneDetector']
