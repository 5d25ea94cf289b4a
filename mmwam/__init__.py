"""mmwam: multimodal (RGB-D, RGB-T) mmseg / mmdet models with MWAM modality balancing.

Importing the package registers its modules into mmseg's and mmdet's registries (configs use
``custom_imports = dict(imports=['mmwam'], allow_failed_imports=False)``).
"""

import warnings

import mmcv
import mmengine
import mmseg
from mmengine.utils import digit_version

from .version import __version__

# Minimum versions (tested: mmcv 2.1.0, mmengine 0.10.7, mmseg 1.2.2, mmdet 3.3.0); newer ones warn.
# mmdet is optional: without it, mmwam is a segmentation package.
_REQUIRED = dict(
    mmcv=(mmcv, '2.0.0rc4', '2.2.0'),
    mmengine=(mmengine, '0.10.0', '0.11.0'),
    mmseg=(mmseg, '1.0.0', '1.3.0'),
)
try:
    import mmdet

    _REQUIRED['mmdet'] = (mmdet, '3.0.0', '3.4.0')
except ImportError:
    pass
for _name, (_mod, _min, _untested) in _REQUIRED.items():
    if digit_version(_mod.__version__) < digit_version(_min):
        raise ImportError(
            f'mmwam needs {_name}>={_min}, found {_mod.__version__}; '
            f'pip install -U "{_name}>={_min}"'
        )
    if digit_version(_mod.__version__) >= digit_version(_untested):
        warnings.warn(f'mmwam is untested with {_name} {_mod.__version__} (>= {_untested})')

from .datasets import *  # noqa: F401,F403,E402
from .engine import *  # noqa: F401,F403,E402
from .functional import frequency_ratio  # noqa: E402
from .models import *  # noqa: F401,F403,E402
from .visualization import *  # noqa: F401,F403,E402

__all__ = ['__version__', 'frequency_ratio']
