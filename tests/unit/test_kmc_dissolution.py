"""kMC stripping: dissolution rates, selection, bookkeeping, dead Li on prepared geometries."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

from multiscale.constants import K_B_EV
from multiscale.kmc import _kernels as k
from multiscale.kmc import dissolution as d
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState, gap_clusters
from tests.kernel_source import njit_functions, njit_options
from tests.lattice_sites import exchange_sites

A = 2.786e-10  # m
T = 300.0
ENERGETICS = m.HopEnergetics(1e13, 0.10, 0.05, 0.05, 0.5, 0.02)
I0 = 10.0  # A/m^2


def _tables(scale=1e-9):
    return m.rate_table(ENERGETICS, T, scale), d.dissolution_table(ENERGETICS, T, I0, A)


def _engine(occ, seed=0, hops=True, track_dead=True, deposition=1.0, ballistic=True, revive=False,
            passivation=np.inf, sei_coated=False, narrow_gap=False):
    hop, kd = _tables()
    state = KmcState.from_occupancy(occ, seed, sei_coated)
    return Engine(state, hop if hops else np.zeros_like(hop), np.full(occ.shape[1:], deposition), ballistic, 0.3, None,
                  ENERGETICS.step_factor(T) if hops else 0.0, dissolution=kd, track_dead=track_dead,
                  revive_dead=revive, passivation_time_s=passivation, sei_coated=sei_coated, narrow_gap=narrow_gap)


def _bare(shape=(12, 12, 12)):
    occ = np.zeros(shape, np.uint8)
    occ[0] = m.SUBSTRATE
    return occ


def test_dissolution_rates_follow_the_bond_free_energy():
    """k_d(phase, n) = F0 exp(-(n - 3) G_bond / k_B T) exp(-(E_hop(phase) - E_hop(crystal)) / k_B T),
    F0 = i0 a^2 / e: written out here from the energetics, not from the module."""
    kd = d.dissolution_table(ENERGETICS, T, I0, A)
    f0 = I0 * A**2 / 1.602176634e-19
    g = ENERGETICS.E_bond_eV - T * K_B_EV * ENERGETICS.S_bond_kB  # bond free energy, eV
    for phase, e_hop in ((m.CRYSTAL, ENERGETICS.E_hop_crystal_eV), (m.GLASSY, ENERGETICS.E_hop_glassy_eV)):
        for n in range(1, 6):
            ref = f0 * np.exp(-(n - 3) * g / (K_B_EV * T)) * np.exp(-(e_hop - ENERGETICS.E_hop_crystal_eV) / (K_B_EV * T))
            assert kd[phase, n] == pytest.approx(ref, rel=1e-12)
    assert kd[m.CRYSTAL, 3] == pytest.approx(f0, rel=1e-14)  # the kink exchanges with the electrolyte at F0
    assert kd[:, 0].max() == kd[:, 6].max() == 0.0 and kd[m.EMPTY].max() == kd[m.SUBSTRATE].max() == 0.0


@pytest.mark.parametrize("alpha_a, alpha_c", [(0.5, 0.5), (0.3, 0.7)])
@pytest.mark.parametrize("surface", [0.2, 1.0, 30.0])
def test_stripping_overpotential_solves_butler_volmer(alpha_a, alpha_c, surface):
    """eta makes S x - C x^(-alpha_c / alpha_a) equal the stripping rate R (x = exp(alpha_a f eta));
    strip_floor is the S at which eta is the cut-off; S -> 0 gives inf."""
    rate, exchange = 5.0, 2.0  # R, C; S = surface x C
    eta = d.overpotential(rate, surface * exchange, exchange, alpha_a, alpha_c, T)
    f = 1.0 / (K_B_EV * T)
    assert surface * exchange * np.exp(alpha_a * f * eta) - exchange * np.exp(-alpha_c * f * eta) == pytest.approx(rate, rel=1e-9)
    assert (eta > 0) == (surface * exchange < rate + exchange)  # at eta = 0 the net is S - C
    floor = d.strip_floor(rate, exchange, 0.3, alpha_a, alpha_c, T)
    assert d.overpotential(rate, floor, exchange, alpha_a, alpha_c, T) == pytest.approx(0.3, rel=1e-9)
    assert d.overpotential(rate, 0.0, exchange, alpha_a, alpha_c, T) == np.inf


def test_idle_stripping_machinery_leaves_a_plating_run_unchanged():
    """With the dissolution rates on but nothing stripped, a plating run on a film, in 8 calls, is
    the plating run without them, bit for bit (the sums are not recomputed while only plating).
    With dead-Li tracking on as well (moves that would strand Li refused), no dead Li forms."""
    hop, kd = _tables()
    runs = []
    for extra in ({}, {"dissolution": kd}, {"dissolution": kd, "track_dead": True}):
        state = KmcState.flat((16, 12, 12), 3, layers=2)
        eng = Engine(state, hop, np.full((12, 12), 2.0), True, 0.3, None, ENERGETICS.step_factor(T), **extra)
        for _ in range(8):
            eng.advance(max_events=20_000)
        runs.append(state)
    for name in ("st", "top", "rng", "clock", "counts", "tree"):
        np.testing.assert_array_equal(getattr(runs[0], name), getattr(runs[1], name), err_msg=name)
    tracked = runs[2]
    assert tracked.counts[k.EV_DEPOSIT] > 500 and tracked.counts[k.EV_REFUSED] > 0
    assert tracked.n_dead == 0 and tracked.counts[k.EV_DEAD] == 0
    assert tracked.n_atoms == tracked.counts[k.EV_DEPOSIT] + 2 * 12 * 12
    eng.verify()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("ballistic", [True, False])
@pytest.mark.parametrize("sei_coated, narrow_gap", [(False, False), (True, False), (False, True)],
                         ids=["dead-binds", "sei-coated", "dead-binds-narrow-gap"])
def test_plate_strip_rest_keeps_the_state_consistent_and_the_charge_exact(seed, ballistic, sei_coated, narrow_gap):
    """Plating, galvanostatic and potentiostatic stripping and rests, in turn: the incremental
    state equals a rebuild, every live atom reaches the collector, and live + dead atoms =
    deposited - dissolved after every call; with dead Li that binds, and SEI-coated; Li joined
    where faces meet, and across narrow gaps."""
    eng = _engine(_bare((16, 12, 12)), seed, ballistic=ballistic, sei_coated=sei_coated, narrow_gap=narrow_gap)
    s = eng.state
    steps = [{"max_deposits": 600}, {"deposition_scale": 0.0, "strip_rate": 400.0, "max_dissolutions": 300},
             {"deposition_scale": 0.0, "t_end": 0.0}, {"max_deposits": 1200},
             {"deposition_scale": 0.5, "anodic_scale": 3.0, "max_events": 20_000},
             {"deposition_scale": 0.0, "strip_rate": 400.0, "strip_floor": 1e-3}]
    for step in steps:
        if "t_end" in step:
            step = {**step, "t_end": float(s.clock[0]) + 0.05}
        eng.advance(**step)
        eng.verify()
        assert s.n_atoms + s.n_dead == s.counts[k.EV_DEPOSIT] - s.counts[k.EV_DISSOLVE]
        assert s.n_dead == s.counts[k.EV_DEAD]
    assert s.counts[k.EV_DISSOLVE] > 600 and s.n_atoms == 0  # the last step stripped every live atom


def test_atoms_are_drawn_in_proportion_to_their_dissolution_rates():
    """Galvanostatic stripping takes an atom of (phase, n) with probability k_d(phase, n) x count / sum:
    one dissolution from the same rough deposit (glassy and crystalline; columns 3 or 4 high, so no
    dissolution leaves an atom unbound to fall) repeated with 3000 random streams; chi-squared over
    the (phase, n) groups, p > 0.001."""
    occ = _bare((10, 10, 10))
    rng = np.random.default_rng(5)
    heights = rng.integers(3, 5, (10, 10))
    for y in range(10):
        for x in range(10):
            occ[1 : 1 + heights[y, x], y, x] = m.CRYSTAL if (x + y) % 3 else m.GLASSY
    base = _engine(occ, hops=False)
    kd = d.dissolution_table(ENERGETICS, T, I0, A)
    st = base.state.st.astype(np.int64)
    phase, n = st & k.OCC_MASK, (st >> 2) & 7
    group = np.where(np.isin(phase, [m.GLASSY, m.CRYSTAL]) & (n >= 1) & (n <= 5), (phase - 1) * 5 + (n - 1), -1)
    counts = np.bincount(group[group >= 0], minlength=10)
    weights = np.array([kd[p, nn] for p in (m.GLASSY, m.CRYSTAL) for nn in range(1, 6)]) * counts
    expected = weights / weights.sum()
    drawn = np.zeros(10)
    draws = 3000
    for seed in range(draws):
        state = copy.deepcopy(base.state)
        state.rng = k.seed_state(seed)
        eng = Engine(state, np.zeros((4, 7)), np.ones((10, 10)), True, 0.0, None, 0.0, dissolution=kd, track_dead=True)
        eng.advance(deposition_scale=0.0, strip_rate=1.0, max_dissolutions=1)
        gone = np.flatnonzero(((st & k.OCC_MASK) != m.EMPTY) & ((state.st & k.OCC_MASK) == m.EMPTY))
        drawn[group[gone[0]]] += 1
    exp = expected * draws
    big = exp >= 5
    obs, ref = list(drawn[big]), list(exp[big])
    pooled = int(np.argmax(ref))  # the rare groups join the likeliest one
    obs[pooled] += drawn[~big].sum()
    ref[pooled] += exp[~big].sum()
    assert len(ref) >= 6
    assert stats.chisquare(obs, ref).pvalue > 1e-3, (drawn, exp)


def _rough_deposit(seed):
    """Crystalline columns 0 to 3 atoms high on 10 x 10 (some of the collector bare), 8 layers."""
    occ = _bare((8, 10, 10))
    heights = np.random.default_rng(seed).integers(0, 4, (10, 10))
    for y in range(10):
        for x in range(10):
            occ[1 : 1 + heights[y, x], y, x] = m.CRYSTAL
    return occ


def _tall_rough_deposit(seed, base=0, height=24):
    """:func:`_rough_deposit` on ``base`` full crystalline layers, in a box ``height`` layers high."""
    occ = _bare((height, 10, 10))
    occ[1 : 1 + base] = m.CRYSTAL
    occ[1 + base : 8 + base] = _rough_deposit(seed)[1:]
    return occ


def test_the_exchange_reduces_ions_on_every_eligible_site_at_its_column_rate():
    """The reversible exchange's proposals (``_kernels.exchange_site``) accept each eligible site
    (empty, 1 to 5 occupied neighbours, touching live Li or the collector; listed here from the
    occupancy) with probability column_rate / max / (6 n_filed + nxy) and no other site: a rough
    deposit with bare collector spots, a dead cluster touching live Li, a dead cluster floating
    alone and a closed vacancy (6 neighbours), 400 000 proposals; chi-squared over the eligible
    sites and the rejections, p > 0.001."""
    occ = _rough_deposit(11)
    occ[1:4, 2:5, 2:5] = m.CRYSTAL
    occ[1:, 6:9, 6:9] = m.EMPTY  # a bare patch: its middle site at z = 1 touches no Li (the collector branch)
    occ[2, 3, 3] = m.EMPTY  # a closed vacancy: 6 occupied neighbours, not eligible
    occ[4, 3, 3] = k.DEAD  # dead Li on live Li: its empty neighbours touch no live Li, except those that do
    occ[6, 7:9, 7] = k.DEAD  # dead Li alone, far above the deposit
    eligible = exchange_sites(occ)
    assert occ.ravel()[(2 * 10 + 3) * 10 + 3] == m.EMPTY and (2 * 10 + 3) * 10 + 3 not in eligible
    assert (1 * 10 + 7) * 10 + 7 in eligible
    column_rate = 0.5 + np.random.default_rng(12).random(100)
    eng = _engine(occ, hops=False)
    s = eng.state
    n_filed = int(s.n_mobile[0])
    proposals = 400_000
    stream = k.seed_state(3)
    hits = np.zeros(s.st.size, np.int64)
    for _ in range(proposals):
        t = k.exchange_site(k.next_uniform(stream), n_filed, s.class_start, s.class_size, s.members, s.st, eng.grid,
                            8, column_rate, column_rate.max(), stream)
        if t >= 0:
            hits[t] += 1
    assert np.setdiff1d(np.flatnonzero(hits), eligible).size == 0  # no other site is ever chosen
    per_site = proposals * column_rate[eligible % 100] / column_rate.max() / (6 * n_filed + 100)
    obs = np.append(hits[eligible], proposals - hits.sum())
    ref = np.append(per_site, proposals - per_site.sum())
    assert per_site.min() > 5 and eligible.size > 100
    assert stats.chisquare(obs, ref).pvalue > 1e-3
    assert hits[(1 * 10 + 7) * 10 + 7] > 0  # the bare spot, proposed by the collector branch only


def test_the_exchange_reduces_the_first_ion_after_the_summed_site_rates():
    """The event loop's exchange (hops off, dissolution 1e-12 of its rate): the first ion is reduced
    after a waiting time with mean 1 / (F N_eligible), F the per-site rate and N_eligible the sites
    listed from the occupancy (``tests/lattice_sites.py``), on a rough deposit with bare collector
    spots; 4000 seeds; the mean within 4 standard errors of the exponential (1 / sqrt(4000) of it)."""
    occ = _rough_deposit(2)
    per_site = 1.0  # 1/s (deposition field 1 per column, scale 1)
    expected = 1.0 / (per_site * exchange_sites(occ).size)
    base = _engine(occ, hops=False)
    waits = []
    for seed in range(4000):
        state = copy.deepcopy(base.state)
        state.rng = k.seed_state(seed)
        eng = Engine(state, np.zeros((4, 7)), np.ones((10, 10)), True, 0.0, None, 0.0,
                     dissolution=d.dissolution_table(ENERGETICS, T, I0, A), track_dead=True)
        assert eng.advance(max_deposits=1, anodic_scale=1e-12) == k.ST_DEPOSITS
        assert state.counts[k.EV_DISSOLVE] == 0
        waits.append(float(state.clock[0]))
    assert abs(np.mean(waits) / expected - 1) < 4 / np.sqrt(len(waits)), (np.mean(waits), expected)


def test_a_potentiostatic_run_with_no_site_for_an_ion_stops_passivated():
    """No live Li and dead Li on every collector site: no ion can be reduced and nothing dissolves,
    so the exchange stops (status passivated) at once instead of proposing until its event budget
    is spent."""
    occ = _bare((6, 4, 4))
    occ[1] = k.DEAD
    eng = _engine(occ)
    assert eng.advance(max_events=10_000, anodic_scale=1.0) == k.ST_PASSIVATED
    assert eng.state.events == 0


@pytest.mark.parametrize("alpha_ratio", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("net", [-7.0, -0.3, 0.0, 0.4, 25.0])
def test_the_galvanostatic_split_carries_the_current_at_one_overpotential(net, alpha_ratio):
    """``exchange_split``: the rates p (dissolution) and q (reduction) satisfy the two defining
    equations, p - q = R (the net current) and q / C = (p / S)^(-alpha_c / alpha_a) (one
    overpotential for both branches), to round-off; and the overpotential it implies is the one
    ``dissolution.overpotential`` finds by bracketing (an independent root finder)."""
    s_sum, c_sum = 3.0, 5.0
    p, q = k.exchange_split(net, s_sum, c_sum, alpha_ratio)
    assert p > 0 and q > 0
    assert p - q == pytest.approx(net, abs=1e-12 * (p + q))
    assert q / c_sum == pytest.approx((p / s_sum) ** -alpha_ratio, rel=1e-12)
    eta = d.overpotential(net, s_sum, c_sum, 0.5, 0.5 * alpha_ratio, T)
    assert np.log(p / s_sum) * d.thermal_voltage(T) / 0.5 == pytest.approx(eta, rel=1e-9, abs=1e-12)


def test_the_galvanostatic_split_without_one_branch():
    """With nothing to dissolve (S = 0) or nowhere to reduce (C = 0) the other branch alone carries
    the current, and a current neither can carry is refused (-1, -1)."""
    assert k.exchange_split(2.0, 0.0, 5.0, 1.0) == (-1.0, -1.0)
    assert k.exchange_split(-2.0, 3.0, 0.0, 1.0) == (-1.0, -1.0)
    assert k.exchange_split(-2.0, 0.0, 5.0, 1.0) == (0.0, 2.0)
    assert k.exchange_split(2.0, 3.0, 0.0, 1.0) == (2.0, 0.0)
    assert k.exchange_split(0.0, 0.0, 5.0, 1.0) == (0.0, 0.0)


@pytest.mark.parametrize("rule", ["stays_dead", "revived_on_contact", "sei_coated"])
@pytest.mark.parametrize("field", ["uniform", "two-valued"])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_galvanostatic_exchange_keeps_its_eligible_sites_exactly(seed, field, rule):
    """The galvanostatic exchange keeps two sums incrementally: the eligible sites, each weighted
    by its column's rate / the largest (``_kernels.recheck_eligible``), and, for a non-uniform
    field, the dissolution rates times the column factors (``update_weighted_anodic``); both are
    recounted when Li is marked dead. On a rough deposit with dead-Li tracking, plated and
    stripped through it (10 reductions a second per site at eta = 0, 1000 net a second) in calls of
    500 events, the kept sums equal, after every call: the sites listed from the occupancy alone
    (``tests/lattice_sites.py``; uniform field: exactly), or their weights and the dissolution sum
    recounted by ``Engine.eligible_sites`` and ``exchange_sums`` (two-valued field: to 1e-9,
    round-off of the running sums); and the state passes ``Engine.verify``. The runs make falls and
    dead Li, so the incremental paths and the recounts are both taken (asserted); with revival on,
    Li is revived too (asserted: more atoms were marked dead than are dead at the end); SEI-coated
    dead Li changes the counts of the sites around it when it dies (checked by the rebuild)."""
    revive, sei_coated = rule == "revived_on_contact", rule == "sei_coated"
    occ = _tall_rough_deposit(seed)
    rates = np.full(occ.shape[1:], 10.0)
    if field == "two-valued":
        rates[:, :5], rates[:, 5:] = 5.0, 15.0
    hop, kd = _tables()
    eng = Engine(KmcState.from_occupancy(occ, seed, sei_coated), hop, rates, True, 0.3, None,
                 ENERGETICS.step_factor(T), dissolution=kd, track_dead=True, revive_dead=revive, sei_coated=sei_coated)
    s = eng.state
    for net_rate in (-1000.0, 1000.0):
        for _ in range(40):
            status = eng.advance(max_events=500, net_rate=net_rate, site_exchange_rate=10.0)
            if field == "uniform":
                assert eng.kept_sums[0] == exchange_sites(s.occupancy, sei_coated).size
            else:
                assert eng.kept_sums[0] == pytest.approx(eng.eligible_sites(), rel=1e-9)
                assert eng.kept_sums[1] == pytest.approx(eng.exchange_sums(10.0)[0], rel=1e-9)
            if status == k.ST_CUTOFF:
                break
        eng.verify()
    assert s.counts[k.EV_FALL] > 0 and s.counts[k.EV_DEAD] > 0
    assert s.n_atoms + s.n_dead == int(occ.astype(bool)[1:].sum()) + (s.counts[k.EV_DEPOSIT] - s.counts[k.EV_DISSOLVE])
    if revive:
        assert s.counts[k.EV_DEAD] > s.n_dead


@pytest.mark.parametrize("field", ["uniform", "two-valued"])
def test_the_galvanostatic_exchange_passes_its_current_on_average(field):
    """The net ions a second (dissolutions - reductions over time) equals the set R = I / e on a
    rough deposit, plating and stripping, hops on. p - q = R holds by construction, so this checks
    the normalisation of the two branches' event rates (each branch carries more than half of R,
    asserted), and with a two-valued field (m = 0.5 and 1.5 on the two halves) that of the weighted
    sums and the thinning too. 8 seeds each; the mean ratio within 3 standard errors of 1 (across
    seeds; a standard error of ~0.04, so an error of the normalisation above ~12 % fails)."""
    f0 = 10.0  # reductions a second on a site at eta = 0 (the mean of the field)
    for net_rate in (-600.0, 600.0):
        ratios = []
        for seed in range(8):
            occ = _tall_rough_deposit(seed, base=6)
            rates = np.full(occ.shape[1:], f0)
            if field == "two-valued":
                rates[:, :5], rates[:, 5:] = 0.5 * f0, 1.5 * f0
            hop, kd = _tables()
            eng = Engine(KmcState.from_occupancy(occ, seed), hop, rates, True, 0.3, None, ENERGETICS.step_factor(T),
                         dissolution=kd, track_dead=False)
            s = eng.state
            assert eng.advance(t_end=0.5, net_rate=net_rate, site_exchange_rate=f0) == k.ST_TIME
            net = int(s.counts[k.EV_DISSOLVE]) - int(s.counts[k.EV_DEPOSIT])
            assert min(s.counts[k.EV_DISSOLVE], s.counts[k.EV_DEPOSIT]) > 0.5 * abs(net)
            ratios.append(net / (net_rate * 0.5))
        r = np.array(ratios)
        assert abs(r.mean() - 1) < 3 * r.std(ddof=1) / np.sqrt(r.size), (net_rate, r)


def test_the_galvanostatic_exchange_stops_at_its_net_targets_and_cut_off():
    """Targets are net: plating stops when deposits - dissolutions reaches max_deposits, stripping
    when dissolutions - deposits reaches max_dissolutions; stripping on stops at the potential
    cut-off (0.1 V: the anodic factor of the state above cutoff_factor) with Li still on the
    lattice, not at the stop for nothing left."""
    eng = _engine(_tall_rough_deposit(4), seed=4)
    s = eng.state
    assert eng.advance(max_deposits=150, net_rate=-500.0, site_exchange_rate=10.0) == k.ST_DEPOSITS
    assert s.counts[k.EV_DEPOSIT] - s.counts[k.EV_DISSOLVE] == 150 and s.counts[k.EV_DISSOLVE] > 0
    done = int(s.counts[k.EV_DISSOLVE] - s.counts[k.EV_DEPOSIT])
    assert eng.advance(max_dissolutions=done + 40, net_rate=500.0, site_exchange_rate=10.0) == k.ST_DISSOLVED
    assert s.counts[k.EV_DISSOLVE] - s.counts[k.EV_DEPOSIT] == done + 40
    x_cut = d.butler_volmer_factors(0.1, 0.5, 0.5, T)[0]  # a 0.1 V cut-off: reached with Li left
    assert eng.advance(net_rate=500.0, site_exchange_rate=10.0, cutoff_factor=x_cut) == k.ST_CUTOFF
    anodic, cathodic = eng.exchange_sums(10.0)
    assert anodic > 0 and s.n_atoms > 0
    assert k.exchange_split(500.0, anodic, cathodic, 1.0)[0] > x_cut * anodic  # eta above the cut-off


def test_the_galvanostatic_exchange_refuses_what_it_cannot_run():
    """The arguments it does not take and bad rates are ValueErrors."""
    eng = _engine(_rough_deposit(1))
    for bad in (dict(strip_rate=1.0), dict(anodic_scale=1.0), dict(deposition_scale=0.0), dict(strip_floor=1.0)):
        with pytest.raises(ValueError, match="takes no"):
            eng.advance(net_rate=1.0, site_exchange_rate=1.0, **bad)
    for bad in (dict(net_rate=np.nan), dict(site_exchange_rate=0.0), dict(alpha_ratio=0.0), dict(cutoff_factor=0.0)):
        with pytest.raises(ValueError, match="finite"):
            eng.advance(**{"net_rate": 1.0, "site_exchange_rate": 1.0, **bad})


@pytest.mark.parametrize("control", ["galvanostatic", "potentiostatic"])
def test_a_non_uniform_field_scales_both_branches_so_no_li_moves_at_open_circuit(control):
    """A field with m = 0.5 on half the columns and 1.5 on the other half (a local exchange-current
    factor, mean 1): at open circuit (net current 0, or eta = 0) both branches of each column
    scale with m, so neither half gains Li from the other. Were only the reduction scaled, each
    half would be off balance by 0.5 F0 a site (the slow half dissolving, the fast half plating),
    ~0.5 x 4.8 /s x 1.1 sites x 50 columns x 2 s ~ 270 atoms moved. Crystalline Li (epitaxy 1), so
    eta = 0 is balanced; 8 seeds of 2 s on a rough deposit; the mean gain of the fast half within 3
    standard errors of 0 (measured: within +-70 atoms a seed), and the exchange active (more than
    1000 dissolutions)."""
    f0 = d.column_exchange_rate(I0, A)
    gains = []
    for seed in range(8):
        occ = _tall_rough_deposit(seed, base=3)
        field = np.full(occ.shape[1:], 0.5 * f0)
        field[:, 5:] = 1.5 * f0
        hop, kd = _tables()
        eng = Engine(KmcState.from_occupancy(occ, seed), hop, field, True, 1.0, None, ENERGETICS.step_factor(T),
                     dissolution=kd, track_dead=False)  # epitaxy 1: crystalline Li only, balanced at eta = 0
        s = eng.state

        def fast_half():
            live = np.isin(s.occupancy, [m.GLASSY, m.CRYSTAL])
            return int(live[:, :, 5:].sum())

        before = fast_half()
        if control == "galvanostatic":
            assert eng.advance(t_end=2.0, net_rate=0.0, site_exchange_rate=f0) == k.ST_TIME
        else:
            assert eng.advance(t_end=2.0, anodic_scale=1.0) == k.ST_TIME
        assert s.counts[k.EV_DISSOLVE] > 1000
        gains.append(fast_half() - before)
        eng.verify()
    g = np.array(gains)
    assert abs(g.mean()) < 3 * g.std(ddof=1) / np.sqrt(g.size), g


def _island_on_stem(size):
    """A size^3 cube of crystalline Li held above the substrate by one stem atom at z = 1."""
    occ = _bare((size + 5, 12, 12))
    occ[1, 6, 6] = m.CRYSTAL
    lo = 6 - size // 2
    occ[2 : 2 + size, lo : lo + size, lo : lo + size] = m.CRYSTAL
    return occ, (1 * 12 + 6) * 12 + 6


def _atom_on_stem(beside):
    """A crystalline atom at z = 2 on a stem atom at z = 1, with ``beside`` (dead Li or crystalline
    Li) as its one other neighbour."""
    occ = _bare((8, 12, 12))
    occ[1:3, 6, 6] = m.CRYSTAL
    occ[2, 6, 7] = beside
    return occ, (1 * 12 + 6) * 12 + 6


@pytest.mark.parametrize("geometry, atoms, size_bin", [
    (lambda: _atom_on_stem(k.DEAD), 1, 0), (lambda: _atom_on_stem(m.CRYSTAL), 2, 1), (lambda: _island_on_stem(2), 8, 2),
    (lambda: _island_on_stem(3), 27, 3), (lambda: _island_on_stem(5), 125, 4)])
def test_a_cut_off_is_counted_once_in_its_size_bin(geometry, atoms, size_bin):
    """Dissolving the stem cuts off one cluster of ``atoms`` (an atom held only by dead Li, which
    does not fall; a pair; cubes of 8, 27 and 125): the kernel counts one cut-off in bin
    ``size_bin`` of 1, 2-3, 4-10, 11-100, > 100 atoms, with its atoms, and nothing in the others."""
    occ, stem = geometry()
    eng = _engine(occ, hops=False)
    eng.dissolve(stem)
    s = eng.state
    assert s.counts[k.EV_DEAD] == atoms and s.counts[k.EV_FALL] == 0
    bins = len(k.CUT_OFF_EDGES)
    expected = np.zeros(2 * bins + 1, np.int64)  # the last: atoms marked dead after moves, none here
    expected[size_bin], expected[bins + size_bin] = 1, atoms
    np.testing.assert_array_equal(s.counts[k.EV_CUT_OFFS:], expected)


@pytest.mark.parametrize("size", [2, 3, 5])
def test_an_island_on_a_dissolved_stem_is_dead_and_stays(size):
    """The stem dissolves: exactly the island's size^3 atoms become dead; galvanostatic stripping
    then finds nothing to strip (dead Li is not strippable: the cut-off comes before any dissolution),
    and plating again (hops off, so atoms stay where they land) reduces no ion where it would touch
    only dead Li."""
    occ, stem = _island_on_stem(size)
    eng = _engine(occ, hops=False)
    eng.dissolve(stem)
    s = eng.state
    assert s.n_dead == s.counts[k.EV_DEAD] == size**3 and s.n_atoms == 0
    eng.verify()
    assert eng.advance(deposition_scale=0.0, strip_rate=100.0, strip_floor=1e-9) == k.ST_CUTOFF
    assert s.counts[k.EV_DISSOLVE] == 1 and s.n_dead == size**3
    dead = s.occ == k.DEAD
    eng.advance(max_deposits=400)
    assert np.array_equal(s.occ == k.DEAD, dead)
    occ_now = s.occupancy
    for z, y, x in zip(*np.nonzero((occ_now == m.CRYSTAL) | (occ_now == m.GLASSY))):
        assert z == 1 or _touches_live(occ_now, z, y, x), (z, y, x)
    eng.verify()


def _site(z, y, x, side=12):
    """Flat index of (z, y, x) on a side x side lattice."""
    return (z * side + y) * side + x


def test_sei_coated_dead_li_is_no_neighbour_in_the_site_words():
    """A crystalline atom on a stem with dead Li beside it: built with ``sei_coated``, the atom
    counts one occupied neighbour (the stem), not two, and the empty site above the dead atom
    none, not one; the dead site's word carries ``DEAD_SEI``. Without it, dead Li counts as Li."""
    occ, _ = _atom_on_stem(k.DEAD)
    for sei_coated, atom_n, above_dead_n in ((False, 2, 1), (True, 1, 0)):
        st = KmcState.from_occupancy(occ, 0, sei_coated).st
        assert (st[_site(2, 6, 6)] & k.NOCC_MASK) // k.N_UNIT == atom_n
        assert (st[_site(3, 6, 7)] & k.NOCC_MASK) // k.N_UNIT == above_dead_n
        assert bool(st[_site(2, 6, 7)] & k.DEAD_SEI) == sei_coated


@pytest.mark.parametrize("sei_coated, dead, falls", [(False, 1, 0), (True, 0, 1)])
def test_an_atom_held_only_by_sei_coated_dead_li_falls_to_the_collector(sei_coated, dead, falls):
    """The stem under an atom with dead Li beside it dissolves. Dead Li that binds holds the atom,
    which is then cut off (1 atom dead, no fall); SEI-coated dead Li does not bind it, so it falls
    down its column onto the collector and stays live (none dead, one fall)."""
    occ, stem = _atom_on_stem(k.DEAD)
    eng = _engine(occ, hops=False, sei_coated=sei_coated)
    eng.dissolve(stem)
    s = eng.state
    assert s.counts[k.EV_DEAD] == dead and s.counts[k.EV_FALL] == falls
    assert s.n_dead == 1 + dead and s.n_atoms == 1 - dead
    if falls:
        assert s.occupancy[1, 6, 6] == m.CRYSTAL
    eng.verify()


def test_an_unbound_atom_resting_on_sei_coated_dead_li_is_cut_off_where_it_rests():
    """An atom on SEI-coated dead Li, held only by a live neighbour on a stem: that neighbour
    dissolves. The atom has no bond left and cannot fall (the dead Li under it): it is cut off
    where it rests, one cut-off of one atom, no fall."""
    occ = _bare((8, 12, 12))
    occ[1, 6, 6] = k.DEAD
    occ[2, 6, 6] = occ[2, 6, 7] = occ[1, 6, 7] = m.CRYSTAL
    eng = _engine(occ, hops=False, sei_coated=True)
    eng.dissolve(_site(2, 6, 7))
    s = eng.state
    assert s.counts[k.EV_DEAD] == 1 and s.counts[k.EV_FALL] == 0 and s.n_dead == 2
    assert s.counts[k.EV_CUT_OFFS] == 1 and s.occupancy[2, 6, 6] == k.DEAD
    eng.verify()


@pytest.mark.parametrize("below, beside, sei_coated, refused", [
    (k.DEAD, m.EMPTY, True, True), (m.EMPTY, m.EMPTY, True, False), (k.DEAD, m.EMPTY, False, True),
    (m.EMPTY, k.DEAD, True, False), (m.EMPTY, k.DEAD, False, True)])
def test_a_move_that_leaves_an_atom_unbound_on_sei_coated_dead_li_is_refused(below, beside, sei_coated, refused):
    """An atom A is held only by a mover M (on a stem on the collector); M steps down off the stem.
    SEI-coated dead Li under A: A is left with no bond and nothing to fall through, so the move
    would cut it off and is refused (``_kernels.cuts_off``). The site under A empty: A falls
    instead, not refused, also with SEI-coated dead Li beside A (it does not hold A); dead Li that
    binds, under or beside A, holds A off the collector: cut off, refused."""
    occ = _bare((8, 12, 12))
    occ[1, 6, 6], occ[2, 6, 5] = below, beside
    occ[2, 6, 6] = occ[2, 6, 7] = occ[1, 6, 7] = m.CRYSTAL
    st = KmcState.from_occupancy(occ, 0, sei_coated).st
    n = st.size
    scratch = (np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(1, np.int64),
               np.empty((3, 7), np.int64), False, False)
    before = st.copy()
    assert k.cuts_off(np.int32(_site(2, 6, 7)), np.int64(_site(1, 6, 8)), True, st, k.lateral_grid(12, 12), 8,
                      *scratch) == refused
    np.testing.assert_array_equal(st, before)


def test_a_step_move_onto_sei_coated_dead_li_is_rejected():
    """An atom X on a live atom Y on the collector, Y ringed by SEI-coated dead Li: X's four
    lateral sites are edge sites (the dead Li under them binds nothing), so X has four step moves
    down over them and no hop, each onto dead Li; Y has no move. Every one of 1000 events is a
    rejected step (a null event): no move made, the dead Li all still there, the state equal to a
    rebuild."""
    occ = _bare((6, 12, 12))
    occ[1, 5:8, 5:8] = k.DEAD
    occ[1:3, 6, 6] = m.CRYSTAL
    eng = _engine(occ, deposition=1e-12, sei_coated=True)
    s = eng.state
    assert eng.advance(max_events=1000, deposition_scale=0.0) == k.ST_EVENTS
    assert s.counts[k.EV_REFUSED] == 1000 and s.counts[k.EV_STEP] == s.counts[k.EV_HOP] == 0
    np.testing.assert_array_equal(s.occupancy, occ)
    eng.verify()


def test_coating_a_large_cut_off_waits_for_room_in_the_hop_lists():
    """A sheet of 32 x 32 atoms held above a 2-layer film by one stem, across an empty layer; the
    stem dissolves and the sheet is cut off, SEI-coated. As each sheet atom is coated, the film
    atom under it loses a hop target (the site between them now has one bond) and gains four step
    moves up: 1024 atoms move into one hop class that was laid out for one atom (room for 2 x
    ``CLASS_HEADROOM`` = 512 more; that atom is cut off with the sheet), so the coats wait for the
    lists to grow (``_kernels.coat_all``).
    Afterwards every sheet atom is dead and coated, the 1024 film atoms are in that class, and
    the state equals a rebuild (no list overran its block)."""
    occ = _bare((8, 32, 32))
    occ[1:3] = m.CRYSTAL
    occ[3, 16, 16] = m.CRYSTAL
    occ[4] = m.CRYSTAL
    eng = _engine(occ, hops=False, sei_coated=True)
    s = eng.state
    film_top = ((m.CRYSTAL - 1) * 5 + 4) * 35 + 4  # crystalline, n = 5, m = 0, four step moves up
    # laid out for its one atom, the sheet's atom over the stem
    assert s.class_size[film_top] == 1 and np.diff(s.class_start)[film_top] == 2 + 2 * k.CLASS_HEADROOM
    eng.dissolve(_site(3, 16, 16, 32))
    assert s.n_dead == s.counts[k.EV_DEAD] == 1024 and eng.pending[0] == 0
    assert np.all(s.st[_site(4, 0, 0, 32) : _site(5, 0, 0, 32)] & k.DEAD_SEI)
    assert s.class_size[film_top] == 1024 and np.diff(s.class_start)[film_top] > 2 + 2 * k.CLASS_HEADROOM  # grown
    eng.verify()


@pytest.mark.parametrize("kwargs, message", [({}, "needs track_dead"), ({"track_dead": True, "revive_dead": True},
                                                                       "no revive_dead"),
                                             ({"track_dead": True, "coated_state": False}, "not SEI-coated"),
                                             ({"track_dead": True, "sei_coated": False, "coated_state": True},
                                              "is SEI-coated")])
def test_the_engine_refuses_sei_coated_dead_li_it_cannot_run(kwargs, message):
    """SEI-coated dead Li needs dead-Li tracking and dead Li that stays dead; a state's dead Li
    must be coated exactly when the engine's is."""
    kwargs = {"sei_coated": True, **kwargs}
    occ = _bare((6, 8, 8))
    occ[2, 4, 4] = k.DEAD
    state = KmcState.from_occupancy(occ, 0, kwargs.pop("coated_state", kwargs["sei_coated"]))
    hop, kd = _tables()
    with pytest.raises(ValueError, match=message):
        Engine(state, hop, np.ones((8, 8)), True, dissolution=kd, **kwargs)


def _constant_arguments(source, constants):
    """Calls in ``source`` that pass an int or bool constant (a literal, or a name in ``constants``)
    to a non-inlined ``@njit`` function, directly or through a parameter that an inlined one passes
    on to such a call; numba types such an argument as a literal and compiles the callee once more
    for it. Returns "caller -> callee(argument i: text)" strings."""
    defs = njit_functions(source)
    inlined = {name for name, node in defs.items() if "inline" in njit_options(node)}
    passed_on = {name: set() for name in inlined}  # parameter positions that reach a compiled call

    def calls(node):
        return [c for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
                and c.func.id in defs]

    def compiled(call, i):
        return call.func.id not in inlined or i in passed_on[call.func.id]

    grown = True
    while grown:
        grown = False
        for name in inlined:
            params = [a.arg for a in defs[name].args.args]
            for call in calls(defs[name]):
                for i, arg in enumerate(call.args):
                    if isinstance(arg, ast.Name) and arg.id in params and compiled(call, i) \
                            and params.index(arg.id) not in passed_on[name]:
                        passed_on[name].add(params.index(arg.id))
                        grown = True

    def constant(arg):
        arg = arg.operand if isinstance(arg, ast.UnaryOp) else arg
        return (isinstance(arg, ast.Constant) and isinstance(arg.value, (bool, int))) or (
            isinstance(arg, ast.Name) and arg.id in constants)

    return [f"{name} -> {call.func.id}(argument {i}: {ast.unparse(arg)})" for name, node in defs.items()
            for call in calls(node) for i, arg in enumerate(call.args) if compiled(call, i) and constant(arg)]


def test_the_constant_argument_finder_finds_direct_and_forwarded_constants():
    """The check below on a made-up source: a constant passed to an inlined helper that passes it
    on, and a module constant passed directly, are found; a float, an ``np.int64`` and a helper
    parameter that is not passed on are not."""
    source = (
        "@njit\ndef kernel(a, b):\n    return a + b\n\n"
        "@njit(inline='always')\ndef helper(x, y):\n    return kernel(x, 1.5) + y\n\n"
        "@njit\ndef loop(z):\n    return helper(0, 2) + kernel(z, np.int64(0)) + kernel(z, FLAG)\n")
    assert sorted(_constant_arguments(source, {"FLAG"})) == ["loop -> helper(argument 0: 0)",
                                                             "loop -> kernel(argument 1: FLAG)"]


def test_no_kernel_call_passes_a_constant():
    """numba compiles a called kernel once for every set of argument types, and a constant argument
    is typed as a literal: each such call would compile the kernel again (3.5-18 s each;
    docs/performance.md). No call in ``_kernels.py`` passes one (a static check: a run that loads
    the kernels from numba's cache never compiles the called ones)."""
    constants = {name for name, value in vars(k).items() if name.isupper() and isinstance(value, int)}
    assert {"EMPTY", "DEAD"} <= constants
    assert _constant_arguments(Path(k.__file__).read_text(), constants) == []


def test_the_engine_dissolves_with_the_event_loops_site_type():
    """``Engine.dissolve`` calls the kernel with an int32 site, the type the event loop's call
    has: one compile of ``dissolve``, not two."""
    occ, stem = _island_on_stem(2)
    _engine(occ, hops=False).dissolve(stem)
    assert [sig[0] for sig in k.dissolve.signatures] == [numba.types.int32]


@pytest.mark.parametrize("where", ["below", "past"])
def test_the_engine_refuses_a_site_off_the_lattice(where):
    """A site below 0 or past the last one is refused (numpy would wrap a negative index to a site
    at the top of the lattice)."""
    eng = _engine(_island_on_stem(2)[0], hops=False)
    with pytest.raises(ValueError, match="not on the lattice"):
        eng.dissolve(-1 if where == "below" else eng.state.st.size)


def test_dead_li_that_live_li_grows_into_is_revived_in_the_phase_it_died_in():
    """With revival on, the island of a dissolved stem (3^3 atoms, its top layer glassy, the rest
    crystalline) is dead until plating (hops off, ions on their column's top) fills a site beside it: then every island atom is
    live again, in its own phase, filed for moves and dissolution (``Engine.verify``: the words and
    lists equal a rebuild, and no dead atom touches live Li)."""
    occ, stem = _island_on_stem(3)
    occ[4, 5:8, 5:8] = m.GLASSY
    occ = np.concatenate([occ, np.zeros((8,) + occ.shape[1:], np.uint8)])  # room for random column heights
    eng = _engine(occ, hops=False, ballistic=False, revive=True)  # ions land on their column's top
    eng.dissolve(stem)
    s = eng.state
    assert s.n_dead == 27 and s.n_atoms == 0
    eng.verify()
    assert eng.advance(max_deposits=400) == k.ST_DEPOSITS
    assert s.n_dead == 0 and s.counts[k.EV_DEAD] == 27
    after = s.occupancy
    assert np.array_equal(after[2:5, 5:8, 5:8], occ[2:5, 5:8, 5:8])
    eng.verify()


def test_without_revival_the_same_plating_leaves_the_island_dead():
    """The control of the test above: the same island and plating with revival off keep all 27 atoms
    dead (so the revival is what makes them live)."""
    occ, stem = _island_on_stem(3)
    occ = np.concatenate([occ, np.zeros((8,) + occ.shape[1:], np.uint8)])
    eng = _engine(occ, hops=False, ballistic=False)
    eng.dissolve(stem)
    assert eng.advance(max_deposits=400) == k.ST_DEPOSITS
    assert eng.state.n_dead == 27 and eng.dead_touching_live() > 0
    eng.verify()


def _first_revival_time(occ, stem):
    """Time at which plating (hops off, ions on their column's top, 1 ion/s a column) first touches
    the island of a stem dissolved at t = 0, found deposit by deposit with no passivation clock."""
    eng = _engine(occ, hops=False, ballistic=False, revive=True)
    eng.dissolve(stem)
    s = eng.state
    while s.n_dead > 0 and s.counts[k.EV_DEPOSIT] < 400:
        assert eng.advance(max_deposits=int(s.counts[k.EV_DEPOSIT]) + 1) == k.ST_DEPOSITS
    assert s.n_dead == 0
    return float(s.clock[0])


def _dead_li(state):
    """Dead Li atoms as a (nz, ny, nx) mask (the substrate layer shares the code)."""
    dead = state.occupancy == k.DEAD
    dead[0] = False
    return dead


@pytest.mark.parametrize("margin, revived", [(1.01, True), (0.99, False)])
def test_the_passivation_clock_revives_dead_li_only_within_its_window(margin, revived):
    """The island of the revival test, cut off at t = 0, is first touched at t1 (the same seed
    draws the same deposits with or without the clock: revival uses no random numbers). A window
    1 % longer than t1 revives all 27 atoms; 1 % shorter leaves them dead for good although live Li
    touches them (``dead_touching_live``), while none that could still revive does, and the state
    passes ``Engine.verify``."""
    occ, stem = _island_on_stem(3)
    occ = np.concatenate([occ, np.zeros((8,) + occ.shape[1:], np.uint8)])
    t1 = _first_revival_time(occ, stem)
    assert t1 > 0
    eng = _engine(occ, hops=False, ballistic=False, revive=True, passivation=margin * t1)
    eng.dissolve(stem)
    s = eng.state
    assert np.all(s.dead_since.reshape(s.shape)[_dead_li(s)] == 0.0) and s.n_dead == 27
    assert eng.advance(max_deposits=400) == k.ST_DEPOSITS
    assert s.n_dead == (0 if revived else 27)
    assert eng.dead_touching_live(revivable=True) == 0
    assert (eng.dead_touching_live() > 0) == (not revived)
    eng.verify()


def test_the_clock_runs_per_cluster_from_its_own_death():
    """Two islands (2^3 atoms on stems, hops off): one cut off at t = 0, the other at t = 10 s
    (the clock moved on by a frozen call). Plating from t = 10 s with a 5 s window revives the
    younger island and leaves the older one dead although live Li touches it; the times of death
    are kept per atom."""
    occ = _bare((14, 12, 12))
    stems = []
    for y0 in (1, 7):
        occ[1, y0 + 1, 2] = m.CRYSTAL
        occ[2:4, y0 : y0 + 2, 1:3] = m.CRYSTAL
        stems.append((1 * 12 + y0 + 1) * 12 + 2)
    eng = _engine(occ, hops=False, ballistic=False, revive=True, passivation=5.0)
    s = eng.state
    eng.dissolve(stems[0])
    assert eng.advance(t_end=10.0, deposition_scale=0.0) == k.ST_FROZEN and s.clock[0] == 10.0
    eng.dissolve(stems[1])
    dead = _dead_li(s)
    assert dead.sum() == 16
    since = s.dead_since.reshape(s.shape)
    assert np.all(since[:, :6][dead[:, :6]] == 0.0) and np.all(since[:, 6:][dead[:, 6:]] == 10.0)
    assert eng.advance(max_deposits=300) == k.ST_DEPOSITS and s.clock[0] < 15.0
    occ_after = s.occupancy
    assert np.all(occ_after[2:4, 1:3, 1:3] == k.DEAD) and np.all(occ_after[2:4, 7:9, 1:3] == m.CRYSTAL)
    assert eng.dead_touching_live() > 0 and eng.dead_touching_live(revivable=True) == 0
    eng.verify()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_event_loop_stamps_each_death_with_its_event_time(seed):
    """A porous deposit stripped with hops on (clusters cut off by dissolutions and by the falls
    they cause, inside ``advance``) under a clock too short to revive anything, in calls of 300
    dissolutions: every atom marked dead in a call has a time of death inside that call's span
    (after its start, not after its end), the first call's deaths come at more than one time (a
    stamp per event, not per call), and no dead atom is revived."""
    porous = _engine(_bare((30, 12, 12)), seed, hops=False)
    porous.advance(max_deposits=1200)
    eng = _engine(porous.state.occupancy, seed, revive=True, passivation=1e-12)
    s = eng.state
    for call in range(3):
        before, t0 = _dead_li(s), float(s.clock[0])
        eng.advance(deposition_scale=0.0, strip_rate=1000.0, max_dissolutions=int(s.counts[k.EV_DISSOLVE]) + 300)
        times = s.dead_since.reshape(s.shape)[_dead_li(s) & ~before]
        assert np.all((times > t0) & (times <= s.clock[0]))
        if call == 0:
            assert np.unique(times).size > 1
    assert s.counts[k.EV_DEAD] == s.n_dead > 0  # none revived
    eng.verify()


@pytest.mark.parametrize("kwargs, message", [({"passivation_time_s": 0.0, "revive_dead": True}, "> 0"),
                                             ({"passivation_time_s": np.nan, "revive_dead": True}, "> 0"),
                                             ({"passivation_time_s": 1.0}, "needs revive_dead")])
def test_the_engine_refuses_a_passivation_clock_it_cannot_run(kwargs, message):
    hop, kd = _tables()
    with pytest.raises(ValueError, match=message):
        Engine(KmcState.flat((6, 8, 8), 0), hop, np.ones((8, 8)), True, dissolution=kd, track_dead=True, **kwargs)


def test_a_dead_cluster_larger_than_the_hop_lists_room_is_revived_after_they_grow():
    """A dead sheet of 28 x 28 atoms one site above the collector: its 676 inner atoms share one
    hop class, more than a freshly laid-out class has room for (2 x ``CLASS_HEADROOM``). Plating
    beside it (hops off, ions on their column's top) touches it: the revival waits, the lists grow,
    and the whole sheet is live (glassy: dead Li read from an occupancy keeps no phase) with the
    state consistent (``Engine.verify``). Twice: in one call of 400 deposits (the revival waits
    mid-call), and one deposit a call, so that the call that touches the sheet stops at its target
    with the revival waiting: ``advance`` still returns with it done."""
    occ = _bare((12, 32, 32))
    occ[2, 2:30, 2:30] = k.DEAD
    eng = _engine(occ, hops=False, ballistic=False, revive=True)
    assert int(np.diff(eng.state.class_start).max()) < 676
    assert eng.advance(max_deposits=400) == k.ST_DEPOSITS
    assert eng.state.n_dead == 0 and eng.pending[0] == 0
    eng.verify()
    eng = _engine(occ, hops=False, ballistic=False, revive=True)
    s = eng.state
    while s.n_dead > 0 and s.counts[k.EV_DEPOSIT] < 600:
        assert eng.advance(max_deposits=int(s.counts[k.EV_DEPOSIT]) + 1) == k.ST_DEPOSITS
        assert eng.dead_touching_live() == 0
    assert s.n_dead == 0 and np.all(s.occupancy[2, 2:30, 2:30] == m.GLASSY)
    assert eng.pending[0] == 0 and int(np.diff(s.class_start).max()) >= 676  # the lists grew for it
    eng.verify()


def test_an_atom_that_falls_next_to_live_li_and_dead_li_revives_it():
    """Hops off. A live pillar on the collector holds a bridge atom, with one atom on top of it; a
    dead sheet of 28 x 28 atoms floats one site above the collector beside them. Dissolving the
    bridge drops the top atom down its column onto a live atom, where it touches both the pillar
    and the sheet: the sheet (784 atoms, more than the lists' room) is revived through
    ``Engine.dissolve``, which grows the lists, and nothing was killed."""
    occ = _bare((8, 32, 32))
    occ[2, 2:30, 2:30] = k.DEAD
    occ[1:4, 15, 0] = m.CRYSTAL  # the pillar
    occ[1, 15, 1] = m.CRYSTAL  # what the falling atom lands on
    occ[3, 15, 1] = occ[4, 15, 1] = m.CRYSTAL  # the bridge, and the atom on it
    eng = _engine(occ, hops=False, revive=True)
    s = eng.state
    assert s.n_dead == 784 and eng.dead_touching_live() == 0
    eng.dissolve((3 * 32 + 15) * 32 + 1)
    assert s.counts[k.EV_FALL] == 1 and s.occupancy[2, 15, 1] == m.CRYSTAL
    assert s.n_dead == 0 and s.counts[k.EV_DEAD] == 0 and eng.pending[0] == 0
    eng.verify()


def test_a_move_next_to_dead_li_revives_it():
    """Hops on, no deposition: one live atom on the collector and, one site above the collector
    and two columns away, a dead atom. Event by event, the dead atom stays dead while the live one
    is not next to it (no dead atom ever touches live Li) and is revived, glassy, by the hop that
    brings the live atom under it."""
    occ = _bare((6, 8, 8))
    occ[1, 4, 2] = m.CRYSTAL
    occ[2, 4, 4] = k.DEAD
    eng = _engine(occ, seed=3, revive=True)
    s = eng.state
    for _ in range(5000):
        eng.advance(max_events=1, deposition_scale=0.0)
        assert eng.dead_touching_live() == 0
        if s.n_dead == 0:
            break
    assert s.n_dead == 0 and s.counts[k.EV_HOP] + s.counts[k.EV_STEP] > 1
    assert s.occupancy[2, 4, 4] == m.GLASSY and s.occupancy[1, 4, 4] == m.CRYSTAL
    eng.verify()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_revival_leaves_no_dead_li_touching_live_li(seed):
    """A porous ballistic deposit (hops off) stripped and plated in stretches with hops on and
    revival on: after each stretch no dead atom has a live neighbour (every path that puts an atom
    on the lattice revives what it touches: deposits, moves, falls) and the state passes
    ``Engine.verify``; charge balances. Dead Li forms and is revived (asserted)."""
    porous = _engine(_bare((30, 12, 12)), seed, hops=False)
    porous.advance(max_deposits=1200)
    initial = porous.state.n_atoms
    eng = _engine(porous.state.occupancy, seed, revive=True)
    s = eng.state
    for _ in range(6):
        eng.advance(deposition_scale=0.0, strip_rate=1000.0, max_dissolutions=int(s.counts[k.EV_DISSOLVE]) + 100)
        assert eng.dead_touching_live() == 0
        eng.advance(max_deposits=int(s.counts[k.EV_DEPOSIT]) + 60)
        assert eng.dead_touching_live() == 0
        eng.verify()
    assert s.counts[k.EV_DEAD] > s.n_dead  # revivals happened
    assert s.n_atoms + s.n_dead == initial + s.counts[k.EV_DEPOSIT] - s.counts[k.EV_DISSOLVE]


def _touches_live(occ, z, y, x):
    nz, ny, nx = occ.shape
    for dz, dy, dx in ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)):
        zz = z + dz
        if 1 <= zz < nz and occ[zz, (y + dy) % ny, (x + dx) % nx] in (m.GLASSY, m.CRYSTAL):
            return True
    return False


def test_a_mushroom_cap_on_a_dissolved_stem_is_dead():
    """A 5 x 5 cap two layers thick on a stem two atoms tall: the lower stem atom dissolves, the cap and
    the upper stem atom (51 atoms) are dead; dissolving the upper one instead leaves the lower one live."""
    occ = _bare((10, 12, 12))
    occ[1:3, 6, 6] = m.CRYSTAL
    occ[3:5, 4:9, 4:9] = m.CRYSTAL
    for stem, dead in (((1 * 12 + 6) * 12 + 6, 51), ((2 * 12 + 6) * 12 + 6, 50)):
        eng = _engine(occ)
        eng.dissolve(stem)
        assert eng.state.n_dead == dead
        eng.verify()


def test_a_bridge_between_two_pillars_leaves_no_dead_li():
    """A bar joining two pillars, cut in its middle: both halves still reach the collector."""
    occ = _bare((8, 12, 12))
    occ[1:5, 6, 2] = occ[1:5, 6, 9] = m.CRYSTAL
    occ[4, 6, 2:10] = m.CRYSTAL
    eng = _engine(occ)
    eng.dissolve((4 * 12 + 6) * 12 + 6)
    assert eng.state.n_dead == 0 and eng.state.n_atoms == 4 + 4 + 6 - 1
    eng.verify()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("narrow_gap", [False, True], ids=["faces", "narrow-gap"])
def test_incremental_dead_marks_miss_nothing_a_dissolution_cuts(seed, narrow_gap):
    """Hops off (only dissolutions can cut): after each stretch of stripping a porous ballistic deposit,
    a full labelling finds no live-marked Li cut off from the collector (the kernel marked it all);
    Li joined where faces meet, and across narrow gaps."""
    eng = _engine(_bare((20, 12, 12)), seed, hops=False, narrow_gap=narrow_gap)
    eng.advance(max_deposits=1500)
    s = eng.state
    for _ in range(10):
        eng.advance(deposition_scale=0.0, strip_rate=100.0, max_dissolutions=int(s.counts[k.EV_DISSOLVE]) + 120)
        assert eng.disconnected().size == 0
        eng.verify()
    assert s.n_dead > 0  # the deposit did get cut: the check saw dead Li form


def _hop_that_strands():
    """A, glassy, on the side of a five-high pillar, holds B; only glassy atoms with two bonds can
    hop (A), and A's one target is the site below it. A hop there leaves B with no bond, to fall
    two sites down its column onto a floating dead atom, away from live Li."""
    occ = _bare((8, 6, 6))
    occ[1:6, 2, 1] = m.CRYSTAL  # the pillar
    occ[5, 2, 2] = m.GLASSY  # A: bonds to the pillar's top and to B
    occ[5, 2, 3] = m.CRYSTAL  # B: bonded to A only
    occ[2, 2, 3] = k.DEAD  # what B would land on
    table = np.zeros((4, 7))
    table[m.GLASSY, 2] = 1.0
    return occ, table


@pytest.mark.parametrize("other", [{"track_dead": False}, {"narrow_gap": True}, {"revive_dead": True}])
def test_the_engine_refuses_stranding_refusal_where_its_move_test_does_not_hold(other):
    """``refuse_stranding`` needs dead Li tracked, Li joined where faces meet (the test searches
    faces) and no revival (a move can revive the dead Li an atom would fall onto): a ValueError
    otherwise."""
    occ, table = _hop_that_strands()
    options = {"track_dead": True, **other}
    with pytest.raises(ValueError, match="refuse_stranding needs"):
        Engine(KmcState.from_occupancy(occ, 0), table, np.zeros((6, 6)), True, refuse_stranding=True, **options)


def test_an_atom_a_hop_leaves_unbound_that_falls_onto_dead_li_is_counted_dead_after_a_move():
    """The hop of :func:`_hop_that_strands`: B falls and is dead: one hop, one fall, one atom cut
    off, counted among the atoms marked dead after moves (a dissolution's cut-offs are not: the
    tests above)."""
    occ, table = _hop_that_strands()
    eng = Engine(KmcState.from_occupancy(occ, 0), table, np.zeros((6, 6)), True, track_dead=True)
    eng.advance(max_events=1)
    s = eng.state
    assert s.occupancy[4, 2, 2] == m.GLASSY and s.occupancy[3, 2, 3] == k.DEAD and s.n_dead == 2
    assert s.counts[:k.EV_CUT_OFFS].tolist() == [0, 1, 1, 0, 0, 1, 0]  # a hop, a fall, one atom marked dead
    expected = np.zeros(k.N_COUNTS - k.EV_CUT_OFFS, np.int64)
    expected[0] = expected[len(k.CUT_OFF_EDGES)] = expected[k.EV_DEAD_MOVES - k.EV_CUT_OFFS] = 1
    np.testing.assert_array_equal(s.counts[k.EV_CUT_OFFS:], expected)
    eng.verify()


def test_a_hop_that_would_leave_an_atom_to_fall_onto_dead_li_is_refused_when_stranding_moves_are():
    """The same hop with ``refuse_stranding``: ``cuts_off`` says it would strand Li (without it,
    not), and leaves the site words as they were (the fall is tried in them and undone); the
    engine's one event is a null event: nothing moved, fell or died."""
    occ, table = _hop_that_strands()
    state = KmcState.from_occupancy(occ, 0)
    before = state.st.copy()
    for refuse in (False, True):
        scratch = (np.zeros(state.st.size, np.int32), np.zeros(state.st.size, np.int32),
                   np.zeros(state.st.size, np.int32), np.zeros(1, np.int64), np.empty(k.WORK_SHAPE, np.int64),
                   False, refuse)
        assert k.cuts_off(np.int32((5 * 6 + 2) * 6 + 2), np.int64((4 * 6 + 2) * 6 + 2), False, state.st,
                          k.lateral_grid(6, 6), 8, *scratch) == refuse
        np.testing.assert_array_equal(state.st, before)
    eng = Engine(state, table, np.zeros((6, 6)), True, track_dead=True, refuse_stranding=True)
    eng.advance(max_events=1)
    assert state.counts[:k.EV_CUT_OFFS].tolist() == [0, 0, 0, 0, 0, 0, 1] and not state.counts[k.EV_CUT_OFFS:].any()
    np.testing.assert_array_equal(state.occupancy, occ)
    eng.verify()


def test_the_labelling_finds_a_cut_the_kernel_did_not_watch():
    """The check of :meth:`Engine.verify` can fail: a dimer on a two-atom pillar loses the pillar's
    top atom with dead-Li tracking off; the full labelling finds exactly the dimer cut off."""
    occ = _bare((8, 8, 8))
    occ[1, 4, 4] = occ[2, 4, 4] = m.CRYSTAL
    occ[3, 4, 4] = occ[3, 4, 5] = m.CRYSTAL
    eng = _engine(occ, hops=False, track_dead=False)
    eng.dissolve((2 * 8 + 4) * 8 + 4)
    assert eng.state.n_dead == 0
    assert sorted(eng.disconnected()) == [(3 * 8 + 4) * 8 + 4, (3 * 8 + 4) * 8 + 5]


def test_atoms_that_fall_side_by_side_onto_dead_li_are_dead():
    """A dissolution leaves two atoms unbound (one above the site, one beside it); they fall down
    their columns onto two dead atoms and land next to each other: each touches Li, but neither
    reaches the collector, so both are dead (a search from each, not only a look at its neighbours)."""
    occ = _bare((9, 8, 8))
    occ[1:6, 2, 4] = m.CRYSTAL  # a pillar, joined by a bridge to the site that dissolves
    occ[5, 3, 4] = occ[5, 4, 4] = m.CRYSTAL
    occ[6, 4, 4] = occ[5, 4, 5] = m.CRYSTAL  # bound only to (5, 4, 4)
    occ[2, 4, 4] = occ[2, 4, 5] = k.DEAD
    eng = _engine(occ, hops=False)
    eng.dissolve((5 * 8 + 4) * 8 + 4)
    s = eng.state
    assert s.counts[k.EV_FALL] == 2 and s.counts[k.EV_DEAD] == 2
    assert s.occupancy[3, 4, 4] == s.occupancy[3, 4, 5] == k.DEAD
    np.testing.assert_array_equal(s.counts[k.EV_CUT_OFFS:], [0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0])  # one cut-off of 2,
    # in a dissolution: none after moves
    assert eng.disconnected().size == 0
    eng.verify()


def _cap_on_stem():
    """A 3 x 3 cap at z = 3 on a two-atom stem at (y, x) = (4, 4): a hop of the stem's upper atom
    to a site below another cap atom keeps the moved atom on the cap but leaves the cap without a
    Li path to the collector."""
    occ = _bare((8, 9, 9))
    occ[1, 4, 4] = occ[2, 4, 4] = m.CRYSTAL
    occ[3, 3:6, 3:6] = m.CRYSTAL
    return occ


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_moves_that_would_cut_li_off_the_collector_are_refused(seed):
    """With dead Li tracked, moves never leave live Li cut off from the collector: the moves that
    would (the stem's upper atom stepping aside) are refused and counted, and no atom turns dead.
    With tracking off, the same dynamics do cut the cap off (the check can fail)."""
    watched = _engine(_cap_on_stem(), seed, deposition=0.0)
    for _ in range(40):
        watched.advance(max_events=50)
        watched.verify()  # includes: every live atom reaches the collector
    s = watched.state
    assert s.counts[k.EV_REFUSED] > 0 and s.n_dead == 0 and s.n_atoms == 11
    unwatched = _engine(_cap_on_stem(), seed, deposition=0.0, track_dead=False)
    cut = 0
    for _ in range(40):
        unwatched.advance(max_events=50)
        cut += unwatched.disconnected().size > 0
    assert cut > 0 and unwatched.state.counts[k.EV_REFUSED] == 0


# ----------------------------------------------------------------------------- the narrow-gap contact


def _pair_over_a_gap():
    """A crystalline film on the collector (z = 1), a stem atom on it at (2, 6, 6) and a pair at
    (3, 6, 6), (3, 6, 7) on the stem: dissolving the stem leaves the pair one empty site (two
    lattice spacings) above the film."""
    occ = _bare((8, 12, 12))
    occ[1] = m.CRYSTAL
    occ[2, 6, 6] = occ[3, 6, 6] = occ[3, 6, 7] = m.CRYSTAL
    return occ


@pytest.mark.parametrize("narrow_gap, dead_after_stem", [(False, 2), (True, 0)])
def test_a_pair_one_site_above_the_film_is_dead_only_once_the_gap_is_wider(narrow_gap, dead_after_stem):
    """The stem under the pair dissolves: joined where faces meet, the pair is cut off (2 dead);
    joined across narrow gaps, it is within two spacings of the film atoms under it and stays
    live. Those two film atoms then dissolve: the nearest live Li is then sqrt(5) spacings away,
    and the pair is dead under either rule. No atom falls (the pair holds itself)."""
    eng = _engine(_pair_over_a_gap(), hops=False, narrow_gap=narrow_gap)
    s = eng.state
    eng.dissolve(_site(2, 6, 6))
    assert s.counts[k.EV_DEAD] == dead_after_stem
    eng.verify()
    eng.dissolve(_site(1, 6, 6))
    eng.dissolve(_site(1, 6, 7))
    assert s.counts[k.EV_DEAD] == 2 and s.counts[k.EV_FALL] == 0
    assert s.occupancy[3, 6, 6] == s.occupancy[3, 6, 7] == k.DEAD
    eng.verify()


def _nearest_squared(sites, others):
    """Least squared distance (lattice spacings) between any of ``sites`` and any of ``others``
    ((z, y, x) tuples; the boxes here are wide enough that no distance wraps)."""
    return min(sum((a - b) ** 2 for a, b in zip(u, v)) for u in sites for v in others)


@pytest.mark.parametrize("offset", [(0, 1, 1), (1, 1, 1), (2, 0, 0), (2, 1, 0), (2, 1, 1), (3, 0, 0)])
def test_li_is_joined_across_gaps_of_up_to_two_spacings_and_no_wider(offset):
    """A pillar of four atoms and a pair held by nothing, at ``offset`` from the pillar's top atom
    (squared lengths 2, 3, 4, 5, 6, 9). The full labelling (``Engine.disconnected``) finds the pair
    joined exactly when it is within two spacings of a pillar atom (counted here from the
    coordinates); the pillar's top atom then dissolves, and the kernel marks the pair dead exactly
    when no remaining pillar atom is within two spacings of it."""
    occ = _bare((12, 12, 12))
    occ[1:5, 6, 6] = m.CRYSTAL
    dz, dy, dx = offset
    pair = [(4 + dz, 6 + dy, 6 + dx), (4 + dz, 6 + dy, 7 + dx)]
    for site in pair:
        occ[site] = m.CRYSTAL
    pillar = [(z, 6, 6) for z in range(1, 5)]
    eng = _engine(occ, hops=False, narrow_gap=True)
    assert eng.disconnected().size == (0 if _nearest_squared(pair, pillar) <= 4 else 2)
    if _nearest_squared(pair, pillar) > 4:
        return
    eng.dissolve(_site(4, 6, 6))
    assert eng.state.counts[k.EV_DEAD] == (0 if _nearest_squared(pair, pillar[:3]) <= 4 else 2)
    eng.verify()


def test_a_move_that_carries_the_only_link_out_of_the_gap_is_refused():
    """A pair two layers above an adatom L on a full film, joined to the collector only through L
    (two spacings below it). L hopping sideways away from under the pair (sqrt(5) spacings from it)
    would cut the pair off: refused across narrow gaps; a hop under the pair's other atom keeps
    the link (two spacings): allowed. Joined by faces only, the pair has no link to lose and L,
    an adatom, moves freely (the fast path)."""
    occ = _bare((8, 12, 12))
    occ[1] = m.CRYSTAL
    occ[2, 6, 6] = occ[4, 6, 6] = occ[4, 6, 7] = m.CRYSTAL
    st = KmcState.from_occupancy(occ, 0).st
    n = st.size
    before = st.copy()
    for target, narrow_gap, refused in ((_site(2, 6, 5), True, True), (_site(2, 6, 7), True, False),
                                        (_site(2, 6, 5), False, False)):
        scratch = (np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(1, np.int64),
                   np.empty((3, k.N_GAP), np.int64), narrow_gap, False)
        assert k.cuts_off(np.int32(_site(2, 6, 6)), np.int64(target), False, st, k.lateral_grid(12, 12), 8,
                          *scratch) == refused
        np.testing.assert_array_equal(st, before)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hops_never_leave_li_joined_by_a_gap_cut_off(seed):
    """The geometry above with hops on and no deposition, joined across narrow gaps: after every
    stretch of 50 events every live atom still reaches the collector (``verify``), some moves
    were refused, and no atom is dead."""
    occ = _bare((8, 12, 12))
    occ[1] = m.CRYSTAL
    occ[2, 6, 6] = occ[4, 6, 6] = occ[4, 6, 7] = m.CRYSTAL
    eng = _engine(occ, seed, deposition=0.0, narrow_gap=True)
    for _ in range(40):
        eng.advance(max_events=50)
        eng.verify()
    s = eng.state
    assert s.counts[k.EV_REFUSED] > 0 and s.n_dead == 0


def _falls_away_from_a_gap():
    """A pair P joined to the collector only through an atom A sqrt(3) spacings from it (no face
    or edge shared, so no site word of P changes when A moves); A rests on a pillar of two atoms
    on a full film. The pillar's top atom dissolves: A has no bond left and falls into its site,
    sqrt(6) spacings from P; no search but the one from the site A left
    (``_kernels.sever_vacated``) starts near P."""
    occ = _bare((9, 12, 12))
    occ[1] = m.CRYSTAL
    occ[2:5, 6, 6] = m.CRYSTAL  # the pillar's two atoms, and A
    occ[5, 7, 7] = occ[5, 7, 8] = m.CRYSTAL  # P
    return occ, (3, 6, 6), (3, 6, 6), [(5, 7, 7), (5, 7, 8)]


def _fall_takes_the_last_link():
    """A dimer (o, s) hovering two spacings from a pillar's top; a pair C two spacings from s,
    joined to nothing else. s dissolves: o has no bond left and falls to the collector, so C,
    whose only path ran through s and o, is cut off; the search from s alone finds C's group the
    only one near s (the one-group shortcut, not taken after a fall)."""
    occ = _bare((8, 12, 12))
    occ[1:6, 6, 3] = m.CRYSTAL  # the pillar
    occ[5, 6, 5] = occ[5, 6, 6] = m.CRYSTAL  # o, s
    occ[5, 6, 8] = occ[5, 6, 9] = m.CRYSTAL  # C
    return occ, (5, 6, 6), (1, 6, 5), [(5, 6, 8), (5, 6, 9)]


@pytest.mark.parametrize("geometry", [_falls_away_from_a_gap, _fall_takes_the_last_link])
def test_a_fall_that_takes_the_last_link_across_a_gap_leaves_the_piece_dead(geometry):
    """Li joined across narrow gaps, hops off: a dissolution leaves an atom unbound, it falls, and
    the pair it alone joined to the collector is cut off: 2 dead, 1 fall, the fallen atom where it
    landed, and the state equal to a rebuild with every live atom joined (``verify``)."""
    occ, dissolved, landed, pair = geometry()
    eng = _engine(occ, hops=False, narrow_gap=True)
    eng.verify()
    eng.dissolve(_site(*dissolved))
    s = eng.state
    assert s.counts[k.EV_FALL] == 1 and s.counts[k.EV_DEAD] == 2
    assert s.occupancy[landed] == m.CRYSTAL and all(s.occupancy[site] == k.DEAD for site in pair)
    eng.verify()


def test_the_gap_labelling_matches_a_direct_search():
    """``engine.gap_clusters`` on random occupancies (periodic 5 x 6 columns, 6 layers) against a
    breadth-first search over every pair of sites within two spacings, the lateral distances
    taken the short way round."""
    rng = np.random.default_rng(7)
    for fill in (0.1, 0.25, 0.4):
        li = rng.random((6, 5, 6)) < fill
        labels, n = gap_clusters(li)
        sites = [tuple(v) for v in np.argwhere(li)]

        def near(u, v):
            dz, dy, dx = abs(u[0] - v[0]), abs(u[1] - v[1]), abs(u[2] - v[2])
            return dz * dz + min(dy, 5 - dy) ** 2 + min(dx, 6 - dx) ** 2 <= 4

        group = {}
        for start in sites:
            if start in group:
                continue
            group[start] = start
            queue = [start]
            while queue:
                u = queue.pop()
                for v in sites:
                    if v not in group and near(u, v):
                        group[v] = start
                        queue.append(v)
        flat = labels.reshape(li.shape)
        assert n == len(set(group.values()))
        for u in sites:
            for v in sites:
                assert (flat[u] == flat[v]) == (group[u] == group[v])
        assert np.all(flat[~li] == -1)


@pytest.mark.parametrize("kwargs, message", [({}, "narrow_gap needs track_dead"),
                                             ({"track_dead": True, "revive_dead": True}, "stays dead and binds"),
                                             ({"track_dead": True, "sei_coated": True}, "stays dead and binds")])
def test_the_engine_refuses_a_narrow_gap_it_cannot_run(kwargs, message):
    """Joining Li across narrow gaps needs dead-Li tracking and dead Li that stays dead and binds
    (an atom left unbound on SEI-coated dead Li could stay live across a gap, with no bond: no
    move or dissolution could take it)."""
    hop, kd = _tables()
    with pytest.raises(ValueError, match=message):
        Engine(KmcState.from_occupancy(_bare((6, 8, 8)), 0), hop, np.ones((8, 8)), True, dissolution=kd,
               narrow_gap=True, **kwargs)
