import json
import os.path as osp

import pytest
import torch
from mmengine.registry import RUNNERS

from mmwam.testing import tiny_seg_runner_cfg
from mmwam.utils import trusted_checkpoint_loading


def mwam_state(runner):
    m = runner.model.backbone.mwam
    return {k: v.clone() for k, v in m.state_dict().items()}


@pytest.fixture(scope='module')
def trained(demo_root, tmp_path_factory):
    """4 iterations with MWAM and FRMLoggerHook, checkpoints at 2 and 4."""
    work = tmp_path_factory.mktemp('train')
    runner = RUNNERS.build(tiny_seg_runner_cfg(demo_root, work, max_iters=4))
    runner.train()
    return runner, work


@pytest.mark.slow
def test_frm_scalars_reach_the_message_hub_and_the_logs(trained):
    runner, work = trained
    hub = runner.message_hub
    for m in ('rgb', 'depth'):
        for key in (f'train/frm_{m}', f'train/bank_{m}', f'train/mwam_weight_{m}'):
            assert len(hub.get_scalar(key).data[0]) == 4, key
    mwam = runner.model.backbone.mwam
    assert hub.get_scalar('train/bank_depth').current() == pytest.approx(mwam.bank[1].item())
    assert hub.get_scalar('train/mwam_weight_rgb').current() == pytest.approx(mwam.weight[0].item())
    # as for MMEngine's own train scalars ('train/loss' -> 'loss'), the logs drop the 'train/' prefix
    lines = [
        json.loads(line) for line in open(osp.join(runner.log_dir, 'vis_data', 'scalars.json'))
    ]
    keys = set().union(*lines)
    for m in ('rgb', 'depth'):
        assert {f'frm_{m}', f'bank_{m}', f'mwam_weight_{m}'} <= keys
    assert 'loss' in keys and not any(k.startswith('train/') for k in keys)


def test_checkpoint_holds_banks_and_loads_with_weights_only(trained):
    runner, work = trained
    ckpt = osp.join(work, 'iter_4.pth')
    # torch >= 2.6 loads with weights_only=True: refused as such, accepted in the runner's scope
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(ckpt, map_location='cpu', weights_only=True)
    assert type(runner).__name__ == 'MWAMRunner'
    with trusted_checkpoint_loading():
        state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert torch.equal(state['state_dict']['backbone.mwam.bank'], runner.model.backbone.mwam.bank)
    assert int(state['state_dict']['backbone.mwam.num_steps']) == 4


@pytest.mark.slow
def test_resume_continues_banks_and_weights_exactly(trained, demo_root, tmp_path):
    runner, work = trained
    final = mwam_state(runner)
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path, max_iters=4)
    cfg.resume, cfg.load_from = True, osp.join(work, 'iter_2.pth')
    resumed = RUNNERS.build(cfg)
    resumed.train()
    assert resumed.iter == 4
    again = mwam_state(resumed)
    for key, value in final.items():
        assert torch.equal(again[key], value), key
    for (name, p), (_, q) in zip(runner.model.named_parameters(), resumed.model.named_parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6, msg=name)


def _with_modality(cfg, name):
    """The demo config with its depth modality renamed (the data still loads as depth)."""
    pre = cfg.model.data_preprocessor
    for field in ('mean', 'std'):
        pre[field] = {(name if k == 'depth' else k): v for k, v in pre[field].items()}
    pre.modalities = {(name if k == 'depth' else k): v for k, v in pre.modalities.items()}
    return cfg


@pytest.mark.parametrize('change', ['modalities', 'width'])
def test_resume_into_another_model_is_refused_in_one_line(trained, demo_root, tmp_path, change):
    """An rgb+depth run resumed into an rgb+thermal config, or into a wider model, stops before training
    (it used to say "resumed" and train a fresh encoder under the restored optimizer state)."""
    from mmwam.utils.errors import InputError

    _, work = trained
    cfg = tiny_seg_runner_cfg(demo_root, tmp_path, max_iters=4)
    if change == 'modalities':
        cfg = _with_modality(cfg, 'thermal')
        expected = r'the checkpoint has rgb\+depth encoders, the config rgb\+thermal'
    else:
        cfg.model.decode_head.channels *= 2
        expected = r'\d+ tensors have another shape, e\.g\. decode_head\..*: a resume continues the same model'
    cfg.resume, cfg.load_from = True, osp.join(work, 'iter_2.pth')
    runner = RUNNERS.build(cfg)
    with pytest.raises(InputError, match=f'resume checkpoint .*iter_2.pth: {expected}'):
        runner.train()
    assert not osp.exists(osp.join(tmp_path, 'iter_4.pth'))
