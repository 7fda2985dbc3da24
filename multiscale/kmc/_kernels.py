"""Numba kernels of the kMC stage: the only numba code in the package. Plain arrays in and out.

Site arrays (flat index i = (z * ny + y) * nx + x, N = nz * ny * nx sites):

- ``occ``  uint8[N]: EMPTY 0, GLASSY 1, CRYSTAL 2, SUBSTRATE 3 (constants of ``model``);
- ``nocc`` uint8[N]: occupied nearest neighbours (0..6);
- ``ntgt`` uint8[N]: valid hop targets of an atom (empty neighbours that stay attached);
- ``cls``  int8[N]: hop class of an atom, -1 if it cannot hop;
- ``pos``  int32[N]: its index inside ``members[cls]``.

Hop classes (n-fold way): class c = ((phase - 1) * 5 + (n - 1)) * 6 + (m - 1) for phase in
{1, 2}, n in 1..5 occupied neighbours, m in 1..6 targets; all atoms of a class hop at the same
rate ``class_rate[c]`` = m * k[phase, n], so a class is chosen by its total rate and a member
uniformly. ``members`` int32[60, cap], ``class_size`` int64[60].

Columns: ``top`` int32[ny * nx] is the highest occupied z of each column (substrate: 0);
``colnbr`` int32[ny * nx, 13] its lateral neighbours within distance 2 (:func:`column_neighbours`).
Deposition picks a column from a Walker alias table (``alias_prob``, ``alias_idx``), O(1).

Random numbers: xoshiro256** on a uint64[4] state that the caller keeps, so a run is
reproducible bit for bit and can be checkpointed and resumed.

Status codes returned by :func:`run_events`: 0 event budget used, 1 end time reached,
2 deposit target reached, 3 a hop class is nearly full (grow ``members`` and call again),
4 the deposit reached the top of the box, 5 nothing can happen (all rates zero).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY, GLASSY, CRYSTAL, SUBSTRATE = 0, 1, 2, 3
N_CLASSES = 60
CLASS_HEADROOM = 128  # free slots every class must have before an event (an event moves < 60 atoms)

ST_EVENTS, ST_TIME, ST_DEPOSITS, ST_GROW, ST_FULL, ST_FROZEN = 0, 1, 2, 3, 4, 5
EV_DEPOSIT, EV_HOP, EV_FALL = 0, 1, 2

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


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
# Lateral offsets (dy, dx) within distance 2; index 0 is the column itself and 1..4 its nearest
# neighbours (+x, -x, +y, -y). ``colnbr[col, l]`` (int32[ny * nx, 13], built once) is the column
# at lateral offset l from ``col`` with periodic wrap, so neighbour lookups need no division but
# the one that splits a site index into (z, col).

LATERAL = ((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0), (0, 2), (0, -2), (2, 0), (-2, 0), (1, 1), (1, -1), (-1, 1), (-1, -1))


def column_neighbours(nx: int, ny: int) -> np.ndarray:
    """``colnbr`` for an (ny, nx) periodic grid of columns, int32[ny * nx, 13]."""
    y, x = np.divmod(np.arange(ny * nx), nx)
    return np.stack([((y + dy) % ny) * nx + (x + dx) % nx for dy, dx in LATERAL], axis=1).astype(np.int32)


def distance2_offsets() -> np.ndarray:
    """The 25 sites within lattice distance 2 as (dz, lateral index), int64[25, 2]."""
    out = [(dz, l) for dz in (-2, -1, 0, 1, 2) for l, (dy, dx) in enumerate(LATERAL) if abs(dz) + abs(dy) + abs(dx) <= 2]
    return np.array(out, dtype=np.int64)


@njit(cache=True, inline="always")
def neighbour_of(z, col, d, colnbr, nxy, nz):
    """Neighbour d (0 +x, 1 -x, 2 +y, 3 -y, 4 +z, 5 -z) of the site (z, col); -1 outside in z."""
    if d < 4:
        return z * nxy + colnbr[col, 1 + d]
    if d == 4:
        return (z + 1) * nxy + col if z + 1 < nz else -1
    return (z - 1) * nxy + col if z > 0 else -1


# ----------------------------------------------------------------------------- site bookkeeping


@njit(cache=True, inline="always")
def class_of(phase, n, m):
    if phase != GLASSY and phase != CRYSTAL:
        return -1
    if n < 1 or n > 5 or m < 1:
        return -1
    return ((phase - 1) * 5 + (n - 1)) * 6 + (m - 1)


@njit(cache=True)
def count_targets(z, col, occ, nocc, colnbr, nxy, nz):
    """Empty neighbours of site (z, col) that have an occupied neighbour besides it."""
    m = 0
    for d in range(6):
        t = neighbour_of(z, col, d, colnbr, nxy, nz)
        if t >= 0 and occ[t] == EMPTY and nocc[t] >= 2:
            m += 1
    return m


@njit(cache=True)
def refresh_around(i, offsets, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nxy, nz):
    """Recompute targets and hop class of every site within lattice distance 2 of i (all that an
    occupancy change at i affects), moving atoms between class lists in O(1).

    The per-site work is written out here rather than in helpers: a numba call that takes
    arrays reference-counts each of them, which made this function 6x slower (1.34 vs
    0.22 us for 25 sites, measured; see docs/performance.md)."""
    z0 = i // nxy
    col0 = i - z0 * nxy
    for q in range(offsets.shape[0]):
        z = z0 + offsets[q, 0]
        if z < 0 or z >= nz:
            continue
        col = colnbr[col0, offsets[q, 1]]
        j = z * nxy + col
        p = occ[j]
        new = -1
        if p == GLASSY or p == CRYSTAL:
            m = 0
            for d in range(6):  # count_targets, inlined
                if d < 4:
                    t = z * nxy + colnbr[col, 1 + d]
                elif d == 4:
                    t = j + nxy if z + 1 < nz else -1
                else:
                    t = j - nxy if z > 0 else -1
                if t >= 0 and occ[t] == EMPTY and nocc[t] >= 2:
                    m += 1
            ntgt[j] = m
            n = nocc[j]
            if 1 <= n <= 5 and m >= 1:  # class_of, inlined
                new = ((p - 1) * 5 + (n - 1)) * 6 + (m - 1)
        else:
            ntgt[j] = 0
        old = cls[j]
        if old == new:
            continue
        if old >= 0:  # leave the old class: the last member takes this one's slot
            k = pos[j]
            last = members[old, class_size[old] - 1]
            members[old, k] = last
            pos[last] = k
            class_size[old] -= 1
        if new >= 0:
            k = class_size[new]
            members[new, k] = j
            pos[j] = k
            class_size[new] = k + 1
        else:
            pos[j] = -1
        cls[j] = new


@njit(cache=True, inline="always")
def place(i, phase, occ, nocc, top, colnbr, nxy, nz):
    occ[i] = phase
    z = i // nxy
    col = i - z * nxy
    for d in range(6):
        j = neighbour_of(z, col, d, colnbr, nxy, nz)
        if j >= 0:
            nocc[j] += 1
    if z > top[col]:
        top[col] = z


@njit(cache=True, inline="always")
def remove(i, occ, nocc, top, colnbr, nxy, nz):
    occ[i] = EMPTY
    z = i // nxy
    col = i - z * nxy
    for d in range(6):
        j = neighbour_of(z, col, d, colnbr, nxy, nz)
        if j >= 0:
            nocc[j] -= 1
    if top[col] == z:
        while z > 0 and occ[z * nxy + col] == EMPTY:
            z -= 1
        top[col] = z


# ----------------------------------------------------------------------------- events


@njit(cache=True, inline="always")
def touches_crystal(i, occ, colnbr, nxy, nz):
    """True when site i has a crystalline neighbour."""
    z = i // nxy
    col = i - z * nxy
    for d in range(6):
        j = neighbour_of(z, col, d, colnbr, nxy, nz)
        if j >= 0 and occ[j] == CRYSTAL:
            return True
    return False


@njit(cache=True, inline="always")
def arrival_site(col, ballistic, top, colnbr, nxy):
    """Site where an atom arriving on column ``col`` sticks.

    Column top: just above the column's highest atom. Ballistic: the first empty site, coming
    down the column, that touches an occupied site (a lateral neighbour column may be taller,
    which leaves an overhang)."""
    z = top[col] + 1
    if ballistic:
        for l in range(1, 5):
            h = top[colnbr[col, l]]
            if h > z:
                z = h
    return z * nxy + col


@njit(cache=True, inline="always")
def fall(i, occ, nocc, top, colnbr, nxy, nz):
    """An atom left with no occupied neighbour drops down its column until it lands; new site."""
    phase = occ[i]
    j = i
    while occ[j - nxy] == EMPTY:
        j -= nxy
    remove(i, occ, nocc, top, colnbr, nxy, nz)
    place(j, phase, occ, nocc, top, colnbr, nxy, nz)
    return j


@njit(cache=True)
def run_events(
    occ, nocc, ntgt, cls, pos, members, class_size, top,
    class_rate, alias_prob, alias_idx, deposition_rate, ballistic,
    colnbr, nz, offsets, rng, clock, counts, max_events, t_end, max_deposits, hop_log, epitaxy,
):
    """Advance the kMC until an event budget, an end time or a deposit target is reached.

    Parameters
    ----------
    colnbr : int32[ny * nx, 13]
        Lateral neighbour table (:func:`column_neighbours`).
    nz : int
        Lattice height.
    offsets : int64[25, 2]
        :func:`distance2_offsets`.
    clock : float64[1]
        Simulated time, s; advanced in place.
    counts : int64[3]
        Events by type (deposit, hop, fall); advanced in place.
    max_events : int
        Events to perform at most in this call.
    t_end : float
        Stop when the next event would come after this time (the clock is set to it: exact for
        a Poisson process).
    max_deposits : int
        Stop when ``counts[0]`` reaches this.
    hop_log : float64[K, 3] or empty
        If K > 0, (from site, to site, time) of the first K hops of this call are written
        (diagnostics and tracer tests; site indices are exact in float64).
    epitaxy : float
        Probability that a glassy atom arriving (deposited or by a hop) next to crystalline Li
        continues it, becoming crystalline.

    Returns
    -------
    status : int
        See the module docstring.
    """
    cap = members.shape[1]
    nxy = colnbr.shape[0]
    n_cols = alias_prob.shape[0]
    logged = 0
    for _ in range(max_events):
        if counts[0] >= max_deposits:
            return ST_DEPOSITS
        hop_total = 0.0
        grow = False
        for c in range(N_CLASSES):
            hop_total += class_size[c] * class_rate[c]
            if class_size[c] + CLASS_HEADROOM > cap:
                grow = True
        if grow:
            return ST_GROW
        total = hop_total + deposition_rate
        if total <= 0.0:
            clock[0] = t_end
            return ST_FROZEN
        dt = -np.log(1.0 - next_uniform(rng)) / total
        if clock[0] + dt > t_end:
            clock[0] = t_end
            return ST_TIME
        clock[0] += dt
        r = next_uniform(rng) * total
        if r < deposition_rate:
            k = next_below(rng, n_cols)
            col = k if next_uniform(rng) < alias_prob[k] else alias_idx[k]
            site = arrival_site(col, ballistic, top, colnbr, nxy)
            if site // nxy >= nz - 1:
                return ST_FULL
            phase = GLASSY
            if epitaxy > 0.0 and touches_crystal(site, occ, colnbr, nxy, nz) and next_uniform(rng) < epitaxy:
                phase = CRYSTAL
            place(site, phase, occ, nocc, top, colnbr, nxy, nz)
            refresh_around(site, offsets, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nxy, nz)
            counts[EV_DEPOSIT] += 1
            continue
        # hop: class by total rate, member uniformly, target uniformly among the valid ones
        r -= deposition_rate
        c = 0
        while c < N_CLASSES - 1 and r >= class_size[c] * class_rate[c]:
            r -= class_size[c] * class_rate[c]
            c += 1
        while class_size[c] == 0:  # round-off at the end of the scan
            c -= 1
        s = members[c, next_below(rng, class_size[c])]
        zs = s // nxy
        cs = s - zs * nxy
        choice = next_below(rng, ntgt[s])
        t = -1
        for d in range(6):
            n = neighbour_of(zs, cs, d, colnbr, nxy, nz)
            if n >= 0 and occ[n] == EMPTY and nocc[n] >= 2:
                if choice == 0:
                    t = n
                    break
                choice -= 1
        phase = occ[s]
        remove(s, occ, nocc, top, colnbr, nxy, nz)
        if phase == GLASSY and epitaxy > 0.0 and touches_crystal(t, occ, colnbr, nxy, nz) and next_uniform(rng) < epitaxy:
            phase = CRYSTAL
        place(t, phase, occ, nocc, top, colnbr, nxy, nz)
        refresh_around(s, offsets, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nxy, nz)
        refresh_around(t, offsets, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nxy, nz)
        counts[EV_HOP] += 1
        if logged < hop_log.shape[0]:
            hop_log[logged, 0] = s
            hop_log[logged, 1] = t
            hop_log[logged, 2] = clock[0]
            logged += 1
        for d in range(6):  # neighbours of s that lost their last bond fall down their column
            n = neighbour_of(zs, cs, d, colnbr, nxy, nz)
            if n >= 0 and (occ[n] == GLASSY or occ[n] == CRYSTAL) and nocc[n] == 0:
                landed = fall(n, occ, nocc, top, colnbr, nxy, nz)
                refresh_around(n, offsets, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nxy, nz)
                refresh_around(landed, offsets, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nxy, nz)
                counts[EV_FALL] += 1
    return ST_EVENTS


@njit(cache=True)
def rebuild_sites(occ, nocc, ntgt, cls, top, colnbr, nz, class_size):
    """Recompute neighbour counts, targets, class ids and column tops from ``occ`` alone, and
    count the members of each class into ``class_size`` (members themselves: :func:`fill_members`)."""
    nxy = colnbr.shape[0]
    class_size[:] = 0
    for z in range(nz):
        for col in range(nxy):
            k = 0
            for d in range(6):
                j = neighbour_of(z, col, d, colnbr, nxy, nz)
                if j >= 0 and occ[j] != EMPTY:
                    k += 1
            nocc[z * nxy + col] = k
    for col in range(nxy):
        z = nz - 1
        while z > 0 and occ[z * nxy + col] == EMPTY:
            z -= 1
        top[col] = z
    for z in range(nz):
        for col in range(nxy):
            i = z * nxy + col
            p = occ[i]
            m = count_targets(z, col, occ, nocc, colnbr, nxy, nz) if (p == GLASSY or p == CRYSTAL) else 0
            ntgt[i] = m
            c = class_of(p, nocc[i], m)
            cls[i] = c
            if c >= 0:
                class_size[c] += 1


@njit(cache=True)
def fill_members(cls, pos, members, class_size):
    """Fill ``members`` and ``pos`` from the class ids in ``cls``."""
    class_size[:] = 0
    for i in range(cls.shape[0]):
        c = cls[i]
        if c >= 0:
            members[c, class_size[c]] = i
            pos[i] = class_size[c]
            class_size[c] += 1
        else:
            pos[i] = -1


@njit(cache=True)
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def label_clusters(occ, phase, colnbr, nz):
    """Connected clusters (6-connectivity, periodic in x and y) of the sites whose state is ``phase``.

    Returns
    -------
    labels : int32[N]
        Cluster index 0..n-1 of each such site, -1 elsewhere.
    n : int
        Number of clusters.
    """
    nxy = colnbr.shape[0]
    n_sites = occ.shape[0]
    parent = np.arange(n_sites, dtype=np.int64)
    for z in range(nz):
        for col in range(nxy):
            i = z * nxy + col
            if occ[i] != phase:
                continue
            for d in (0, 2, 4):  # +x, +y, +z: every bond once
                j = neighbour_of(z, col, d, colnbr, nxy, nz)
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
def convert(sites, phase, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nz, offsets):
    """Set the phase of ``sites`` (Li atoms) and re-classify them; the caller ensures class room."""
    nxy = colnbr.shape[0]
    for q in range(sites.shape[0]):
        occ[sites[q]] = phase
        refresh_around(sites[q], offsets, occ, nocc, ntgt, cls, pos, members, class_size, colnbr, nxy, nz)


@njit(cache=True)
def nucleus(start, size, labels, colnbr, nz):
    """Up to ``size`` sites of the cluster of ``start`` (per ``labels``), breadth first from it."""
    nxy = colnbr.shape[0]
    target = labels[start]
    out = np.empty(size, dtype=np.int64)
    seen = {start}
    out[0] = start
    n = 1
    head = 0
    while head < n and n < size:
        i = out[head]
        head += 1
        z = i // nxy
        col = i - z * nxy
        for d in range(6):
            j = neighbour_of(z, col, d, colnbr, nxy, nz)
            if j >= 0 and labels[j] == target and j not in seen:
                seen.add(j)
                out[n] = j
                n += 1
                if n == size:
                    break
    return out[:n]
