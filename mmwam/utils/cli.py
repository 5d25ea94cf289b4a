"""What tools/train.py and tools/test.py share: the config as the standard OpenMMLab CLI sets it."""
import os.path as osp

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .dist import prepare_cpu_distributed


def load_config(path: str, cfg_options=None, work_dir=None, launcher='none') -> Config:
    """Load ``path``; apply ``--cfg-options``; work dir: CLI > config > ./work_dirs/<config name>."""
    cfg = Config.fromfile(path)
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
