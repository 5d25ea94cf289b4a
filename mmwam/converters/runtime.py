"""Runtime fields every converted config gets: mmwam's imports, MWAM's scalars, the runner, the
pipeline-switch hooks."""

from typing import Dict

from mmengine.config import Config

from ..utils.cli import InputError
from .pipelines import MIXING


def _runtime_overrides(cfg: Config, convert=None) -> Dict[str, object]:
    """mmwam's imports, MWAM's scalars (FRMLoggerHook, TensorBoard) and the runner that resumes MMEngine
    checkpoints under torch's safe loader; the rest of the config's runtime stays. ``convert(pipeline,
    where)``: how the config's own pipelines were made multimodal, None when a --dataset's replaced them.
    RTMDet's ``PipelineSwitchHook`` (mosaic and mixup off for the last epochs) switches to its pipeline
    converted the same way, and YOLOX's ``YOLOXModeSwitchHook`` turns off the multimodal Mosaic / MixUp;
    with a --dataset's pipelines (no mosaic to switch off) the first is dropped and the second refused."""
    imports = list((cfg.get('custom_imports') or {}).get('imports', []))
    out: Dict[str, object] = dict(
        custom_imports=dict(
            imports=imports + ['mmwam'] * ('mmwam' not in imports), allow_failed_imports=False
        )
    )
    hooks = []
    for h in cfg.get('custom_hooks') or []:
        if h.get('type') == 'FRMLoggerHook' or (
            h.get('type') == 'PipelineSwitchHook' and convert is None
        ):
            continue
        if h.get('type') == 'PipelineSwitchHook':
            h = dict(
                h, switch_pipeline=convert(h['switch_pipeline'], 'custom_hooks.PipelineSwitchHook')
            )
        if (
            h.get('type') == 'YOLOXModeSwitchHook' and convert is not None
        ):  # it skips transforms by class name
            h = dict(
                h,
                skip_type_keys=[
                    MIXING.get(k, k)
                    for k in h.get('skip_type_keys') or ('Mosaic', 'RandomAffine', 'MixUp')
                ],
            )
        if h.get('type') == 'YOLOXModeSwitchHook' and convert is None:
            raise InputError(
                'custom_hooks: YOLOXModeSwitchHook switches off the Mosaic / MixUp of a '
                'MultiImageMixDataset, and with this --dataset the config has none: convert it '
                'without --dataset (its own pipelines), or remove the hook'
            )
        hooks.append(h)
    out['custom_hooks'] = hooks + [dict(type='FRMLoggerHook', interval=50)]
    backends = list(
        (cfg.get('visualizer') or {}).get('vis_backends') or [dict(type='LocalVisBackend')]
    )
    if not any(b.get('type') == 'TensorboardVisBackend' for b in backends):
        out['visualizer'] = dict(vis_backends=backends + [dict(type='TensorboardVisBackend')])
    out['runner_type'] = 'MWAMRunner'
    return out
