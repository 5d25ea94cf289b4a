"""YOLOX's last-epochs switch for a dataset without mosaic (the multimodal datasets' own pipelines)."""
from mmdet.engine.hooks import YOLOXModeSwitchHook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class MultiModalYOLOXModeSwitchHook(YOLOXModeSwitchHook):
    """``YOLOXModeSwitchHook`` turns mosaic and mixup off (a ``MultiImageMixDataset``'s skip list) and the
    L1 box loss on for the last ``num_last_epochs``. On a dataset without mosaic (add_mwam's ``--dataset``
    pipelines: mosaic cannot carry another modality) only the L1 loss is switched on; a
    ``MultiImageMixDataset`` gets the upstream behaviour."""

    def before_train_epoch(self, runner) -> None:
        if hasattr(runner.train_dataloader.dataset, 'update_skip_type_keys'):
            return super().before_train_epoch(runner)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if runner.epoch + 1 >= runner.max_epochs - self.num_last_epochs and not self._has_switched:
            runner.logger.info('Add additional L1 loss now! (no mosaic / mixup in this pipeline to switch off)')
            model.bbox_head.use_l1 = True
            self._has_switched = True
