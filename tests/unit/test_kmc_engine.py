"""kMC engine: incremental bookkeeping, reproducibility, resumption, rules, alias sampling."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from multiscale.kmc import _kernels as k
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState, alias_table, class_index, class_table, hop_classes

A = 2.786e-10  # m


def _engine(seed=1, shape=(16, 16, 16), ballistic=True, e_bond=0.045, scale_to=1e3, layers=0, heated=False, es=0.05):
    """Deposition at 10 A/m^2 and 300 K; ``heated``: columns 0-200 K hotter at the top (3 sites
    up); step moves with an Ehrlich-Schwoebel barrier ``es`` (eV, None: none)."""
    energetics = m.HopEnergetics(1e13, 0.26, 0.21, e_bond, 0.5, 0.0 if es is None else es)
    table = m.rate_table(energetics, 300.0)
    dep = m.deposition_rates(np.full(shape[1:], 10.0), A)
    table = m.rate_table(energetics, 300.0, m.hop_rate_scale(table, dep.mean(), scale_to))
    state = KmcState.flat(shape, seed, layers=layers)
    rise = np.random.default_rng(seed).uniform(0.0, 200.0, shape[1:])
    heating = m.LocalHeating(300.0, rise, 3.0, energetics) if heated else None
    return Engine(state, table, dep, ballistic, heating=heating,
                  step_factor=0.0 if es is None else energetics.step_factor(300.0))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("ballistic", [True, False])
@pytest.mark.parametrize("e_bond", [0.02, 0.1])
@pytest.mark.parametrize("heated", [False, True])
def test_incremental_state_matches_rebuild(seed, ballistic, e_bond, heated):
    eng = _engine(seed, ballistic=ballistic, e_bond=e_bond, heated=heated)
    eng.advance(max_events=30_000)
    state = eng.state
    # every kind of event happened
    assert state.counts[k.EV_DEPOSIT] > 20 and state.counts[k.EV_HOP] > 1000 and state.counts[k.EV_STEP] > 100
    eng.verify()
    assert state.n_atoms == state.counts[k.EV_DEPOSIT]  # no atom created or lost by hops and falls


def test_same_seed_same_run_other_seed_other_run():
    a, b, c = _engine(5), _engine(5), _engine(6)
    for eng in (a, b, c):
        eng.advance(max_events=20_000)
    assert np.array_equal(a.state.occ, b.state.occ) and a.state.clock[0] == b.state.clock[0]
    assert not np.array_equal(a.state.occ, c.state.occ)


@pytest.mark.parametrize("heated", [False, True])
def test_resumed_run_is_bit_identical(heated):
    straight = _engine(9, heated=heated)
    straight.advance(max_events=20_000, t_end=0.5)
    straight.advance(max_events=20_000)
    first = _engine(9, heated=heated)
    first.advance(max_events=20_000, t_end=0.5)
    saved = copy.deepcopy(first.state)  # what a checkpoint holds
    resumed = _engine(9, heated=heated)  # a fresh engine with the same rates ...
    resumed.state = saved  # ... continuing from the checkpointed state
    resumed.advance(max_events=20_000)
    for name in ("st", "rng", "clock", "counts", "top", "slot", "members", "class_start", "mobile", "tree"):
        assert np.array_equal(getattr(straight.state, name), getattr(resumed.state, name)), name


@pytest.mark.parametrize("heated, layers, scale_to", [(False, 2, 1e3), (True, 0, 10.0)])
def test_run_does_not_depend_on_how_its_events_are_split_into_calls(heated, layers, scale_to):
    """Falls (part of a move, not events) and hop-list growth inside a call do not shift the event
    budget: 20 000 events in one call and in calls of 1 and 997 end in the same state. The cases
    are chosen so that the lists grow after falls have happened (counted, asserted)."""
    def engine():
        eng = _engine(11, shape=(16, 48, 48), layers=layers, heated=heated, e_bond=0.02, scale_to=scale_to)
        grow, eng.grows = eng._grow, []
        eng._grow = lambda *a: (eng.grows.append(eng.state.counts[k.EV_FALL]), grow(*a))
        return eng

    engines = [engine() for _ in range(3)]
    engines[0].advance(max_events=20_000)
    for eng, chunk in zip(engines[1:], (1, 997)):
        while eng.state.events < 20_000:
            eng.advance(max_events=min(chunk, 20_000 - eng.state.events))
    assert engines[0].state.events == 20_000 and max(engines[0].grows) > 0  # a growth after a fall
    for eng in engines[1:]:
        for name in ("st", "rng", "clock", "counts", "slot", "members", "class_size", "mobile", "tree"):
            assert np.array_equal(getattr(engines[0].state, name), getattr(eng.state, name)), name


def test_class_lists_grow_in_order_and_take_memory_in_proportion_to_their_atoms():
    """Laying the n-fold lists out anew keeps every class's atoms in order, gives each class room,
    and the lists hold 2 int32 per listed atom plus a fixed 350 x 512, not 350 x the largest class."""
    eng = _engine(12, shape=(16, 48, 48), layers=2)
    eng.advance(max_events=30_000)
    s = eng.state
    before = [s.members[s.class_start[c] : s.class_start[c] + s.class_size[c]].copy() for c in range(k.N_CLASSES)]
    eng._grow()
    after = [s.members[s.class_start[c] : s.class_start[c] + s.class_size[c]] for c in range(k.N_CLASSES)]
    assert all(np.array_equal(x, y) for x, y in zip(before, after))
    assert (np.diff(s.class_start) - s.class_size).min() >= 2 * k.CLASS_HEADROOM
    eng.verify()
    listed = int(s.class_size.sum())
    assert s.members.size == 2 * listed + k.N_CLASSES * 2 * k.CLASS_HEADROOM
    assert s.members.size < k.N_CLASSES * int(s.class_size.max())


def test_time_stop_is_exact():
    eng = _engine(3)
    status = eng.advance(t_end=0.25)
    assert status == k.ST_TIME and eng.state.clock[0] == 0.25


def test_deposit_target_and_full_box():
    eng = _engine(4)
    assert eng.advance(max_deposits=100) == k.ST_DEPOSITS and eng.state.counts[0] == 100
    small = _engine(4, shape=(4, 4, 4), scale_to=0.0)
    assert small.advance() == k.ST_FULL
    assert small.state.top.max() == 2  # never fills the top layer


def test_arrival_rules():
    occ = np.zeros((6, 4, 4), np.uint8)
    occ[0] = m.SUBSTRATE
    occ[1:4, 1, 1] = m.CRYSTAL  # a 3-high pillar at (y, x) = (1, 1)
    state = KmcState.from_occupancy(occ, 0)
    col = 1 * 4 + 2  # the column next to the pillar
    grid = k.lateral_grid(4, 4)
    assert k.arrival_height(col, True, state.top, grid) == 3  # ballistic: sticks beside the pillar top
    assert k.arrival_height(col, False, state.top, grid) == 1  # column top: lands on the substrate


def test_detached_atom_falls():
    occ = np.zeros((5, 5, 5), np.uint8)
    occ[0] = m.SUBSTRATE
    occ[1, 2, 2] = m.CRYSTAL  # A on the substrate
    occ[2, 2, 2] = m.CRYSTAL  # B on A: its only bond; B cannot hop (no attached target)
    state = KmcState.from_occupancy(occ, 0)
    assert (state.st[(2 * 5 + 2) * 5 + 2] >> 5) & 7 == 0 and (state.st[(1 * 5 + 2) * 5 + 2] >> 5) & 7 == 4  # valid targets
    table = np.zeros((4, 7))
    table[m.CRYSTAL, 2] = 1.0
    eng = Engine(state, table, np.zeros((5, 5)), ballistic=True)  # no step moves
    eng.advance(max_events=1)
    assert state.counts[:k.EV_CUT_OFFS].tolist() == [0, 1, 1, 0, 0, 0, 0] and not state.counts[k.EV_CUT_OFFS:].any()
    assert np.count_nonzero(state.occupancy[1] == m.CRYSTAL) == 2 and not state.occupancy[2].any()
    eng.verify()


def test_alias_table_reproduces_the_weights_exactly():
    w = np.random.default_rng(0).random(257) ** 3
    w[[3, 77]] = 0.0
    prob, alias = alias_table(w)
    implied = prob.copy()
    np.add.at(implied, alias, 1.0 - prob)
    np.testing.assert_allclose(implied / w.size, w / w.sum(), atol=1e-12)
    with pytest.raises(ValueError):
        alias_table(np.array([1.0, -1.0]))


def test_class_rates_scale_with_targets_and_step_moves():
    table = np.zeros((4, 7))
    table[m.GLASSY, 2] = 3.0
    rates = class_table(table, 0.25)
    assert rates[0, class_index(m.GLASSY, 2, 4)] == 12.0 and rates[0, class_index(m.CRYSTAL, 2, 4)] == 0.0
    c = class_index(m.GLASSY, 2, 1, 2)  # one hop target, two step moves at a quarter of the rate
    assert rates[0, c] == pytest.approx(3.0 * 1.5) and rates[1, c] == pytest.approx(3.0 * 0.5)


def test_seed_state_is_splitmix64():
    # reference values of splitmix64 for seed 0 (Vigna's published generator)
    assert k.seed_state(0)[0] == np.uint64(0xE220A8397B1DCDAF)


def _words():
    """Every site word whose fields can occur: lateral edge sites + occupied laterals <= 4."""
    f = np.stack(np.meshgrid(np.arange(4), np.arange(7), np.arange(7), np.arange(5), np.arange(2), np.arange(2),
                             np.arange(5), indexing="ij"), axis=-1).reshape(-1, 7)
    f = f[f[:, 3] + f[:, 6] <= 4]
    word = f[:, 0] | f[:, 1] << 2 | f[:, 2] << 5 | f[:, 3] << 8 | f[:, 4] << 11 | f[:, 5] << 12 | f[:, 6] << 13
    return word.astype(np.uint16), f


@pytest.mark.parametrize("heated", [False, True])
def test_hop_class_of_every_site_word(heated):
    """The kernel's class of a word (numba) and the vectorised one agree on every possible word.
    The per-site list (``heated``) files a word exactly when it is Li with 1-5 neighbours and a hop
    target or a step move, where the step moves are (below occupied) x (edge sites) + (up-edge) x
    (occupied laterals); the n-fold lists file every Li atom with 1-5 neighbours (any can dissolve)."""
    words, f = _words()
    kernel = np.array([k.hop_class(v, heated) for v in words])
    assert np.array_equal(kernel, hop_classes(words, heated))
    occ, n, t = f[:, 0], f[:, 1], f[:, 2]
    steps = f[:, 5] * f[:, 3] + f[:, 4] * f[:, 6]
    mover = (t + steps >= 1) if heated else True
    assert np.array_equal(kernel >= 0, np.isin(occ, [m.GLASSY, m.CRYSTAL]) & (n >= 1) & (n <= 5) & mover)
    assert np.array_equal(kernel[kernel >= 0], class_index(occ, n, t, steps)[kernel >= 0])
    assert kernel.max() < k.N_CLASSES


def test_step_moves_over_an_island_edge_go_both_ways():
    """An adatom on the edge of a one-layer island steps down beside it; from there the step
    move back up is the only move: the pair is each other's reverse."""
    occ = np.zeros((5, 4, 6), np.uint8)
    occ[0] = m.SUBSTRATE
    occ[1, :, :3] = m.SUBSTRATE  # an upper terrace x = 0..2 (periodic: edges at x = 2 | 3 and 0 | 5)
    occ[2, 1, 2] = m.CRYSTAL  # adatom on the upper terrace at its edge
    state = KmcState.from_occupancy(occ, 0)
    word = int(state.st[(2 * 4 + 1) * 6 + 2])
    assert k.step_moves(word) == 1 and (word >> 5) & 7 == 3  # down over the edge site (2, 1, 3); 3 terrace hops
    table = np.zeros((4, 7))
    table[m.CRYSTAL, 1:3] = 1.0
    eng = Engine(state, table, np.zeros((4, 6)), ballistic=True, step_factor=1.0)
    grid = k.lateral_grid(6, 4)
    downs = ups = 0
    for _ in range(400):
        before = state.occupancy.copy()
        steps_before = int(state.counts[k.EV_STEP])
        eng.advance(max_events=1)
        src = tuple(np.argwhere((before == m.CRYSTAL) & (state.occupancy != m.CRYSTAL))[0])
        dst = tuple(np.argwhere((state.occupancy == m.CRYSTAL) & (before != m.CRYSTAL))[0])
        if state.counts[k.EV_STEP] == steps_before:
            continue
        # a second neighbour over one of the two edges (x = 2 | 3, and x = 0 | 5 across the boundary)
        assert abs(src[0] - dst[0]) == 1 and src[1] == dst[1] and (src[2] - dst[2]) % 6 in (1, 5)
        downs += dst[0] < src[0]
        ups += dst[0] > src[0]
        # the reverse move is among the step moves of the atom where it landed
        word = int(state.st[(dst[0] * 4 + dst[1]) * 6 + dst[2]])
        back = {k.step_target(dst[0], dst[1] * 6 + dst[2], word, c, state.st, grid, 5) for c in range(k.step_moves(word))}
        assert (src[0], src[1] * 6 + src[2]) in back
    eng.verify()
    assert downs > 20 and ups > 20


@pytest.mark.parametrize("ny, nx", [(1, 1), (3, 5), (7, 2), (64, 64), (645, 211)])
def test_lateral_neighbours_wrap_periodically(ny, nx):
    """The computed lateral neighbours equal (y, x) +- 1 modulo the grid, for every column."""
    grid = k.lateral_grid(nx, ny)
    y, x = np.divmod(np.arange(ny * nx), nx)
    expected = [y * nx + (x + 1) % nx, y * nx + (x - 1) % nx, ((y + 1) % ny) * nx + x, ((y - 1) % ny) * nx + x]
    for d in range(4):
        got = np.array([k.laterals(c, grid)[d] for c in range(ny * nx)])
        assert np.array_equal(got, expected[d]), d


@pytest.mark.parametrize("ny, nx, nz", [(1, 1, 7), (3, 5, 4), (645, 211, 3), (4096, 4096, 127), (4091, 4093, 128)])
def test_site_layer_and_column_by_multiplication_are_exact(ny, nx, nz):
    """z and the column of a flat site index, computed by a multiplication, equal divmod(i, nx ny)
    at every multiple of nx ny and its neighbours, and at random sites, up to the lattice top."""
    grid = k.lateral_grid(nx, ny)
    nxy = nx * ny
    z = np.arange(nz)
    sites = np.concatenate([z * nxy, z * nxy + nxy - 1, z * nxy + 1,
                            np.random.default_rng(0).integers(0, nz * nxy, 2000)])
    sites = sites[(sites >= 0) & (sites < nz * nxy)]
    got = np.array([k.site_zc(int(i), grid) for i in sites])
    assert np.array_equal(got, np.stack(np.divmod(sites, nxy), axis=1))


@pytest.mark.parametrize("bad", [np.full(7, 0.5), np.linspace(1.0, 0.0, 7), np.ones(6),
                                 np.r_[1.0, 0.2, 0.5, 0.1, 0.1, 0.1, 0.1]])
def test_an_uphill_acceptance_that_is_not_a_decreasing_probability_is_refused(bad):
    """The bond-lift's acceptance exp(-lambda g dn): 1 at dn = 0, in (0, 1], non-increasing, 7 entries."""
    with pytest.raises(ValueError, match="uphill_acceptance"):
        Engine(KmcState.flat((6, 8, 8), 0, layers=2), np.zeros((4, 7)), np.zeros((8, 8)), ballistic=False,
               uphill_acceptance=bad)


def test_prefetch_changes_no_value_and_emits_a_prefetch_instruction():
    """``_kernels.prefetch`` (the hint ``relist`` gives before it reads the touched sites' slots)
    compiles to the CPU's prefetch instruction (x86 ``prefetch*``, Arm ``prfm``) and leaves every
    value as it was: the gather after it reads what a plain gather reads."""
    import re

    import numba

    @numba.njit
    def gather(a, idx):
        for q in range(idx.size):
            k.prefetch(a, idx[q])
        total = 0
        for q in range(idx.size):
            total += a[idx[q]]
        return total

    a = np.arange(5000, dtype=np.int32) * 3 - 7
    idx = np.array([4999, 0, 1234, 1234, 17])
    before = a.copy()
    assert gather(a, idx) == int(a[idx].sum())
    assert np.array_equal(a, before)
    assert re.search(r"\b(prefetch\w*|prfm)\b", gather.inspect_asm(gather.signatures[0]))
