"""Unit tests of the fitting helpers (exact cases; the noisy recovery is a validation test)."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.atomistic.fits import (
    arrhenius,
    diffusion_coefficient,
    fit_arrhenius,
    fit_dopt_curve,
    incubation_time_model,
    logistic_fraction,
)


def test_diffusion_coefficient_of_exact_line():
    t = np.linspace(0, 1e-9, 50)
    msd = 1e-18 + 6 * 2.5e-9 * t  # offset (ballistic/vibrational) + 2 d D t with d = 3
    D, err = diffusion_coefficient(t, msd, 3)
    assert D == pytest.approx(2.5e-9, rel=1e-12)
    assert err < 1e-9 * D


def test_fit_start_fraction_skips_the_ballistic_part():
    t = np.linspace(0, 1.0, 101)
    msd = np.where(t < 0.2, 10 * t**2, 0.4 + 4 * (t - 0.2))  # d = 2, D = 1 after t = 0.2
    assert diffusion_coefficient(t, msd, 2, fit_start_fraction=0.25)[0] == pytest.approx(1.0)
    assert diffusion_coefficient(t, msd, 2, fit_start_fraction=0.0)[0] != pytest.approx(1.0, rel=1e-3)


def test_diffusion_coefficient_needs_points():
    with pytest.raises(ValueError, match="at least 3"):
        diffusion_coefficient([0, 1, 2], [0, 1, 2], 3, fit_start_fraction=0.9)


def test_arrhenius_fit_is_exact_on_exact_data():
    T = np.array([250.0, 300.0, 400.0])
    fit = fit_arrhenius(T, arrhenius(T, 1e-6, 0.3))
    assert fit.D0 == pytest.approx(1e-6, rel=1e-9) and fit.Ea_eV == pytest.approx(0.3, rel=1e-9)


@pytest.mark.parametrize("T, D, match", [([300.0], [1e-9], "two or more"), ([300.0, 300.0], [1e-9, 2e-9], "two or more"),
                                          ([300.0, 400.0], [1e-9, -1e-9], "positive")])
def test_arrhenius_fit_errors(T, D, match):
    with pytest.raises(ValueError, match=match):
        fit_arrhenius(T, D)


def test_dopt_curve_recovers_the_critical_size():
    n = np.arange(500.0, 1501.0, 100.0)
    f = logistic_fraction(n, 740.0, 40.0, 0.8)
    fit = fit_dopt_curve(n, f)
    assert fit.critical_size == pytest.approx(740.0, rel=1e-4)
    assert fit.width == pytest.approx(40.0, rel=1e-3) and fit.f_max == pytest.approx(0.8, rel=1e-4)


def test_dopt_curve_needs_a_transition():
    with pytest.raises(ValueError, match="no transition"):
        fit_dopt_curve([500, 600, 700, 800], [0.0, 0.0, 0.0, 0.0])


def test_incubation_time_infinite_below_critical_size():
    tau = incubation_time_model([600, 700, 1400], 700, 1e-9, 4)
    assert np.isinf(tau[0]) and tau[1] == 1e-9 and tau[2] == pytest.approx(1e-9 / 16)
