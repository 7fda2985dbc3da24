"""kMC stripping against analytic limits.

- The reversible exchange of potentiostatic runs: at eta = 0 no net current (detailed balance),
  and the net current follows Butler-Volmer with the exchange current measured at eta = 0
  (Kossel crystal with fast surface diffusion).
- A dense film strips with a Coulombic efficiency of 1 to within 1e-3, shown by the statistics of
  8 seeds (the 95 % upper bound on the loss per atom below 1e-3): not met with cut-off Li dead for
  good, whether it binds live Li or not (docs/validation.md; the tests are expected failures,
  strict, so that they report when the model starts to meet it), nor with Li joined across narrow
  gaps (at 300x hops the mean is below 1e-3, the bound is not; at 3000x far from it), nor with the
  cycling defaults (SEI-coated, moves that strand Li refused, 4000x hops); met when live Li
  touching cut-off Li revives it. Met at 200 K under both rules for Li that stays dead, where the
  film thins layer by layer (few thermal islands to undercut); at 350 K a film rougher than at
  300 K loses more.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from multiscale.analysis import DENSE_FILM_ATOMS_PER_PIECE, loss_upper_bound
from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.constants import ELEMENTARY_CHARGE as E
from multiscale.constants import LI_KMC_SPACING as A
from multiscale.kmc import _kernels as k
from multiscale.kmc import dissolution as dz
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState
from tests.lattice_sites import exchange_sites

T = 300.0
I0 = 10.0  # A/m^2 (1 mA/cm^2)


@pytest.fixture(scope="module")
def energetics():
    d = build_datasets(AtomisticParams())["diffusion"]
    return m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk), float(d.Ea_bulk),
                                       A, 0.05, 0.0)


def _engine(energetics, state, acceleration, ballistic, track_dead, revive=False, sei_coated=False,
            narrow_gap=False, temperature=T, refuse_stranding=False):
    """A crystalline film's engine (arrivals next to crystal stay crystalline) at ``temperature``
    (K): ions reduced at i0 a^2 / e a column (or a site, potentiostatic), the dissolution rates of
    i0, hops at ``acceleration`` x that rate; ``revive``: cut-off Li is revived when live Li
    touches it; ``sei_coated``: cut-off Li binds no Li; ``narrow_gap``: Li joined across gaps of up
    to two lattice spacings; ``refuse_stranding``: moves that would strand Li are refused."""
    f0 = dz.column_exchange_rate(I0, A)
    table = m.rate_table(energetics, temperature)
    table = m.rate_table(energetics, temperature, m.hop_rate_scale(table, f0, acceleration))
    return Engine(state, table, np.full(state.shape[1:], f0), ballistic, 1.0, None,
                  energetics.step_factor(temperature),
                  dissolution=dz.dissolution_table(energetics, temperature, I0, A), track_dead=track_dead,
                  revive_dead=revive, sei_coated=sei_coated, narrow_gap=narrow_gap, refuse_stranding=refuse_stranding)


class LimitNotMet(AssertionError):
    """The analytic limit, not an invariant, failed: the only failure the expected-failure mark accepts."""


FILM_SEEDS = tuple(range(1, 9))
LOSS_TOLERANCE = 1e-3  # lost / initial atoms: the resolution of a Li||Cu Coulombic-efficiency measurement


def _limit_met(lost, atoms) -> bool:
    """The dense film's limit (Coulombic efficiency 1, no dead Li) within the tolerance, from the
    statistics of the seeds: the one-sided 95 % upper bound on the expected loss per atom
    (``loss_upper_bound``: the Poisson bound on the pieces lost, or Student's bound over the
    films, the larger) below LOSS_TOLERANCE. A film that meets the limit loses exactly 0 atoms, so
    no spread can hide a loss: 8 films of 2048 atoms that lose none bound it at 7.3e-4 in pieces
    of DENSE_FILM_ATOMS_PER_PIECE (1.83e-4 counted atom by atom)."""
    return loss_upper_bound(lost, atoms, atoms_per_piece=DENSE_FILM_ATOMS_PER_PIECE) < LOSS_TOLERANCE


@pytest.mark.xfail(strict=True, raises=LimitNotMet,
                   reason="not met: 2, 2, 5, 4, 9, 0, 10, 0 dead atoms of 2048 (95 % bound 3.5e-3); docs/validation.md")
def test_a_dense_flat_film_strips_completely(energetics):
    """A dense crystalline film (8 layers on the collector) stripped at 0.1 mA/cm^2 down to the
    cut-off, 8 seeds. Analytic limit of a compact film thinning layer by layer: Coulombic
    efficiency 1, no dead Li. Tolerance: the 95 % upper bound on (dead + live left) / initial atoms
    below 1e-3 (``_limit_met``; 1e-3 set before the measurement, the bound from the statistics
    after it). At 300 K the layers do not go strictly one by one: small islands on the layer being
    etched are undercut and left dead (measured 2, 2, 5, 4, 9, 0, 10, 0 atoms of 2048: mean
    (1.95 +- 0.66)e-3, bound 3.5e-3). The charge balance and the connectivity of what is left are
    asserted before the limit. Cut-off Li is dead for good here (kmc.dead_li = "stays_dead");
    revived on contact, the limit is met (test_..._when_cut_off_li_revives_on_contact)."""
    lost, atoms, _ = _strip_dense_films(energetics, FILM_SEEDS, revive=False)
    if not _limit_met(lost, atoms):
        raise LimitNotMet(lost)


@pytest.mark.xfail(strict=True, raises=LimitNotMet,
                   reason="not met: 2, 7, 3, 2, 13, 0, 5, 0 dead atoms of 2048 (95 % bound 3.5e-3); docs/validation.md")
def test_a_dense_flat_film_strips_completely_when_dead_li_binds_no_li(energetics):
    """The expected failure above with kmc.dead_li = "sei_coated" (cut-off Li dead for good and
    binding no live Li), same films, limit and tolerance. Not met either: the pieces undercut
    while a layer is etched are cut off whether or not dead Li binds (measured 2, 7, 3, 2, 13, 0,
    5, 0 atoms of 2048: mean (1.95 +- 0.75)e-3, bound 3.5e-3; 32 atoms in all under either
    rule)."""
    lost, atoms, _ = _strip_dense_films(energetics, FILM_SEEDS, revive=False, sei_coated=True)
    if not _limit_met(lost, atoms):
        raise LimitNotMet(lost)


@pytest.mark.xfail(strict=True, raises=LimitNotMet,
                   reason="not met with the cycling defaults: 2, 6, 4, 3, 0, 4, 4, 4 dead atoms of 2048 "
                          "(95 % bound 3.1e-3); docs/validation.md")
def test_a_dense_flat_film_strips_completely_with_the_cycling_defaults(energetics):
    """The expected failures above with the shipped cycling run's rules and acceleration: cut-off
    Li SEI-coated, the moves that would strand Li refused (kmc.stranding_moves = "refused") and hops
    at 4000x the exchange rate of a column (at i = i0 = 1 mA/cm^2 that is `params/cycling.toml`'s
    kmc.max_hop_to_deposition). Same films, limit and tolerance. Not met (measured 2, 6, 4, 3, 0,
    4, 4, 4 atoms of 2048: mean (1.65 +- 0.31)e-3, bound 3.1e-3)."""
    lost, atoms, _ = _strip_dense_films(energetics, FILM_SEEDS, revive=False, sei_coated=True, acceleration=4000.0,
                                        refuse_stranding=True)
    if not _limit_met(lost, atoms):
        raise LimitNotMet(lost)


@pytest.mark.xfail(strict=True, raises=LimitNotMet,
                   reason="not met: 2, 0, 0, 0, 4, 2, 0, 4 dead atoms of 2048 (mean 7.3e-4, 95 % bound 1.9e-3); "
                          "docs/validation.md")
def test_a_dense_flat_film_strips_completely_with_li_joined_across_narrow_gaps(energetics):
    """The same films, limit and tolerance with kmc.electronic_contact = "narrow_gap" (Li joined
    across gaps of up to two lattice spacings, so that a piece one empty site above live Li is not
    cut off; cut-off Li stays dead), at the 300x hops of the tests above. Not met: the mean loss
    is below the tolerance, (7.3 +- 3.1)e-4 (2, 0, 0, 0, 4, 2, 0, 4 atoms of 2048), but the 95 %
    bound, 1.9e-3, is not, so these seeds do not show the limit (seeds 1-4, the test's seeds up to
    version 0.3.4, passed by their mean, 2.4e-4; their bound is 1.9e-3 too). At 3000x the same
    films lose ~150x more (the next test)."""
    lost, atoms, _ = _strip_dense_films(energetics, FILM_SEEDS, revive=False, narrow_gap=True)
    if not _limit_met(lost, atoms):
        raise LimitNotMet(lost)


@pytest.mark.xfail(strict=True, raises=LimitNotMet,
                   reason="not met at 3000x hops: 384, 53, 0, 296, 446, 0, 319, 362 dead atoms of 2048 "
                          "(mean 0.11); docs/validation.md")
def test_the_narrow_gap_films_strip_completely_with_faster_hops(energetics):
    """The test above at 3000x hops (a numerical parameter: the limit must hold here too). Not met:
    the 8 films lose 67x what they lose joined by faces only at 3000x, most of it as single atoms
    and pieces of 2-3 (docs/validation.md)."""
    lost, atoms, _ = _strip_dense_films(energetics, FILM_SEEDS, revive=False, narrow_gap=True, acceleration=3000.0)
    if not _limit_met(lost, atoms):
        raise LimitNotMet(lost)


def _strip_dense_films(energetics, seeds, revive, sei_coated=False, narrow_gap=False, acceleration=300.0,
                       temperature=T, refuse_stranding=False):
    """Strip a dense crystalline film of 8 layers on 16^2 columns at 0.1 mA/cm^2 to the 0.5 V
    cut-off (hops at ``acceleration`` x the exchange rate of a column, at ``temperature``, K), one
    per seed; returns the atoms lost (dead + live left), the initial atoms and the atoms ever
    marked dead, int[n_seeds] each. The charge balance and the connectivity of what is left are
    asserted on the way."""
    lost, initial, marked = [], [], []
    side = 16
    for seed in seeds:
        eng = _engine(energetics, KmcState.flat((8 + 24, side, side), seed, layers=8), acceleration, True, True,
                      revive, sei_coated, narrow_gap, temperature, refuse_stranding)
        s = eng.state
        atoms = s.n_atoms
        rate = 1.0 * side * side * A**2 / E  # 0.1 mA/cm^2 = 1 A/m^2
        floor = dz.strip_floor(rate, I0 * side * side * A**2 / E, 0.5, 0.5, 0.5, temperature)
        assert eng.advance(deposition_scale=0.0, strip_rate=rate, strip_floor=floor) == k.ST_CUTOFF
        assert eng.disconnected().size == 0  # every live atom still reaches the collector
        assert s.n_atoms + s.n_dead == atoms - s.counts[k.EV_DISSOLVE]  # charge balance
        lost.append(s.n_dead + s.n_atoms)
        initial.append(atoms)
        marked.append(int(s.counts[k.EV_DEAD]))
    return np.array(lost), np.array(initial), np.array(marked)


def test_a_dense_flat_film_strips_completely_when_cut_off_li_revives_on_contact(energetics):
    """The same films as the expected failure above, 8 seeds, with kmc.dead_li =
    "revived_on_contact" (cut-off Li is live again once live Li touches it). Analytic limit and
    tolerance as above (``_limit_met``): measured 0 atoms lost in 8 of 8 films, bound 7.3e-4. The
    undercut clusters are still cut off (atoms ever marked dead > 0, asserted; 34 measured), so
    the limit is met by their revival, not by their absence."""
    lost, atoms, marked = _strip_dense_films(energetics, FILM_SEEDS, revive=True)
    assert marked.sum() > 0, marked
    assert _limit_met(lost, atoms), lost


@pytest.mark.parametrize("sei_coated", [False, True], ids=["stays_dead", "sei_coated"])
def test_a_dense_flat_film_strips_completely_where_it_thins_layer_by_layer(energetics, sei_coated):
    """The analytic limit of the expected failures above (CE 1, no dead Li) where its premise holds:
    a compact film that thins layer by layer, without thermal islands to undercut. At 200 K the
    lattice gas's equilibrium adatom fraction is 0.41 % of the terrace sites
    (``HopEnergetics.adatom_fraction``: exp(2 S_bond / k_B - 2 E_bond / k_B T)), against 3.7 % at
    300 K. Same films, current, cut-off, hops (300x the exchange rate of a column, set per
    temperature), seeds and tolerance (``_limit_met``; 1e-3 set at 300 K before any measurement),
    at 200 K, under both rules for cut-off Li that stays dead. Measured (8 seeds, 300x and 3000x
    hops): 0 atoms lost at 200 K and 150 K (bound 7.3e-4); at 250 K 0 (300x) and 2 and 5 atoms
    (3000x, one seed of 8; bounds 9.5e-4 and 1.3e-3: the SEI-coated films do not show it there)
    (``python benchmarks/kmc_butler_volmer.py --only film_temperature``)."""
    lost, atoms, _ = _strip_dense_films(energetics, FILM_SEEDS, revive=False, sei_coated=sei_coated,
                                        temperature=200.0)
    assert _limit_met(lost, atoms), lost


@pytest.mark.parametrize("sei_coated", [False, True], ids=["stays_dead", "sei_coated"])
def test_a_thermally_rougher_film_leaves_more_dead_li(energetics, sei_coated):
    """The loss at 300 K comes with the film's thermal roughness: a film with more islands to
    undercut (the equilibrium adatom fraction, ``HopEnergetics.adatom_fraction``, 3.7 % at 300 K and
    6.8 % at 350 K) must lose more. Warmer, the dissolution also prefers islands over their supports
    less; the check does not separate the two. Same films as above, 8 seeds at each temperature.
    Bound, set before the check: the mean lost at 350 K exceeds that at 300 K by more than 2
    standard errors of the difference (Welch). Measured (300x): dead Li that binds 1.39e-2 +- 3.2e-3
    vs 1.95e-3 +- 6.6e-4 (t = 3.6); SEI-coated 9.0e-3 +- 7.2e-4 vs 1.95e-3 +- 7.5e-4 (t = 6.8)."""
    fractions = []
    for temperature in (350.0, 300.0):
        lost, atoms, _ = _strip_dense_films(energetics, FILM_SEEDS, revive=False, sei_coated=sei_coated,
                                            temperature=temperature)
        fractions.append(lost / atoms)
    warm, room = fractions
    se = np.sqrt(warm.var(ddof=1) / warm.size + room.var(ddof=1) / room.size)
    assert warm.mean() - room.mean() > 2.0 * se, (warm, room)


BV_SEEDS = tuple(range(1, 9))
BV_ETAS = (-1.0, 1.0, 2.0, 3.0, 4.0)  # k_B T / e: one cathodic, four anodic (stripping)
BV_SIDE = 12
BV_ACCELERATION = 100_000.0  # hops / exchange rate of a column


def _bv_engine(energetics, state):
    """Column-top arrival (unused: the exchange replaces it), hops at ``BV_ACCELERATION``; dead-Li
    tracking off (that rule is irreversible by assumption)."""
    return _engine(energetics, state, BV_ACCELERATION, False, False)


def _currents(eng, eta_kT, window_s, snapshots=1):
    """(net anodic, cathodic) current densities over a window at eta (k_B T / e), A/m^2
    (potentiostatic, alpha_a = alpha_c = 1/2), and the mean over ``snapshots`` evenly spaced
    in the window of the sites an ion can be reduced on per column."""
    s = eng.state
    before, t0 = s.counts.copy(), float(s.clock[0])
    sites = []
    for q in range(1, snapshots + 1):
        assert eng.advance(t_end=t0 + window_s * q / snapshots, deposition_scale=np.exp(-0.5 * eta_kT),
                           anodic_scale=np.exp(0.5 * eta_kT)) == k.ST_TIME
        sites.append(exchange_sites(s.occupancy).size / BV_SIDE**2)
    done = s.counts - before
    per_event = E / (BV_SIDE**2 * A**2 * window_s)
    return (done[k.EV_DISSOLVE] - done[k.EV_DEPOSIT]) * per_event, done[k.EV_DEPOSIT] * per_event, np.mean(sites)


@pytest.mark.slow
def test_the_potentiostatic_exchange_is_balanced_at_zero_and_follows_butler_volmer(energetics):
    """A crystalline film (16 layers on 12^2 columns, 300 K, i0 = 1 mA/cm^2, alpha_a = alpha_c = 1/2,
    hops at 100 000 x the exchange rate of a column) settled 5 s at eta = 0, then held at eta: 5 s
    at eta = 0, about three monolayers at eta != 0, each from the same settled film; 8 seeds.

    Each check is within 3 standard errors over the seeds (7 degrees of freedom: a correct model
    fails one ~2 % of the time), plus a stated allowance where one is given:
    (1) detailed balance of the exchange and the moves: net current 0 at eta = 0, allowance 2 % of
    i0 (falls are one-way and favour plating: the benchmark's nets, 3 seeds, are -0.07 to -0.17
    A/m^2 at every acceleration);
    (2) a check of the kernel's rates, not of physics: the cathodic current at eta = 0, i_ex, is
    i0 times the sites an ion can be reduced on per column (counted from the occupancy,
    ``tests/lattice_sites.py``, at 10 times in the window), per seed; no allowance;
    (3) Kossel crystal with fast surface diffusion: kinks (n = 3) exchange at F0 = i0 a^2 / e both
    ways at eta = 0 and the surface keeps its equilibrium population, so each branch follows its
    exponential from i_ex: net = i_ex [exp(f eta / 2) - exp(-f eta / 2)] (Markov, Crystal Growth
    for Beginners, ch. 1 and 3; Butler-Volmer with the measured exchange current, as i0 is found
    in experiment) at eta = -1, +1, +2, +3, +4 k_B T / e; no allowance. The limit assumes surface
    diffusion fast against the exchange, which the hop acceleration sets: the benchmark's anodic
    ratios (3 seeds; ``benchmarks/kmc_butler_volmer.py --only bv,acceleration``) are 0.39-0.51 at
    300 x and 0.67-0.79 at 3000 x, and this test at 30 000 x gave 0.92-0.96, three of its five
    points more than 3 standard errors below 1: the check fails at those accelerations
    (docs/validation.md).
    Measured: (1) -0.15 +- 0.05 A/m^2; (2) 0.992 +- 0.004; (3) 0.992 +- 0.014, 1.023 +- 0.015,
    0.979 +- 0.017, 0.975 +- 0.014, 0.980 +- 0.013."""
    net, ratio, cathodic = [], [], []
    for seed in BV_SEEDS:
        eng = _bv_engine(energetics, KmcState.flat((40, BV_SIDE, BV_SIDE), seed, layers=16))
        assert eng.advance(t_end=5.0, anodic_scale=1.0) == k.ST_TIME
        row = []
        for eta in (0.0, *BV_ETAS):
            probe = _bv_engine(energetics, copy.deepcopy(eng.state))
            shape = np.exp(0.5 * eta) - np.exp(-0.5 * eta)
            if eta == 0:
                i_net, i_c, sites = _currents(probe, eta, 5.0, snapshots=10)
                ratio.append(i_c / (I0 * sites))
                cathodic.append(i_c)
            else:
                i_net = _currents(probe, eta, 0.6 / abs(shape))[0]
            probe.verify()
            row.append(i_net)
        net.append(row)
    r, c = np.array(net), np.array(ratio)
    se = r.std(axis=0, ddof=1) / np.sqrt(len(BV_SEEDS))
    assert abs(r[:, 0].mean()) < 3 * se[0] + 0.02 * I0, r[:, 0]
    assert abs(c.mean() - 1) < 3 * c.std(ddof=1) / np.sqrt(c.size), c
    i_ex = np.mean(cathodic)
    for j, eta in enumerate(BV_ETAS, start=1):
        bv = i_ex * (np.exp(0.5 * eta) - np.exp(-0.5 * eta))
        assert abs(r[:, j].mean() / bv - 1) < 3 * se[j] / abs(bv), (eta, r[:, j] / bv)


DEAD_SEEDS = tuple(range(1, 7))


def test_with_dead_li_tracked_the_exchange_is_balanced_at_zero_only_if_cut_off_li_revives(energetics):
    """Detailed balance with dead-Li tracking on: the film of the test above (16 layers on 12^2,
    hops at 3000 x the exchange rate of a column) settled 5 s at eta = 0 with dead Li tracked, then
    5 s more at eta = 0; 6 seeds. With cut-off Li revived on contact the net current is 0 within
    3 standard errors + 2 % of i0 (the allowance of check (1) above). With cut-off Li dead for good
    the same films plate (measured -1.3 A/m^2: a one-way sink of Li), outside that bound (asserted,
    so that the check is seen to discriminate: ``benchmarks/kmc_butler_volmer.py --only dead``).
    Measured: revived -0.008 +- 0.037 A/m^2 (10-26 atoms cut off a seed, all revived); dead for
    good -1.35 +- 0.09 A/m^2 (69-110 dead atoms a seed)."""
    nets = {}
    for revive in (False, True):
        rows = []
        for seed in DEAD_SEEDS:
            eng = _engine(energetics, KmcState.flat((40, BV_SIDE, BV_SIDE), seed, layers=16), 3000.0, False, True,
                          revive)
            assert eng.advance(t_end=5.0, anodic_scale=1.0) == k.ST_TIME
            rows.append(_currents(eng, 0.0, 5.0)[0])
            eng.verify()
        nets[revive] = np.array(rows)
    bound = {key: 3 * r.std(ddof=1) / np.sqrt(r.size) + 0.02 * I0 for key, r in nets.items()}
    assert abs(nets[True].mean()) < bound[True], nets[True]
    assert nets[False].mean() < -bound[False], nets[False]


GALV_SEEDS = tuple(range(1, 13))
GALV_CURRENTS = (-1.0, 1.0, 2.0)  # net anodic current / i0
GALV_ACCELERATION = 100_000.0  # hops / exchange rate of a column (300 000 x: docs/validation.md)


def _overpotentials(eng, net_rate, window_s, snapshots=40):
    """A window of galvanostatic exchange at ``net_rate`` (net dissolutions a second; alpha_a =
    alpha_c = 1/2) seen at ``snapshots`` evenly spaced times, when the kernel's sums S (dissolution)
    and C (reduction) at eta = 0 are taken. Returns a dict: ``etas`` the overpotentials there, each
    solved from the state's sums as the kernel does, and ``eta_of_means`` that of the window's mean
    S and mean C, k_B T / e; ``cathodic`` the cathodic current density counted over the window and
    ``cathodic_of_means`` that of the mean sums, A/m^2; ``sums`` the mean S and C, 1/s; ``cv`` the
    coefficients of variation of S and C over the snapshots."""
    s = eng.state
    f0 = dz.column_exchange_rate(I0, A)
    area = s.shape[1] * s.shape[2] * A**2
    before, t0 = int(s.counts[k.EV_DEPOSIT]), float(s.clock[0])
    etas, sums = [], []
    for q in range(1, snapshots + 1):
        assert eng.advance(t_end=t0 + window_s * q / snapshots, net_rate=net_rate, site_exchange_rate=f0) == k.ST_TIME
        a0, c0 = eng.dissolution_sum(), f0 * eng.eligible_sites()
        p, _ = k.exchange_split(net_rate, a0, c0, 1.0)
        etas.append(2.0 * np.log(p / a0))
        sums.append((a0, c0))
    sums = np.array(sums)
    mean = sums.mean(axis=0)
    p, q = k.exchange_split(net_rate, mean[0], mean[1], 1.0)
    return {"etas": np.array(etas), "eta_of_means": 2.0 * np.log(p / mean[0]),
            "cathodic": (int(s.counts[k.EV_DEPOSIT]) - before) * E / (area * window_s),
            "cathodic_of_means": q * E / area, "sums": mean, "cv": sums.std(axis=0) / mean}


def _galvanostatic_windows(energetics, seeds, acceleration, side=BV_SIDE):
    """The galvanostatic exchange (the cycling runs' ``kmc.exchange = "reversible"``) on a
    crystalline film (16 layers on ``side``^2 columns, 300 K, i0 = 1 mA/cm^2, alpha_a = alpha_c =
    1/2, hops at ``acceleration`` x the exchange rate of a column) settled 3 s at open circuit (net
    current 0), then 2 s more at open circuit, and ~3 monolayers at net currents j =
    ``GALV_CURRENTS`` i0, each from the same settled film (:func:`_overpotentials`). Returns a dict,
    one row a seed: ``open_circuit`` float64[n, 2], the open-circuit overpotential, k_B T / e, as
    the mean of the instantaneous ones and as that of the mean sums; ``cv`` float64[n, 2], the
    coefficients of variation of S and C at open circuit; ``ratios`` float64[n, currents, 3],
    j / (i_ex 2 sinh(eta / 2)) with eta the mean of the instantaneous overpotentials and i_ex the
    cathodic current counted at open circuit, with both from the mean sums (the test asserts this
    one), and with both from the mean sums and eta taken against the open-circuit (rest) potential
    of the mean sums (the other two are docs/validation.md's comparisons); ``sums`` float64[n,
    currents, 2], each window's mean S and C over those at open circuit."""
    f_col = dz.column_exchange_rate(I0, A)  # net ions a second per column at j = i0
    open_circuit, cv, ratios, sums = [], [], [], []
    for seed in seeds:
        eng = _engine(energetics, KmcState.flat((40, side, side), seed, layers=16), acceleration, False, False)
        assert eng.advance(t_end=3.0, net_rate=0.0, site_exchange_rate=f_col) == k.ST_TIME
        probe = _engine(energetics, copy.deepcopy(eng.state), acceleration, False, False)
        oc = _overpotentials(probe, 0.0, 2.0)
        open_circuit.append((oc["etas"].mean(), oc["eta_of_means"]))
        cv.append(oc["cv"])
        row, row_sums = [], []
        for j in GALV_CURRENTS:
            probe = _engine(energetics, copy.deepcopy(eng.state), acceleration, False, False)
            w = _overpotentials(probe, j * f_col * side**2, 0.62 / abs(j))
            probe.verify()
            row.append([j * I0 / (i_ex * 2.0 * np.sinh(eta / 2.0)) for eta, i_ex in
                        ((w["etas"].mean(), oc["cathodic"]), (w["eta_of_means"], oc["cathodic_of_means"]),
                         (w["eta_of_means"] - oc["eta_of_means"], oc["cathodic_of_means"]))])
            row_sums.append(w["sums"] / oc["sums"])
        ratios.append(row)
        sums.append(row_sums)
    return {"open_circuit": np.array(open_circuit), "cv": np.array(cv), "ratios": np.array(ratios),
            "sums": np.array(sums)}


@pytest.mark.slow
def test_the_galvanostatic_exchange_runs_at_the_butler_volmer_overpotential(energetics):
    """The galvanostatic exchange of :func:`_galvanostatic_windows` at 100 000 x hops, 12 seeds, its
    overpotential and exchange current taken from each window's mean sums S and C: a large
    electrode's, whose sums do not fluctuate. A 12^2 box's S (few low-coordinated atoms carry it)
    fluctuates by ~30 %, so the mean of its instantaneous overpotentials exceeds that of its mean
    sums (at open circuit by ~(cv_S^2 - cv_C^2) / 2 = 0.047 k_B T / e, measured 0.050, a Jensen gap
    that falls as 1 / area: docs/models.md §4.8), and the cathodic current it counts at open circuit,
    the mean of sqrt(S C), lies below sqrt(mean S mean C); neither is a large electrode's. With
    both from the mean sums, the ratio below is 1 when the sums under current keep their
    open-circuit values: the surface keeps its equilibrium population (the Kossel-crystal premise).

    Each check is within 3 standard errors over the seeds (11 degrees of freedom: a correct model
    fails one ~1.2 % of the time, ~5 % for the four), plus a stated allowance where one is given:
    (1) detailed balance: the open-circuit overpotential is 0; allowance 0.02 k_B T / e (the falls'
    bias of the potentiostatic test, 2 % of i0, over the exchange current); (2) the
    Kossel-crystal Butler-Volmer law of the potentiostatic test, inverted: j = i_ex 2 sinh(eta / 2)
    at j = -1, +1, +2 i0; no allowance. Measured (1) 0.007 +- 0.018; (2) 1.010 +- 0.015, 0.984 +-
    0.020, 0.965 +- 0.022; at 300 000 x 0.011 +- 0.017 and 0.997 +- 0.015, 0.990 +- 0.029, 0.998
    +- 0.019 (each within 1.1 standard errors of 100 000 x; shifts up to ~0.05 not excluded). On
    24^2 (the same 12 seeds) 1.017 +- 0.006, 0.961 +- 0.009, 0.980 +- 0.013, and 1.026 +- 0.005,
    0.973 +- 0.008, 1.004 +- 0.008 at 300 000 x: the +i0 point fails (2) at both accelerations, the
    -i0 point at 300 000 x (t = 5.0; 2.8 at 100 000 x), mostly by the films' rest potential, +0.022
    +- 0.009 and +0.024 +- 0.007 k_B T / e at open circuit (set by the one-way falls:
    docs/validation.md), which (1)'s allowance accepts; counted from that rest potential (the
    helper's third estimator) the ratios are 0.991 +- 0.009, 0.988 +- 0.017, 0.998 +- 0.019 and
    0.998 +- 0.006, 1.001 +- 0.013, 1.022 +- 0.012. This test counts eta from the kernel's zero on
    12^2, where the offset is not resolved (docs/validation.md).

    The mean of the instantaneous overpotentials with the counted exchange current (the helper's
    first estimator) is not Butler-Volmer's for the reasons above: on these 12 seeds it fails at
    both accelerations (ratios 1.055, 0.913, 0.915 at 100 000 x: t = 3.7, -4.0, -5.6; its
    open-circuit overpotential 0.058 +- 0.018; docs/validation.md)."""
    runs = _galvanostatic_windows(energetics, GALV_SEEDS, GALV_ACCELERATION)
    eta, ratios = runs["open_circuit"][:, 1], runs["ratios"][:, :, 1]  # of the windows' mean sums
    assert abs(eta.mean()) < 3 * eta.std(ddof=1) / np.sqrt(eta.size) + 0.02, eta
    se = ratios.std(axis=0, ddof=1) / np.sqrt(ratios.shape[0])
    for q, j in enumerate(GALV_CURRENTS):
        assert abs(ratios[:, q].mean() - 1) < 3 * se[q], (j, ratios[:, q])
