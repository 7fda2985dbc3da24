"""kMC stripping against an analytic limit: a dense film strips with a Coulombic efficiency of 1 to
within 1e-3. Not met (docs/validation.md): the test is an expected failure, strict, so that it
reports when the model starts to meet it. The Butler-Volmer check of a flat surface is not met
either (``benchmarks/kmc_butler_volmer.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.constants import ELEMENTARY_CHARGE as E
from multiscale.constants import LI_KMC_SPACING as A
from multiscale.kmc import _kernels as k
from multiscale.kmc import dissolution as dz
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState

T = 300.0
I0 = 10.0  # A/m^2 (1 mA/cm^2)
SEEDS = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def energetics():
    d = build_datasets(AtomisticParams())["diffusion"]
    return m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk), float(d.Ea_bulk),
                                       A, 0.05, 0.0)


def _film(energetics, seed, layers, side):
    """A crystalline film (arrivals next to crystal stay crystalline) with ions reduced at i0 a^2 / e
    a column and the dissolution rates of i0; hops accelerated to 300 x that rate."""
    f0 = dz.column_exchange_rate(I0, A)
    table = m.rate_table(energetics, T)
    table = m.rate_table(energetics, T, m.hop_rate_scale(table, f0, 300.0))
    state = KmcState.flat((layers + 24, side, side), seed, layers=layers)
    return Engine(state, table, np.full((side, side), f0), True, 1.0, None, energetics.step_factor(T),
                  dissolution=dz.dissolution_table(energetics, T, I0, A), track_dead=True)


class LimitNotMet(AssertionError):
    """The analytic limit, not an invariant, failed: the only failure the expected-failure mark accepts."""


@pytest.mark.xfail(strict=True, raises=LimitNotMet,
                   reason="not met: 2, 2, 5, 4 dead atoms of 2048 (mean 1.6e-3); docs/validation.md")
def test_a_dense_flat_film_strips_completely(energetics):
    """A dense crystalline film (8 layers on the collector) stripped at 0.1 mA/cm^2 down to the
    cut-off. Analytic limit of a compact film thinning layer by layer: Coulombic efficiency 1, no
    dead Li. Tolerance, set before the measurement: (dead + live left) / initial atoms, mean over
    4 seeds, below 1e-3 (the resolution of a Li||Cu Coulombic-efficiency measurement). At 300 K
    the layers do not go strictly one by one: small islands on the layer being etched are
    undercut and left dead (measured 2, 2, 5, 4 atoms of 2048). The charge balance and the
    connectivity of what is left are asserted before the limit."""
    lost = []
    side = 16
    for seed in SEEDS:
        eng = _film(energetics, seed, layers=8, side=side)
        s = eng.state
        atoms = s.n_atoms
        rate = 1.0 * side * side * A**2 / E  # 0.1 mA/cm^2 = 1 A/m^2
        floor = dz.strip_floor(rate, I0 * side * side * A**2 / E, 0.5, 0.5, 0.5, T)
        assert eng.advance(deposition_scale=0.0, strip_rate=rate, strip_floor=floor) == k.ST_CUTOFF
        assert eng.disconnected().size == 0  # every live atom still reaches the collector
        assert s.n_atoms + s.n_dead == atoms - s.counts[k.EV_DISSOLVE]  # charge balance
        lost.append((s.n_dead + s.n_atoms) / atoms)
    if not np.mean(lost) < 1e-3:
        raise LimitNotMet(lost)
