"""The per-process caches of mmengine's config work (conftest applies them to every test process): the
results are those mmengine computes without them."""

import mmengine.config.config as config_module
import mmengine.config.utils as config_utils
from mmengine.fileio import load
from yapf.yapflib.yapf_api import FormatCode

from mmwam.utils.config_cache import cache_config_work


def test_the_cached_functions_give_what_mmengine_computes(tmp_path):
    cache_config_work()  # (already done by conftest: idempotent)
    assert config_utils.load is not load and config_module.FormatCode is not FormatCode
    text = "model = dict(type='X', backbone=dict(depth=18,  norm_cfg=dict(type='BN')))\n"
    style = dict(based_on_style='pep8', column_limit=20)
    assert config_module.FormatCode(text, style_config=style) == FormatCode(
        text, style_config=style
    )
    assert config_module.FormatCode(text, style_config=style) == FormatCode(
        text, style_config=style
    )
    import mmdet

    package = mmdet.__path__[0]
    first = config_utils._get_cfg_metainfo(package, 'retinanet/retinanet_r18_fpn_1x_coco.py')
    assert (
        config_utils._get_cfg_metainfo(package, 'retinanet/retinanet_r18_fpn_1x_coco.py') == first
    )
    assert first['Config'] == 'configs/retinanet/retinanet_r18_fpn_1x_coco.py'
    # a file that is not an installed metafile is read each time
    (tmp_path / 'a.yml').write_text('a: 1\n')
    assert config_utils.load(str(tmp_path / 'a.yml')) == {'a': 1}
    (tmp_path / 'a.yml').write_text('a: 2\n')
    assert config_utils.load(str(tmp_path / 'a.yml')) == {'a': 2}
