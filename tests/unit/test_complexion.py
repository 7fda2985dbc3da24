"""Complexion thermodynamics: Φ(h) = γ0 + Δγ f(h) + ΔG h, its minima, classes and transitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from multiscale.complexion import model as cx
from multiscale.constants import M_PER_NM

OSCILLATORY = dict(base="exponential", xi=0.5 * M_PER_NM, amplitude=0.3, decay_length=1.0 * M_PER_NM, period=0.3 * M_PER_NM)


@pytest.mark.parametrize("delta_gamma, delta_G", [(-0.1, 1e6), (-0.5, 1e7), (-1.0, 1e9), (-0.05, 3e7)])
def test_exponential_closed_form_matches_numerical_minimisation(delta_gamma, delta_G):
    """h = xi ln(-dgamma / (xi dG)) when -dgamma > xi dG (seed 002); the grid + Brent minimiser
    does not use the formula. Tolerance: relative 1e-6 (issue 5)."""
    pot = cx.potential(delta_gamma, delta_G, "exponential", xi=0.5 * M_PER_NM)
    expected = 0.5 * M_PER_NM * math.log(-delta_gamma / (0.5 * M_PER_NM * delta_G))
    assert cx.closed_form_thickness(pot) == pytest.approx(expected, rel=1e-12)
    found, best = cx.minima(pot)
    assert len(found) == 1 and best.h == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("delta_gamma, delta_G", [(-0.1, 1e6), (-0.5, 1e8), (-1.0, 1e9)])
def test_dispersion_closed_form_matches_numerical_minimisation(delta_gamma, delta_G):
    h0 = 0.3 * M_PER_NM
    pot = cx.potential(delta_gamma, delta_G, "dispersion", h0=h0)
    expected = (2 * abs(delta_gamma) * h0 ** 2 / delta_G) ** (1 / 3) - h0
    assert expected > 0
    assert cx.equilibrium_thickness(delta_gamma, delta_G, "dispersion", h0=h0) == pytest.approx(expected, rel=1e-12)
    assert cx.minima(pot)[1].h == pytest.approx(expected, rel=1e-6)


def test_clean_interface_when_the_film_does_not_pay():
    """-dgamma <= xi dG: h_EQ = 0 in the closed form and a boundary minimum at h = 0 numerically;
    a positive dgamma (the film raises the interface energy) is clean too."""
    assert cx.equilibrium_thickness(-0.01, 1e8, xi=0.5 * M_PER_NM) == 0.0  # xi dG = 0.05 > 0.01
    assert cx.minima(cx.potential(-0.01, 1e8, xi=0.5 * M_PER_NM))[1].h == 0.0
    assert cx.equilibrium_thickness(0.1, 1e6, "dispersion", h0=0.3 * M_PER_NM) == 0.0
    assert cx.equilibrium_thickness(-0.01, 1e9, "dispersion", h0=0.3 * M_PER_NM) == 0.0  # (2 |dg| h0^2 / dG)^(1/3) < h0


def test_wetting_at_bulk_coexistence():
    assert math.isinf(cx.equilibrium_thickness(-0.1, 0.0, xi=0.5 * M_PER_NM))
    assert cx.classify(math.inf, 0.3 * M_PER_NM) == "wetting"


def test_minimum_is_a_minimum_of_phi():
    """The reported global minimum is below Phi on a dense grid (no sampled h does better)."""
    pot = cx.potential(-0.5, 5e7, "oscillatory", **OSCILLATORY)
    best = cx.minima(pot)[1]
    h = np.linspace(0, 20 * M_PER_NM, 200001)
    assert best.phi <= pot.phi(h).min() + 1e-12
    assert float(pot.dphi(best.h)) == pytest.approx(0.0, abs=1e-6 * 5e7)


@pytest.mark.parametrize("model, keywords", [("exponential", {"xi": 0.5 * M_PER_NM}), ("dispersion", {"h0": 0.3 * M_PER_NM})])
def test_no_first_order_transition_without_oscillation(model, keywords):
    """Phi is convex for the single exponential (and the dispersion form): one minimum, which thins
    continuously to zero; the search reports nothing."""
    assert cx.first_order_transitions(-0.5, (1e5, 1e11), model, points=120, **keywords) == []


def test_oscillatory_transitions_are_at_equal_phi_and_jump_by_a_layer():
    found = cx.first_order_transitions(-0.5, (1e6, 1e10), "oscillatory", points=120, **OSCILLATORY)
    assert len(found) >= 3
    for t in found:
        assert t.phi_gap < 1e-9  # J/m^2: the two minima have equal Phi at the located dG
        assert abs(t.h_low_G - t.h_high_G) == pytest.approx(0.3 * M_PER_NM, rel=0.2)  # one layer (the period)
        below = cx.equilibrium_thickness(-0.5, t.delta_G * 0.999, "oscillatory", **OSCILLATORY)
        above = cx.equilibrium_thickness(-0.5, t.delta_G * 1.001, "oscillatory", **OSCILLATORY)
        assert below == pytest.approx(t.h_low_G, rel=1e-2) and above == pytest.approx(t.h_high_G, rel=1e-2)
        assert below > above  # a larger volume penalty thins the film


@pytest.mark.parametrize("h, expected", [(0.0, "clean"), (0.1, "clean"), (0.3, "monolayer"), (0.62, "bilayer"),
                                         (0.9, "trilayer"), (1.2, "nanolayer"), (40.0, "nanolayer")])
def test_classes_follow_the_layer_count(h, expected):
    assert cx.classify(h * M_PER_NM, 0.3 * M_PER_NM) == expected


def test_diagram_thins_with_the_volume_penalty_and_thickens_with_the_energy_gain():
    dG = np.geomspace(1e6, 1e10, 9)
    dg = np.linspace(-1.0, -0.05, 5)
    thickness, classes = cx.diagram(dG, dg, "exponential", xi=0.5 * M_PER_NM, monolayer=0.3 * M_PER_NM)
    assert thickness.shape == classes.shape == (5, 9)
    assert np.all(np.diff(thickness, axis=1) <= 0) and np.all(np.diff(thickness, axis=0) <= 0)
    assert classes[0, 0] == "nanolayer" and classes[-1, -1] == "clean"


@pytest.mark.parametrize("call, message", [
    (lambda: cx.potential(-0.1, 1e6, "exponential"), "xi > 0"),
    (lambda: cx.potential(-0.1, 1e6, "dispersion", h0=-1.0), "h0 > 0"),
    (lambda: cx.potential(-0.1, 1e6, "cubic", xi=1e-9), "unknown complexion model"),
    (lambda: cx.potential(-0.1, 1e6, "oscillatory", xi=1e-9, period=3e-10), "decay_length"),
    (lambda: cx.potential(math.nan, 1e6, xi=1e-9), "finite"),
    (lambda: cx.first_order_transitions(-0.1, (1e6, 1e5), xi=1e-9), "increasing"),
    (lambda: cx.closed_form_thickness(cx.potential(-0.1, 1e6, "oscillatory", **OSCILLATORY)), "no closed-form"),
])
def test_bad_input_is_refused_with_a_reason(call, message):
    with pytest.raises(ValueError, match=message):
        call()
