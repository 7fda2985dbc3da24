"""DOPT rule: threshold, rate law, nucleus shape, epitaxy."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from multiscale.kmc import model as m
from multiscale.kmc.dopt import DoptLaw, nucleate
from multiscale.kmc.engine import Engine, KmcState


def _law(**kw):
    dopt = xr.Dataset(
        {"incubation_time": ("ensemble_size", [np.inf, 1e-9, 1e-9 / 16]), "critical_ensemble_size": ((), 700.0)},
        coords={"ensemble_size": [600.0, 700.0, 1400.0]},
    )
    args = dict(time_scale=1e12, packing_exponent=2.0, reference_current=10.0) | kw
    return DoptLaw.from_atomistic(dopt, **args)


def test_rate_law():
    law = _law()
    assert law.rate(699, 1.0) == 0.0  # below N*: never
    assert law.rate(700) == pytest.approx(1 / (1e-9 * 1e12))
    assert law.rate(1400) == pytest.approx(16 / (1e-9 * 1e12))
    assert law.rate(2800) == pytest.approx(2 * 16 / (1e-9 * 1e12))  # two 1400-atom sub-volumes
    assert law.packing_factor(20.0) == pytest.approx(4.0)  # (j / j_ref)^2, j_ref = 10
    assert law.rate(700, law.packing_factor(20.0)) == pytest.approx(4 * law.rate(700))
    assert law.incubation(np.sqrt(700 * 1400)) == pytest.approx(1e-9 / 4)  # log-log interpolation


def _glassy_slab(thickness, side=12, seed=0):
    occ = np.zeros((thickness + 4, side, side), np.uint8)  # (z, y, x)
    occ[0] = m.SUBSTRATE
    occ[1 : 1 + thickness] = m.GLASSY
    state = KmcState.from_occupancy(occ, seed)
    return Engine(state, np.zeros((4, 7)), np.zeros((side, side)), ballistic=True)


def test_ensembles_below_the_critical_size_never_crystallise():
    eng = _glassy_slab(4)  # 576 glassy atoms < 700
    law = _law(time_scale=1e-30)  # absurdly fast: would nucleate at once if allowed
    for _ in range(50):
        assert nucleate(eng, law, np.full((12, 12), 1e3), dt=1.0) == 0
    assert not np.any(eng.state.occ == m.CRYSTAL)


def test_a_nucleus_is_compact_and_of_critical_size():
    eng = _glassy_slab(6)  # 864 atoms >= 700
    assert nucleate(eng, _law(time_scale=1e-30), np.full((12, 12), 10.0), dt=1.0) == 1
    crystal = np.argwhere(eng.state.occupancy == m.CRYSTAL)
    assert len(crystal) == 700
    assert (eng.state.occ == m.GLASSY).sum() == 864 - 700
    eng.verify()  # class bookkeeping stays exact after the conversion


def test_nuclei_form_where_the_local_packing_factor_is():
    """Current only through the band 16 <= x < 48 of a 64 x 64 glassy bilayer: the packing factor
    is zero outside it, so every nucleus (700 of 8192 atoms, ~14 columns across) starts inside and
    its centre lies in the band (a uniformly drawn start would leave it half the time; 8 seeds)."""
    j = np.zeros((64, 64))
    j[:, 16:48] = 10.0
    for seed in range(8):
        eng = _glassy_slab(2, side=64, seed=seed)
        assert nucleate(eng, _law(time_scale=1e-30), j, dt=1.0) == 1
        x = np.argwhere(eng.state.occupancy == m.CRYSTAL)[:, 2]
        assert 16 <= x.mean() < 48 and x.min() > 0 and x.max() < 63  # no wrap, centred in the band


def test_packing_factor_is_averaged_over_the_ensemble():
    """Reference: Gamma = rate(N) x <(j/j_ref)^beta> over the atoms. With beta = 2 and half the
    columns at 2 j_ref, half at 0, the mean factor is 2 (the factor of the mean current would be
    1): P = 1 - exp(-Gamma dt) with Gamma dt = 1 only if the mean factor is used; 400 trials, 4 sigma."""
    law = _law()
    j = np.zeros((12, 12))
    j[:, :6] = 20.0
    dt = 1.0 / (2.0 * law.rate(864))
    hits = sum(nucleate(_glassy_slab(6, seed=s), law, j, dt) for s in range(400))
    p = 1 - np.exp(-1.0)
    assert abs(hits / 400 - p) < 4 * np.sqrt(p * (1 - p) / 400)


def test_nucleation_probability_follows_the_rate():
    """Reference: P = 1 - exp(-Gamma dt) with Gamma dt = 1 -> 0.632; 400 trials, 4 sigma."""
    law = _law()
    dt = 1.0 / law.rate(864)
    hits = sum(nucleate(_glassy_slab(6, seed=s), law, np.full((12, 12), 10.0), dt) for s in range(400))
    p = 1 - np.exp(-1.0)
    assert abs(hits / 400 - p) < 4 * np.sqrt(p * (1 - p) / 400)


def test_epitaxy_on_deposition():
    occ = np.zeros((6, 8, 8), np.uint8)
    occ[0] = m.SUBSTRATE
    occ[1] = m.CRYSTAL
    dep = np.full((8, 8), 1.0)
    for epitaxy, expected in ((1.0, m.CRYSTAL), (0.0, m.GLASSY)):
        state = KmcState.from_occupancy(occ, 1)
        Engine(state, np.zeros((4, 7)), dep, ballistic=False, epitaxy=epitaxy).advance(max_deposits=20)
        assert set(np.unique(state.occupancy[2])) - {m.EMPTY} == {expected}
