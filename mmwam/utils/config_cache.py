"""Two pure computations mmengine repeats for every config, done once per process: a Runner formats its
config with yapf 3 times when it is built (its log, its work dir, its visualizer backends) and once more per
checkpoint, and the test suite loads, dumps and logs hundreds of configs in one process."""

import functools
import os

_done = False


def cache_config_work():
    """Memoise, in this process, mmengine's yapf formatting of a config's text (0.3 to 2 s each time) and
    its reading of a package's model-index and metafiles (all of mmdet's, about 0.7 s, each time an
    ``mmdet::`` / ``mmseg::`` config is resolved). Both are functions of their arguments and
    of installed files, so every config, file and log line stays as mmengine makes it. Idempotent."""
    global _done
    if _done:
        return
    import mmengine.config.config as config_module
    import mmengine.config.utils as config_utils

    format_code = config_module.FormatCode

    @functools.lru_cache(maxsize=512)
    def formatted(text, style):
        return format_code(text, style_config=dict(style))

    def FormatCode(text, style_config=None, **kwargs):  # noqa: N802 (yapf's name)
        if kwargs or not isinstance(style_config, dict):
            return format_code(text, style_config=style_config, **kwargs)
        return formatted(text, tuple(sorted(style_config.items())))

    load = config_utils.load  # used there only to read the installed model-index and metafiles

    @functools.lru_cache(maxsize=None)
    def load_once(path):
        return load(path)

    def load_metafile(file, *args, **kwargs):
        installed = isinstance(file, str) and os.sep + '.mim' + os.sep in file
        if args or kwargs or not (installed and file.endswith('.yml')):
            return load(file, *args, **kwargs)
        return load_once(file)

    config_module.FormatCode = FormatCode
    config_utils.load = load_metafile
    _done = True
