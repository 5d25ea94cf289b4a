"""What tools/train.py and tools/test.py share: the config as the standard OpenMMLab CLI sets it."""
import os.path as osp
import tempfile

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .dist import prepare_cpu_distributed


def read_config(path: str) -> Config:
    """``Config.fromfile`` that also takes ``mmseg::`` / ``mmdet::`` model-zoo paths."""
    if '::' not in path:
        return Config.fromfile(path)
    with tempfile.TemporaryDirectory() as tmp:
        stub = osp.join(tmp, osp.basename(path.split('::', 1)[1]))
        with open(stub, 'w') as f:
            f.write(f'_base_ = {path!r}\n')
        return Config(Config.fromfile(stub).to_dict())  # not tied to the stub file, which is gone


def load_config(path: str, cfg_options=None, work_dir=None, launcher='none') -> Config:
    """Load ``path``; apply ``--cfg-options``; work dir: CLI > config > ./work_dirs/<config name>."""
    cfg = read_config(path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def build_runner(cfg: Config):
    """CPU-only distributed set-up where needed, then the config's ``runner_type`` (our configs select
    MWAMRunner, which resumes under torch's safe loader) or MMEngine's Runner."""
    prepare_cpu_distributed(cfg, cfg.launcher)
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)


FORMAT_ONLY = dict(IoUMetric=lambda out: dict(output_dir=out),
                   CocoMetric=lambda out: dict(outfile_prefix=osp.join(out, 'results')))


def set_format_only(cfg, out):
    """Keep the metrics that can write submission files, switched to format_only into ``out``."""
    metrics = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    kept = [dict(m, format_only=True, **FORMAT_ONLY[m['type']](out)) for m in metrics
            if m['type'] in FORMAT_ONLY]
    if not kept:
        raise ValueError(f'--format-only: none of the test_evaluator metrics '
                         f'{[m["type"] for m in metrics]} can write submission files '
                         f'(supported: {list(FORMAT_ONLY)})')
    cfg.test_evaluator = kept


def show_predictions(cfg, show_dir):
    """``--show-dir``: the task's own visualization hook paints the full modality set's prediction of every
    test sample on its RGB image (mmseg's hook under ``DIR/vis_data/vis_image/``, mmdet's into ``DIR``)."""
    hook = (cfg.get('default_hooks') or {}).get('visualization')
    if hook is None:
        raise ValueError('--show-dir needs default_hooks.visualization (SegVisualizationHook or '
                         'DetVisualizationHook) in the config')
    hook.update(draw=True, interval=1)  # the hooks' default interval (50) skips most of a small test set
    if hook.get('type', '').endswith('DetVisualizationHook'):
        hook.test_out_dir = osp.abspath(show_dir)
    else:
        cfg.visualizer.save_dir = show_dir
