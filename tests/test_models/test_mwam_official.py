"""MWAM's banks and weights against a transcription of the official code (GitHub a6103121/MWAM,
models/surf_baseline.py: ``fresh_bank`` and ``weightFun``; FRM from src/freq_n.py ``FrequencyLayer``),
written here in numpy from that code, with FRM from the scipy reference of test_frequency.py: nothing of
mmwam's own computation is used to make the expected numbers."""

import numpy as np
import pytest
import torch
from test_functional.test_frequency import slow_frm

from mmwam.models import MWAM


def official_frm(x: np.ndarray) -> float:
    """``(low / (high + 1e-6)).abs().sum()`` of ``FrequencyLayer`` (p = 8, q = 2), which reads every
    modality as 3 channels: a 1-channel depth / infrared map is replicated, as the official loaders do."""
    if x.shape[1] == 1:
        x = np.repeat(x, 3, axis=1)
    return slow_frm(x, q=2, reduction='sum')


class OfficialWeights:
    """``fresh_bank`` + ``weightFun`` of SURF_MMANet, in float32 like the original (``.float()``), for N
    modalities (the original: 3, with ``mean = (b_rgb + b_ir + b_depth) / 3.0``)."""

    def __init__(self, n, alpha=1.5, beta=1.0, gamma=1.0, sigma=10.0, omega=0.5):
        self.bank = np.zeros(n, np.float32)
        self.alpha, self.beta, self.gamma, self.sigma, self.omega = alpha, beta, gamma, sigma, omega

    def __call__(self, frm):
        frm = np.asarray(frm, np.float32)
        for i in range(len(frm)):  # fresh_bank(..., alpha=0.5, is_soft_begin=True)
            if self.bank[i] == 0:
                self.bank[i] = frm[i] * (1 - self.omega)
            else:
                self.bank[i] = self.omega * self.bank[i] + (1 - self.omega) * frm[i]
        if (self.bank == 0.0).any():  # init_weight = 1 while any bank is 0
            return np.ones(len(frm), np.float32)
        mean = self.bank.sum() / np.float32(len(frm))
        ratio = frm / (mean + np.float32(1e-6))
        return self.alpha - self.beta / (1 + np.exp(-(ratio - self.gamma) * self.sigma))


def step_inputs(rng, step, channels, zero_until=None, nan_at=None):
    """One batch per modality, with statistics that change from step to step (so K moves)."""
    out = []
    for m, c in enumerate(channels):
        smooth = np.cumsum(np.cumsum(rng.normal(size=(2, c, 16, 24)), 2), 3) * (
            0.2 + 0.1 * ((step + m) % 5)
        )
        x = smooth + rng.normal(0, 0.5 + m, size=smooth.shape)
        if zero_until is not None and m == len(channels) - 1 and step < zero_until:
            x = np.zeros_like(x)
        if nan_at is not None and step == nan_at and m == 0:
            x[0, 0, 0, 0] = np.nan
        out.append(x)
    return out


@pytest.mark.parametrize('channels', [(3, 3, 3), (3, 3)], ids=['N=3', 'N=2'])
def test_banks_and_weights_follow_the_official_code_over_24_steps(channels):
    """Soft begin, a modality all zeros for its first 4 steps (its bank stays 0: K = 1 for all, the
    official rule), a non-finite step (mmwam's documented addition: K = 1, banks kept; the official code
    would carry NaN into its banks for good), then the formula."""
    rng = np.random.default_rng(0)
    n = len(channels)
    mwam = MWAM([f'm{i}' for i in range(n)], reduction='sum').train()
    official = OfficialWeights(n)
    ones_seen = formula_seen = 0
    for step in range(24):
        xs = step_inputs(rng, step, channels, zero_until=4, nan_at=9)
        k = mwam.update([torch.from_numpy(x) for x in xs]).numpy()
        if step == 9:
            np.testing.assert_array_equal(k, np.ones(n))
            continue
        want = official([official_frm(x) for x in xs])
        np.testing.assert_allclose(mwam.bank.numpy(), official.bank, rtol=2e-6)
        np.testing.assert_allclose(k, want, rtol=1e-5, atol=1e-6)
        ones_seen += step < 4
        formula_seen += step >= 4 and not np.allclose(k, 1)
    assert ones_seen == 4 and formula_seen >= 10


def test_the_formula_variant_weights_a_zero_modality_near_alpha():
    x = torch.randn(2, 3, 16, 16)
    official = MWAM(['rgb', 'depth']).train().update([x, torch.zeros(2, 1, 16, 16)])
    formula = (
        MWAM(['rgb', 'depth'], ones_while_a_bank_is_zero=False)
        .train()
        .update([x, torch.zeros(2, 1, 16, 16)])
    )
    assert official.tolist() == [1.0, 1.0]
    assert formula[1].item() == pytest.approx(1.5, abs=1e-3) and formula[0].item() < 1


def test_rgb_and_one_channel_depth_which_reduction_reproduces_the_official_weights():
    """The official code reads depth as 3 equal channels. 'mean' on the 1-channel depth gives its K;
    'sum' gives it only when depth is also given as 3 channels."""
    rng = np.random.default_rng(1)
    official = OfficialWeights(2)
    mean = MWAM(['rgb', 'depth'], reduction='mean').train()
    summed = MWAM(['rgb', 'depth'], reduction='sum').train()
    summed3 = MWAM(['rgb', 'depth'], reduction='sum').train()
    differs = 0
    for step in range(20):
        rgb, depth = step_inputs(rng, step, (3, 1))
        want = official([official_frm(rgb), official_frm(depth)])
        rgb_t, depth_t = torch.from_numpy(rgb), torch.from_numpy(depth)
        np.testing.assert_allclose(
            mean.update([rgb_t, depth_t]).numpy(), want, rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            summed3.update([rgb_t, depth_t.repeat(1, 3, 1, 1)]).numpy(), want, rtol=1e-5, atol=1e-6
        )
        differs += not np.allclose(
            summed.update([rgb_t, depth_t]).numpy(), want, rtol=1e-3, atol=1e-3
        )
    assert differs >= 10  # 'sum' on a 1-channel depth is not the official weighting (14 of 20 here)
