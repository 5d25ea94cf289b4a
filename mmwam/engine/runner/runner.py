"""The Runner that loads checkpoints into multimodal models: fitted, reported per part, refused when they
do not fit, and readable under torch >= 2.6's safe loader."""

import re

from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ...models.checkpoint_fit import (
    fit_state_dict,
    load_fitted,
    multimodal_backbones,
    read_checkpoint,
)


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

    Selected by ``runner_type = 'MWAMRunner'`` (set in ``configs/_base_/default_runtime.py``), which
    mmseg's and mmdet's own ``tools/train.py`` and ``tools/test.py`` honour too. Its arguments are
    MMEngine ``Runner``'s.
    """

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

    def _init_model_weights(self):
        """The encoders that ``load_from`` fills entirely skip their own pretrained initialisation (their
        weights would be replaced, and a ``torchvision://`` or hub checkpoint need not be fetched)."""
        if self._load_from and not self._resume:
            model = self.model.module if is_model_wrapper(self.model) else self.model
            # kept for load_checkpoint, which runs next: the file is read once
            self._read_load_from = (
                self._load_from,
                read_checkpoint(self._load_from, 'load_from checkpoint'),
            )
            state = self._read_load_from[1]
            state = {
                re.sub(r'^module\.', '', k): v for k, v in state.get('state_dict', state).items()
            }
            fitted, _ = fit_state_dict(state, model)
            for prefix, backbone in multimodal_backbones(model).items():
                for name, encoder in backbone.encoders.items():
                    keys = [f'{prefix}encoders.{name}.{k}' for k in encoder.state_dict()]
                    if getattr(encoder, 'init_cfg', None) and all(k in fitted for k in keys):
                        encoder.init_cfg = None
                        self.logger.info(
                            f'{name} encoder: filled by load_from {self._load_from}, its own '
                            'pretrained initialisation is skipped'
                        )
        super()._init_model_weights()

    def load_checkpoint(
        self, filename, map_location='cpu', strict=False, revise_keys=[(r'^module\.', '')]
    ):
        """Read, fit and load a checkpoint into the model, logging one line per part.

        Args:
            filename (str): The checkpoint path or URL.
            map_location (str): Unused: checkpoints are read to the CPU. Defaults to ``'cpu'``.
            strict (bool): Refuse any difference (as a resume does). Defaults to False.
            revise_keys (list): ``(pattern, replacement)`` regex pairs applied to the checkpoint's keys.
                Defaults to removing a ``module.`` prefix (a DDP model's).

        Returns:
            dict: The checkpoint.

        Raises:
            ValueError: If the checkpoint does not fit the model (see the class docstring).
        """
        what = dict(resume='resume checkpoint', test='checkpoint', init='load_from checkpoint')[
            self._purpose
        ]
        read, self._read_load_from = getattr(self, '_read_load_from', None), None
        checkpoint = read[1] if read and read[0] == filename else read_checkpoint(filename, what)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        report = load_fitted(
            model,
            checkpoint,
            'resume' if strict else self._purpose,
            f'{what} {filename}',
            revise_keys,
        )
        self.logger.info(f'Load checkpoint from {filename}')
        for line in report.lines():
            self.logger.info(f'  {line}')
        self._has_loaded = True
        return checkpoint
