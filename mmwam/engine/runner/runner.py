"""The Runner that loads checkpoints into multimodal models: fitted, reported per part, refused when they
do not fit, and readable under torch >= 2.6's safe loader."""
import re

from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from ...models.checkpoint_fit import fit_state_dict
from ...utils.checkpoint import check_checkpoint_file, trusted_checkpoint_loading
from ...utils.errors import InputError


@RUNNERS.register_module()
class MWAMRunner(Runner):
    """MMEngine's Runner, whose ``load_checkpoint`` (``load_from``, ``--resume``, ``tools/test.py``):

    - checks that the file is a complete checkpoint, and reads MMEngine's own checkpoints under torch's
      safe loader (see ``mmwam.utils.checkpoint``);
    - fits it to the model (``mmwam.models.checkpoint_fit``): a whole stock RGB checkpoint (mmseg / mmdet
      zoo, or the user's own RGB model) fills every encoder from ``backbone.*``, stems adapted, and the
      neck and heads as they are; tensors of another shape (a head with another class count) are skipped;
    - logs one line per part of the model (how many tensors loaded, what was skipped and why);
    - refuses, in one line, a checkpoint that does not fit: other modality encoders; for a resume any
      difference; for a test any tensor prediction uses missing or of another shape; for ``load_from``
      fewer than half of the model's tensors.

    Selected by ``runner_type = 'MWAMRunner'`` (set in configs/_base_/default_runtime.py), which mmseg's
    and mmdet's own tools/train.py and tools/test.py honour too."""
    _purpose = 'init'

    def resume(self, filename, *args, **kwargs):
        self._purpose = 'resume'
        try:
            return super().resume(filename, *args, **kwargs)
        finally:
            self._purpose = 'init'

    def test(self):
        self._purpose = 'test'
        return super().test()

    def val(self):
        self._purpose = 'test'
        return super().val()

    def load_checkpoint(self, filename, map_location='cpu', strict=False, revise_keys=[(r'^module\.', '')]):
        what = dict(resume='resume checkpoint', test='checkpoint', init='load_from checkpoint')[self._purpose]
        check_checkpoint_file(filename, what)
        with trusted_checkpoint_loading():
            checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
        if not isinstance(state, dict) or not state:
            raise InputError(f'{what} {filename}: not a model checkpoint (a dict of tensors, or a dict with '
                             f'"state_dict"); it holds a {type(state).__name__}')
        for pattern, repl in revise_keys:
            state = {re.sub(pattern, repl, k): v for k, v in state.items()}
        model = self.model.module if is_model_wrapper(self.model) else self.model
        fitted, report = fit_state_dict(state, model)
        problem = report.refusal(self._purpose)
        if strict and not problem and (report.missing or report.unexpected or report.shape):
            problem = report.refusal('resume')
        if problem:
            raise InputError(f'{what} {filename}: {problem}')
        model.load_state_dict(fitted, strict=False)
        self.logger.info(f'Load checkpoint from {filename}')
        for line in report.lines():
            self.logger.info(f'  {line}')
        self._has_loaded = True
        return checkpoint
