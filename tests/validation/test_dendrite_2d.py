"""2D validations of the dendrite stage (docs/validation.md, "Phase-field electrodeposition model, 2D").

References:

- Allen-Cahn motion by curvature: a front y -> h(y) moves with normal velocity L_sigma kappa0 K,
  so a small sinusoidal perturbation of wavenumber k decays as exp(-L_sigma kappa0 k^2 t)
  (sharp-interface limit, k lambda << 1). Tested with the reaction switched off.
- Flat front at zero VLCD: nothing breaks the symmetry along the electrode, so a rough start
  flattens and a flat front stays flat.
- Seed 004's hypothesis: at equal mean current, a larger variance of the local current density
  gives longer dendrites; over several random fields.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from multiscale.params import validate_params, with_overrides
from multiscale.phasefield import dendrite_stage as ds
from multiscale.phasefield import observables as ob
from multiscale.phasefield.dendrite import Numerics

BASE = {
    "name": "pf2d", "seed": 1,
    "electrode": {"temperature_K": 300.0, "current_density_mA_cm2": 1.0},
    "dendrite": {"width_um": 8.0, "length_um": 8.0, "front_position_um": 4.0, "deposited_thickness_um": 0.5},
}


def _params(**dendrite):
    params = validate_params({**BASE, "dendrite": {**BASE["dendrite"], **dendrite}})
    return params


def _mode_amplitude(run: ds.Run, k: float) -> float:
    y = (np.arange(run.setup.shape[0]) + 0.5) * run.setup.spacing
    front = ob.front_position(run._xi(), run.setup.spacing)
    return float(2.0 * np.mean((front - front.mean()) * np.cos(k * y)))


@pytest.mark.slow
def test_capillary_relaxation_matches_motion_by_curvature():
    """Reaction off (i0 = 1e-9 mA/cm^2): a 0.2 um cosine of wavelength 16 um (k lambda = 0.2) decays
    at L_sigma kappa0 k^2 = 0.578 /s within 2 % (dt <= 0.025 s: backward Euler is first order, at
    dt = 0.1 s the fitted rate is 2.4 % low)."""
    params = _params(control="potential", applied_potential_V=0.0, stop_time_s=10.0, width_um=16.0,
                     exchange_current_density_mA_cm2=1e-9)
    setup = ds.setup_from(params, None)
    k = 2 * np.pi / setup.width
    y = (np.arange(setup.shape[0]) + 0.5) * setup.spacing
    run = ds.Run(dataclasses.replace(setup, initial_front=setup.initial_front + 0.2 * np.cos(k * y)),
                 Numerics(dt_max=0.025))
    run.start()
    c = run.c
    rate = c.gradient * k ** 2  # L_sigma kappa0 k^2 in 1/s (lengths in um)
    times = np.array([0.5, 1.0, 1.5, 2.0]) / rate
    amplitudes = []
    for t in times:
        run.system.advance(t, on_step=run._on_step)
        amplitudes.append(_mode_amplitude(run, k))
    fitted = -np.polyfit(times, np.log(amplitudes), 1)[0]
    print(f"capillary decay: fitted {fitted:.4f} /s, L kappa0 k^2 = {rate:.4f} /s")
    assert fitted == pytest.approx(rate, rel=0.02)


@pytest.mark.slow
def test_flat_front_stays_flat_without_vlcd():
    """Zero VLCD, 1 mA/cm^2, 0.5 um plated, starting 0.4 um rough: the front flattens (dendrite length
    below 1 % of the start) and the mean current is the applied one."""
    params = _params(initial_roughness_um=0.4)
    run = ds.Run(ds.setup_from(params, None))
    run.start()
    start = run.frames[0]["dendrite_length"]
    run.simulate()
    end = run.frames[-1]
    print(f"flat: dendrite length {start:.3e} m -> {end['dendrite_length']:.3e} m")
    assert start > 0.5e-6
    assert end["dendrite_length"] < 0.01 * start
    assert end["mean_current_density"] == pytest.approx(10.0, rel=0.02)


@pytest.mark.slow
def test_dendrite_length_rises_with_vlcd_at_equal_mean_current():
    """Seed 004: CV 0.2 vs 0.8 of the local current density at 10 mA/cm^2, 0.1 um plated (7.4 s; the shape is steady after ~2 s), three
    random fields. Every high-VLCD run has a longer front than its low-VLCD twin (same field shape,
    larger spread) by more than 2x, and both hold the same mean current (2 %)."""
    lengths = {0.2: [], 0.8: []}
    for seed in (1, 2, 3):
        for cv in lengths:
            params = with_overrides(_params(deposited_thickness_um=0.1), {
                "seed": seed, "electrode.vlcd_cv": cv, "electrode.current_density_mA_cm2": 10.0})
            run = ds.Run(ds.setup_from(params, None))
            run.start()
            run.simulate()
            last = run.frames[-1]
            assert last["mean_current_density"] == pytest.approx(100.0, rel=0.02)
            lengths[cv].append(last["dendrite_length"])
    print("dendrite length, m:", lengths)
    for low, high in zip(lengths[0.2], lengths[0.8]):
        assert high > 2.0 * low
