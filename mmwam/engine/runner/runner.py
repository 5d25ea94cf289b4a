"""The Runner that can resume its own checkpoints under torch >= 2.6's safe loader."""
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ...utils.checkpoint import trusted_checkpoint_loading
from ...utils.cli import InputError, check_checkpoint_file


@RUNNERS.register_module()
class MWAMRunner(Runner):
    """MMEngine's Runner; ``resume`` and ``load_checkpoint`` (``--resume``, ``load_from``) accept the
    globals of an MMEngine checkpoint (see ``mmwam.utils.checkpoint``) while they load the file the
    user named, after checking that it is a complete checkpoint file (one clear line otherwise).
    Selected by ``runner_type = 'MWAMRunner'`` (set in configs/_base_/default_runtime.py), which mmseg's
    and mmdet's own tools/train.py and tools/test.py honour too."""

    def resume(self, filename, *args, **kwargs):
        check_checkpoint_file(filename, 'resume checkpoint')
        with trusted_checkpoint_loading():
            return super().resume(filename, *args, **kwargs)

    def load_checkpoint(self, filename, *args, **kwargs):
        check_checkpoint_file(filename, 'load_from checkpoint')
        with trusted_checkpoint_loading():
            try:
                return super().load_checkpoint(filename, *args, **kwargs)
            except AttributeError as e:  # torch.save of something else than a state dict (a list, ...)
                raise InputError(f'load_from checkpoint {filename}: not a model checkpoint (a dict of '
                                 f'tensors, or a dict with "state_dict"): {e}') from e
