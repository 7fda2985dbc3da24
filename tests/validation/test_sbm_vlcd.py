"""Plating under a heterogeneous exchange current (the VLCD) at the electrode's 1 mA/cm^2
(docs/models.md §5.1; rows of docs/validation.md, "Phase field: binary electrolyte").

Runs of the stage's model (`sbm.ElectrodepositionSystem`) on the stage's grid and VLCD field
(`stage.vlcd_profile`, log-normal, 2 um correlation length), Valoen-Reimers electrolyte at 298.15 K,
i0 = 10 A/m^2, gamma = 0.5 J/m^2 and the kMC's B = 5e-30 m^4/s (docs/models.md §4.7).
"""

import numpy as np
import pytest

from multiscale.constants import FARADAY
from multiscale.dendrite.sbm import Cell, ElectrodepositionSystem, SbmNumerics, graded_spacing, logistic_profile
from multiscale.dendrite.stage import vlcd_profile

CURRENT = 10.0  # A/m^2 = 1 mA/cm^2


def vlcd_run(cv, seed, width_um, t_end, w=0.2, band=6.0, electrode=8.0, gap=50.0, growth=1.1, **numerics):
    """(front rows (um), local current (A/m^2), i0 ratio, system) after ``t_end`` s; ``numerics``
    override the stage's SbmNumerics."""
    h = w / 2
    ny = int(round(electrode / h))
    dx = graded_spacing(h, band, band / 2 + gap, growth)
    modulation = vlcd_profile(electrode, 2.0, cv, seed, ny)
    numerics = SbmNumerics(**{"interface_width": w, "dt_initial": 0.1, "dt_max": 60.0, **numerics})
    system = ElectrodepositionSystem(Cell(), dx, ny, h, CURRENT, exchange_modulation=modulation, numerics=numerics)
    x = np.cumsum(dx) - dx / 2
    system.initialise(np.repeat(logistic_profile(x - band / 2, w)[None, :], ny, axis=0))
    system.advance(t_end)
    return system.front_rows(), system.local_current(), modulation, system


#: The 4 um convergence case: CV 0.8, 240 s at 1 mA/cm^2 (0.32 um of Li), a 4 um fine band, 25 um gap.
CONVERGENCE_CASE = {"cv": 0.8, "seed": 7, "width_um": 4.0, "t_end": 240.0, "band": 4.0, "electrode": 4.0, "gap": 25.0}


@pytest.fixture(scope="module")
def default_case():
    return vlcd_run(**CONVERGENCE_CASE)


@pytest.mark.slow
def test_halving_the_interface_width_changes_front_roughness_and_current_by_under_10_percent(default_case):
    """Issue 16's check 6: w = 0.2 -> 0.1 um (h = w / 2) on the convergence case; tolerance 10 % on
    the front's standard deviation and the local current (largest difference over the rows,
    relative to the mean current); the mean front follows from the Li balance and is not a
    separate check. Measured: roughness -5.0 %, local current 7.8 %."""
    rows_a, current_a, _, _ = default_case
    rows_b, current_b, _, _ = vlcd_run(**CONVERGENCE_CASE, w=0.1)
    coarse_current_b = 0.5 * (current_b[0::2] + current_b[1::2])
    assert np.std(rows_a) == pytest.approx(np.std(rows_b), rel=0.10)
    assert np.max(np.abs(current_a - coarse_current_b)) < 0.10 * CURRENT


@pytest.mark.slow
@pytest.mark.parametrize("change", [
    {"band": 8.0}, {"growth": 1.05}, {"tolerance": 1e-4, "max_change": 0.04}, {"profile_mobility": 0.025},
    {"profile_mobility": 0.1}, {"gradient_floor": 0.005}, {"storage_floor": 1e-4}, {"dt_max": 15.0},
], ids=["front band 4 -> 8 um", "grid growth 1.1 -> 1.05", "step tolerance 1e-3 -> 1e-4, max change 0.08 -> 0.04",
        "profile mobility 0.05 -> 0.025", "profile mobility 0.05 -> 0.1", "gradient floor 0.01 -> 0.005",
        "storage floor 1e-3 -> 1e-4", "largest time step 60 -> 15 s"])
def test_the_other_numerical_parameters_change_roughness_and_current_by_under_10_percent(default_case, change):
    """The stage's other numerical parameters, each changed from its default on the convergence
    case, under the same criterion as the interface width (issue 16's check 6: 10 % on the
    roughness and the local current). Measured (docs/validation.md): band -0.006 %, 0.006 %; grid
    growth < 1e-4 %; step control +0.23 %, 0.19 %; profile mobility halved +1.1 %, 0.87 %, doubled
    -1.4 %, 1.1 %; gradient floor +0.27 %, 0.11 %; storage floor < 1e-4 %; time step +0.36 %, 0.30 %."""
    rows_a, current_a, _, _ = default_case
    rows_b, current_b, _, _ = vlcd_run(**{**CONVERGENCE_CASE, **change})
    assert np.std(rows_b) == pytest.approx(np.std(rows_a), rel=0.10)
    assert np.max(np.abs(current_b - current_a)) < 0.10 * CURRENT


@pytest.mark.slow
def test_high_vlcd_grows_micrometre_protrusions_where_low_vlcd_stays_flat():
    """Issue 16's headline at equal charge: 0.25 mAh/cm^2 (900 s, 1.21 um of Li) at 1 mA/cm^2, i0 CV 0.8
    vs 0.05, three realisations each. Bounds: every CV 0.8 run has a tip-to-trough length > 1 um and
    a roughness > 10x the largest of the CV 0.05 runs (whose length stays < 0.2 um); charge-transfer
    control makes the local growth follow i0, so the roughness / (deposit x the sample's i0 CV) lies
    in [0.7, 1.05] (surface diffusion and transport only trim it). All six runs separate (3 vs 3:
    p = 1/20 were the two CVs one distribution). Measured: lengths 1.79-2.09 um vs 0.15-0.19 um,
    roughness 0.70-0.76 um vs 0.057-0.059 um (x 11.9 at the closest), ratios 0.88-0.98."""
    deposit = CURRENT * 900.0 / FARADAY * Cell().molar_volume_m3_mol * 1e6
    runs = {cv: [vlcd_run(cv, seed, 8.0, 900.0) for seed in (1, 2, 3)] for cv in (0.8, 0.05)}
    high = np.array([np.std(r[0]) for r in runs[0.8]])
    low = np.array([np.std(r[0]) for r in runs[0.05]])
    assert all(np.ptp(r[0]) > 1.0 for r in runs[0.8]), [np.ptp(r[0]) for r in runs[0.8]]
    assert all(np.ptp(r[0]) < 0.2 for r in runs[0.05]), [np.ptp(r[0]) for r in runs[0.05]]
    assert high.min() > 10 * low.max(), (high, low)
    for cv in runs:
        for rows, _, modulation, _ in runs[cv]:
            ratio = np.std(rows) / (deposit * np.std(modulation))
            assert 0.7 < ratio < 1.05, (cv, ratio)
    for cv in runs:  # the concentration stays physical: within the fits' 0-3 M and far from depletion
        for *_, system in runs[cv]:
            c = system.fields()["concentration"]
            assert 900.0 < c.min() and c.max() < 1100.0
