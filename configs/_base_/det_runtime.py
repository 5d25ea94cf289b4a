# mmdet's runtime + TensorBoard + MWAM's scalars in the logs (the detection twin of default_runtime.py)
_base_ = 'mmdet::_base_/default_runtime.py'
custom_imports = dict(imports=['mmwam'], allow_failed_imports=False)
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
custom_hooks = [dict(type='FRMLoggerHook', interval=50), dict(type='NonFiniteStopHook')]
# resumes MMEngine checkpoints under torch >= 2.6's weights_only loader (see mmwam/utils/checkpoint.py)
runner_type = 'MWAMRunner'
