"""Pure functions of the smoothed-boundary model (multiscale/dendrite/sbm.py)."""

import numpy as np
import pytest

from multiscale.dendrite.sbm import butler_volmer, graded_spacing, logistic_profile


def test_butler_volmer_derivatives_match_finite_differences():
    """The Newton Jacobian uses dj/dc and dj/deta; central differences are the reference (1e-7)."""
    c, eta, i0 = np.array([0.3, 1.0, 1.7]), np.array([-2.0, 0.1, 1.5]), np.array([0.5, 1.0, 2.0])
    rate, rate_c, rate_eta = butler_volmer(c, eta, i0, 0.3, 0.7)
    step = 1e-6
    np.testing.assert_allclose(rate_c, (butler_volmer(c + step, eta, i0, 0.3, 0.7)[0]
                                        - butler_volmer(c - step, eta, i0, 0.3, 0.7)[0]) / (2 * step), rtol=1e-7)
    np.testing.assert_allclose(rate_eta, (butler_volmer(c, eta + step, i0, 0.3, 0.7)[0]
                                          - butler_volmer(c, eta - step, i0, 0.3, 0.7)[0]) / (2 * step), rtol=1e-7)
    assert butler_volmer(np.float64(1.0), np.float64(0.0), 1.0, 0.5, 0.5)[0] == 0.0  # equilibrium
    assert rate[0] > 0 > rate[2]  # cathodic overpotential plates, anodic strips


def test_graded_spacing_fills_the_length():
    dx = graded_spacing(0.05, 4.0, 52.0, 1.08)
    assert dx.sum() == pytest.approx(52.0, rel=1e-12)
    assert np.all(dx[:80] == 0.05)
    assert np.all(np.diff(dx[80:-1]) > 0)
    with pytest.raises(ValueError):
        graded_spacing(0.05, 60.0, 52.0, 1.08)


def test_logistic_profile_has_unit_integrated_gradient():
    """psi' integrates to 1 across the front (the smoothed-boundary delta function) and equals
    psi (1 - psi) / w."""
    x = np.linspace(-3.0, 3.0, 60001)
    psi = logistic_profile(x, 0.1)
    slope = np.gradient(psi, x)
    assert np.trapezoid(slope, x) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(slope, psi * (1 - psi) / 0.1, atol=1e-6)
