import logging
import math

import pytest
import torch
from mmengine.logging import MMLogger

from mmwam.models import MWAM, scale_grad


def test_weights_follow_the_official_formula():
    mwam = MWAM(['rgb', 'depth'])
    mwam.train()
    x_rgb, x_d = torch.randn(2, 3, 16, 16), 5 * torch.randn(2, 1, 16, 16)
    from mmwam import frequency_ratio

    frm = torch.tensor(
        [frequency_ratio(x_rgb).item(), frequency_ratio(x_d).item()], dtype=torch.float64
    )
    bank = torch.zeros(2, dtype=torch.float64)
    for step in range(3):
        k = mwam.update([x_rgb, x_d])
        bank = 0.5 * bank + 0.5 * frm
        ratio = frm / (bank.mean() + 1e-6)
        expected = 1.5 - 1.0 / (1 + torch.exp(-10 * (ratio - 1)))
        torch.testing.assert_close(mwam.bank, bank)
        torch.testing.assert_close(k, expected)
    assert int(mwam.num_steps) == 3


def test_balanced_inputs_get_weight_one_with_default_gamma():
    mwam = MWAM(['a', 'b'])
    x = torch.randn(4, 3, 32, 32)
    for _ in range(60):  # the bank converges to FRM: T -> 1
        k = mwam.update([x, x.clone()])
    torch.testing.assert_close(k, torch.ones(2, dtype=torch.float64), atol=1e-6, rtol=0)
    # the paper's gamma = 0.7 scales every encoder's gradient by about 0.64 at balance
    paper = MWAM(['a', 'b'], lam=6.0, gamma=0.7)
    for _ in range(60):
        k = paper.update([x, x.clone()])
    assert k[0].item() == pytest.approx(1.5 - 1 / (1 + math.exp(-6 * 0.3)), abs=1e-6)


def test_scale_grad_is_identity_forward_scaled_backward():
    x = torch.randn(3, 4, requires_grad=True)
    y = scale_grad(x, torch.tensor(0.25))
    torch.testing.assert_close(y, x)
    y.sum().backward()
    torch.testing.assert_close(x.grad, torch.full_like(x, 0.25))


def test_eval_is_identity_and_does_no_work():
    from conftest import config_path
    from mmengine.config import Config
    from mmseg.registry import MODELS

    backbone = MODELS.build(
        Config.fromfile(config_path('mwam', 'segformer_rgbd_demo.py')).model
    ).backbone
    backbone.eval()
    x = torch.randn(1, 4, 32, 32)
    with torch.no_grad():
        out = backbone(x)
        alone = [
            backbone.encoders[m](part) for m, part in zip(backbone.modalities, backbone.split(x))
        ]
    for level, fused in enumerate(out):
        torch.testing.assert_close(
            fused, alone[0][level] + alone[1][level]
        )  # AddFusion, no MWAM effect
    mwam = backbone.mwam
    assert int(mwam.num_steps) == 0 and mwam.bank.abs().sum() == 0
    assert MWAM.forward is torch.nn.Module.forward  # one way to call it: update() and scale()


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


def test_non_finite_frm_keeps_weight_one_and_banks():
    mwam = MWAM(['rgb', 'depth'])
    good = [torch.randn(2, 3, 16, 16), torch.randn(2, 1, 16, 16)]
    mwam.update(good)
    bank = mwam.bank.clone()
    records = _Records()
    logger = MMLogger.get_current_instance()
    logger.addHandler(records)
    try:
        for _ in range(3):
            k = mwam.update([good[0], torch.full((2, 1, 16, 16), float('inf'))])
    finally:
        logger.removeHandler(records)
    torch.testing.assert_close(k, torch.ones(2, dtype=torch.float64))
    torch.testing.assert_close(mwam.bank, bank)
    said = [
        msg
        for level, msg in records.messages
        if level == logging.WARNING and 'FRM is not finite' in msg
    ]
    assert (
        len(said) == 1 and "FRM is not finite for ['depth'] at step 2" in said[0]
    )  # once, not every step
    assert mwam.scalars()['mwam_non_finite_steps'] == 3  # the count reaches the log
    mwam.update(good)
    assert mwam.scalars()['mwam_non_finite_steps'] == 3


def test_constant_input_gives_finite_weights():
    # an all-zero modality: every coefficient is 0, each term 0 / (0 + eps) = 0: FRM = 0, K finite
    mwam = MWAM(['rgb', 'depth'])
    k = mwam.update([torch.randn(2, 3, 16, 16), torch.zeros(2, 1, 16, 16)])
    assert torch.isfinite(k).all()


def test_warmup_keeps_weight_one_but_fills_banks():
    mwam = MWAM(['a', 'b'], warmup_iters=2)
    xs = [torch.randn(2, 3, 16, 16), 3 * torch.randn(2, 3, 16, 16)]
    for _ in range(2):
        assert torch.equal(mwam.update(xs), torch.ones(2, dtype=torch.float64))
    assert mwam.bank.abs().sum() > 0
    assert not torch.equal(mwam.update(xs), torch.ones(2, dtype=torch.float64))


def test_banks_round_trip_through_state_dict():
    mwam = MWAM(['a', 'b'])
    mwam.update([torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16)])
    sd = mwam.state_dict()
    assert set(sd) == {'bank', 'frm', 'weight', 'num_steps'}
    other = MWAM(['a', 'b'])
    other.load_state_dict(sd)
    for key in sd:
        assert torch.equal(getattr(other, key), getattr(mwam, key))


def test_bad_arguments():
    with pytest.raises(ValueError, match='at least two'):
        MWAM(['rgb'])
    with pytest.raises(ValueError, match='omega'):
        MWAM(['a', 'b'], omega=1.0)
    with pytest.raises(ValueError, match='2 inputs'):
        MWAM(['a', 'b', 'c']).update([torch.randn(1, 1, 8, 8)] * 2)


def test_robust_options_grid_offset_and_k_momentum():
    from mmwam import frequency_ratio

    x = [torch.randn(2, 3, 40, 40), 3 * torch.randn(2, 1, 40, 40)]
    shifted = MWAM(['rgb', 'depth'], grid_offset=True)
    shifted.update(x)
    g = torch.Generator().manual_seed(0)  # step 0's offset
    dy, dx = torch.randint(0, 8, (2,), generator=g).tolist()
    assert (dy, dx) != (0, 0)
    want = [frequency_ratio(t[:, :, dy:, dx:]).item() for t in x]
    torch.testing.assert_close(shifted.frm, torch.tensor(want, dtype=torch.float64))

    plain, smooth = MWAM(['rgb', 'depth']), MWAM(['rgb', 'depth'], k_momentum=0.9)
    previous = smooth.weight.clone()
    for _ in range(3):
        k = plain.update(x)
        torch.testing.assert_close(smooth.update(x), 0.9 * previous + 0.1 * k)
        previous = smooth.weight.clone()
    with pytest.raises(ValueError, match=r'mwam.k_momentum must be in \[0, 1\), got 1.0'):
        MWAM(['rgb', 'depth'], k_momentum=1.0)
