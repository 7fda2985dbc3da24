"""Numba kernels of the kMC stage: the only numba code in the package. Plain arrays in and out.

Site word (flat index i = (z * ny + y) * nx + x, N = nz * ny * nx sites): 16 bits a site,

    st[i] = occupancy | occupied neighbours << 2 | valid hop targets << 5 | edge sites << 8
            | up-edge << 11 | below occupied << 12 | occupied lateral neighbours << 13     (uint16[N])

(bits 8-11 of an empty site instead hold the XOR of the codes d + 1 of the directions d = 0..5
of its occupied neighbours: for an edge site that is the direction of its one neighbour, found
in O(1) when the site's status flips; bit 8 of a dead atom, ``DEAD_CRYSTAL``, that it died
crystalline, bit 9, ``DEAD_SEI``, that it is SEI-coated)

with occupancy EMPTY 0, GLASSY 1, CRYSTAL 2, SUBSTRATE 3 (constants of ``model``); occupied nearest
neighbours 0..6 (here and in every count below, "occupied" means a site that binds Li,
:func:`bonds`: Li, substrate, and dead Li unless it is SEI-coated); valid targets 0..6 (empty
neighbours with at least two occupied neighbours: a hop there stays attached); and, for the step
moves over an edge, an *edge site* is an empty site with exactly one occupied neighbour (it would
be a hop target only for that atom, which it would leave hanging): edge sites = lateral neighbours
of an atom that are edge sites (0..4, kept for atoms only), up-edge = the site above an atom is an
edge site (atoms only), below occupied = the site below is occupied, occupied lateral neighbours
0..4 (every site).

Step moves (Ehrlich-Schwoebel, second neighbours over an edge, both directions): an atom resting
on an occupied site steps *down* over each lateral edge site m to the site below m; an atom
whose site above is an edge site m steps *up* over m onto the site above each occupied lateral
neighbour. The two are each other's reverse (the same intermediate m), so with the barrier
E_hop + n E_bond + E_ES of the initial coordination n detailed balance holds. The number of step
moves of an atom is D = below occupied x edge sites + up-edge x occupied laterals (0..4). With
SEI-coated dead Li the target can hold dead Li (a site next to m that m's counts leave out): that
attempt is rejected, a null event.

Every event updates these fields incrementally: only sites next to a change, and the atom
next to an edge site whose status flipped, are touched. ``slot`` int32[N] says where a site is
filed: -1 nowhere, else (class << 22) | index in that class's list (n-fold) or in the list of
all atoms that can hop (sum tree); one array, so a touched site costs one cache line more, not two.

Hop classes: class c = ((phase - 1) * 5 + (n - 1)) * 35 + m * 5 + D for phase in {1, 2}, n in 1..5
occupied neighbours, m in 0..6 targets and D in 0..4 step moves (:func:`hop_class`, read off the
word; the n-fold lists file the atoms with m + D = 0 too, at rate 0, so that any surface atom can
dissolve; the per-site list only those with m + D >= 1). At the bath temperature an atom of class c attempts moves at
``rates[0, c]`` = m k[phase, n] + D k[phase, n] exp(-E_ES / k_B T) (every attempt a move, unless the bond-lift
scaling lifts k and rejects some: ``run_events``' ``uphill``), of which ``rates[1, c]`` by step moves;
``rates[2, c]`` = E_hop(phase) + n E_bond is the activation energy of its nearest-neighbour hops
(step moves: + E_ES). Two selection schemes:

- n-fold way (uniform temperature): ``members`` int32[cap] lists the atoms of each class c in
  its own block ``members[class_start[c]:class_start[c + 1]]`` (``class_start`` int64[351]; each
  block sized to its class, so the lists take ~2 int32 per atom that can hop, not 350 x the
  largest class), ``class_size`` int64[350] counts them; a class is chosen by its total rate, a
  member uniformly.
- per-site rates (local heating): ``mobile`` int32[cap] lists every atom that can hop; an atom
  at site i leaves at (rates[0, c] - rates[1, c]) exp(-E dB) + rates[1, c] exp(-(E + E_ES) dB)
  with dB = 1 / (k_B T_i) - 1 / (k_B T_bath) at the site temperature T_i of
  :func:`site_delta_beta` (``model.site_temperature``).

Both select through an 8-ary sum tree ``tree`` float64 (8 children = one cache line, so an
update touches ~log8(P) lines rather than log2(P)): node q (stored at ``tree[7 + q]``; the first
7 elements are padding that aligns every block of children) has children 8 q + 1 ... 8 q + 8 and
parent (q - 1) // 8; node 0 is the root and the P = 8^L leaves come last (:func:`leaf_start`),
holding the total rate of class k (n-fold) or the rate of the atom in slot k; every other node
holds the sum of its children. A change of a leaf is added to its ancestors (round-off stays
~1e-16 of the largest rate, far below any physical rate); :func:`grow_tree` recomputes the sums.
``n_mobile`` int64[2] holds the number of atoms filed and, for the sum tree, the largest
list size so far, for the n-fold lists the least free room any class has had since they were laid
out (``MAX_LIST`` until an atom is filed); either way, the lists grow before an event could
overfill them.

Columns: ``top`` int32[ny * nx] is the highest occupied z of each column (substrate: 0);
``grid`` describes the periodic lateral grid (:func:`lateral_grid`).
Deposition picks a column from a Walker alias table (``alias_prob``, ``alias_idx``), O(1).

Random numbers: xoshiro256** on a uint64[4] state that the caller keeps, so a run is
reproducible bit for bit and can be checkpointed and resumed.

Dissolution (stripping; :mod:`.dissolution` has the rates): a surface atom leaves the lattice as
an ion. Galvanostatic one-way: a fixed total rate, the atom drawn by its class's rate;
potentiostatic: every atom at its own rate, and ions reduced on every eligible empty site, its
reverse (:func:`exchange_site`); galvanostatic reversible: both branches at the overpotential that
carries the net current, solved before every event (:func:`exchange_split`) from the eligible
sites and the dissolution rates, both kept incrementally (:func:`recheck_eligible`,
:func:`update_weighted_anodic`). Dead Li: Li that a dissolution cut off from the collector becomes
occupancy DEAD (= SUBSTRATE above layer 0): still occupied, never filed, so it neither moves nor
dissolves, and ions are not reduced on it (:func:`sever`, :func:`reducible`); with revival on,
dead Li that live Li touches again is live again (:func:`revive`), or only within the SEI's
passivation time of its death (the passivation clock; ``dead_since``); SEI-coated dead Li
(``DEAD_SEI``) stays dead and binds no Li (:func:`kill`, :func:`bonds`). While dead Li is
tracked, a move that would cut Li off the collector is refused (:func:`cuts_off`).

Status codes returned by :func:`run_events`: 0 event budget used, 1 end time reached,
2 deposit target reached, 3 a hop list is nearly full, or a dead cluster waits for room in one to
be revived, or dead atoms to be SEI-coated (grow them and call again),
4 the deposit reached the top of the box, 5 nothing can happen (all rates zero),
6 dissolution target reached, 7 stripping cut-off (one-way: the atoms' summed dissolution rate fell
below the floor; reversible: the anodic factor passed the cut-off, or nothing is left to dissolve),
8 no column (with the exchange: no site) can reduce an ion (dead Li covers the electrode).
Event counts: deposits, nearest-neighbour hops, falls, step moves, dissolutions, atoms marked dead,
null events (moves refused because they would cut Li off the collector, step moves onto SEI-coated
dead Li, which the counts of the edge site they pass over leave out, rejected reduction
proposals of the exchange, :func:`exchange_site`, dissolutions a non-uniform field's thinning
rejected, and moves that lose bonds the bond-lift scaling rejected, ``run_events``' ``uphill``) (a fall
is part of the event that left its atom unbound: the event budget ``max_events`` counts loop passes, i.e. deposits,
dissolutions, moves and null events); then the clusters cut off from the collector (each call of
:func:`kill`) in each size bin of ``CUT_OFF_EDGES``, and then the atoms in them, bin by bin (so the
atoms of the bins add up to the atoms marked dead); last, how many of those atoms were marked dead
in events that were moves (hops and step moves: atoms the move left unbound fell onto dead Li, or
with ``narrow_gap`` Li lost its only path through a fallen atom's site).

Reference counting: numba counts the references to every array a compiled function receives,
with an atomic increment and decrement of the array's count for each argument of each call and
each inlined helper, unless its pruning pass removes the pair; in the event loop it leaves most
of them, and they took ~40 % of a plating run's samples (measured with ``perf``, docs/performance.md).
The arrays are the caller's and outlive every call, so the event loop (:func:`run_events`) and
every kernel it calls are compiled without numba's runtime (``_nrt=False``, a private numba option:
check it when numba is upgraded; no counting, and no allocation, which then fails to compile);
they take their scratch from the caller (:func:`event_scratch`, ``work``, ``WORK_SHAPE``). Each
such kernel states the flag, and ``error_model="numpy"`` (no zero-division checks): a kernel that
does not state an option takes it from the first kernel whose compile reaches it, which would make
its code depend on the order of the calls (``tests/unit/test_kmc_kernels_nrt.py`` checks them).
Kernels that only Python calls (:func:`coat_all`, :func:`revive_all`, ...) keep the runtime;
Python callers of the others pass the scratch (``Engine.dissolve``).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ..constants import K_B_EV

EMPTY, GLASSY, CRYSTAL, SUBSTRATE = 0, 1, 2, 3
N_CLASSES = 350
TREE_ARITY = 8  # children of a sum-tree node: 8 float64 = one 64-byte cache line
SLOT_BITS = 22  # list index bits of ``slot``; class above them (349 << 22 | index < 2^31)
SLOT_MASK = (1 << SLOT_BITS) - 1
MAX_LIST = 1 << SLOT_BITS  # longest hop list ``slot`` can index
TREE_PAD = TREE_ARITY - 1  # leading unused elements, so that every block of 8 children is line-aligned
CLASS_HEADROOM = 256  # free slots every hop list must have before an event (an event re-files < 200 atoms)
COAT_ROOM = 64  # free slots every hop list must have to coat one dead atom (:func:`_coat_one` re-files < 60)
N_UNIT, T_UNIT, E_UNIT, U_BIT, B_BIT, L_UNIT = 4, 32, 256, 2048, 4096, 8192  # fields of the site word
OCC_MASK, NOCC_MASK = 3, 0x1C
MAX_STEPS = 4  # step moves of one atom, at most
MAX_BONDS = 6  # occupied nearest neighbours of a site, at most

ST_EVENTS, ST_TIME, ST_DEPOSITS, ST_GROW, ST_FULL, ST_FROZEN = 0, 1, 2, 3, 4, 5
ST_DISSOLVED, ST_CUTOFF, ST_PASSIVATED = 6, 7, 8
EV_DEPOSIT, EV_HOP, EV_FALL, EV_STEP, EV_DISSOLVE, EV_DEAD, EV_REFUSED = 0, 1, 2, 3, 4, 5, 6
#: Lower edges (atoms) of the size bins of cut-off clusters counted at :func:`kill`: 1, 2-3, 4-10, 11-100, > 100.
CUT_OFF_EDGES = (1, 2, 4, 11, 101)
EV_CUT_OFFS = EV_REFUSED + 1  # counts[EV_CUT_OFFS + b]: clusters cut off in size bin b
EV_CUT_ATOMS = EV_CUT_OFFS + len(CUT_OFF_EDGES)  # counts[EV_CUT_ATOMS + b]: the atoms in them
EV_DEAD_MOVES = EV_CUT_ATOMS + len(CUT_OFF_EDGES)  # atoms marked dead in move events (falls after a move)
N_COUNTS = EV_DEAD_MOVES + 1
DEAD = SUBSTRATE  # occupancy code of dead Li above the substrate layer: occupied, inert, never filed
DEAD_CRYSTAL = 1 << 8  # in a dead atom's word (step fields clear): it died crystalline (:func:`revive`)
DEAD_SEI = 1 << 9  # in a dead atom's word: SEI-coated, it binds no Li (not counted as a neighbour: :func:`bonds`)

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _gap_shell():
    """The sites within two lattice spacings of a site (the narrow-gap contact, :func:`sever`):
    offsets (dz, dy, dx), int64[32, 3], downward last (a depth-first search pops them first), and
    for each the bit mask of the others within two spacings of it, int64[32]."""
    offsets = sorted(((dz, dy, dx) for dz in range(-2, 3) for dy in range(-2, 3) for dx in range(-2, 3)
                      if 0 < dz * dz + dy * dy + dx * dx <= 4), key=lambda o: -o[0])
    shell = np.array(offsets, np.int64)
    links = np.zeros(len(offsets), np.int64)
    for a in range(len(offsets)):
        for b in range(len(offsets)):
            if a != b and int(((shell[a] - shell[b]) ** 2).sum()) <= 4:
                links[a] |= 1 << b
    return shell, links


GAP_SHELL, GAP_LINKS = _gap_shell()
N_GAP = GAP_SHELL.shape[0]
WORK_SHAPE = (4, max(N_GAP, COAT_ROOM))  # ``work``: rows 0-2 group <= N_GAP sites; row 3, the sites a coat re-files
TOUCHED_SIZE = 2048  # ``touched``: the sites whose word an event changed (<= 14 changes x ~60 sites)
FACE_ORDER = (4, 0, 1, 2, 3, 5)  # the face neighbours in search order: pushed last, popped first: down
DOWN_FIRST = (5, 0, 1, 2, 3, 4)  # the lone atom's target, looked around: on a terrace the Li is below


# ----------------------------------------------------------------------------- random numbers


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, inline="always")
def next_u64(state):
    """xoshiro256** (Blackman & Vigna 2018): next 64-bit output; advances ``state`` in place."""
    result = _rotl(state[1] * np.uint64(5), 7) * np.uint64(9)
    t = state[1] << np.uint64(17)
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = _rotl(state[3], 45)
    return result


@njit(cache=True, inline="always")
def next_uniform(state):
    """Uniform double in [0, 1) with 53 random bits."""
    return float(next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def next_below(state, n):
    """Uniform integer in [0, n)."""
    return int(next_uniform(state) * n)


def seed_state(seed: int) -> np.ndarray:
    """xoshiro256** state from an integer seed through splitmix64 (plain Python, exact)."""
    mask = (1 << 64) - 1
    x = seed & mask
    out = []
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & mask
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return np.array(out, dtype=np.uint64)


# ----------------------------------------------------------------------------- geometry
#
# Columns col = y * nx + x of an (ny, nx) periodic grid. ``grid`` = float64[4] (nx, ny, 1 / nx,
# 1 / (nx ny)) (:func:`lateral_grid`): the lateral neighbours are computed, not looked up, because
# a table (20 bytes a column) costs a cache miss per column on large lattices, and quotients are
# taken by a multiplication, not an integer division (tens of cycles): y = floor((col + 0.5) / nx)
# and z = floor((i + 0.5) / (nx ny)) are exact, since i + 0.5 < 2^31 sits 0.5 from every multiple
# of the divisor while the product's round-off is below 2^31 x 2^-52 of one unit.


def lateral_grid(nx: int, ny: int) -> np.ndarray:
    """``grid`` for an (ny, nx) periodic grid of columns."""
    if not (0 < nx < 2**24 and 0 < ny < 2**24):
        raise ValueError(f"grid of {ny} x {nx} columns out of range")
    return np.array([float(nx), float(ny), 1.0 / nx, 1.0 / (nx * ny)])


@njit(cache=True, inline="always")
def n_columns(grid):
    """ny * nx."""
    return int(grid[0]) * int(grid[1])


@njit(cache=True, inline="always")
def site_zc(i, grid):
    """(z, column) of the site with flat index i."""
    z = int((i + 0.5) * grid[3])
    return z, i - z * n_columns(grid)


@njit(cache=True, inline="always")
def laterals(col, grid):
    """Columns next to ``col`` in the directions 0 +x, 1 -x, 2 +y, 3 -y, periodic (a 4-tuple;
    x is found once for all four)."""
    nx = int(grid[0])
    nxy = nx * int(grid[1])
    x = col - int((col + 0.5) * grid[2]) * nx
    return (col + 1 if x + 1 < nx else col + 1 - nx, col - 1 if x > 0 else col - 1 + nx,
            col + nx if col + nx < nxy else col + nx - nxy, col - nx if col >= nx else col - nx + nxy)


@njit(cache=True, inline="always")
def neighbour_zc(z, col, d, lat, nz):
    """(z, column) of neighbour d (0 +x, 1 -x, 2 +y, 3 -y, 4 +z, 5 -z) of the site (z, col) whose
    lateral columns are ``lat`` (:func:`laterals`); z = -1 outside the lattice. Site index =
    z * (ny * nx) + column."""
    if d < 4:
        return z, lat[d]
    if d == 4:
        return (z + 1 if z + 1 < nz else -1), col
    return z - 1, col


# ----------------------------------------------------------------------------- the site word


@njit(cache=True, inline="always")
def step_moves(b):
    """Step moves D of an atom's word: below occupied x lateral edge sites + up-edge x occupied laterals."""
    return ((b >> 12) & 1) * ((b >> 8) & 7) + ((b >> 11) & 1) * (b >> 13)


@njit(cache=True, inline="always")
def hop_class(b, heated):
    """Class of a site word, -1 if it is not a filed atom. The n-fold lists file every Li atom
    with 1..5 occupied neighbours, those with no move too (class m = D = 0, rate 0): any of them
    can dissolve. The per-site list (``heated``) files only atoms that can move."""
    p = b & OCC_MASK
    n = (b >> 2) & 7
    m = (b >> 5) & 7
    steps = step_moves(b)
    if (p == GLASSY or p == CRYSTAL) and 1 <= n <= 5 and (m + steps >= 1 or not heated):
        return ((p - 1) * 5 + (n - 1)) * 35 + m * 5 + steps
    return -1


@njit(cache=True, inline="always")
def is_atom(b):
    """True when a site word holds a Li atom (glassy or crystalline)."""
    p = b & OCC_MASK
    return p == GLASSY or p == CRYSTAL


@njit(cache=True, inline="always")
def is_target(b):
    """True when a site word is an empty site with two or more occupied neighbours."""
    return (b & OCC_MASK) == EMPTY and (b & NOCC_MASK) >= 2 * N_UNIT


@njit(cache=True, inline="always")
def is_edge(b):
    """True when a site word is an empty site with exactly one occupied neighbour (an edge site)."""
    return (b & OCC_MASK) == EMPTY and (b & NOCC_MASK) == N_UNIT


@njit(cache=True, inline="always")
def is_open(b):
    """True when a site word is an empty site with at most five occupied neighbours (an atom there
    could dissolve, so an ion may be reduced there: :func:`exchange_site`)."""
    return (b & OCC_MASK) == EMPTY and (b & NOCC_MASK) <= 5 * N_UNIT


@njit(cache=True, inline="always")
def bonds(b):
    """True when a site word binds a Li atom next to it: Li, substrate, or dead Li that is not
    SEI-coated (``DEAD_SEI``). The neighbour counts of the site word count these sites."""
    p = b & OCC_MASK
    return p != EMPTY and not (p == DEAD and b & DEAD_SEI)


# ----------------------------------------------------------------------------- hop lists


@njit(cache=True, inline="always")
def leaf_start(n):
    """Node number of the first leaf of an 8-ary sum tree stored in ``n`` array elements."""
    first, size = 0, 1
    while TREE_PAD + first + size < n:
        first += size
        size *= TREE_ARITY
    return first


@njit(cache=True, inline="always")
def tree_set(tree, first, k, v):
    """Set leaf ``k`` of the sum tree (first leaf ``first`` = :func:`leaf_start`) to ``v`` and add
    the change to the sums above it."""
    q = first + k
    d = v - tree[TREE_PAD + q]
    tree[TREE_PAD + q] = v
    while q > 0:
        q = (q - 1) // TREE_ARITY
        tree[TREE_PAD + q] += d


@njit(cache=True, inline="always")
def tree_leaf(tree, first, k):
    """Value of leaf ``k`` of the sum tree (first leaf ``first``)."""
    return tree[TREE_PAD + first + k]


@njit(cache=True, inline="always")
def tree_pick(tree, first, r):
    """Leaf whose cumulative-rate interval holds ``r`` (0 <= r < the root's sum; first leaf ``first``)."""
    q = 0
    while q < first:
        base = TREE_ARITY * q + 1
        pick = 0
        for j in range(TREE_ARITY):
            v = tree[TREE_PAD + base + j]
            if v > 0.0:
                pick = j  # the last child with weight: the choice if round-off leaves r at the end
                if r < v:
                    break
                r -= v
        q = base + pick
    return q - first


@njit(cache=True, _nrt=False, error_model="numpy")
def resum(tree):
    """Recompute every sum of the tree from its leaves (clears the round-off that many leaf
    updates leave in the sums)."""
    first = leaf_start(tree.shape[0])
    for q in range(first - 1, -1, -1):
        base = TREE_PAD + TREE_ARITY * q + 1
        total = 0.0
        for j in range(TREE_ARITY):
            total += tree[base + j]
        tree[TREE_PAD + q] = total


@njit(cache=True, inline="always")
def site_delta_beta(i, grid, rise, heat_len, t_bath):
    """1/(k_B T_i) - 1/(k_B T_bath), 1/eV, for site i: T_i = T_bath + rise[col] * min(z / heat_len, 1)."""
    z, col = site_zc(i, grid)
    f = z / heat_len
    if f > 1.0:
        f = 1.0
    return 1.0 / (K_B_EV * (t_bath + rise[col] * f)) - 1.0 / (K_B_EV * t_bath)


@njit(cache=True, inline="always")
def site_rate(c, i, rates, es_barrier, rise, heat_len, t_bath, grid):
    """Rate at which the atom at site i (class c) moves at its own temperature (local heating), 1/s."""
    db = site_delta_beta(i, grid, rise, heat_len, t_bath)
    e = rates[2, c]
    return (rates[0, c] - rates[1, c]) * np.exp(-e * db) + rates[1, c] * np.exp(-(e + es_barrier) * db)


@intrinsic
def prefetch(typingctx, arr, i):
    """Ask the CPU to bring the cache line of ``arr[i]`` (a 1-d array, i in range) into its caches
    (LLVM's ``llvm.prefetch``: for reading, kept at every level). Changes no value: reading
    several scattered elements after prefetching them all lets their cache misses overlap
    instead of queueing one after another."""
    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]),
                                            "llvm.prefetch")
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), i32(0), i32(3), i32(1)])  # read, keep, data cache
        return context.get_dummy_value()
    return types.void(arr, i), codegen


@njit(cache=True, inline="always")
def relist(touched, n_touched, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
           es_barrier, rise, heat_len, t_bath, grid):
    """File each site of ``touched[:n_touched]`` under the hop class its word now implies (``slot``
    holds the class it is filed under and its place there): O(1) a move in the n-fold lists,
    O(log N) in the sum tree. A site listed twice is filed once (the second visit finds nothing
    to do)."""
    first = leaf_start(tree.shape[0])
    # the touched sites' slots lie on scattered cache lines: the misses on them were the event
    # loop's largest single cost at 1e6 sites (perf, docs/performance.md); fetched together here
    for q in range(n_touched):
        prefetch(slot, touched[q])
    for q in range(n_touched):
        i = touched[q]
        e = slot[i]
        old = e >> SLOT_BITS if e >= 0 else -1
        new = hop_class(st[i], heated)
        if old == new:
            continue
        if heated:
            if new >= 0:
                rate = site_rate(new, i, rates, es_barrier, rise, heat_len, t_bath, grid)
                if old >= 0:
                    k = e & SLOT_MASK
                else:
                    k = n_mobile[0]
                    mobile[k] = i
                    n_mobile[0] = k + 1
                    n_mobile[1] = max(n_mobile[1], k + 1)
                slot[i] = (new << SLOT_BITS) | k
                tree_set(tree, first, k, rate)
            else:  # leave the list: the last atom takes this slot
                k = e & SLOT_MASK
                last = n_mobile[0] - 1
                moved = mobile[last]
                mobile[k] = moved
                slot[moved] = (slot[moved] & ~SLOT_MASK) | k
                tree_set(tree, first, k, tree_leaf(tree, first, last))
                tree_set(tree, first, last, 0.0)
                n_mobile[0] = last
                slot[i] = -1
            continue
        if old >= 0:  # leave the old class: the last member takes this one's slot
            k = e & SLOT_MASK
            base = class_start[old]
            moved = members[base + class_size[old] - 1]
            members[base + k] = moved
            slot[moved] = (old << SLOT_BITS) | k
            class_size[old] -= 1
            n_mobile[0] -= 1
            tree_set(tree, first, old, class_size[old] * rates[0, old])
        if new >= 0:
            k = class_size[new]
            members[class_start[new] + k] = i
            slot[i] = (new << SLOT_BITS) | k
            class_size[new] = k + 1
            n_mobile[0] += 1
            n_mobile[1] = min(n_mobile[1], class_start[new + 1] - class_start[new] - k - 1)
            tree_set(tree, first, new, class_size[new] * rates[0, new])
        else:
            slot[i] = -1


@njit(cache=True, inline="always")
def credit_edge(zj, cj, lat_j, dw, sign, st, grid, nz, touched, n_touched):
    """The edge site (zj, cj) (lateral columns ``lat_j``) gains (sign +1) or loses (-1) its
    atom's credit: if its one occupied neighbour, in direction ``dw`` from it, is a Li atom w,
    change w's lateral edge count (the edge site beside w) or up-edge bit (above w) and append w
    to ``touched``, which holds ``n_touched`` sites; returns their new number."""
    if dw == 4:  # w above the edge site: no step move over it
        return n_touched
    zw, cw = neighbour_zc(zj, cj, dw, lat_j, nz)
    w = zw * n_columns(grid) + cw
    if is_atom(st[w]):
        st[w] += sign * (E_UNIT if dw < 4 else U_BIT)  # dw == 5: w below j, j is the site above w
        touched[n_touched] = w
        return n_touched + 1
    return n_touched


@njit(cache=True, inline="always")
def neighbour_code(b):
    """Direction (0..5) from an empty site of word b with exactly one occupied neighbour to it."""
    return ((b >> 8) & 7) - 1


@njit(cache=True, inline="always")
def own_step_fields(z, col, st, grid, nz):
    """Bits 8-15 of the word of site (z, col) from its neighbours: for an atom its edge-site count
    and up-edge bit, for an empty site the XOR of the codes d + 1 of the directions d of its
    occupied neighbours; for every site below-occupied and occupied laterals."""
    nxy = n_columns(grid)
    atom = is_atom(st[z * nxy + col])
    empty = (st[z * nxy + col] & OCC_MASK) == EMPTY
    out = 0
    lat = laterals(col, grid)
    for d in range(6):
        zj, cj = neighbour_zc(z, col, d, lat, nz)
        if zj < 0:
            continue
        bj = st[zj * nxy + cj]
        if empty and bonds(bj):
            out ^= (d + 1) << 8
        if d < 4:
            if bonds(bj):
                out += L_UNIT
            elif atom and is_edge(bj):
                out += E_UNIT
        elif d == 4:
            if atom and is_edge(bj):
                out += U_BIT
        elif bonds(bj):
            out += B_BIT
    return out


E_MASK = 0x0700  # bits 8-10: an atom's edge-site count, an empty site's neighbour-direction XOR


# Not inlined: seven call sites made the first compile 2.5x longer, at equal speed (docs/performance.md);
# a move's two calls are one, :func:`move_atom`, which inlines it.
# Callers pass np.int64 for constants, here as to every called kernel: numba would compile another
# specialisation for a literal argument (checked in tests/unit/test_kmc_dissolution.py).
@njit(cache=True, _nrt=False, error_model="numpy")
def change(z, col, phase, st, top, grid, nz, touched, n_touched):
    """Set the occupancy of the site (z, col) to ``phase`` (an atom arrives on an empty site, or
    leaves it with phase EMPTY) and update every field this changes: the neighbour, target,
    below and lateral counts of the neighbours, the target counts of their neighbours, the
    direction XOR of empty neighbours, and the step fields of any atom next to an edge site that
    appeared or vanished. The site and every Li atom whose word changed are appended to
    ``touched`` (which holds ``n_touched`` sites) for :func:`relist`; returns their new number."""
    nt = n_touched
    nxy = n_columns(grid)
    i = z * nxy + col
    b = st[i]
    lat = laterals(col, grid)
    if is_edge(b):  # i stops being an edge site (it is filled): its atom loses the credit
        nt = credit_edge(z, col, lat, neighbour_code(b), -1, st, grid, nz, touched, nt)
    st[i] = (b & ~OCC_MASK) | phase
    touched[nt] = i
    nt += 1
    delta = 1 if phase == EMPTY else -1  # the site's own count of occupied neighbours is unchanged
    flips = is_target(b) != is_target(st[i])  # i was or becomes a valid target of its neighbours
    own = 0  # filled: i's edge count and up-edge bit; emptied: its direction XOR
    for d in range(6):
        zj, cj = neighbour_zc(z, col, d, lat, nz)
        if zj < 0:
            continue
        j = zj * nxy + cj
        old = st[j]
        bj = old - delta * N_UNIT
        if flips:
            bj += delta * T_UNIT
        if d < 4:
            bj -= delta * L_UNIT
        elif d == 4:  # j is above i
            bj = bj - B_BIT if phase == EMPTY else bj | B_BIT
        if (old & OCC_MASK) == EMPTY:
            bj ^= ((d ^ 1) + 1) << 8  # the code of the direction j -> i (the opposite of d)
        st[j] = bj
        if is_atom(bj):  # only Li atoms are ever filed in a hop list
            touched[nt] = j
            nt += 1
        if is_target(bj) != is_target(old):  # j's own validity as a target flipped
            flip = 1 if is_target(bj) else -1
            lat_j = laterals(cj, grid) if d < 4 else lat
            for d2 in range(6):
                zw, cw = neighbour_zc(zj, cj, d2, lat_j, nz)
                if zw >= 0:
                    w = zw * nxy + cw
                    st[w] += flip * T_UNIT
                    if is_atom(st[w]):
                        touched[nt] = w
                        nt += 1
        if is_edge(bj) != is_edge(old):
            # 1 -> 2 neighbours (i filled): the other atom loses it; 2 -> 1 (i emptied): the one
            # left gains it. 0 <-> 1 concerns i itself, whose fields are set below.
            if phase == EMPTY and is_edge(bj):
                nt = credit_edge(zj, cj, laterals(cj, grid) if d < 4 else lat, neighbour_code(bj), 1, st, grid,
                                 nz, touched, nt)
            elif phase != EMPTY and is_edge(old):
                nt = credit_edge(zj, cj, laterals(cj, grid) if d < 4 else lat, neighbour_code(old), -1, st,
                                 grid, nz, touched, nt)
        if phase != EMPTY:
            if d < 5 and is_edge(bj):  # j is i's edge site beside it (d < 4) or above it
                own += E_UNIT if d < 4 else U_BIT
        elif bonds(bj):
            own ^= (d + 1) << 8
    st[i] = (st[i] & ~(E_MASK | U_BIT)) | own
    if phase == EMPTY and is_edge(st[i]):  # i becomes an edge site of its one remaining neighbour
        nt = credit_edge(z, col, lat, neighbour_code(own), 1, st, grid, nz, touched, nt)
    if phase != EMPTY:
        if z > top[col]:
            top[col] = z
    elif top[col] == z:
        while z > 0 and (st[z * nxy + col] & OCC_MASK) == EMPTY:
            z -= 1
        top[col] = z
    return nt


# ``change`` compiled once more, to be inlined into :func:`move_atom` (the body once: a second copy
# made the first compile ~12 s longer)
_change_inlined = njit(cache=True, inline="always")(change.py_func)


@njit(cache=True, _nrt=False, error_model="numpy")
def move_atom(zs, cs, zt, ct, epitaxy, rng, st, top, grid, nz, touched):
    """Move the Li atom at site (zs, cs) to the empty site (zt, ct): empty the first, then fill the
    second with the atom's phase, or with CRYSTAL when a glassy atom arrives next to crystalline Li
    and continues it (probability ``epitaxy``; a uniform is drawn from ``rng`` only then), each as
    :func:`change` does. One call a move instead of two: a call passes ~29 words of arguments
    (docs/performance.md). Returns the number of sites appended to ``touched`` from its start, for
    :func:`relist`."""
    phase = np.int64(st[zs * n_columns(grid) + cs] & OCC_MASK)
    n = np.int64(0)
    z, col, new = zs, cs, np.int64(EMPTY)
    for k in range(2):
        if k == 1:
            if (phase == GLASSY and epitaxy > 0.0 and touches(zt, ct, CRYSTAL, st, grid, nz)
                    and next_uniform(rng) < epitaxy):
                phase = CRYSTAL
            z, col, new = zt, ct, phase
        n = _change_inlined(z, col, new, st, top, grid, nz, touched, n)
    return n


# ----------------------------------------------------------------------------- events


@njit(cache=True, inline="always")
def touches(z, col, code, st, grid, nz):
    """True when the site (z, col) has a neighbour above the substrate layer of occupancy
    ``code`` (CRYSTAL: a crystalline neighbour; DEAD: dead Li)."""
    nxy = n_columns(grid)
    lat = laterals(col, grid)
    for d in range(6):
        zj, cj = neighbour_zc(z, col, d, lat, nz)
        if zj >= 1 and (st[zj * nxy + cj] & OCC_MASK) == code:
            return True
    return False


@njit(cache=True, inline="always")
def arrival_height(col, ballistic, top, grid):
    """Layer z where an atom arriving on column ``col`` sticks.

    Column top: just above the column's highest atom. Ballistic: the first empty site, coming
    down the column, that touches an occupied site (a lateral neighbour column may be taller,
    which leaves an overhang)."""
    z = top[col] + 1
    if ballistic:
        lat = laterals(col, grid)
        for d in range(4):
            h = top[lat[d]]
            if h > z:
                z = h
    return z


@njit(cache=True, inline="always")
def step_target(zs, cs, b, choice, st, grid, nz):
    """(z, column) of step move number ``choice`` (0 <= choice < D) of the atom at (zs, cs) with
    word b: first the steps down over its lateral edge sites (to the site below the edge site),
    then the steps up over the edge site above it (to the site above an occupied lateral
    neighbour). See the module docstring."""
    nxy = n_columns(grid)
    lat = laterals(cs, grid)
    if (b >> 12) & 1:
        for d in range(4):
            cm = lat[d]
            if is_edge(st[zs * nxy + cm]):
                if choice == 0:
                    return zs - 1, cm
                choice -= 1
    for d in range(4):
        cl = lat[d]
        if bonds(st[zs * nxy + cl]):
            if choice == 0:
                return zs + 1, cl
            choice -= 1
    return -1, -1


@njit(cache=True, inline="always")
def drop_unbound(z, col, st, top, grid, nz, touched, n_touched, counts):
    """Li atoms next to the site (z, col), just emptied, that lost their last bond fall down their
    column onto the first site that is not empty (part of the event that emptied it); returns the
    new number of ``touched`` sites. One that rests on SEI-coated dead Li cannot fall: it is only
    appended to ``touched``; :func:`sever` (or :func:`strand_landed`) finds it cut off."""
    nxy = n_columns(grid)
    lat = laterals(col, grid)
    for d in range(6):
        zn, cn = neighbour_zc(z, col, d, lat, nz)
        if zn < 0:
            continue
        bn = st[zn * nxy + cn]
        p = bn & OCC_MASK
        if (p == GLASSY or p == CRYSTAL) and (bn & NOCC_MASK) == 0:
            zl = zn
            while (st[(zl - 1) * nxy + cn] & OCC_MASK) == EMPTY:
                zl -= 1
            if zl == zn:
                touched[n_touched] = zn * nxy + cn
                n_touched += 1
                continue
            n_touched = change(zn, cn, np.int64(EMPTY), st, top, grid, nz, touched, n_touched)
            n_touched = change(zl, cn, p, st, top, grid, nz, touched, n_touched)
            counts[EV_FALL] += 1
    return n_touched


@njit(cache=True, inline="always")
def reducible(z, col, st, grid, nz):
    """True when the site (z, col) touches the collector (z = 1, above the substrate layer) or a
    live Li atom, not only dead Li: an ion arriving there can be reduced, an atom there is live."""
    if z == 1:
        return True
    nxy = n_columns(grid)
    lat = laterals(col, grid)
    for d in range(6):
        zj, cj = neighbour_zc(z, col, d, lat, nz)
        if zj >= 1 and is_atom(st[zj * nxy + cj]):
            return True
    return False


@njit(cache=True, _nrt=False, error_model="numpy")
def reducible_column(u, column_rate, ballistic, st, top, grid, nz):
    """A column drawn with probability proportional to its deposition rate among those whose
    arrival site is reducible (``u`` uniform in [0, 1)); -1 if none is (O(columns))."""
    total = 0.0
    for col in range(column_rate.shape[0]):
        if column_rate[col] > 0.0 and reducible(arrival_height(col, ballistic, top, grid), col, st, grid, nz):
            total += column_rate[col]
    r = u * total
    pick = -1
    for col in range(column_rate.shape[0]):
        if column_rate[col] > 0.0 and reducible(arrival_height(col, ballistic, top, grid), col, st, grid, nz):
            pick = col
            if r < column_rate[col]:
                break
            r -= column_rate[col]
    return pick


@njit(cache=True, _nrt=False, error_model="numpy")
def kill(sites, n_sites, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
         es_barrier, rise, heat_len, t_bath, grid, nz, counts, dead_since, now, sei_coated, pending, work):
    """Make the Li atoms ``sites[:n_sites]`` dead Li (occupancy DEAD: still occupied; an atom's
    step fields are cleared, as a rebuild gives for a non-Li site, and ``DEAD_CRYSTAL`` keeps a
    crystalline atom's phase for :func:`revive`), take them out of the lists and count them
    (``counts[EV_DEAD]``, and as one cut-off cluster in its size bin, ``counts[EV_CUT_OFFS:]``:
    the callers pass one connected cluster). Dead Li binds as Li did, so no neighbour's counts
    change. With ``sei_coated`` each dead atom is then SEI-coated (:func:`_coat_one`), while the
    lists have room (``COAT_ROOM``); the atoms left uncoated are added to ``pending[0]``, and
    :func:`run_events` returns ``ST_GROW`` for the caller to grow the lists and coat them
    (:func:`coat_all`). ``dead_since`` (float64[N], or empty when no passivation clock runs)
    takes the time of death ``now``, s. ``work[3]`` (``WORK_SHAPE``) is the coats' scratch."""
    for q in range(n_sites):
        st[sites[q]] = _dead_word(st[sites[q]] & ~(E_MASK | U_BIT))
    relist(sites, n_sites, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
           es_barrier, rise, heat_len, t_bath, grid)
    if sei_coated:  # the atoms are out of the lists: coating re-files only live Li outside the cluster
        for q in range(n_sites):
            if n_mobile[1] < COAT_ROOM:
                pending[0] += n_sites - q
                break
            _coat_one(sites[q], st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated,
                      rates, es_barrier, rise, heat_len, t_bath, grid, nz, work[3])
    if dead_since.shape[0] > 0:
        for q in range(n_sites):
            dead_since[sites[q]] = now
    counts[EV_DEAD] += n_sites
    b = 0
    while b + 1 < len(CUT_OFF_EDGES) and n_sites >= CUT_OFF_EDGES[b + 1]:
        b += 1
    counts[EV_CUT_OFFS + b] += 1
    counts[EV_CUT_ATOMS + b] += n_sites


@njit(cache=True, inline="always")
def _coat_one(i, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier,
              rise, heat_len, t_bath, grid, nz, touched):
    """SEI-coat the dead atom at site i (``DEAD_SEI``; its ``DEAD_CRYSTAL`` kept). It leaves the
    site as in a dissolution (:func:`change`: the counts around it drop, as it binds nothing now);
    then the site is blocked again: it stops being a hop target of its neighbours and an edge site
    of its one neighbour, and is part of its column (``top``), while no neighbour's counts change.
    The live atoms whose word changed are re-filed (< 60; ``touched`` int64[>= 64] is scratch)."""
    z, col = site_zc(i, grid)
    crystal = (st[i] & DEAD_CRYSTAL) != 0
    n_touched = change(z, col, np.int64(EMPTY), st, top, grid, nz, touched, np.int64(0))
    nxy = n_columns(grid)
    b = st[i]
    lat = laterals(col, grid)
    if is_edge(b):
        n_touched = credit_edge(z, col, lat, neighbour_code(b), -1, st, grid, nz, touched, n_touched)
    if is_target(b):
        for d in range(6):
            zj, cj = neighbour_zc(z, col, d, lat, nz)
            if zj >= 0:
                j = zj * nxy + cj
                st[j] -= T_UNIT
                if is_atom(st[j]):
                    touched[n_touched] = j
                    n_touched += 1
    st[i] = (b & ~(OCC_MASK | E_MASK | U_BIT)) | DEAD | DEAD_SEI | (DEAD_CRYSTAL if crystal else 0)
    if z > top[col]:
        top[col] = z
    relist(touched, n_touched, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
           es_barrier, rise, heat_len, t_bath, grid)


@njit(cache=True)
def coat_all(st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier,
             rise, heat_len, t_bath, grid, nz, pending):
    """SEI-coat every dead atom above the substrate layer that is not yet (:func:`_coat_one`), in
    site order, while the lists have room (``COAT_ROOM``); ``pending[0]`` is left as the number
    still uncoated (0 when done)."""
    pending[0] = 0
    touched = np.empty(256, np.int64)
    for i in range(n_columns(grid), st.shape[0]):
        if (st[i] & OCC_MASK) == DEAD and not st[i] & DEAD_SEI:
            if n_mobile[1] < COAT_ROOM:
                pending[0] += 1
            else:
                _coat_one(i, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
                          es_barrier, rise, heat_len, t_bath, grid, nz, touched)


@njit(cache=True, inline="always")
def _dead_word(b):
    """The word of a Li atom made dead, b with its step fields clear: occupancy DEAD, and
    ``DEAD_CRYSTAL`` if it is crystalline (the inverse of :func:`_live_word`)."""
    return (b & ~OCC_MASK) | DEAD | (DEAD_CRYSTAL if (b & OCC_MASK) == CRYSTAL else 0)


@njit(cache=True, inline="always")
def _live_word(b):
    """The word of a dead atom made live again: its phase back (``DEAD_CRYSTAL``), step fields clear."""
    return (b & ~(OCC_MASK | E_MASK)) | (CRYSTAL if b & DEAD_CRYSTAL else GLASSY)


@njit(cache=True, inline="always")
def _push_dead_neighbours(i, st, grid, nz, stack, depth, dead_since, now, passivation_time):
    """Make the revivable dead atoms next to site i live (:func:`_live_word`) and push them on
    ``stack``, which holds ``depth`` sites; returns its new depth. A dead atom is revivable while
    its SEI has not passivated it: ``now`` - ``dead_since`` <= ``passivation_time`` (times in s;
    always when ``dead_since``, float64[N] or empty, is empty)."""
    nxy = n_columns(grid)
    z, col = site_zc(i, grid)
    lat = laterals(col, grid)
    for d in range(6):
        zj, cj = neighbour_zc(z, col, d, lat, nz)
        if zj >= 1:
            j = zj * nxy + cj
            if (st[j] & OCC_MASK) == DEAD and (dead_since.shape[0] == 0
                                               or now - dead_since[j] <= passivation_time):
                st[j] = _live_word(st[j])
                stack[depth] = j
                depth += 1
    return depth


@njit(cache=True, _nrt=False, error_model="numpy")
def revive(i, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier,
           rise, heat_len, t_bath, grid, nz, stack, seen, pending, dead_since, now, passivation_time):
    """Dead Li that touches the live Li atom at site i becomes live again, in the phase it died
    in: every dead cluster next to i, found by a flood fill through dead Li (6-connectivity) that
    its SEI has not yet passivated (the passivation clock, :func:`_push_dead_neighbours`; a
    passivated atom is a wall of the fill).
    The revived atoms get their step fields and are filed; their neighbours' words do not change
    (dead Li is occupied too). ``stack`` and ``seen`` (int32[N]) are scratch; ``dead_since``,
    ``now`` and ``passivation_time`` are the clock (:func:`_push_dead_neighbours`). Returns the
    atoms revived (0 when i touches no revivable dead Li; the callers test for dead Li first,
    :func:`touches`).

    The hop lists are sized for an event's ~200 re-filed atoms (``CLASS_HEADROOM``), and a cluster
    can be larger: when the least room of a class (``n_mobile[1]``) cannot take it, the cluster is
    left dead and ``pending[0]`` set to its size; :func:`run_events` then returns ``ST_GROW``, and
    the caller grows the lists and revives whatever touches live Li (:func:`revive_all`;
    ``Engine._settle_pending``)."""
    depth = _push_dead_neighbours(i, st, grid, nz, stack, 0, dead_since, now, passivation_time)
    n_seen = 0
    while depth > 0:  # each atom is made live when pushed, so it is pushed once
        depth -= 1
        a = stack[depth]
        seen[n_seen] = a
        n_seen += 1
        depth = _push_dead_neighbours(a, st, grid, nz, stack, depth, dead_since, now, passivation_time)
    # n_mobile[1] is the least room any n-fold class has had (dead-Li tracking, hence revival, needs
    # the n-fold lists): with no room to file them all, they are dead again until the lists grow
    if n_seen + CLASS_HEADROOM > n_mobile[1]:
        for q in range(n_seen):
            st[seen[q]] = _dead_word(st[seen[q]])
        pending[0] = max(pending[0], n_seen)
        return 0
    for q in range(n_seen):  # the step fields read only occupancies: set once every phase is back
        a = seen[q]
        za, ca = site_zc(a, grid)
        st[a] = (st[a] & ~(E_MASK | U_BIT)) | (own_step_fields(za, ca, st, grid, nz) & (E_MASK | U_BIT))
    relist(seen, n_seen, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
           es_barrier, rise, heat_len, t_bath, grid)
    return n_seen


@njit(cache=True, _nrt=False, error_model="numpy")
def revive_touched(first, n_touched, touched, st, slot, members, class_start, class_size, mobile, n_mobile, tree,
                   heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stack, seen, pending, dead_since, now,
                   passivation_time):
    """:func:`revive` around every live Li atom among ``touched[first:n_touched]`` (the sites an
    event changed: wherever Li arrived, and its neighbours), at time ``now`` (s). Returns the atoms
    revived."""
    n = 0
    for q in range(first, n_touched):
        i = touched[q]
        z, col = site_zc(i, grid)
        if is_atom(st[i]) and touches(z, col, DEAD, st, grid, nz):
            n += revive(i, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
                        es_barrier, rise, heat_len, t_bath, grid, nz, stack, seen, pending, dead_since, now,
                        passivation_time)
    return n


@njit(cache=True)
def revive_all(st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier, rise,
               heat_len, t_bath, grid, nz, stack, seen, pending, dead_since, now, passivation_time):
    """:func:`revive` around every live Li atom (O(N)) at time ``now`` (s): the revivals an earlier
    call left pending for want of room in the hop lists, or a state built with dead Li next to live
    Li. ``pending[0]`` is 0 afterwards unless a cluster still does not fit."""
    pending[0] = 0
    for i in range(n_columns(grid), st.shape[0]):
        z, col = site_zc(i, grid)
        if is_atom(st[i]) and touches(z, col, DEAD, st, grid, nz):
            revive(i, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier,
                   rise, heat_len, t_bath, grid, nz, stack, seen, pending, dead_since, now, passivation_time)


@njit(cache=True, inline="always")
def _neighbour_groups(z, col, extra, e1, e2, st, grid, nz, work):
    """The Li neighbours of the empty site (z, col), and the Li atom at site ``extra`` = the site
    reached from (z, col) by the perpendicular steps e1 and e2 (a step move's target; -1: none),
    grouped by the paths between them that avoid the emptied site through one intermediate:
    two neighbours in perpendicular directions da, db are joined when the corner site (z, col)
    + da + db holds Li (their only common neighbour besides the emptied site; its flat index is
    the two neighbours' less the emptied site's, since a step's change of index along one axis,
    wrap included, does not depend on the others; opposite neighbours have none when the lateral
    periods are >= 5: in smaller boxes some are left unjoined, which costs a search, never a wrong
    answer), and ``extra`` is joined to the neighbours in directions e1 and e2 (it touches them;
    it shares no neighbour with the others). ``work`` int64[3, 7]: sites, directions (-1 for
    ``extra``) and groups (index of the group's first member) in rows 0-2. Returns (k, number of
    groups)."""
    nxy = n_columns(grid)
    centre = z * nxy + col
    lat = laterals(col, grid)
    k = 0
    for d in range(6):
        zj, cj = neighbour_zc(z, col, d, lat, nz)
        if zj >= 1 and is_atom(st[zj * nxy + cj]):
            work[0, k] = zj * nxy + cj
            work[1, k] = d
            work[2, k] = k
            k += 1
    if extra >= 0:
        work[0, k] = extra
        work[1, k] = -1
        work[2, k] = k
        k += 1
    n_groups = k
    for a in range(k):
        da = work[1, a]
        for b in range(a + 1, k):
            if n_groups == 1:
                return k, 1
            if work[2, a] == work[2, b]:
                continue
            db = work[1, b]
            if da < 0 or db < 0:
                dn = db if da < 0 else da
                joined = dn == e1 or dn == e2
            elif (da >> 1) == (db >> 1):
                joined = False
            else:  # both neighbours lie at z >= 1, so the corner does
                joined = is_atom(st[work[0, a] + work[0, b] - centre])
            if joined:
                old, new = work[2, b], work[2, a]
                for q in range(k):
                    if work[2, q] == old:
                        work[2, q] = new
                n_groups -= 1
    return k, n_groups


@njit(cache=True, inline="always")
def _near_site(z, col, a, narrow_gap, lat, grid, nz):
    """Flat index of the a-th site next to (z, col) in search order (:func:`_reaches_collector`):
    face neighbour ``FACE_ORDER[a]`` (``lat``: :func:`laterals` of ``col``), or with ``narrow_gap``
    the site at ``GAP_SHELL[a]``; -1 outside the lattice above the substrate layer."""
    if not narrow_gap:
        zj, cj = neighbour_zc(z, col, FACE_ORDER[a], lat, nz)
        return zj * n_columns(grid) + cj if zj >= 1 else -1
    zj = z + GAP_SHELL[a, 0]
    if zj < 1 or zj >= nz:
        return -1
    nx, ny = int(grid[0]), int(grid[1])
    y = int((col + 0.5) * grid[2])
    x = (col - y * nx + GAP_SHELL[a, 2]) % nx
    y = (y + GAP_SHELL[a, 1]) % ny
    return zj * nx * ny + y * nx + x


@njit(cache=True, _nrt=False, error_model="numpy")
def _reaches_collector(start, sid, first_id, st, grid, nz, stamp, stack, seen, narrow_gap):
    """Depth-first search through Li from the site ``start``, downwards first, until it reaches
    the collector (z = 1; ``narrow_gap``: z <= 2) or a site stamped by an earlier search of this
    event (>= ``first_id``: those reached it). Li atoms are joined as faces meet, or with
    ``narrow_gap`` when within two lattice spacings (:func:`_near_site`). Visited sites are
    stamped ``sid`` and listed in ``seen``. Returns (reached, number of sites in ``seen``)."""
    reach = 2 if narrow_gap else 1
    n_near = N_GAP if narrow_gap else 6
    stamp[start] = sid
    stack[0] = start
    seen[0] = start
    depth, n_seen = 1, 1
    while depth > 0:
        depth -= 1
        i = stack[depth]
        zi, ci = site_zc(i, grid)
        if zi <= reach:
            return True, n_seen
        lat_i = laterals(ci, grid)
        for a in range(n_near):
            j = _near_site(zi, ci, a, narrow_gap, lat_i, grid, nz)
            if j < 0 or not is_atom(st[j]) or stamp[j] == sid:
                continue
            if stamp[j] >= first_id:
                return True, n_seen
            stamp[j] = sid
            stack[depth] = j
            depth += 1
            seen[n_seen] = j
            n_seen += 1
    return False, n_seen


@njit(cache=True, inline="always")
def _gap_groups(z, col, st, grid, nz, work):
    """The Li atoms within two lattice spacings of the site (z, col), grouped by direct links
    (two of them within two spacings of each other: ``GAP_LINKS``; a link that the lateral period
    folds shorter is missed, which costs a search, never a wrong answer). ``work`` int64[2, >= 32]:
    row 0 the sites (:func:`_near_site`), row 1 the groups' bit masks over the shell. Returns the
    number of groups."""
    occupied = 0
    for a in range(N_GAP):
        j = _near_site(z, col, a, True, (0, 0, 0, 0), grid, nz)
        work[0, a] = j
        if j >= 0 and is_atom(st[j]):
            occupied |= 1 << a
    n_groups = 0
    left = occupied
    while left != 0:
        group = left & -left
        while True:
            grown = group
            for a in range(N_GAP):
                if (group >> a) & 1:
                    grown |= GAP_LINKS[a] & occupied
            if grown == group:
                break
            group = grown
        work[1, n_groups] = group
        n_groups += 1
        left &= ~group
    return n_groups


@njit(cache=True, inline="always")
def _first_site(group, work):
    """The site of the lowest bit of a group's mask (:func:`_gap_groups`)."""
    a = 0
    while not (group >> a) & 1:
        a += 1
    return work[0, a]


@njit(cache=True, inline="always")
def _new_event_search(search, stamp):
    """The first search number of a new event (stamps of earlier events are all below it)."""
    if search[0] > 2**31 - 16:
        stamp[:] = 0
        search[0] = 0
    return search[0] + 1


@njit(cache=True, _nrt=False, error_model="numpy")
def sever(z, col, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier,
          rise, heat_len, t_bath, grid, nz, stamp, stack, seen, search, counts, dead_since, now, sei_coated, pending,
          narrow_gap, fell, work):
    """After the site (z, col) was emptied (a dissolution, or with ``narrow_gap`` also a fall):
    mark as dead every Li cluster near the site that no longer reaches the collector through Li
    (the collector is the substrate layer). Li atoms are joined where their faces meet
    (6-connectivity), or with ``narrow_gap`` also across a gap: when within two lattice spacings
    (:func:`_gap_groups`; the collector then reaches atoms at z <= 2). Returns the atoms marked.

    The Li near the site is grouped first by paths that avoid it (:func:`_neighbour_groups`, or
    the direct links of :func:`_gap_groups`): one group, and the site out of the collector's
    reach, means every path through the site has a detour, so nothing was cut (O(1)). That needs
    every Li atom to have reached the collector just before the site emptied; with ``narrow_gap``
    and atoms that ``fell`` in the same event it need not hold (a fallen atom may have joined Li
    across a gap), so every group is then searched. Otherwise each group is searched
    (:func:`_reaches_collector`); a search that runs out of sites has found a cut-off cluster,
    which is marked dead at time ``now`` (s; :func:`kill`, SEI-coated with ``sei_coated``).
    ``stamp`` (int32[N]) holds the search that last visited each site (``search[0]`` is the last
    search number), ``stack`` and ``seen`` (int32[N]) and ``work`` (``WORK_SHAPE``) are scratch."""
    if narrow_gap:
        k = _gap_groups(z, col, st, grid, nz, work)
        n_groups = k
        if k == 0 or (k == 1 and z > 2 and not fell):
            return 0
    else:
        k, n_groups = _neighbour_groups(z, col, -1, -1, -1, st, grid, nz, work)
        if k == 0 or (n_groups == 1 and z > 1):
            return 0
    first_id = _new_event_search(search, stamp)
    marked = 0
    for a in range(k):
        if narrow_gap:
            root = _first_site(work[1, a], work)
        else:
            root = work[0, a]
            if work[2, a] != a:
                continue
        if not is_atom(st[root]):  # marked dead by an earlier search of this event
            continue
        search[0] += 1
        if stamp[root] >= first_id:  # an earlier search of this event (a live one) reached it
            continue
        live, n_seen = _reaches_collector(root, search[0], first_id, st, grid, nz, stamp, stack, seen, narrow_gap)
        if not live:
            kill(seen, n_seen, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
                 es_barrier, rise, heat_len, t_bath, grid, nz, counts, dead_since, now, sei_coated, pending, work)
            marked += n_seen
    return marked


@njit(cache=True, inline="always")
def _held(j, st, grid, nz):
    """True when the Li atom at site j has a bond, or rests on a site that is not empty (SEI-coated
    dead Li, which it cannot fall through): an atom that is not held falls (:func:`drop_unbound`)."""
    nxy = n_columns(grid)
    zj, cj = site_zc(j, grid)
    lat = laterals(cj, grid)
    for d in range(6):
        zn, cn = neighbour_zc(zj, cj, d, lat, nz)
        if zn >= 0 and (bonds(st[zn * nxy + cn]) or (d == 5 and (st[zn * nxy + cn] & OCC_MASK) != EMPTY)):
            return True
    return False


@njit(cache=True, inline="always")
def _strands(root, first_id, st, grid, nz, stamp, stack, seen, search, narrow_gap):
    """True when a new search of the event (:func:`_reaches_collector`) from the Li atom at site
    ``root`` runs out of sites before it reaches the collector; False at once when an earlier
    search of the event (stamp >= ``first_id``) reached ``root``."""
    search[0] += 1
    if stamp[root] >= first_id:
        return False
    return not _reaches_collector(root, search[0], first_id, st, grid, nz, stamp, stack, seen, narrow_gap)[0]


@njit(cache=True, inline="always")
def _falls_strand(zs, cs, st, grid, nz, stamp, stack, seen, search, first_id, work, narrow_gap):
    """True when an atom that a move leaves with no bond would fall where no Li path reaches the
    collector (faces only; the move's occupancy is set in ``st``, (zs, cs) the site it emptied).
    The neighbours of that site left without a bond fall down their columns in the order of
    :func:`drop_unbound` (each looked at after the falls before it), set in ``st`` for the test
    and restored; then a search (:func:`_reaches_collector`) from each landing site above the
    collector's plane. ``work`` rows 0 and 1 (>= 6 columns) keep where each fell from and to;
    stamps >= ``first_id`` are of this event's searches that reached the collector. ``narrow_gap``
    is the caller's (False: the rule is for faces only), passed on rather than written as a
    constant, which numba would type as a literal and compile the search for once more."""
    nxy = n_columns(grid)
    lat = laterals(cs, grid)
    n_fell = 0
    for d in range(6):
        zn, cn = neighbour_zc(zs, cs, d, lat, nz)
        if zn < 1:
            continue
        j = zn * nxy + cn
        if not is_atom(st[j]) or _held(j, st, grid, nz):
            continue
        zl = zn
        while (st[(zl - 1) * nxy + cn] & OCC_MASK) == EMPTY:
            zl -= 1
        land = zl * nxy + cn
        bj = st[j]
        st[j] = (bj & ~OCC_MASK) | EMPTY
        st[land] = (st[land] & ~OCC_MASK) | (bj & OCC_MASK)
        work[0, n_fell] = j
        work[1, n_fell] = land
        n_fell += 1
    stranded = False
    for q in range(n_fell):
        land = work[1, q]  # below 2 * nxy: on the collector
        if land >= 2 * nxy and _strands(land, first_id, st, grid, nz, stamp, stack, seen, search, narrow_gap):
            stranded = True
            break
    for q in range(n_fell - 1, -1, -1):
        j, land = work[0, q], work[1, q]
        p = st[land] & OCC_MASK
        st[land] = (st[land] & ~OCC_MASK) | EMPTY
        st[j] = (st[j] & ~OCC_MASK) | p
    return stranded


@njit(cache=True, inline="always")
def settled_locally(s, t, stepping, st, grid, nz, work, narrow_gap):
    """The answer of :func:`cuts_off` where the site words around the move settle it, with no search:
    1 the move would cut Li off, 0 it would not, -1 not settled (:func:`cuts_off` searches). Inlined
    into the event loop, so that the moves settled here (98.9 % of the stripping benchmark's) do
    not pay the call of :func:`cuts_off`, whose array arguments numba passes as 54 words pushed on
    the stack (docs/performance.md).

    Two rules, faces only (``narrow_gap``: never settled). The lone atom: an atom with one occupied
    neighbour carries no other atom's path to the collector, so only the moved atom is checked: it
    stays connected if it lands on the collector or next to a live Li atom other than itself
    (looked for below the target first, ``DOWN_FIRST``: an adatom on a terrace finds it at once).
    One group: the Li neighbours of the emptied site joined through corners
    (:func:`_neighbour_groups`, on the occupancy after the move, set in ``st`` for the test and
    restored) into one group, or none, with the emptied site above the collector's plane, means
    every path through it has a detour. For the moves the event loop makes (the moved atom keeps a
    bond at its target: a hop target has an occupied neighbour besides the mover) that answers
    :func:`cuts_off` with ``refuse_stranding`` too, since then no Li neighbour falls
    (:func:`_falls_strand`): each member of a group of two or more touches Li (the corner, or the
    step's target, that joined it), a lone member is a hop's target, bound there, and a step's
    target is no face neighbour. ``work``: :func:`_neighbour_groups`."""
    if narrow_gap:
        return -1
    nxy = n_columns(grid)
    zs, cs = site_zc(s, grid)
    zt, ct = site_zc(t, grid)
    if (st[s] & NOCC_MASK) == N_UNIT:
        if zt == 1:
            return 0
        lat = laterals(ct, grid)
        for a in range(6):
            zj, cj = neighbour_zc(zt, ct, DOWN_FIRST[a], lat, nz)
            j = zj * nxy + cj
            if zj >= 1 and j != s and is_atom(st[j]):
                return 0
        return 1
    if zs <= 1:
        return -1
    bs, bt = st[s], st[t]
    st[s] = (bs & ~OCC_MASK) | EMPTY
    st[t] = (bt & ~OCC_MASK) | (bs & OCC_MASK)
    e1, e2 = _step_directions(zs, cs, zt, ct, stepping, grid)
    k, n_groups = _neighbour_groups(zs, cs, t if stepping else -1, e1, e2, st, grid, nz, work)
    st[s], st[t] = bs, bt
    return 0 if k == 0 or n_groups == 1 else -1


@njit(cache=True, inline="always")
def _step_directions(zs, cs, zt, ct, stepping, grid):
    """(e1, e2): the vertical and the lateral direction of a step move from (zs, cs) to (zt, ct),
    along which its target touches the emptied site's neighbours (:func:`_neighbour_groups`);
    (-1, -1) for a hop."""
    e1, e2 = -1, -1
    if stepping:
        e1 = 4 if zt > zs else 5
        lat = laterals(cs, grid)
        for d in range(4):
            if lat[d] == ct:
                e2 = d
    return e1, e2


@njit(cache=True, _nrt=False, error_model="numpy")
def cuts_off(s, t, stepping, st, grid, nz, stamp, stack, seen, search, work, narrow_gap, refuse_stranding):
    """True when moving the Li atom at site s to the empty site t (a step move when ``stepping``:
    t is then a second neighbour, one lateral and one vertical step away) would leave Li without
    a path to the collector, the moved atom included (paths as in :func:`sever`, with
    ``narrow_gap`` across gaps of up to two lattice spacings). Atoms the move leaves with no bond
    are not counted: they fall (:func:`drop_unbound`); one that rests on SEI-coated dead Li cannot
    fall, so it counts (:func:`_held`). Same grouping and search as :func:`sever`, on the
    occupancy after the move (set in ``st`` for the test and restored); ``work`` int64[>= 3, >= 32] is
    scratch. A move that leaves an atom unbound is not refused: the atom falls, and
    :func:`strand_landed` marks it dead if it lands where no Li path reaches (with ``narrow_gap``,
    :func:`sever_vacated` also marks Li whose only path ran through it); with
    ``refuse_stranding`` (faces only) it is, when such an atom would land there
    (:func:`_falls_strand`), so that every cut-off then comes from a dissolution.

    What the site words around the move settle is answered first (:func:`settled_locally`, which
    the event loop calls itself before calling this); the rest is grouped again and searched. With
    ``refuse_stranding`` that answer assumes a move the event loop makes (the moved atom keeps a
    bond at its target): for a hop onto a site where it would fall, the one-group answer does not
    look at the fall."""
    settled = settled_locally(s, t, stepping, st, grid, nz, work, narrow_gap)
    if settled >= 0:
        return settled == 1
    zs, cs = site_zc(s, grid)
    bs, bt = st[s], st[t]
    st[s] = (bs & ~OCC_MASK) | EMPTY
    st[t] = (bt & ~OCC_MASK) | (bs & OCC_MASK)
    if narrow_gap:
        k = _gap_groups(zs, cs, st, grid, nz, work)
        n_groups = k
        reach = 2
    else:
        zt, ct = site_zc(t, grid)
        e1, e2 = _step_directions(zs, cs, zt, ct, stepping, grid)
        k, n_groups = _neighbour_groups(zs, cs, t if stepping else -1, e1, e2, st, grid, nz, work)
        reach = 1
    cut = False
    first_id = -1
    if k > 0 and not (n_groups == 1 and zs > reach):
        first_id = _new_event_search(search, stamp)
        for a in range(k):
            root = -1
            if narrow_gap:  # a group whose atoms all fall: what they joined is searched after the falls
                group = work[1, a]
                for b in range(N_GAP):
                    if (group >> b) & 1 and _held(work[0, b], st, grid, nz):
                        root = work[0, b]
                        break
            elif work[2, a] == a and _held(work[0, a], st, grid, nz):
                root = work[0, a]
            if root >= 0 and _strands(root, first_id, st, grid, nz, stamp, stack, seen, search, narrow_gap):
                cut = True
                break
    if refuse_stranding and not cut:
        if first_id < 0:
            first_id = _new_event_search(search, stamp)
        cut = _falls_strand(zs, cs, st, grid, nz, stamp, stack, seen, search, first_id, work, narrow_gap)
    st[s], st[t] = bs, bt
    return cut


@njit(cache=True, _nrt=False, error_model="numpy")
def sever_vacated(first, n_touched, touched, st, top, slot, members, class_start, class_size, mobile, n_mobile,
                  tree, heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack, seen, search, counts,
                  dead_since, now, sei_coated, pending, work):
    """With the narrow-gap contact: after falls, mark what each fall cut off (:func:`sever` at
    every site of ``touched[first:n_touched]`` that is now empty: the sites the fallen atoms
    left, every group searched). A fallen atom had no bond, so it joined nothing by faces, but it
    may have joined Li across a gap. A piece cut off by the event had a path through some emptied
    site, and the atom before that site on it is still there, within two spacings of it: so the
    searches from the emptied sites (this and the event's own, :func:`sever` or
    :func:`cuts_off`) find every such piece. Falls are rare, so these searches are too. ``work``:
    :func:`sever`."""
    for q in range(first, n_touched):
        i = touched[q]
        if (st[i] & OCC_MASK) == EMPTY:
            z, col = site_zc(i, grid)
            sever(z, col, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
                  es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack, seen, search, counts, dead_since, now,
                  sei_coated, pending, np.bool_(True), np.bool_(True), work)


@njit(cache=True, _nrt=False, error_model="numpy")
def strand_landed(first, n_touched, touched, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree,
                  heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack, seen, search, counts,
                  dead_since, now, sei_coated, pending, narrow_gap, work):
    """After falls: the Li atoms at the sites ``touched[first:n_touched]`` (the landing sites and
    their neighbours) that no longer reach the collector are dead (an atom that fell onto dead Li,
    or two that landed side by side on it, or one left unbound on SEI-coated dead Li), marked at time
    ``now`` (s; :func:`kill`, SEI-coated with ``sei_coated``). A search
    (:func:`_reaches_collector`, across gaps with ``narrow_gap``) from each such atom out of the
    collector's reach; falls are rare, so the searches are too. ``work``: :func:`kill`."""
    first_id = -1
    reach = 2 if narrow_gap else 1
    for q in range(first, n_touched):
        i = touched[q]
        if not is_atom(st[i]) or i < n_columns(grid) * (reach + 1):  # within the collector's reach
            continue
        if first_id < 0:
            first_id = _new_event_search(search, stamp)
        search[0] += 1
        if stamp[i] >= first_id:  # reached by an earlier search of this call, which found the collector
            continue
        live, n_seen = _reaches_collector(i, search[0], first_id, st, grid, nz, stamp, stack, seen, narrow_gap)
        if not live:
            kill(seen, n_seen, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
                 es_barrier, rise, heat_len, t_bath, grid, nz, counts, dead_since, now, sei_coated, pending, work)


@njit(cache=True, _nrt=False, error_model="numpy")
def dissolve(s, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier,
             rise, heat_len, t_bath, grid, nz, counts, track_dead, stamp, stack, seen, search, touched, revive_dead,
             pending, dead_since, now, passivation_time, sei_coated, narrow_gap, work):
    """The Li atom at site s leaves as an ion: empty the site, drop atoms it left unbound (as after
    a move), re-file, count, and (``track_dead``) mark what it cut off from the collector
    (:func:`sever`; ``narrow_gap``: Li joined across gaps of up to two spacings, and what the
    dropped atoms' leaving cut off, :func:`sever_vacated`), and a dropped atom that landed on dead
    Li only; with ``revive_dead``, dead Li
    that a dropped atom landed on next to live Li is revived (:func:`revive_touched`). Returns the
    number of ``touched`` sites (every site whose occupancy changed is among them) and the atoms
    revived (``pending``, ``dead_since``, ``now``, ``passivation_time``: :func:`revive`; ``sei_coated``:
    :func:`kill`; ``work`` int64[``WORK_SHAPE``]: :func:`sever`; numba checks no bounds)."""
    zs, cs = site_zc(s, grid)
    n_touched = change(zs, cs, np.int64(EMPTY), st, top, grid, nz, touched, np.int64(0))
    before = n_touched
    n_touched = drop_unbound(zs, cs, st, top, grid, nz, touched, n_touched, counts)
    relist(touched, n_touched, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
           es_barrier, rise, heat_len, t_bath, grid)
    counts[EV_DISSOLVE] += 1
    if track_dead:
        sever(zs, cs, st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
              es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack, seen, search, counts, dead_since, now,
              sei_coated, pending, narrow_gap, n_touched > before, work)
        if narrow_gap and n_touched > before:
            sever_vacated(before, n_touched, touched, st, top, slot, members, class_start, class_size, mobile,
                          n_mobile, tree, heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack,
                          seen, search, counts, dead_since, now, sei_coated, pending, work)
        strand_landed(before, n_touched, touched, st, top, slot, members, class_start, class_size, mobile, n_mobile,
                      tree, heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack, seen, search,
                      counts, dead_since, now, sei_coated, pending, narrow_gap, work)
    revived = 0
    if revive_dead and n_touched > before:
        revived = revive_touched(before, n_touched, touched, st, slot, members, class_start, class_size, mobile,
                                 n_mobile, tree, heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stack,
                                 seen, pending, dead_since, now, passivation_time)
    return n_touched, revived


@njit(cache=True, inline="always")
def anodic_sum(class_size, anodic):
    """Summed dissolution rate of every filed atom, sum_c class_size[c] anodic[c], 1/s."""
    total = 0.0
    for c in range(N_CLASSES):
        total += class_size[c] * anodic[c]
    return total


@njit(cache=True, inline="always")
def pick_by_weight(class_size, anodic, r):
    """Class whose interval of the cumulative summed rates holds ``r`` (0 <= r < :func:`anodic_sum`)."""
    pick = -1
    for c in range(N_CLASSES):
        v = class_size[c] * anodic[c]
        if v > 0.0:
            pick = c  # the last class with weight: the choice if round-off leaves r at the end
            if r < v:
                break
            r -= v
    return pick


@njit(cache=True, _nrt=False, error_model="numpy")
def exchange_site(u_branch, n_filed, class_start, class_size, members, st, grid, nz, column_rate, max_column_rate, rng):
    """Propose a reduction site of the reversible exchange (potentiostatic or galvanostatic) and accept it.

    Every empty site with 1 <= n <= 5 occupied neighbours that touches live Li, or the collector
    (z = 1), receives ions at one rate per site, scaled by its column's ``column_rate`` /
    ``max_column_rate``: the reverse of the dissolution of an atom with n occupied neighbours (the
    site's). Proposals come at 6 n_filed + nxy times the per-site rate. Atom branch: a filed atom
    (live Li, 1 <= n <= 5) uniformly and one of its six neighbours uniformly; an eligible empty
    site t is accepted with probability 1 / L_t, L_t its live Li neighbours, so each eligible site
    that touches live Li is proposed at exactly the per-site rate. Collector branch: a column
    uniformly; its site at z = 1 is accepted when it is empty and touches no live Li (a bare spot
    of the collector; otherwise the atom branch proposes it). O(350) a proposal (the filed atom is
    found by walking the class sizes).

    Parameters
    ----------
    u_branch : float
        Uniform in [0, 1): picks the branch (collector with probability nxy / (6 n_filed + nxy)).
    n_filed : int
        Atoms in the n-fold class lists, = sum(class_size) (the lists of the n-fold way only; with
        no live atom of n = 0 on the lattice: the fall rule, and with SEI-coated dead Li the cut-off
        of an atom left unbound on it, guarantee that).
    class_start, class_size, members, st
        The n-fold lists and the site words (module docstring).
    grid : float64[4]
        The lateral grid (:func:`lateral_grid`).
    nz : int
        Lattice height.
    column_rate : float64[ny * nx]
        Per-column deposition rates, 1/s (only their ratio to ``max_column_rate`` is used).
    max_column_rate : float
        Largest of ``column_rate``, 1/s, > 0.
    rng : uint64[4]
        Random stream, advanced.

    Returns
    -------
    site : int
        Flat index of the site where an ion is reduced, or -1: a rejected proposal (a null event).
    """
    nxy = n_columns(grid)
    if u_branch * (6.0 * n_filed + nxy) < nxy:
        col = next_below(rng, nxy)
        t = nxy + col
        if not is_open(st[t]):
            return -1
        lat = laterals(col, grid)
        for d in range(5):
            zj, cj = neighbour_zc(1, col, d, lat, nz)
            if zj >= 1 and is_atom(st[zj * nxy + cj]):
                return -1
        return t if next_uniform(rng) * max_column_rate < column_rate[col] else -1
    r = next_below(rng, n_filed)
    s = -1
    for c in range(N_CLASSES):
        if r < class_size[c]:
            s = members[class_start[c] + r]
            break
        r -= class_size[c]
    if s < 0:  # n_filed exceeded the lists (a broken precondition): reject rather than read outside them
        return -1
    zs, cs = site_zc(s, grid)
    zt, ct = neighbour_zc(zs, cs, next_below(rng, 6), laterals(cs, grid), nz)
    if zt < 1:
        return -1
    t = zt * nxy + ct
    if not is_open(st[t]):
        return -1
    live = 0
    lat = laterals(ct, grid)
    for d in range(6):
        zj, cj = neighbour_zc(zt, ct, d, lat, nz)
        if zj >= 1 and is_atom(st[zj * nxy + cj]):
            live += 1
    return t if next_uniform(rng) * live * max_column_rate < column_rate[ct] else -1


@njit(cache=True, inline="always")
def is_eligible(i, st, grid, nz):
    """True when the exchange reduces ions on site i: open (:func:`is_open`) and on the collector
    (z = 1) or next to live Li (:func:`reducible`); the sites :func:`exchange_site` accepts."""
    if not is_open(st[i]):
        return False
    z, col = site_zc(i, grid)
    return z >= 1 and reducible(z, col, st, grid, nz)


@njit(cache=True, _nrt=False, error_model="numpy")
def count_eligible(st, grid, nz, weight, flags):
    """Mark every site the exchange reduces ions on (:func:`is_eligible`) in ``flags`` (uint8[N],
    1 eligible, 0 not) and return their summed column weights, sum of ``weight[col]`` (O(N))."""
    nxy = n_columns(grid)
    total = 0.0
    for i in range(st.shape[0]):
        flags[i] = is_eligible(i, st, grid, nz)
        if flags[i]:
            total += weight[i % nxy]
    return total


@njit(cache=True, inline="always")
def recheck_eligible(i, st, grid, nz, weight, flags, total):
    """Re-mark the site i and its six neighbours after the occupancy of i changed (their
    eligibility depends on i's occupancy only through their words and their live neighbours);
    returns the summed weight ``total`` updated by the changes."""
    nxy = n_columns(grid)
    z, col = site_zc(i, grid)
    lat = laterals(col, grid)
    for d in range(-1, 6):
        j = i
        if d >= 0:
            zj, cj = neighbour_zc(z, col, d, lat, nz)
            if zj < 0:
                continue
            j = zj * nxy + cj
        new = is_eligible(j, st, grid, nz)
        if new != (flags[j] == 1):
            flags[j] = new
            total += weight[j % nxy] if new else -weight[j % nxy]
    return total


@njit(cache=True, _nrt=False, error_model="numpy")
def update_eligible(touched, first, n_touched, killed, st, grid, nz, weight, flags, total):
    """After an event: re-mark around every site of ``touched[first:n_touched]`` (which holds every
    site whose occupancy changed, :func:`change`), or every site when ``killed`` (atoms marked
    dead change the eligibility of their neighbours, which no list holds; rare); returns the
    updated summed weight (:func:`recheck_eligible`)."""
    if killed:
        return count_eligible(st, grid, nz, weight, flags)
    for q in range(first, n_touched):
        total = recheck_eligible(touched[q], st, grid, nz, weight, flags, total)
    return total


@njit(cache=True, _nrt=False, error_model="numpy")
def count_weighted_anodic(st, anodic, weight, grid, contrib):
    """Each site's dissolution rate times its column weight, ``anodic[class] * weight[col]`` (0 for a
    site with no n-fold class), into ``contrib`` (float64[N]); returns their sum, 1/s (O(N))."""
    nxy = n_columns(grid)
    total = 0.0
    for i in range(st.shape[0]):
        c = hop_class(st[i], False)
        contrib[i] = anodic[c] * weight[i % nxy] if c >= 0 else 0.0
        total += contrib[i]
    return total


@njit(cache=True, _nrt=False, error_model="numpy")
def update_weighted_anodic(touched, n_touched, killed, st, anodic, weight, grid, contrib, total):
    """After an event: redo the terms of :func:`count_weighted_anodic` of ``touched[:n_touched]``
    (every site whose class an event changed is there, as :func:`relist` files them from it), or
    all of them when ``killed`` (atoms marked dead, filed from another list; rare); returns the
    updated sum."""
    if killed:
        return count_weighted_anodic(st, anodic, weight, grid, contrib)
    nxy = n_columns(grid)
    for q in range(n_touched):
        i = touched[q]
        c = hop_class(st[i], False)
        new = anodic[c] * weight[i % nxy] if c >= 0 else 0.0
        total += new - contrib[i]
        contrib[i] = new
    return total


@njit(cache=True, inline="always")
def keep_exchange_sums(touched, first, n_touched, killed, weighted, st, anodic, grid, nz, weight, flags, contrib,
                       sums):
    """After an event of the galvanostatic exchange: re-mark the eligible sites around
    ``touched[first:n_touched]`` into ``sums[0]`` (:func:`update_eligible`) and, for a non-uniform
    field (``weighted``), redo the weighted dissolution terms of ``touched[:n_touched]`` into
    ``sums[1]`` (:func:`update_weighted_anodic`); both recounted when ``killed``."""
    sums[0] = update_eligible(touched, first, n_touched, killed, st, grid, nz, weight, flags, sums[0])
    if weighted:
        sums[1] = update_weighted_anodic(touched, n_touched, killed, st, anodic, weight, grid, contrib, sums[1])


@njit(cache=True, _nrt=False, error_model="numpy")
def exchange_split(net_rate, anodic_sum0, cathodic_sum0, alpha_ratio):
    """Dissolution and reduction rates (p, q), 1/s, of the galvanostatic exchange: p - q =
    ``net_rate`` with p = S x and q = C x^(-r), x = exp(alpha_a e eta / k_B T) the anodic
    Butler-Volmer factor at the overpotential that carries the net current.

    Parameters
    ----------
    net_rate : float
        R = I / e, 1/s: net dissolutions a second (> 0 strips, < 0 plates, 0 open circuit).
    anodic_sum0 : float
        S, the summed dissolution rate of the live atoms at eta = 0, 1/s (>= 0).
    cathodic_sum0 : float
        C, the summed reduction rate of the eligible sites at eta = 0, 1/s (>= 0).
    alpha_ratio : float
        r = alpha_c / alpha_a, > 0.

    Returns
    -------
    p, q : float
        1/s. (-1, -1) when no overpotential carries R: R > 0 with S = 0 (nothing to dissolve) or
        R < 0 with C = 0 (nowhere to reduce). With S or C zero otherwise, the one branch left
        carries R alone: (max(R, 0), max(-R, 0)), (0, 0) at open circuit.
    """
    s, c, rr = anodic_sum0, cathodic_sum0, net_rate
    if (rr > 0.0 and s <= 0.0) or (rr < 0.0 and c <= 0.0):
        return -1.0, -1.0
    if s <= 0.0 or c <= 0.0:
        return max(rr, 0.0), max(-rr, 0.0)
    root = np.sqrt(rr * rr + 4.0 * s * c)  # r = 1: p q = S C, so p and q are the roots of a quadratic
    if rr >= 0.0:
        p = 0.5 * (rr + root)
        q = s * c / p
    else:
        q = 0.5 * (root - rr)
        p = s * c / q
    if alpha_ratio == 1.0:
        return p, q
    # r != 1: Newton on y = ln x from the r = 1 root, f(y) = S e^y - C e^(-r y) - R increasing;
    # bisection whenever a step leaves the bracket
    y = np.log(p / s)
    lo, hi = y, y
    while s * np.exp(lo) - c * np.exp(-alpha_ratio * lo) > rr:
        lo -= 1.0
    while s * np.exp(hi) - c * np.exp(-alpha_ratio * hi) < rr:
        hi += 1.0
    for _ in range(200):
        a, b = s * np.exp(y), c * np.exp(-alpha_ratio * y)
        f = a - b - rr
        if f == 0.0:
            break
        if f > 0.0:
            hi = y
        else:
            lo = y
        step = f / (a + alpha_ratio * b)
        y_new = y - step
        if not lo < y_new < hi:
            y_new = 0.5 * (lo + hi)
        if abs(y_new - y) <= 1e-15 * max(1.0, abs(y)):
            y = y_new
            break
        y = y_new
    return s * np.exp(y), c * np.exp(-alpha_ratio * y)


@njit(cache=True, _nrt=False, error_model="numpy")
def bare_collector(st, grid):
    """True when some site at z = 1 is empty with at most 5 occupied neighbours (an ion could be
    reduced there; O(columns))."""
    nxy = n_columns(grid)
    for col in range(nxy):
        if is_open(st[nxy + col]):
            return True
    return False


def event_scratch(st, column_rate, anodic, strip_rate, net_mode, grid, nz, kept_sums):
    """The scratch and per-call constants of :func:`run_events` (its last nine arguments, in order),
    and the recount of ``kept_sums`` the call starts from. Plain Python: the event loop allocates
    nothing (module docstring).

    Parameters
    ----------
    st, column_rate, anodic, strip_rate, net_mode, grid, nz
        As for :func:`run_events`.
    kept_sums : float64[2]
        Recounted in place: the galvanostatic exchange's summed weight of the eligible sites and
        (a non-uniform ``column_rate``) its summed weighted dissolution rates, 1/s; zeros otherwise.

    Returns
    -------
    touched : int64[TOUCHED_SIZE]
        Scratch: the sites an event changed.
    work : int64[WORK_SHAPE]
        Scratch of :func:`cuts_off`, :func:`sever` and :func:`kill`.
    flags : uint8[N] (``net_mode``) or uint8[1]
        The sites the galvanostatic exchange reduces ions on (:func:`count_eligible`).
    weight : float64[ny * nx]
        ``column_rate`` / its largest value (ones if that is 0).
    contrib : float64[N] (a weighted ``net_mode``) or float64[1]
        Each site's weighted dissolution rate, 1/s (:func:`count_weighted_anodic`).
    tiny : float
        Half the smallest positive weight (0 if none): a kept sum below it is round-off, no site left.
    weighted : bool
        The exchange (either) runs in a non-uniform field.
    potentiostatic : bool
        The potentiostatic exchange runs (``strip_rate`` 0, some ``anodic`` rate > 0, not ``net_mode``).
    max_column_rate : float
        The largest ``column_rate``, 1/s.
    """
    touched = np.empty(TOUCHED_SIZE, np.int64)
    work = np.empty(WORK_SHAPE, np.int64)
    potentiostatic = bool(strip_rate == 0.0 and anodic.max() > 0.0 and not net_mode)
    max_column_rate = float(column_rate.max())
    flags = np.zeros(st.shape[0] if net_mode else 1, np.uint8)
    weight = column_rate / max_column_rate if max_column_rate > 0.0 else np.ones_like(column_rate)
    positive = weight[weight > 0.0]
    tiny = float(0.5 * positive.min()) if positive.size > 0 else 0.0
    kept_sums[0] = count_eligible(st, grid, nz, weight, flags) if net_mode else 0.0
    # a non-uniform field scales both branches of the exchange: dissolutions are drawn as without
    # it and accepted with the column's weight (thinning); the galvanostatic solve needs their sum
    weighted = bool((net_mode or potentiostatic) and weight.min() < 1.0)
    contrib = np.zeros(st.shape[0] if weighted and net_mode else 1)
    kept_sums[1] = count_weighted_anodic(st, anodic, weight, grid, contrib) if weighted and net_mode else 0.0
    return touched, work, flags, weight, contrib, tiny, weighted, potentiostatic, max_column_rate


@njit(cache=True, _nrt=False, error_model="numpy")
def run_events(
    st, top, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier, rise,
    heat_len, t_bath, alias_prob, alias_idx, deposition_rate, ballistic, grid, nz, rng, clock, counts, max_events,
    t_end, max_deposits, hop_log, epitaxy, anodic, strip_rate, strip_floor, max_dissolutions, track_dead,
    column_rate, stamp, stack, seen, search, exchange_rate, net_mode, net_rate, alpha_ratio, cutoff_factor, kept_sums,
    revive_dead, pending, dead_since, passivation_time, sei_coated, narrow_gap, refuse_stranding, uphill, touched, work,
    flags, weight, contrib, tiny, weighted, potentiostatic, max_column_rate,
):
    """Advance the kMC until an event budget, an end time or a deposit target is reached.

    Parameters
    ----------
    st, top, slot, members, class_start, class_size, mobile, n_mobile, tree
        The state (module docstring); advanced in place.
    heated : bool
        Select moves through the sum tree with per-site temperatures (True) or by n-fold classes.
    rates : float64[3, 350]
        Per class at the bath temperature (acceleration included): total rate of an atom, 1/s;
        the part of it by step moves, 1/s; activation energy of its nearest-neighbour hops, eV.
    es_barrier : float
        Ehrlich-Schwoebel barrier E_ES added to a step move, eV (used when ``heated``).
    rise : float64[ny * nx]
        Temperature rise at the top of the heated height in each column, K (used when ``heated``).
    heat_len : float
        Height (sites above the substrate) over which the temperature rises linearly, > 0.
    t_bath : float
        Bath temperature, K.
    deposition_rate : float
        Total deposition rate, 1/s; columns drawn from the alias table (``alias_prob``, ``alias_idx``).
    grid : float64[4]
        The lateral grid (:func:`lateral_grid`).
    nz : int
        Lattice height.
    clock : float64[1]
        Simulated time, s; advanced in place.
    counts : int64[7]
        Deposits, nearest-neighbour hops, falls (part of the move or dissolution that left the
        atom unbound, not events of their own), step moves, dissolutions, atoms marked dead and
        null events (refused moves, rejected exchange proposals); advanced in place.
    max_events : int
        Events (deposits, dissolutions, moves and null events) to perform at most in this call.
    t_end : float
        Stop when the next event would come after this time (the clock is set to it: exact for
        a Poisson process).
    max_deposits : int
        Stop when ``counts[0]`` reaches this (``net_mode``: deposits - dissolutions).
    hop_log : float64[K, 3] or empty
        If K > 0, (from site, to site, time) of the first K moves (hops and step moves) of this
        call are written (diagnostics and tracer tests; site indices are exact in float64).
    epitaxy : float
        Probability that a glassy atom arriving (deposited or by a move) next to crystalline Li
        continues it, becoming crystalline.
    anodic : float64[350]
        Dissolution rate of one atom of each class, 1/s (n-fold lists only; zeros: no dissolution).
    strip_rate : float
        Galvanostatic stripping: total dissolution rate, 1/s (I A / e); each dissolution takes an
        atom with probability proportional to its ``anodic`` rate. 0: the atoms dissolve at their
        own ``anodic`` rates (potentiostatic; the sum is taken every event).
    strip_floor : float
        Galvanostatic stripping stops (status 7) when the atoms' summed ``anodic`` rates fall below
        this, 1/s (the overpotential cut-off; :mod:`.dissolution`).
    max_dissolutions : int
        Stop when ``counts[EV_DISSOLVE]`` reaches this (``net_mode``: dissolutions - deposits).
    track_dead : bool
        Mark Li cut off from the collector by a dissolution as dead (:func:`sever`), and atoms
        that fall where no Li path reaches the collector (:func:`strand_landed`); refuse a move that would cut Li off
        the collector (:func:`cuts_off`: a null event, counted in ``counts[EV_REFUSED]``), so that
        necks break by dissolution only and every live atom reaches the collector; reduce
        arriving ions only where they touch the collector or live Li (:func:`reducible`; other
        columns are drawn again; after 16 x columns draws, among the reducible columns directly,
        :func:`reducible_column`, with weights ``column_rate``, float64[ny * nx]).
    stamp, stack, seen, search
        Scratch of :func:`sever` and :func:`cuts_off` (used when ``track_dead``).
    exchange_rate : float
        > 0: the reversible exchange (potentiostatic; ``net_mode``: at eta = 0) replaces the arrival rule: ions are
        reduced at every eligible empty site (:func:`exchange_site`) at ``exchange_rate`` x
        column_rate[col] / max(column_rate) per site, 1/s (``deposition_rate``, the alias table
        and ``ballistic`` are then not used); a rejected proposal is a null event, counted in
        ``counts[EV_REFUSED]``.
        0: ions arrive by the arrival rule at the total ``deposition_rate``.
    net_mode : bool
        The galvanostatic exchange: the reversible exchange at the overpotential that carries the
        net current ``net_rate`` (:func:`exchange_split`, solved before every event from the
        summed ``anodic`` rates, which are then those at eta = 0, and the eligible sites, counted
        incrementally: :func:`recheck_eligible`). ``exchange_rate`` is the per-site rate at eta = 0
        of the fastest column; ``strip_rate`` must be 0. The targets are net: stop when deposits
        - dissolutions reaches ``max_deposits`` or dissolutions - deposits ``max_dissolutions``;
        status 7 when stripping (``net_rate`` > 0) finds nothing to dissolve or the anodic factor
        x exceeds ``cutoff_factor``, 8 when plating finds no eligible site.
    net_rate : float
        Net dissolutions a second, I / e, 1/s (> 0 strips, < 0 plates, 0 open circuit; ``net_mode``).
    alpha_ratio : float
        alpha_c / alpha_a (``net_mode``).
    cutoff_factor : float
        exp(alpha_a e eta_cut / k_B T): the stripping cut-off (``net_mode``; inf: none).
    kept_sums : float64[2]
        Scratch of ``net_mode``, left as the last event left it: the summed weight of the eligible
        sites and (non-uniform field) the summed weighted dissolution rates, kept incrementally
        (recounted by :func:`event_scratch` before each call; a check of the bookkeeping against a recount).
    revive_dead : bool
        Dead Li is live again once live Li touches it (``track_dead``; :func:`revive`): wherever
        an event puts an atom (a deposit or reduction, a move's target, a fall's landing site), the
        dead clusters next to it are revived. False: dead Li stays dead.
    pending : int64[1]
        Work that waits for room in the hop lists (status 3, or the status of a stop the event
        reached); 0 otherwise. ``revive_dead``: the size of a dead cluster whose revival waits
        (:func:`revive`); the caller grows the lists and revives it (:func:`revive_all`) before it
        calls again. ``sei_coated``: the dead atoms not yet coated (:func:`kill`); the caller
        grows the lists and coats them (:func:`coat_all`).
    dead_since : float64[N] or float64[0]
        The passivation clock of ``revive_dead``: the time each dead atom died, s (:func:`kill`
        sets it); a dead atom is revived only while ``clock[0]`` - its time <= ``passivation_time``.
        Empty: no clock (revived whenever touched).
    passivation_time : float
        The SEI's passivation time, s (used with a non-empty ``dead_since``).
    sei_coated : bool
        Dead Li is SEI-coated at once (``track_dead``; not with ``revive_dead``): it blocks its site
        but binds no Li (:func:`kill`, :func:`bonds`). False: it binds as Li does.
    narrow_gap : bool
        Li is joined to Li (and to the collector) across gaps: within two lattice spacings, not
        only where faces meet (``track_dead``; :func:`sever`, :func:`cuts_off`). False: faces only.
    refuse_stranding : bool
        A move is refused also when an atom it leaves with no bond would fall where no Li path
        reaches the collector (``track_dead``, faces only; :func:`cuts_off`). False: the atom
        falls there and is dead (:func:`strand_landed`).
    uphill : float64[7]
        The bond-lift scaling (``model.bond_lift``): a move (hop or step move) that takes its atom
        from n_i bonds to n_f < n_i (its bonds at the target, itself left out) is accepted with
        probability ``uphill[n_i - n_f]``, else a null event, counted in ``counts[EV_REFUSED]``;
        ``rates`` then hold the attempt rates, lifted by exp(lambda g n_i). All ones (lambda = 0):
        every move is accepted and no random number is drawn for it.
    touched, work, flags, weight, contrib, tiny, weighted, potentiostatic, max_column_rate
        int64[TOUCHED_SIZE], int64[WORK_SHAPE], uint8[N or 1], float64[ny * nx], float64[N or 1],
        float, bool, bool, float (1/s): the loop's scratch and per-call constants, from
        :func:`event_scratch` (called before each call: it also recounts ``kept_sums``).

    With either exchange and a non-uniform ``column_rate``, its weight w = column_rate /
    max(column_rate) scales both branches: reductions through :func:`exchange_site`, and a drawn
    dissolution is accepted with probability w of its column (a rejection is a null event, counted
    in ``counts[EV_REFUSED]``), so ``anodic`` must hold the rates of the fastest column.

    Returns
    -------
    status : int
        See the module docstring.
    """
    nxy = n_columns(grid)
    n_cols = alias_prob.shape[0]
    logged = 0
    first = leaf_start(tree.shape[0])
    if not net_mode and counts[EV_DISSOLVE] >= max_dissolutions:  # changes only in a dissolution, checked there
        return ST_DISSOLVED
    for _ in range(max_events):
        if net_mode:
            if counts[EV_DISSOLVE] - counts[EV_DEPOSIT] >= max_dissolutions:
                return ST_DISSOLVED
            if counts[EV_DEPOSIT] - counts[EV_DISSOLVE] >= max_deposits:
                return ST_DEPOSITS
        elif counts[EV_DEPOSIT] >= max_deposits:
            return ST_DEPOSITS
        if (n_mobile[1] + CLASS_HEADROOM > mobile.shape[0]) if heated else (n_mobile[1] < CLASS_HEADROOM):
            return ST_GROW
        if pending[0] > 0:  # a revival or coats wait for room in the hop lists
            return ST_GROW
        hop_total = tree[TREE_PAD] if n_mobile[0] > 0 and tree[TREE_PAD] > 0.0 else 0.0
        anodic_total = strip_rate
        weights = 0.0  # summed anodic rates the dissolving atom is drawn by (taken here when already known)
        if potentiostatic:
            anodic_total = anodic_sum(class_size, anodic)
            weights = anodic_total
        reduction_total = deposition_rate
        if net_mode:
            weights = anodic_sum(class_size, anodic)
            anodic0 = kept_sums[1] if weighted and weights > 0.0 else weights  # S, the field's weights included
            eligible = kept_sums[0]
            cathodic0 = exchange_rate * eligible if eligible > tiny else 0.0  # tiny: round-off of removals
            anodic_total, cathodic = exchange_split(net_rate, anodic0, cathodic0, alpha_ratio)
            if anodic_total < 0.0:
                return ST_CUTOFF if net_rate > 0.0 else ST_PASSIVATED
            if net_rate > 0.0 and anodic_total > cutoff_factor * anodic0:
                return ST_CUTOFF
            if weighted and anodic_total > 0.0:
                anodic_total *= weights / anodic0  # proposals, accepted with the column's weight
            # proposals of :func:`exchange_site` at the per-site rate times exp(-alpha_c e eta / k_B T)
            reduction_total = 0.0
            if cathodic > 0.0:
                reduction_total = cathodic / eligible * (6.0 * n_mobile[0] + nxy)
        elif exchange_rate > 0.0:  # proposals of the reversible exchange (:func:`exchange_site`)
            if n_mobile[0] == 0 and not bare_collector(st, grid):
                return ST_PASSIVATED  # no live atom, and dead Li covers the collector
            reduction_total = exchange_rate * (6.0 * n_mobile[0] + nxy)
        total = hop_total + reduction_total + anodic_total
        if total <= 0.0:
            clock[0] = t_end
            return ST_FROZEN
        dt = -np.log(1.0 - next_uniform(rng)) / total
        if clock[0] + dt > t_end:
            clock[0] = t_end
            return ST_TIME
        clock[0] += dt
        r = next_uniform(rng) * total
        if r < reduction_total:
            if exchange_rate > 0.0:
                t = exchange_site(r / reduction_total, n_mobile[0], class_start, class_size, members, st, grid, nz,
                                  column_rate, max_column_rate, rng)
                if t < 0:
                    counts[EV_REFUSED] += 1  # a rejected proposal: a null event (the clock has advanced)
                    continue
                z, col = site_zc(t, grid)
            else:
                k = next_below(rng, n_cols)
                col = k if next_uniform(rng) < alias_prob[k] else alias_idx[k]
                z = arrival_height(col, ballistic, top, grid)
                if track_dead:
                    tries = 0
                    while not reducible(z, col, st, grid, nz):
                        tries += 1
                        if tries > 16 * n_cols:  # rare: draw among the reducible columns directly, or stop
                            col = reducible_column(next_uniform(rng), column_rate, ballistic, st, top, grid, nz)
                            if col < 0:
                                return ST_PASSIVATED
                            z = arrival_height(col, ballistic, top, grid)
                            break
                        k = next_below(rng, n_cols)
                        col = k if next_uniform(rng) < alias_prob[k] else alias_idx[k]
                        z = arrival_height(col, ballistic, top, grid)
            if z >= nz - 1:
                return ST_FULL
            phase = GLASSY
            if epitaxy > 0.0 and touches(z, col, CRYSTAL, st, grid, nz) and next_uniform(rng) < epitaxy:
                phase = CRYSTAL
            n_touched = change(z, col, phase, st, top, grid, nz, touched, np.int64(0))
            relist(touched, n_touched, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated,
                   rates, es_barrier, rise, heat_len, t_bath, grid)
            counts[EV_DEPOSIT] += 1
            revived = 0
            if revive_dead and touches(z, col, DEAD, st, grid, nz):
                revived = revive(z * nxy + col, st, slot, members, class_start, class_size, mobile, n_mobile, tree,
                                 heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stack, seen, pending,
                                 dead_since, clock[0], passivation_time)
            if net_mode:  # a deposit is rare: re-mark around every touched site, the new atom's among them
                keep_exchange_sums(touched, np.int64(0), n_touched, revived > 0, weighted, st, anodic, grid, nz, weight,
                                   flags, contrib, kept_sums)
            continue
        if r < reduction_total + anodic_total:  # a dissolution: the class by its summed rate, a member uniformly
            if weights == 0.0:
                weights = anodic_sum(class_size, anodic)
            if weights < strip_floor or weights <= 0.0:
                return ST_CUTOFF
            c = pick_by_weight(class_size, anodic, next_uniform(rng) * weights)
            s = members[class_start[c] + next_below(rng, class_size[c])]
            if weighted and next_uniform(rng) >= weight[s % nxy]:
                counts[EV_REFUSED] += 1  # a rejected proposal of a weighted exchange: a null event
                continue
            dead_before = counts[EV_DEAD]
            n_touched, revived = dissolve(s, st, top, slot, members, class_start, class_size, mobile, n_mobile,
                                          tree, heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, counts,
                                          track_dead, stamp, stack, seen, search, touched, revive_dead, pending,
                                          dead_since, clock[0], passivation_time, sei_coated, narrow_gap, work)
            if net_mode:
                keep_exchange_sums(touched, np.int64(0), n_touched, counts[EV_DEAD] != dead_before or revived > 0,
                                   weighted, st, anodic, grid, nz, weight, flags, contrib, kept_sums)
            elif counts[EV_DISSOLVE] >= max_dissolutions:
                return ST_DISSOLVED
            continue
        # a move: the atom (class by total rate and member uniformly, or through the sum tree),
        # then a nearest-neighbour hop or a step move by their rates, the target uniformly among its kind
        r -= reduction_total + anodic_total
        leaf = tree_pick(tree, first, r)
        if heated:
            s = mobile[min(leaf, n_mobile[0] - 1)]
            c = hop_class(st[s], heated)
            step_rate = rates[1, c]
            if step_rate > 0.0:
                db = site_delta_beta(s, grid, rise, heat_len, t_bath)
                step_rate *= np.exp(-(rates[2, c] + es_barrier) * db)
                p_step = step_rate / (step_rate + (rates[0, c] - rates[1, c]) * np.exp(-rates[2, c] * db))
            else:
                p_step = 0.0
        else:
            c = min(leaf, N_CLASSES - 1)
            tries = 0
            while class_size[c] == 0 or rates[0, c] == 0.0:  # round-off in the sums picked an empty class
                c = (c + 1) % N_CLASSES
                tries += 1
                if tries == N_CLASSES:
                    break
            if tries == N_CLASSES:  # no atom can move: the root held round-off only; make the sums exact
                resum(tree)
                continue
            s = members[class_start[c] + next_below(rng, class_size[c])]
            p_step = rates[1, c] / rates[0, c]
        zs, cs = site_zc(s, grid)
        b = st[s]
        stepping = p_step > 0.0 and (p_step >= 1.0 or next_uniform(rng) < p_step)
        zt, ct = -1, -1
        if stepping:
            zt, ct = step_target(zs, cs, b, next_below(rng, step_moves(b)), st, grid, nz)
            if zt >= nz - 1:
                return ST_FULL
            if (st[zt * nxy + ct] & OCC_MASK) != EMPTY:  # SEI-coated dead Li, left out of the counts of m
                counts[EV_REFUSED] += 1  # a rejected attempt: a null event, the clock has advanced
                continue
        else:
            choice = next_below(rng, (b >> 5) & 7)
            lat = laterals(cs, grid)
            for d in range(6):
                zn, cn = neighbour_zc(zs, cs, d, lat, nz)
                if zn >= 0 and is_target(st[zn * nxy + cn]):
                    if choice == 0:
                        zt, ct = zn, cn
                        break
                    choice -= 1
        if uphill[1] < 1.0:  # the bond-lift scaling: a move that loses bonds is accepted with exp(-lambda g dn)
            # a hop's target counts the mover among its neighbours; a step move's (a second neighbour) does not
            lost = ((b >> 2) & 7) - (((st[zt * nxy + ct] >> 2) & 7) - (0 if stepping else 1))
            if lost > 0 and next_uniform(rng) >= uphill[lost]:
                counts[EV_REFUSED] += 1  # a null event: the clock has advanced, the atom stays
                continue
        # the move test: most moves are settled by the words around them, without the call to cuts_off
        settled = settled_locally(s, zt * nxy + ct, stepping, st, grid, nz, work, narrow_gap) if track_dead else 0
        if settled == 1 or (settled < 0 and cuts_off(s, zt * nxy + ct, stepping, st, grid, nz, stamp, stack, seen,
                                                      search, work, narrow_gap, refuse_stranding)):
            counts[EV_REFUSED] += 1  # a null event: the clock has advanced, the atom stays
            continue
        n_touched = move_atom(zs, cs, zt, ct, epitaxy, rng, st, top, grid, nz, touched)
        counts[EV_STEP if stepping else EV_HOP] += 1
        if logged < hop_log.shape[0]:
            hop_log[logged, 0] = s
            hop_log[logged, 1] = zt * nxy + ct
            hop_log[logged, 2] = clock[0]
            logged += 1
        before = n_touched
        n_touched = drop_unbound(zs, cs, st, top, grid, nz, touched, n_touched, counts)
        relist(touched, n_touched, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated,
               rates, es_barrier, rise, heat_len, t_bath, grid)
        dead_before = counts[EV_DEAD]
        revived = 0
        # the moved atom reaches the collector (cuts_off), so what it touches revives before any fallen
        # atom is judged: one that landed on that dead Li is then live, not killed and revived
        if revive_dead and is_atom(st[zt * nxy + ct]) and touches(zt, ct, DEAD, st, grid, nz):
            revived = revive(zt * nxy + ct, st, slot, members, class_start, class_size, mobile, n_mobile, tree,
                             heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stack, seen, pending,
                             dead_since, clock[0], passivation_time)
        if track_dead and narrow_gap and n_touched > before:
            sever_vacated(before, n_touched, touched, st, top, slot, members, class_start, class_size, mobile,
                          n_mobile, tree, heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack,
                          seen, search, counts, dead_since, clock[0], sei_coated, pending, work)
        if track_dead and n_touched > before:
            strand_landed(before, n_touched, touched, st, top, slot, members, class_start, class_size, mobile,
                          n_mobile, tree, heated, rates, es_barrier, rise, heat_len, t_bath, grid, nz, stamp, stack,
                          seen, search, counts, dead_since, clock[0], sei_coated, pending, narrow_gap, work)
        if revive_dead and n_touched > before:  # where fallen atoms landed live
            revived += revive_touched(before, n_touched, touched, st, slot, members, class_start, class_size,
                                      mobile, n_mobile, tree, heated, rates, es_barrier, rise, heat_len, t_bath,
                                      grid, nz, stack, seen, pending, dead_since, clock[0], passivation_time)
        counts[EV_DEAD_MOVES] += counts[EV_DEAD] - dead_before
        if net_mode:  # the hot path: re-mark around the two sites the move changed, then around the falls'
            kept_sums[0] = recheck_eligible(s, st, grid, nz, weight, flags, kept_sums[0])
            kept_sums[0] = recheck_eligible(zt * nxy + ct, st, grid, nz, weight, flags, kept_sums[0])
            keep_exchange_sums(touched, before, n_touched, counts[EV_DEAD] != dead_before or revived > 0, weighted,
                               st, anodic, grid, nz, weight, flags, contrib, kept_sums)
    return ST_EVENTS


@njit(cache=True, inline="always")
def count_around(z, col, states, targets, grid, nz):
    """Neighbours of the site (z, col) that are valid hop targets (``targets``) or bind Li
    (otherwise, :func:`bonds`), read from the site words ``states``."""
    nxy = n_columns(grid)
    c = 0
    lat = laterals(col, grid)
    for d in range(6):
        zj, cj = neighbour_zc(z, col, d, lat, nz)
        if zj >= 0:
            b = states[zj * nxy + cj]
            c += is_target(b) if targets else bonds(b)
    return c


@njit(cache=True)
def rebuild_sites(occ, st, top, grid, nz, sei_coated):
    """Site words and column tops from the occupancy ``occ`` (uint8[N]) alone; with ``sei_coated``,
    dead Li (DEAD above the substrate layer) is SEI-coated (``DEAD_SEI``)."""
    nxy = n_columns(grid)
    for i in range(st.shape[0]):
        st[i] = occ[i] | (DEAD_SEI if sei_coated and i >= nxy and occ[i] == DEAD else 0)
    for z in range(nz):
        for col in range(nxy):
            st[z * nxy + col] += count_around(z, col, st, False, grid, nz) * N_UNIT
    for z in range(nz):
        for col in range(nxy):
            st[z * nxy + col] += count_around(z, col, st, True, grid, nz) * T_UNIT
    for z in range(nz):
        for col in range(nxy):
            st[z * nxy + col] |= own_step_fields(z, col, st, grid, nz)
    for col in range(nxy):
        z = nz - 1
        while z > 0 and occ[z * nxy + col] == EMPTY:
            z -= 1
        top[col] = z


@njit(cache=True)
def count_classes(st, class_size, heated):
    """Atoms of each class (:func:`hop_class`) into ``class_size``."""
    class_size[:] = 0
    for i in range(st.shape[0]):
        c = hop_class(st[i], heated)
        if c >= 0:
            class_size[c] += 1


@njit(cache=True)
def fill_lists(st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates, es_barrier, rise,
               heat_len, t_bath, grid):
    """Empty the hop lists (and the sum tree when ``heated``) and file every atom, in site order."""
    class_size[:] = 0
    n_mobile[0] = 0
    n_mobile[1] = 0 if heated else MAX_LIST
    tree[:] = 0.0
    slot[:] = -1
    sites = np.arange(st.shape[0])
    relist(sites, sites.shape[0], st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
           es_barrier, rise, heat_len, t_bath, grid)


def grow_tree(tree: np.ndarray, capacity: int) -> np.ndarray:
    """An 8-ary sum tree with at least ``capacity`` leaves holding the leaves of ``tree`` (a tree
    or ``np.zeros(1)``), its sums recomputed level by level."""
    old = np.asarray(tree[TREE_PAD + leaf_start(tree.shape[0]) :], dtype=float) if tree.size > 1 else np.zeros(0)
    width = 1
    while width < max(capacity, old.size):
        width *= TREE_ARITY
    levels = [np.zeros(width)]
    levels[0][: old.size] = old
    while levels[0].size > 1:
        levels.insert(0, levels[0].reshape(-1, TREE_ARITY).sum(axis=1))
    return np.concatenate([np.zeros(TREE_PAD), *levels])


@njit(cache=True)
def set_phase(sites, phase, st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
              es_barrier, rise, heat_len, t_bath, grid):
    """Set the phase of ``sites`` (Li atoms) and re-file them; the caller ensures list room (the
    step fields do not depend on the phase)."""
    for q in range(sites.shape[0]):
        st[sites[q]] = (st[sites[q]] & ~OCC_MASK) | phase
    relist(sites, sites.shape[0], st, slot, members, class_start, class_size, mobile, n_mobile, tree, heated, rates,
           es_barrier, rise, heat_len, t_bath, grid)


@njit(cache=True)
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def label_clusters(occ, phase, grid, nz):
    """Connected clusters (6-connectivity, periodic in x and y) of the sites whose state is ``phase``.

    Returns
    -------
    labels : int32[N]
        Cluster index 0..n-1 of each such site, -1 elsewhere.
    n : int
        Number of clusters.
    """
    nxy = n_columns(grid)
    n_sites = occ.shape[0]
    parent = np.arange(n_sites, dtype=np.int64)
    for z in range(nz):
        for col in range(nxy):
            i = z * nxy + col
            if occ[i] != phase:
                continue
            lat = laterals(col, grid)
            for d in (0, 2, 4):  # +x, +y, +z: every bond once
                zj, cj = neighbour_zc(z, col, d, lat, nz)
                j = zj * nxy + cj if zj >= 0 else -1
                if j >= 0 and occ[j] == phase:
                    a, b = _find(parent, i), _find(parent, j)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    labels = np.full(n_sites, -1, dtype=np.int32)
    root_label = np.full(n_sites, -1, dtype=np.int32)
    n = 0
    for i in range(n_sites):
        if occ[i] == phase:
            r = _find(parent, i)
            if root_label[r] < 0:
                root_label[r] = n
                n += 1
            labels[i] = root_label[r]
    return labels, n


@njit(cache=True)
def nucleus(start, size, labels, grid, nz):
    """Up to ``size`` sites of the cluster of ``start`` (per ``labels``), breadth first from it."""
    nxy = n_columns(grid)
    target = labels[start]
    out = np.empty(size, dtype=np.int64)
    seen = {start}
    out[0] = start
    n = 1
    head = 0
    while head < n and n < size:
        i = out[head]
        head += 1
        z, col = site_zc(i, grid)
        lat = laterals(col, grid)
        for d in range(6):
            zj, cj = neighbour_zc(z, col, d, lat, nz)
            j = zj * nxy + cj if zj >= 0 else -1
            if j >= 0 and labels[j] == target and j not in seen:
                seen.add(j)
                out[n] = j
                n += 1
                if n == size:
                    break
    return out[:n]
