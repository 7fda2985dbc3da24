"""Local current density fields: mean exact; CV, variance and correlation length statistically."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.fields import (
    coarse_grain,
    correlation_function,
    gaussian_random_field,
    hotspot_field,
    lognormal_field,
    periodic_distance_squared,
    vlcd,
)

SEEDS = range(12)
SHAPE = (128, 128)
DX = 1.0e-9  # m
ELL = 4.0e-9  # m: the domain is 32 correlation lengths wide


def _fitted_length(field: np.ndarray) -> float:
    """Correlation length from the autocorrelation along x and y, fitted to exp(-r^2/2l^2) for rho > 0.1."""
    corr = correlation_function(field)
    rho = 0.5 * (corr[0, :16] + corr[:16, 0])
    r = np.arange(16) * DX
    keep = (r > 0) & (rho > 0.1)
    # ln rho = -r^2 / (2 l^2): least squares through the origin in r^2
    slope = np.sum(r[keep] ** 2 * np.log(rho[keep])) / np.sum(r[keep] ** 4)
    return float(np.sqrt(-1.0 / (2.0 * slope)))


def test_gaussian_field_has_unit_variance_and_the_correlation_length():
    """Reference: unit variance and covariance exp(-r^2/2l^2). Bound: 3 standard errors over 24
    seeds on 256^2 (64 l wide) plus 1 % for the estimators' bias (measured +1.1 % for l)."""
    shape, seeds = (256, 256), range(24)
    var, ell = [], []
    for seed in seeds:
        g = gaussian_random_field(shape, DX, ELL, np.random.default_rng(seed))
        var.append(g.var())
        ell.append(_fitted_length(g) / ELL)
    var, ell = np.array(var), np.array(ell)
    # finite-domain bias of the sample variance: sum of the covariance / N = 2 pi l^2 / area
    bias = 2 * np.pi * (ELL / DX) ** 2 / np.prod(shape)
    assert abs(var.mean() - (1 - bias)) < 3 * var.std(ddof=1) / np.sqrt(len(var)) + 0.01
    assert abs(ell.mean() - 1) < 3 * ell.std(ddof=1) / np.sqrt(len(ell)) + 0.01


@pytest.mark.parametrize("cv", [0.1, 0.5, 1.0])
def test_lognormal_mean_is_exact_and_cv_statistical(cv):
    mean = 10.0  # A/m^2 = 1 mA/cm^2
    cvs = []
    for seed in SEEDS:
        j = lognormal_field(SHAPE, DX, mean, cv, ELL, seed)
        assert j.mean() == pytest.approx(mean, rel=1e-12)
        assert np.all(j > 0)
        cvs.append(j.std() / j.mean())
    cvs = np.array(cvs)
    # reference: CV of the lognormal with s^2 = ln(1 + cv^2) equals cv; tolerance: 3 standard
    # errors over the seeds plus the finite-domain bias (variance low by ~2 pi l^2 / area, in s^2)
    bias = 2 * np.pi * (ELL / DX) ** 2 / np.prod(SHAPE)
    expected = np.sqrt(np.expm1(np.log1p(cv**2) * (1 - bias)))
    assert abs(cvs.mean() - expected) < 3 * cvs.std(ddof=1) / np.sqrt(len(cvs)) + 0.01 * cv
    assert vlcd(j) == pytest.approx((j.std()) ** 2)


def test_lognormal_is_reproducible_and_seed_dependent():
    a = lognormal_field(SHAPE, DX, 1.0, 0.5, ELL, 7)
    assert np.array_equal(a, lognormal_field(SHAPE, DX, 1.0, 0.5, ELL, 7))
    assert not np.array_equal(a, lognormal_field(SHAPE, DX, 1.0, 0.5, ELL, 8))


def test_zero_cv_is_uniform():
    assert np.all(lognormal_field((4, 5), DX, 3.0, 0.0, ELL, 1) == 3.0)


@pytest.mark.parametrize("kwargs", [dict(mean=0.0, cv=0.1), dict(mean=1.0, cv=-0.1)])
def test_lognormal_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        lognormal_field(SHAPE, DX, correlation_length_m=ELL, seed=0, **kwargs)


def test_hotspots_carry_their_fraction():
    j = hotspot_field((64, 64), DX, 10.0, [(10e-9, 10e-9), (60e-9, 40e-9)], 3e-9, 0.8)
    assert j.mean() == pytest.approx(10.0, rel=1e-12)
    hot = j > j.min()
    assert j[hot].sum() / j.sum() == pytest.approx(0.8, rel=1e-12)
    assert hot[10, 10] and hot[40, 60] and not hot[32, 32]
    assert hot[10, 63 - 0] == hot[10, 63]  # periodic images: no crash at the edges


def test_hotspot_errors():
    with pytest.raises(ValueError, match="increase radius"):
        hotspot_field((16, 16), DX, 1.0, [(0.5e-9, 0.5e-9)], 0.1e-9, 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        hotspot_field((16, 16), DX, 1.0, [(0, 0)], 2e-9, 1.5)


def test_coarse_grain_is_conservative():
    j = lognormal_field((60, 90), DX, 5.0, 0.7, ELL, 3)
    for shape in [(30, 45), (7, 13), (1, 90), (60, 1), (120, 180)]:
        assert coarse_grain(j, shape).mean() == pytest.approx(5.0, rel=1e-12)
    blocks = j.reshape(30, 2, 45, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(coarse_grain(j, (30, 45)), blocks, rtol=1e-12)
    np.testing.assert_allclose(coarse_grain(j, (120, 180))[::2, ::2], j, rtol=1e-12)
    np.testing.assert_allclose(coarse_grain(j, (60, 1))[:, 0], j.mean(axis=1), rtol=1e-12)


def test_periodic_distance_uses_the_nearest_image():
    d2 = periodic_distance_squared((4, 10), centre=(0.0, 1.0))
    assert d2[0, 1] == 0 and d2[0, 9] == 4 and d2[0, 6] == 25 and d2[3, 1] == 1  # wraps in x and y
    assert periodic_distance_squared((4, 4), (0.5, 0.5), spacing=2.0)[0, 0] == pytest.approx(0.5)  # in spacing units
