"""The move test (``_kernels.cuts_off``, its local answers ``_kernels.settled_locally``) and that of
``kmc.stranding_moves = "refused"`` (``cuts_off`` with ``refuse_stranding``) against a direct
reading of the rules (docs/models.md §4.8), written here from them: after the move, each Li
neighbour of the emptied site (in the order +x, -x, +y, -y, +z, -z) that has no neighbour that
binds it falls down its column while the site below is empty; then a breadth-first search over
touching Li from the atoms at z = 1 (periodic in x and y) says which Li reaches the collector."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from multiscale.kmc import _kernels as k
from multiscale.kmc import model as m
from multiscale.kmc.engine import KmcState

LIVE = (m.GLASSY, m.CRYSTAL)
EMPTY = 0


def _neighbours(site, shape):
    """The face neighbours of site (z, y, x) in the lattice of ``shape``, in the kernel's order."""
    z, y, x = site
    nz, ny, nx = shape
    out = [(z, y, (x + 1) % nx), (z, y, (x - 1) % nx), (z, (y + 1) % ny, x), (z, (y - 1) % ny, x)]
    if z + 1 < nz:
        out.append((z + 1, y, x))
    out.append((z - 1, y, x))
    return out


def _binds(occ, site, coated):
    """True when the site holds something that binds Li: Li, substrate, dead Li unless coated."""
    p = occ[site]
    return p != EMPTY and not (coated and site[0] > 0 and p == k.DEAD)


def _reaching(occ):
    """Sites of the Li that a chain of touching Li joins to an atom at z = 1."""
    seen = {s for s in zip(*np.nonzero(np.isin(occ, LIVE))) if s[0] == 1}
    todo = list(seen)
    while todo:
        for n in _neighbours(todo.pop(), occ.shape):
            if n[0] >= 1 and occ[n] in LIVE and n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def _valid_state(seed, coated, shape=(9, 8, 8)):
    """A rough live deposit with live and dead atoms scattered above it, made what the kMC keeps:
    no live atom without a bond that could fall, none cut off from the collector (those are dead)."""
    rng = np.random.default_rng(seed)
    occ = np.zeros(shape, np.uint8)
    occ[0] = m.SUBSTRATE
    for y, x in itertools.product(range(shape[1]), range(shape[2])):
        occ[1 : 1 + rng.integers(0, 4), y, x] = m.CRYSTAL
    inner = occ[1:-1]  # the top layer stays empty (the kMC's room above the deposit)
    draw = rng.random(inner.shape)
    live = (inner == EMPTY) & (draw < 0.25)
    inner[live] = np.where(rng.random(inner.shape) < 0.5, m.GLASSY, m.CRYSTAL)[live]
    inner[(inner == EMPTY) & (draw >= 0.25) & (draw < 0.33)] = k.DEAD
    while True:
        changed = False
        for s in zip(*np.nonzero(np.isin(occ, LIVE))):
            below = (s[0] - 1, s[1], s[2])
            if not any(_binds(occ, n, coated) for n in _neighbours(s, occ.shape)) and occ[below] == EMPTY:
                occ[s] = EMPTY
                changed = True
        reach = _reaching(occ)
        for s in zip(*np.nonzero(np.isin(occ, LIVE))):
            if s not in reach:
                occ[s] = k.DEAD
                changed = True
        if not changed:
            return occ


def _landed_stranded(occ, s, t, coated):
    """Whether an atom that the move s -> t leaves with no bond falls (at least one site) and lands
    where no Li path reaches the collector; and how many fell."""
    occ = occ.copy()
    occ[t], occ[s] = occ[s], EMPTY
    landed = []
    for j in _neighbours(s, occ.shape):
        if j[0] < 1 or occ[j] not in LIVE or any(_binds(occ, n, coated) for n in _neighbours(j, occ.shape)):
            continue
        z = j[0]
        while occ[z - 1, j[1], j[2]] == EMPTY:
            z -= 1
        if z < j[0]:
            occ[z, j[1], j[2]], occ[j] = occ[j], EMPTY
            landed.append((z, j[1], j[2]))
    reach = _reaching(occ)
    return any(site not in reach for site in landed), len(landed)


def _targets(occ, s, coated):
    """(t, stepping) of the empty sites the atom at s could move to with a bond there: faces, and
    one lateral and one vertical step away."""
    z, y, x = s
    nz, ny, nx = occ.shape
    for (dy, dx), dz in itertools.product(((0, 1), (0, -1), (1, 0), (-1, 0)), (0, 1, -1)):
        t = (z + dz, (y + dy) % ny, (x + dx) % nx)
        if not 1 <= t[0] < nz - 1 or occ[t] != EMPTY:
            continue
        after = occ.copy()
        after[t], after[s] = after[s], EMPTY
        if any(_binds(after, n, coated) for n in _neighbours(t, occ.shape)):
            yield t, dz != 0
    if z + 2 < nz and occ[z + 1, y, x] == EMPTY:
        yield (z + 1, y, x), False
    if occ[z - 1, y, x] == EMPTY:
        yield (z - 1, y, x), False


def _moves(coated, shape=(9, 8, 8)):
    """Every move of every live atom on 30 random states of ``shape`` (:func:`_valid_state`,
    :func:`_targets`): (seed, occupancy, its :class:`KmcState`, s, t, stepping, flat s, flat t)."""
    for seed in range(30):
        occ = _valid_state(seed, coated, shape)
        state = KmcState.from_occupancy(occ, 0, coated)
        _, ny, nx = occ.shape
        for s in zip(*np.nonzero(np.isin(occ, LIVE))):
            for t, stepping in _targets(occ, s, coated):
                yield (seed, occ, state, s, t, stepping, np.int32((s[0] * ny + s[1]) * nx + s[2]),
                       np.int64((t[0] * ny + t[1]) * nx + t[2]))


def _keeps_a_bond(occ, s, t, coated):
    """Whether the atom moved s -> t has a neighbour that binds it at t: the moves the kMC makes (a
    hop target has an occupied neighbour besides the mover; ``_targets`` also lists up and down
    moves without one, which let the mover fall)."""
    after = occ.copy()
    after[t], after[s] = after[s], EMPTY
    return any(_binds(after, j, coated) for j in _neighbours(t, occ.shape))


def _cuts_off(state, si, ti, stepping, refuse):
    """``cuts_off`` (faces) for the move si -> ti on ``state``, with fresh scratch; checks that it leaves
    the site words unchanged."""
    before = state.st.copy()
    nz, ny, nx = state.shape
    n = state.st.size
    said = k.cuts_off(si, ti, stepping, state.st, k.lateral_grid(nx, ny), nz, np.zeros(n, np.int32),
                      np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(1, np.int64),
                      np.empty(k.WORK_SHAPE, np.int64), False, refuse)
    np.testing.assert_array_equal(state.st, before)
    return said


def _settled_locally(state, si, ti, stepping):
    """``settled_locally`` (faces) for the move si -> ti on ``state``; checks that it leaves the site
    words unchanged."""
    before = state.st.copy()
    nz, ny, nx = state.shape
    local = k.settled_locally(si, ti, stepping, state.st, k.lateral_grid(nx, ny), nz,
                              np.empty(k.WORK_SHAPE, np.int64), False)
    np.testing.assert_array_equal(state.st, before)
    return local


@pytest.mark.parametrize("coated", [False, True])
def test_the_stranding_refusal_foresees_exactly_the_falls_onto_cut_off_places(coated):
    """On 30 random states, every move of every live atom (~1000-1600 of them let an atom fall):
    ``cuts_off`` with ``refuse_stranding`` is True exactly when it is without (a cut by the move
    itself) or when the direct reading above has an atom fall and land where no Li path reaches;
    the site words are unchanged after each call; on the moves that keep the atom a bond (the kMC's),
    ``settled_locally`` (which takes no refusal), where it answers, gives the direct reading's
    answer with the refusal (a cut by the move, or a fall that strands). Dead Li that binds, and
    SEI-coated."""
    stranding, falls, settled = 0, 0, 0
    for seed, occ, state, s, t, stepping, si, ti in _moves(coated):
        said = [_cuts_off(state, si, ti, stepping, refuse) for refuse in (False, True)]
        stranded, fell = _landed_stranded(occ, s, t, coated)
        if _keeps_a_bond(occ, s, t, coated):
            local = _settled_locally(state, si, ti, stepping)
            if local >= 0:  # read directly, not through cuts_off, which asks settled_locally first
                assert local == (_cut_by_the_move(occ, s, t, coated) or stranded), (seed, s, t, stepping, local)
                settled += 1
        assert said[1] == (said[0] or stranded), (seed, s, t, stepping, said, stranded)
        stranding += said[1] and not said[0]
        falls += fell > 0
    assert stranding > 0 and falls > stranding  # both outcomes of a fall were seen (3 and 12 strand)
    assert settled > 0


def _cut_by_the_move(occ, s, t, coated):
    """Whether the move s -> t leaves a live atom that does not fall (it has a bond, or the site
    below it is not empty) where no Li path reaches the collector."""
    occ = occ.copy()
    occ[t], occ[s] = occ[s], EMPTY
    reach = _reaching(occ)
    for a in zip(*np.nonzero(np.isin(occ, LIVE))):
        falls = not any(_binds(occ, n, coated) for n in _neighbours(a, occ.shape)) \
            and occ[a[0] - 1, a[1], a[2]] == EMPTY
        if not falls and a not in reach:
            return True
    return False


@pytest.mark.parametrize("shape", [(9, 8, 8), (7, 3, 4), (7, 2, 3)], ids=["8x8", "3x4", "2x3"])
@pytest.mark.parametrize("coated", [False, True])
def test_the_move_test_and_its_local_answers_agree_with_the_direct_reading(coated, shape):
    """On 30 random states, every move of every live atom that leaves it a bond at its target (faces,
    no stranding refusal): ``cuts_off`` is True exactly when the direct reading leaves a live atom
    that does not fall without a Li path to the collector; ``settled_locally`` (what the event loop
    asks first), where it answers (1 cut, 0 not), says the same; the site words are unchanged
    after each call. On 8 x 8 columns, and on 3 x 4 and 2 x 3, where opposite neighbours share
    sites and the corners wrap. Each answer of each rule occurs (counted: the lone atom's 0 and 1,
    one group's 0, not settled), so every branch is checked; the lone atom's 1 (bound at its target
    to dead Li alone, which binds only uncoated) only without SEI-coated dead Li."""
    outcomes = {("lone", 0): 0, ("lone", 1): 0, ("group", 0): 0, ("group", 1): 0, ("group", -1): 0}
    for seed, occ, state, s, t, stepping, si, ti in _moves(coated, shape):
        if not _keeps_a_bond(occ, s, t, coated):
            continue  # not a move the kMC makes
        expected = _cut_by_the_move(occ, s, t, coated)
        local = _settled_locally(state, si, ti, stepping)
        assert _cuts_off(state, si, ti, stepping, False) == expected, (seed, s, t, stepping)
        assert local in (-1, int(expected)), (seed, s, t, stepping, local)
        outcomes["lone" if state.st[si] & k.NOCC_MASK == k.N_UNIT else "group", int(local)] += 1
    assert outcomes["lone", 0] > 0 and outcomes["group", 0] > 0 and outcomes["group", -1] > 0, outcomes
    assert (outcomes["lone", 1] == 0) == coated and outcomes["group", 1] == 0, outcomes
