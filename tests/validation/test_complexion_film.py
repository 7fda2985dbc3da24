"""FiPy diffuse-interface film vs the exact first-integral quadrature (issue 5; docs/models.md §6).

Reference: for F = ∫ [κ/2 φ'^2 + W φ^2(1−φ)^2 + ΔG (1−φ)^2(1+2φ)] dx with φ(0) = 0 and φ(∞) = 1,
κ/2 φ'^2 = g(φ) and h = ∫ (1−φ) √(κ / 2g) dφ (scipy quad, 1e-12). Tolerances: 2 % on h for ΔG/W
from 1e-1 to 1e-3, 5 % on the slope dh/d ln(1/ΔG) against ξ = √(κ/(8W)) (issue 5).
"""

from __future__ import annotations

import math

import pytest

from multiscale.complexion import film

W, KAPPA = 1.0e8, 2.0e-10  # J/m^3, J/m: xi = sqrt(kappa / 8 W) = 0.5 nm


@pytest.mark.parametrize("ratio", [1e-1, 1e-2, 1e-3])
def test_fipy_film_thickness_matches_the_quadrature(ratio):
    result = film.relax_film(ratio * W, W, KAPPA)
    exact = film.quadrature_thickness(ratio * W, W, KAPPA)
    print(f"dG/W = {ratio:g}: FiPy {result.thickness:.6e} m, quadrature {exact:.6e} m, "
          f"relative {result.thickness / exact - 1:.2e}")
    assert result.thickness == pytest.approx(exact, rel=0.02)
    assert result.phi[0] < 0.1 and result.phi[-1] > 0.999  # wall wetted by the film, bulk far away


def test_thickness_grows_as_xi_ln_one_over_delta_G():
    """Secant slope between dG/W = 1e-3 and 1e-4 from the FiPy film: xi = sqrt(kappa / 8 W), not the
    tail length sqrt(kappa / 2 W) (twice as large). The quadrature's local slope there is 1.010-1.028 xi."""
    h3 = film.relax_film(1e-3 * W, W, KAPPA).thickness
    h4 = film.relax_film(1e-4 * W, W, KAPPA).thickness
    slope = (h4 - h3) / math.log(10.0)
    xi = film.asymptotic_slope(W, KAPPA)
    print(f"slope {slope:.5e} m vs xi {xi:.5e} m: ratio {slope / xi:.4f}")
    assert slope == pytest.approx(xi, rel=0.05)


def test_quadrature_reduces_to_the_logarithm_for_small_delta_G():
    """Independent check of the quadrature: for dG -> 0 the divergent part of the integral near
    phi = 0 is sqrt(kappa / 2W) x 1/2 ln(W/dG); successive decades differ by xi ln 10 to 0.1 %."""
    xi = film.asymptotic_slope(W, KAPPA)
    h = [film.quadrature_thickness(W * 10.0 ** -k, W, KAPPA) for k in (6, 7)]
    assert h[1] - h[0] == pytest.approx(xi * math.log(10.0), rel=1e-3)
