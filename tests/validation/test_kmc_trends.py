"""Validation of the kMC against the seeds' trends (several seeds, statistical bounds)."""

from __future__ import annotations

import numpy as np
import pytest

import multiscale
from multiscale.io import read_dataset
from multiscale.params import with_overrides
from tests.conftest import PARAMS_DIR

SEEDS = range(1, 13)


@pytest.mark.slow
def test_crystalline_fraction_rises_with_current_density(tmp_path):
    """Reference: seed 000 Fig. 1g-l: at equal deposited charge the deposit is mostly glassy at low
    current density, partly crystalline at 1.0 mA/cm^2 and highly crystalline at 2.5 (the DOPT
    calibration targets, docs/models.md §4.5). Per run the outcome is nearly bimodal (one nucleus
    then epitaxy takes over the film), so 12 seeds per current. Bounds: mean < 0.3 at
    0.2 mA/cm^2, > 0.7 at 2.5, and the means strictly increasing. Resampling the measured
    per-seed outcomes (docs/validation.md) puts the chance of a false failure at ~0.2 %."""
    base = multiscale.load_params(PARAMS_DIR / "reference" / "dopt_calibration.toml")
    means = {}
    for j in (0.2, 1.0, 2.5):
        fractions = []
        for seed in SEEDS:
            params = with_overrides(base, {"seed": seed, "electrode.current_density_mA_cm2": j,
                                           "kmc.max_hop_to_deposition": 1000.0})  # R = 1000 for CI time
            run_dir = multiscale.run(params, out=tmp_path / f"r{j}_{seed}")
            fractions.append(read_dataset(run_dir / "kmc.h5").crystalline_fraction[-1].item())
        means[j] = float(np.mean(fractions))
        print(f"{j} mA/cm2: crystalline fraction at 12 ML per seed {np.round(fractions, 3).tolist()}")
    print("means:", means)
    assert means[0.2] < 0.3 and means[2.5] > 0.7
    assert means[0.2] < means[1.0] < means[2.5]


ROUGH = """
name = "rough"
seed = {seed}
[electrode]
temperature_K = 300.0
current_density_mA_cm2 = {j}
vlcd_cv = 0.0
[kmc]
lateral_size_nm = 15.0
box_height_nm = 12.0
stop_thickness_ML = 8.0
record_interval_ML = 1.0
max_hop_to_deposition = 1000.0
"""


@pytest.mark.slow
def test_roughness_rises_with_deposition_rate(tmp_path):
    """Reference: seed 000 Fig. 6 (MD at 0.25, 0.5, 1 Li/ps): at equal deposited amount Ra, Rmax
    and sigma rise with the deposition rate. Here 0.5, 1, 2 mA/cm^2 to 8 ML, 3 seeds each. Bounds:
    the means of Ra and sigma increase by more than 2 standard errors of the difference at each
    step; Rmax (a single extreme) increases on average."""
    stats = {}
    for j in (0.5, 1.0, 2.0):
        rows = []
        for seed in (1, 2, 3):
            path = tmp_path / f"j{j}_{seed}.toml"
            path.write_text(ROUGH.format(seed=seed, j=j))
            ds = read_dataset(multiscale.run(path, out=tmp_path / f"r{j}_{seed}") / "kmc.h5")
            rows.append([ds.roughness_Ra[-1].item(), ds.roughness_Rmax[-1].item(), ds.roughness_sigma[-1].item()])
        rows = np.array(rows)
        stats[j] = (rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(len(rows)))
    print({j: np.round(m * 1e9, 3).tolist() for j, (m, _) in stats.items()}, "nm (Ra, Rmax, sigma)")
    for lo, hi in ((0.5, 1.0), (1.0, 2.0)):
        (m_lo, e_lo), (m_hi, e_hi) = stats[lo], stats[hi]
        for q in (0, 2):  # Ra, sigma
            assert m_hi[q] - m_lo[q] > 2 * np.hypot(e_lo[q], e_hi[q]), (lo, hi, q)
        assert m_hi[1] > m_lo[1]


HOTSPOT = """
name = "hotspot"
seed = {seed}
[electrode]
temperature_K = {T}
current_density_mA_cm2 = {j}
vlcd_field = "hotspots"
hotspot_count = 1
hotspot_radius_nm = 1.0
hotspot_current_fraction = 1.0
[kmc]
lateral_size_nm = 10.0
box_height_nm = 14.0
stop_thickness_ML = 0.15
record_interval_ML = 0.05
"""


@pytest.mark.parametrize("T, j, expected", [(200.0, 0.5, "needle"), (400.0, 4.0, "hemisphere")])
def test_hotspot_morphology_corners(tmp_path, T, j, expected):
    """Reference: seed 004 Fig. 3 corners: a needle at low temperature and low generation rate,
    a hemisphere at high temperature and high rate (all current through one 1 nm hotspot,
    0.15 ML). Bound: the shape of every one of 3 seeds."""
    for seed in (1, 2, 3):
        path = tmp_path / f"h{seed}.toml"
        path.write_text(HOTSPOT.format(seed=seed, T=T, j=j))
        morph = read_dataset(multiscale.run(path, out=tmp_path / f"r{seed}") / "kmc.h5", "morphology")
        assert morph.shape.values[0] == expected, (seed, morph.aspect_ratio.values)


def test_local_heating_makes_the_hotspot_deposit_fluid(tmp_path):
    """Reference: seed 004 explains its rate effects by condensation heat making the top of the
    deposit fluid. At 200 K and 4 mA/cm^2 (all through one 1 nm hotspot) the deposit is a needle;
    with the hotspot's top 500 K hotter (local heating referred to the hotspot's own 136 mA/cm^2,
    1 nm heating length; seed 004: ~800 K top at 5 Li/ps) it must spread into a hemisphere.
    Bound: every one of 3 seeds."""
    heating = "heating_top_rise_K = 500.0\nheating_length_nm = 1.0\nheating_reference_current_density_mA_cm2 = 136.0\n"
    for seed in (1, 2, 3):
        shapes = []
        for extra in ("", heating):
            path = tmp_path / f"h{seed}.toml"
            path.write_text(HOTSPOT.format(seed=seed, T=200.0, j=4.0) + extra)
            morph = read_dataset(multiscale.run(path, out=tmp_path / f"r{seed}{bool(extra)}") / "kmc.h5", "morphology")
            shapes.append((morph.shape.values[0], float(morph.aspect_ratio[0])))
        assert [s for s, _ in shapes] == ["needle", "hemisphere"], shapes
