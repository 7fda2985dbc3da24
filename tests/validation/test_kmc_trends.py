"""Validation of the kMC against the seeds' trends (several seeds, statistical bounds)."""

from __future__ import annotations

import numpy as np
import pytest

import multiscale
from multiscale.io import read_dataset
from multiscale.params import with_overrides
from tests.conftest import PARAMS_DIR

SEEDS = range(1, 9)


@pytest.mark.slow
def test_crystalline_fraction_rises_with_current_density(tmp_path):
    """Reference: seed 000 Fig. 1g-l: at equal deposited charge the deposit is mostly glassy at low
    current density, partly crystalline at 1.0 mA/cm^2 and highly crystalline at 2.5 (the DOPT
    calibration targets, docs/models.md §4.5; the calibration S = 7e11 was kept when the
    energetics were fixed in issue 15, and the targets still hold). Per run the outcome is nearly
    bimodal (one nucleus then epitaxy takes over the film), so 8 seeds per current; 4 at 0.2
    mA/cm^2, where a run costs ~6x one at 1.0 (the acceleration is fixed at reference conditions,
    so a slower deposit makes more hops per atom) and none of 8 seeds crystallised
    (docs/validation.md). Bounds: mean < 0.3 at 0.2 mA/cm^2 (the 4 fractions sum below 1.2: it
    fails when two runs crystallise to ~0.9), > 0.7 at 2.5, and the means strictly increasing.
    With the measured per-seed outcomes (3 of 8 seeds stay glassy at 1.0 mA/cm^2) the chance that
    all 8 stay glassy at 1.0 is (3/8)^8 = 4e-4; at 0.2 mA/cm^2 none of 8 crystallised, so no
    rate of crystallisation there is known to bound a false failure."""
    base = multiscale.load_params(PARAMS_DIR / "reference" / "dopt_calibration.toml")
    means = {}
    for j in (0.2, 1.0, 2.5):
        fractions = []
        for seed in SEEDS[:4] if j == 0.2 else SEEDS:
            params = with_overrides(base, {"seed": seed, "electrode.current_density_mA_cm2": j,
                                           "kmc.max_hop_to_deposition": 1000.0})  # R = 1000 for CI time
            run_dir = multiscale.run(params, out=tmp_path / f"r{j}_{seed}")
            fractions.append(read_dataset(run_dir / "kmc.h5").crystalline_fraction[-1].item())
        means[j] = float(np.mean(fractions))
        print(f"{j} mA/cm2: crystalline fraction at 12 ML per seed {np.round(fractions, 3).tolist()}")
    print("means:", means)
    assert means[0.2] < 0.3 and means[2.5] > 0.7
    assert means[0.2] < means[1.0] < means[2.5]


def _kmc(tmp_path, case: str, name: str, overrides: dict):
    """Run the kMC of ``params/reference/<case>.toml`` with ``overrides``; its ``kmc.h5`` path."""
    params = with_overrides(multiscale.load_params(PARAMS_DIR / "reference" / f"{case}.toml"), overrides)
    return multiscale.run(params, out=tmp_path / name) / "kmc.h5"


@pytest.mark.slow
def test_roughness_rises_with_deposition_rate(tmp_path):
    """Reference: seed 000 Fig. 6 (MD at 0.25, 0.5, 1 Li/ps): at equal deposited amount Ra and
    sigma rise with the deposition rate. Here 0.5, 1, 2 mA/cm^2 to 8 ML at 250 K
    (params/reference/roughness_trend.toml), 4 seeds each. Bounds: the means of Ra and sigma
    increase by more than 2 standard errors of the difference at each step. At 300 K the trend is
    absent (flat within the errors: the surface relaxes to near equilibrium between depositions;
    docs/validation.md)."""
    stats = {}
    for j in (0.5, 1.0, 2.0):
        rows = []
        for seed in (1, 2, 3, 4):
            ds = read_dataset(_kmc(tmp_path, "roughness_trend", f"r{j}_{seed}", {
                "seed": seed, "electrode.temperature_K": 250.0, "electrode.current_density_mA_cm2": j}))
            rows.append([ds.roughness_Ra[-1].item(), ds.roughness_sigma[-1].item()])
        rows = np.array(rows)
        stats[j] = (rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(len(rows)))
    print({j: np.round(m * 1e9, 3).tolist() for j, (m, _) in stats.items()}, "nm (Ra, sigma)")
    for lo, hi in ((0.5, 1.0), (1.0, 2.0)):
        (m_lo, e_lo), (m_hi, e_hi) = stats[lo], stats[hi]
        assert np.all(m_hi - m_lo > 2 * np.hypot(e_lo, e_hi)), (lo, hi)


def _hotspot(tmp_path, seed: int, T: float, j: float, **kmc):
    """Morphology of the deposit on the hotspot of params/reference/hotspot.toml."""
    overrides = {"seed": seed, "electrode.temperature_K": T, "electrode.current_density_mA_cm2": j,
                 **{f"kmc.{key}": value for key, value in kmc.items()}}
    return read_dataset(_kmc(tmp_path, "hotspot", f"h{seed}_{T}_{j}_{bool(kmc)}", overrides), "morphology")


def test_hotspot_morphology_corners(tmp_path):
    """Reference: seed 004 Fig. 3 over (temperature x generation rate): cold deposits grow tall
    (needles), hot ones spread (hemispheres), because the surface is more fluid when hot. All
    current through one 1 nm hotspot, 0.15 ML (params/reference/hotspot.toml), the four corners
    200/400 K x 0.5/4 mA/cm^2, 3 seeds each. Bounds: every 400 K deposit is a hemisphere; at each
    rate every 200 K deposit is taller for its width (aspect ratio) than every 400 K one. The
    seed's mushroom (cold, fast) is not reproduced: the cold fast corner gives needles
    (docs/validation.md)."""
    aspect = {}
    for T in (200.0, 400.0):
        for j in (0.5, 4.0):
            aspect[T, j] = []
            for seed in (1, 2, 3):
                morph = _hotspot(tmp_path, seed, T, j)
                aspect[T, j].append(float(morph.aspect_ratio[0]))
                if T == 400.0:
                    assert morph.shape.values[0] == "hemisphere", (T, j, seed, aspect[T, j])
    print({key: np.round(v, 2).tolist() for key, v in aspect.items()})
    for j in (0.5, 4.0):
        assert min(aspect[200.0, j]) > max(aspect[400.0, j]), (j, aspect)


def test_local_heating_makes_the_hotspot_deposit_fluid(tmp_path):
    """Reference: seed 004 explains its rate effects by condensation heat making the top of the
    deposit fluid. At 200 K and 4 mA/cm^2 (all through one 1 nm hotspot) the deposit is a needle;
    with the hotspot's top 500 K hotter (local heating referred to the hotspot's own 136 mA/cm^2,
    1 nm heating length; seed 004: ~800 K top at 5 Li/ps) it must spread into a hemisphere.
    Bound: every one of 3 seeds."""
    heating = {"heating_top_rise_K": 500.0, "heating_length_nm": 1.0, "heating_reference_current_density_mA_cm2": 136.0}
    for seed in (1, 2, 3):
        shapes = [(m.shape.values[0], float(m.aspect_ratio[0]))
                  for m in (_hotspot(tmp_path, seed, 200.0, 4.0), _hotspot(tmp_path, seed, 200.0, 4.0, **heating))]
        assert [s for s, _ in shapes] == ["needle", "hemisphere"], shapes


def test_schwoebel_barrier_turns_layer_growth_into_mounds():
    """Reference: an Ehrlich-Schwoebel barrier keeps adatoms on the island they landed on, so
    multilayer growth turns from layer-by-layer (barrier 0) into mounds (large barrier) and the
    roughness rises (Ehrlich & Hudda 1966; Schwoebel & Shipsey 1966; e.g. Michely & Krug, *Islands,
    Mounds and Atoms*, 2004). 8 ML at 250 K and 1 mA/cm^2 on 24 x 24 columns, curated energetics,
    R = 1000 at the reference conditions, E_ES = 0 and 0.15 eV, 4 seeds. Bound: sigma at 0.15 eV
    exceeds sigma at 0 by more than 3 standard errors of the difference."""
    from multiscale.atomistic.params import AtomisticParams
    from multiscale.atomistic.stage import build_datasets
    from multiscale.constants import LI_KMC_SPACING as a
    from multiscale.kmc import model as m
    from multiscale.kmc.engine import Engine, KmcState

    d = build_datasets(AtomisticParams())["diffusion"]
    side, T = 24, 250.0
    sigma = {}
    for es in (0.0, 0.15):
        en = m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk), float(d.Ea_bulk),
                                         a, 0.05, es)
        dep = m.deposition_rates(np.full((side, side), 10.0), a)
        scale = m.hop_rate_scale(m.rate_table(en, 300.0), float(dep[0, 0]), 1000.0)
        values = []
        for seed in range(1, 5):
            eng = Engine(KmcState.flat((28, side, side), seed), m.rate_table(en, T, scale), dep, True,
                         step_factor=en.step_factor(T))
            eng.advance(max_deposits=8 * side * side)
            values.append(eng.state.top.std() * a)
        sigma[es] = (np.mean(values), np.std(values, ddof=1) / 2)
    print({es: f"{mu * 1e9:.3f} +- {se * 1e9:.3f} nm" for es, (mu, se) in sigma.items()})
    (lo, e_lo), (hi, e_hi) = sigma[0.0], sigma[0.15]
    assert hi - lo > 3 * np.hypot(e_lo, e_hi)
