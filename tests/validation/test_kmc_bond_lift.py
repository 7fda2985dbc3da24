"""The bond-lift scaling (``kmc.hop_scaling_lambda``, docs/models.md §4.8) keeps the lattice gas's
equilibrium and runs each move at exp(lambda g min(n_i, n_f)) times its rate: an exact Boltzmann
count next to an inert wall, the move rates there, and a flat film's adatom-vacancy population
against lambda = 0 (references and tolerances inline; measured values in docs/validation.md)."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.kmc import _kernels as k
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState

T = 300.0
SIDE = 8  # columns along x and y
SEEDS = range(8)


@pytest.fixture(scope="module")
def energetics():
    """The constants the kMC stage derives from the default ``atomistic.h5`` laws."""
    d = build_datasets(AtomisticParams())
    a = float(d["/"]["atomic_volume"]) ** (1 / 3)
    law = {key: float(d["diffusion"][key]) for key in ("D0_surface", "Ea_surface", "D0_bulk", "Ea_bulk")}
    return m.energetics_from_arrhenius(law["D0_surface"], law["Ea_surface"], law["D0_bulk"], law["Ea_bulk"], a,
                                       0.05, 0.0)


def _engine(occupancy, seed, energetics, lam, step_factor):
    """An engine at zero current whose common factor exp(-lambda g) keeps the adatom hop at k(1)."""
    lift = m.bond_lift(energetics, T, lam)
    state = KmcState.from_occupancy(occupancy, seed)
    table = m.rate_table(energetics, T, np.exp(-lift), lift)
    return state, Engine(state, table, np.zeros(occupancy.shape[1:]), ballistic=False, step_factor=step_factor,
                         uphill_acceptance=m.uphill_acceptance(lift))


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.0])
def test_one_atom_beside_an_inert_wall_has_the_boltzmann_occupancy_and_the_lifted_rates(energetics, lam):
    """One crystalline atom on a flat substrate of 8 x 8 columns with a one-atom-high inert wall
    along x (row y = 0, periodic), step moves off. Beside the wall (rows y = 1 and 7, 16 sites) it
    has 2 bonds, elsewhere (40 sites) 1, so the lattice gas puts it beside the wall for a fraction
    16 e^g / (16 e^g + 40) of the time, g = E_bond / k_B T - S_bond (exact; 0.677 at 300 K).
    Moves: along the wall 2 -> 2 (lifted to e^{lambda g} k(2) with the adatom kept at k(1)), away
    2 -> 1 (k(2), proposed at e^{lambda g} k(2) and accepted with e^{-lambda g}), elsewhere 1 -> 1
    and 1 -> 2 (k(1)). Occupancy sampled every 20 adatom hop times, 1000 samples a seed.
    Tolerance: 3 standard errors of the 8 seeds' means. The accepted moves and the null events
    are Poisson counts whose means follow from the time spent beside the wall; tolerance
    4 sqrt(expected) plus 3 standard errors of the occupancy carried through those means."""
    g = energetics.E_bond_eV / (m.K_B_EV * T) - energetics.S_bond_kB
    beside = 2 * SIDE * np.exp(g) / (2 * SIDE * np.exp(g) + (SIDE - 3) * SIDE)
    k1, k2 = energetics.rate(m.CRYSTAL, 1, T), energetics.rate(m.CRYSTAL, 2, T)
    lift = lam * g
    dt = 20.0 / k1
    fractions, hops, nulls, elapsed = [], 0, 0, 0.0
    for seed in SEEDS:
        occ = np.zeros((4, SIDE, SIDE), np.uint8)
        occ[0] = m.SUBSTRATE
        occ[1, 0, :] = m.SUBSTRATE  # the wall
        occ[1, SIDE // 2, 0] = m.CRYSTAL
        state, engine = _engine(occ, seed, energetics, lam, 0.0)
        hits = 0
        for _ in range(1000):
            engine.advance(max_events=10**9, t_end=state.clock[0] + dt)
            hits += int(np.argwhere(state.occupancy[1] == m.CRYSTAL)[0][0] in (1, SIDE - 1))
        fractions.append(hits / 1000)
        assert state.counts[k.EV_STEP] == state.counts[k.EV_FALL] == 0
        hops += int(state.counts[k.EV_HOP])
        nulls += int(state.counts[k.EV_REFUSED])
        elapsed += float(state.clock[0])
    f = np.array(fractions)
    sem = f.std(ddof=1) / np.sqrt(f.size)
    hop_rate_beside, hop_rate_away = (2 * np.exp(lift) + 1) * k2, 4 * k1
    expected_hops = elapsed * (beside * hop_rate_beside + (1 - beside) * hop_rate_away)
    expected_nulls = elapsed * beside * (np.exp(lift) - 1) * k2
    print(f"lambda = {lam:g}: beside the wall {f.mean():.4f} +- {sem:.4f} (exact {beside:.4f}); hops {hops} "
          f"(expected {expected_hops:.0f}), null events {nulls} (expected {expected_nulls:.0f})")
    assert abs(f.mean() - beside) < 3 * sem
    occupancy_hops = 3 * sem * elapsed * abs(hop_rate_beside - hop_rate_away)
    assert abs(hops - expected_hops) < 4 * np.sqrt(expected_hops) + occupancy_hops
    assert abs(nulls - expected_nulls) <= 4 * np.sqrt(expected_nulls) + 3 * sem / beside * expected_nulls


def test_a_flat_films_adatom_population_does_not_move_with_lambda(energetics):
    """A crystalline film of 4 layers on 16 x 16 columns at zero current, step moves on (E_ES = 0):
    atoms climb out of the top layer (5 -> 1 bonds, by step moves) and the adatoms, vacancies and
    small islands reach the lattice gas's equilibrium, which the scaling must leave alone: the
    time-averaged number of atoms above the film (= the vacancies left in it) per column at
    lambda = 1 against lambda = 0. Not exact in law as the wall is: an atom a move leaves unbound
    falls, a move with no reverse, so the reference is the unscaled run, not a formula (the
    dilute-limit adatom coverage exp(2 S_bond - 2 E_bond / k_B T) = 0.036 leaves out the islands).
    Sampled every 200 adatom hop times after 50 of them, 200 samples a seed, 8 seeds each.
    Tolerance: 3 combined standard errors of the seeds' means."""
    side = 16
    k1 = energetics.rate(m.CRYSTAL, 1, T)
    dt = 200.0 / k1
    means = {}
    for lam in (0.0, 1.0):
        per_seed = []
        for seed in SEEDS:
            occ = np.zeros((8, side, side), np.uint8)
            occ[0] = m.SUBSTRATE
            occ[1:5] = m.CRYSTAL
            state, engine = _engine(occ, seed, energetics, lam, energetics.step_factor(T))
            engine.advance(max_events=10**12, t_end=50 * dt)
            above = []
            for _ in range(200):
                engine.advance(max_events=10**12, t_end=state.clock[0] + dt)
                above.append(np.count_nonzero(state.occupancy[5:] == m.CRYSTAL) / side**2)
            per_seed.append(np.mean(above))
        per_seed = np.array(per_seed)
        means[lam] = (per_seed.mean(), per_seed.std(ddof=1) / np.sqrt(per_seed.size))
        print(f"lambda = {lam:g}: atoms above the film per column {means[lam][0]:.4f} +- {means[lam][1]:.4f}")
    (a, sa), (b, sb) = means[0.0], means[1.0]
    assert abs(a - b) < 3 * np.hypot(sa, sb)
