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


def vlcd_run(cv, seed, width_um, t_end, w=0.2, band=6.0, electrode=8.0, gap=50.0):
    """(front rows (um), local current (A/m^2), i0 ratio, system) after ``t_end`` s."""
    h = w / 2
    ny = int(round(electrode / h))
    dx = graded_spacing(h, band, band / 2 + gap, 1.1)
    modulation = vlcd_profile(electrode, 2.0, cv, seed, ny)
    system = ElectrodepositionSystem(Cell(), dx, ny, h, CURRENT, exchange_modulation=modulation,
                                     numerics=SbmNumerics(interface_width=w, dt_initial=0.1, dt_max=60.0))
    x = np.cumsum(dx) - dx / 2
    system.initialise(np.repeat(logistic_profile(x - band / 2, w)[None, :], ny, axis=0))
    system.advance(t_end)
    return system.front_rows(), system.local_current(), modulation, system


@pytest.mark.slow
def test_halving_the_interface_width_changes_front_roughness_and_current_by_under_10_percent():
    """Issue 16's check 6: w = 0.2 -> 0.1 um (h = w / 2), 4 um of electrode, CV 0.8, 240 s at
    1 mA/cm^2 (0.32 um of Li); tolerance 10 % on the front's standard deviation and the local
    current (largest difference over the rows, relative to the mean current); the mean front
    follows from the Li balance and is not a separate check. Measured: roughness -5.0 %, local
    current 7.8 %."""
    results = [vlcd_run(0.8, 7, 4.0, 240.0, w=w, band=4.0, electrode=4.0, gap=25.0) for w in (0.2, 0.1)]
    (rows_a, current_a, _, _), (rows_b, current_b, _, _) = results
    coarse_current_b = 0.5 * (current_b[0::2] + current_b[1::2])
    assert np.std(rows_a) == pytest.approx(np.std(rows_b), rel=0.10)
    assert np.max(np.abs(current_a - coarse_current_b)) < 0.10 * CURRENT


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
