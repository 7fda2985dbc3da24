"""Coating model: plating under vs on top, threshold F D c_c / L, Li balance (issue 5)."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.constants import FARADAY
from multiscale.coating import model as co

PHYSICS = co.CoatingPhysics(thickness_m=1e-6, diffusivity_m2_s=3.3e-11, capacity_mol_m3=1000.0, conductivity_S_m=1e6)


def test_threshold_is_the_transport_limit():
    assert PHYSICS.threshold_A_m2 == pytest.approx(FARADAY * 3.3e-11 * 1000.0 / 1e-6, rel=1e-12)
    assert PHYSICS.transit_time_s == pytest.approx(1e-12 / 3.3e-11, rel=1e-12)


def _run(ratio, transit_times=20.0, ny=1, profile=None):
    current = PHYSICS.threshold_A_m2 * (np.array([ratio] * ny) if profile is None else np.asarray(profile))
    system = co.CoatingSystem(PHYSICS, current, PHYSICS.thickness_m, nx=24)
    return system, co.integrate(system, transit_times * PHYSICS.transit_time_s)


@pytest.mark.parametrize("ratio", [0.1, 0.5, 1.25, 2.0, 10.0])
def test_li_is_conserved_and_the_steady_split_is_min_one_jth_over_j(ratio):
    """charge / F = under + on top + stored to the solver tolerance; after 20 transit times the
    instantaneous fraction under is min(1, j_th / j) (exact for the linear steady profile)."""
    system, totals = _run(ratio)
    assert abs(totals.balance_error_mol_m2) < 1e-9 * totals.charge_mol_m2
    rates = system.rates()
    assert rates.under[0] / (ratio * PHYSICS.threshold_A_m2) == pytest.approx(co.steady_fraction_under(ratio), rel=1e-3)
    if ratio < 1:
        assert totals.on_top_mol_m2 == 0.0


def test_hotspot_rows_plate_on_top_while_the_rest_plate_under():
    """2D: mean current below the threshold, one hot row at 3 j_th. After 20 transit times that row
    (and at most its neighbours, fed laterally) is saturated and plates on top; the cold rows do not."""
    profile = [0.4] * 8
    profile[3] = 3.0
    system, totals = _run(None, ny=8, profile=profile)
    on_top = system.rates().on_top
    assert on_top[3] > 0.5 * PHYSICS.threshold_A_m2
    assert np.all(on_top[[0, 1, 5, 6, 7]] == 0.0)
    assert 0 < totals.fraction_on_top < 0.5


def test_time_steps_add_up_and_grow():
    steps = co.time_steps(10.0, first=1e-3)
    assert steps.sum() == pytest.approx(10.0, rel=1e-12)
    assert steps[1] == pytest.approx(1.25e-3) and steps.max() <= 10.0 / 50 + 1e-12


@pytest.mark.parametrize("kwargs", [dict(thickness_m=0.0), dict(diffusivity_m2_s=-1.0), dict(capacity_mol_m3=0.0)])
def test_unphysical_coatings_are_refused(kwargs):
    values = dict(thickness_m=1e-6, diffusivity_m2_s=1e-11, capacity_mol_m3=1e3, conductivity_S_m=1.0) | kwargs
    with pytest.raises(ValueError, match="must be positive"):
        co.CoatingPhysics(**values)
    with pytest.raises(ValueError, match="positive current"):
        co.CoatingSystem(PHYSICS, np.array([1.0, -1.0]), 1e-6)
