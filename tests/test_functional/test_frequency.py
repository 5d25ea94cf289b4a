import numpy as np
import pytest
import torch
from scipy.fft import dctn

from mmwam import frequency_ratio
from mmwam.functional import dct_matrix


def slow_frm(x: np.ndarray, p=8, q=2, eps=1e-6, reduction='mean'):
    """Patch by patch with scipy's DCT: the independent reference."""
    b, c, h, w = x.shape
    terms = []
    for n in range(b):
        for ch in range(c):
            for i in range(0, h - h % p, p):
                for j in range(0, w - w % p, p):
                    X = dctn(x[n, ch, i : i + p, j : j + p], type=2, norm='ortho')
                    for a in range(q):
                        for bb in range(q):
                            terms.append(abs(X[a, bb] / (X[p - 1 - a, p - 1 - bb] + eps)))
    terms = np.array(terms)
    return terms.mean() if reduction == 'mean' else terms.sum()


def image_like(rng, b=2, c=3, h=37, w=45):
    """Smooth gradients, flat regions and edges: what FRM sees on real images."""
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([np.sin(3 * yy + k) + xx * k for k in range(c)])[None].repeat(b, 0)
    img[:, :, h // 3 :, : w // 2] = 0.5  # a flat region: high coefficients near 0
    return img + rng.normal(0, 0.05, img.shape)


@pytest.mark.parametrize('reduction', ['mean', 'sum'])
@pytest.mark.parametrize('kind', ['random', 'image'])
@pytest.mark.parametrize('q', [1, 2, 4, 6, 8])  # q > p/2: the low and high blocks overlap
def test_frm_matches_scipy_reference(reduction, kind, q):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 2, 24, 33)) if kind == 'random' else image_like(rng)
    got = frequency_ratio(torch.from_numpy(x), window=q, reduction=reduction)
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.item(), slow_frm(x, q=q, reduction=reduction), rtol=1e-9)


def test_dct_matrix_is_orthonormal_dct2():
    d = dct_matrix(8)
    torch.testing.assert_close(d @ d.T, torch.eye(8, dtype=torch.float64))
    x = np.random.default_rng(1).normal(size=(8, 8))
    np.testing.assert_allclose(
        (d @ torch.from_numpy(x) @ d.T).numpy(), dctn(x, norm='ortho'), atol=1e-12
    )


def test_mean_is_batch_size_invariant_and_sum_is_not():
    x = torch.randn(1, 3, 32, 32, dtype=torch.float64)
    x4 = x.repeat(4, 1, 1, 1)
    torch.testing.assert_close(frequency_ratio(x4), frequency_ratio(x))
    torch.testing.assert_close(
        frequency_ratio(x4, reduction='sum'), 4 * frequency_ratio(x, reduction='sum')
    )


def test_any_shape_crops_the_remainder_and_float32_default():
    x = torch.randn(5, 1, 19, 30)
    got = frequency_ratio(x)
    assert got.dtype == torch.float32 and got.dim() == 0
    torch.testing.assert_close(
        got.double(), frequency_ratio(x[:, :, :16, :24].double()), rtol=1e-4, atol=0
    )


def test_not_under_autocast():
    x = torch.randn(2, 3, 32, 32)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = frequency_ratio(x)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, frequency_ratio(x))


def test_non_finite_and_bad_arguments():
    assert not torch.isfinite(frequency_ratio(torch.full((1, 1, 8, 8), float('nan'))))
    with pytest.raises(ValueError, match='B x C x H x W'):
        frequency_ratio(torch.zeros(8, 8))
    with pytest.raises(ValueError, match='at least one 8x8 patch'):
        frequency_ratio(torch.zeros(1, 1, 7, 64))
    with pytest.raises(ValueError, match=r'window must be in \[1, patch_size\] = \[1, 8\], got 9'):
        frequency_ratio(torch.zeros(1, 1, 8, 8), window=9)
    with pytest.raises(ValueError, match='window'):
        frequency_ratio(torch.zeros(1, 1, 8, 8), window=0)
    with pytest.raises(ValueError, match='reduction'):
        frequency_ratio(torch.zeros(1, 1, 8, 8), reduction='max')


def test_exact_math_switches_off_tf32_only_and_keeps_determinism():
    """FRM's TF32 switch must not override a user's randomness=dict(deterministic=True)."""
    from mmwam.functional.frequency import _exact_math

    cudnn = torch.backends.cudnn
    saved = (cudnn.deterministic, cudnn.benchmark, torch._C._get_cudnn_allow_tf32())
    try:
        torch._C._set_cudnn_deterministic(True)
        torch._C._set_cudnn_benchmark(False)
        torch._C._set_cudnn_allow_tf32(True)
        with _exact_math(torch.device('cuda')):  # the flags are global: no GPU needed to read them
            assert torch._C._get_cudnn_deterministic() is True
            assert torch._C._get_cudnn_benchmark() is False
            assert torch._C._get_cudnn_allow_tf32() is False
        assert (
            torch._C._get_cudnn_allow_tf32() is True and torch._C._get_cudnn_deterministic() is True
        )
    finally:
        torch._C._set_cudnn_deterministic(saved[0])
        torch._C._set_cudnn_benchmark(saved[1])
        torch._C._set_cudnn_allow_tf32(saved[2])
