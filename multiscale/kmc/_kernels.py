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

Columns: ``top`` int32[ny * nx] is the highest occupied z of each column (substrate: 0).
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


@njit(cache=True)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True)
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


@njit(cache=True)
def next_uniform(state):
    """Uniform double in [0, 1) with 53 random bits."""
    return float(next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
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


@njit(cache=True)
def neighbour(i, d, nx, ny, nz):
    """Flat index of neighbour d (0 +x, 1 -x, 2 +y, 3 -y, 4 +z, 5 -z) of site i; -1 outside in z."""
    nxy = nx * ny
    z = i // nxy
    r = i - z * nxy
    y = r // nx
    x = r - y * nx
    if d == 0:
        x = x + 1 if x + 1 < nx else 0
    elif d == 1:
        x = x - 1 if x > 0 else nx - 1
    elif d == 2:
        y = y + 1 if y + 1 < ny else 0
    elif d == 3:
        y = y - 1 if y > 0 else ny - 1
    elif d == 4:
        z += 1
        if z >= nz:
            return -1
    else:
        z -= 1
        if z < 0:
            return -1
    return (z * ny + y) * nx + x


@njit(cache=True)
def shifted(i, dz, dy, dx, nx, ny, nz):
    """Site at offset (dz, dy, dx) from i (periodic in x, y); -1 outside in z."""
    nxy = nx * ny
    z = i // nxy
    r = i - z * nxy
    y = r // nx
    x = r - y * nx
    z += dz
    if z < 0 or z >= nz:
        return -1
    y = (y + dy) % ny
    x = (x + dx) % nx
    return (z * ny + y) * nx + x


def distance2_offsets() -> np.ndarray:
    """The 25 offsets (dz, dy, dx) with |dz| + |dy| + |dx| <= 2, int64[25, 3]."""
    rng = range(-2, 3)
    return np.array([(a, b, c) for a in rng for b in rng for c in rng if abs(a) + abs(b) + abs(c) <= 2], dtype=np.int64)


# ----------------------------------------------------------------------------- site bookkeeping


@njit(cache=True)
def class_of(phase, n, m):
    if phase != GLASSY and phase != CRYSTAL:
        return -1
    if n < 1 or n > 5 or m < 1:
        return -1
    return ((phase - 1) * 5 + (n - 1)) * 6 + (m - 1)


@njit(cache=True)
def count_targets(i, occ, nocc, nx, ny, nz):
    """Empty neighbours of i that have an occupied neighbour besides i."""
    m = 0
    for d in range(6):
        t = neighbour(i, d, nx, ny, nz)
        if t >= 0 and occ[t] == EMPTY and nocc[t] >= 2:
            m += 1
    return m


@njit(cache=True)
def set_class(i, c, cls, pos, members, class_size):
    old = cls[i]
    if old == c:
        return
    if old >= 0:
        k = pos[i]
        last = members[old, class_size[old] - 1]
        members[old, k] = last
        pos[last] = k
        class_size[old] -= 1
    if c >= 0:
        k = class_size[c]
        members[c, k] = i
        pos[i] = k
        class_size[c] = k + 1
    else:
        pos[i] = -1
    cls[i] = c


@njit(cache=True)
def refresh(i, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz):
    """Recompute the targets and class of site i (no-op class -1 for non-atoms)."""
    p = occ[i]
    if p == GLASSY or p == CRYSTAL:
        m = count_targets(i, occ, nocc, nx, ny, nz)
        ntgt[i] = m
        set_class(i, class_of(p, nocc[i], m), cls, pos, members, class_size)
    else:
        ntgt[i] = 0
        if cls[i] >= 0:
            set_class(i, -1, cls, pos, members, class_size)


@njit(cache=True)
def refresh_around(i, offsets, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz):
    """Refresh every site within lattice distance 2 of i (all that an occupancy change at i affects)."""
    for k in range(offsets.shape[0]):
        j = shifted(i, offsets[k, 0], offsets[k, 1], offsets[k, 2], nx, ny, nz)
        if j >= 0:
            refresh(j, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz)


@njit(cache=True)
def place(i, phase, occ, nocc, top, nx, ny, nz):
    occ[i] = phase
    for d in range(6):
        j = neighbour(i, d, nx, ny, nz)
        if j >= 0:
            nocc[j] += 1
    nxy = nx * ny
    z = i // nxy
    col = i - z * nxy
    if z > top[col]:
        top[col] = z


@njit(cache=True)
def remove(i, occ, nocc, top, nx, ny, nz):
    occ[i] = EMPTY
    for d in range(6):
        j = neighbour(i, d, nx, ny, nz)
        if j >= 0:
            nocc[j] -= 1
    nxy = nx * ny
    z = i // nxy
    col = i - z * nxy
    if top[col] == z:
        while z > 0 and occ[z * nxy + col] == EMPTY:
            z -= 1
        top[col] = z


# ----------------------------------------------------------------------------- events


@njit(cache=True)
def arrival_site(col, ballistic, top, nx, ny):
    """Site where an atom arriving on column ``col`` sticks.

    Column top: just above the column's highest atom. Ballistic: the first empty site, coming
    down the column, that touches an occupied site (a lateral neighbour column may be taller,
    which leaves an overhang)."""
    z = top[col] + 1
    if ballistic:
        y = col // nx
        x = col - y * nx
        for c in ((y * nx + (x + 1) % nx), (y * nx + (x - 1) % nx), (((y + 1) % ny) * nx + x), (((y - 1) % ny) * nx + x)):
            if top[c] > z:
                z = top[c]
    return z * nx * ny + col


@njit(cache=True)
def fall(i, occ, nocc, top, nx, ny, nz):
    """An atom left with no occupied neighbour drops down its column until it lands; new site."""
    nxy = nx * ny
    phase = occ[i]
    j = i
    while occ[j - nxy] == EMPTY:
        j -= nxy
    remove(i, occ, nocc, top, nx, ny, nz)
    place(j, phase, occ, nocc, top, nx, ny, nz)
    return j


@njit(cache=True)
def run_events(
    occ, nocc, ntgt, cls, pos, members, class_size, top,
    class_rate, alias_prob, alias_idx, deposition_rate, ballistic,
    nx, ny, nz, offsets, rng, clock, counts, max_events, t_end, max_deposits, hop_log,
):
    """Advance the kMC until an event budget, an end time or a deposit target is reached.

    Parameters
    ----------
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

    Returns
    -------
    status : int
        See the module docstring.
    """
    cap = members.shape[1]
    nxy = nx * ny
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
            site = arrival_site(col, ballistic, top, nx, ny)
            if site // nxy >= nz - 1:
                return ST_FULL
            place(site, GLASSY, occ, nocc, top, nx, ny, nz)
            refresh_around(site, offsets, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz)
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
        choice = next_below(rng, ntgt[s])
        t = -1
        for d in range(6):
            n = neighbour(s, d, nx, ny, nz)
            if n >= 0 and occ[n] == EMPTY and nocc[n] >= 2:
                if choice == 0:
                    t = n
                    break
                choice -= 1
        phase = occ[s]
        remove(s, occ, nocc, top, nx, ny, nz)
        place(t, phase, occ, nocc, top, nx, ny, nz)
        refresh_around(s, offsets, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz)
        refresh_around(t, offsets, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz)
        counts[EV_HOP] += 1
        if logged < hop_log.shape[0]:
            hop_log[logged, 0] = s
            hop_log[logged, 1] = t
            hop_log[logged, 2] = clock[0]
            logged += 1
        for d in range(6):  # neighbours of s that lost their last bond fall down their column
            n = neighbour(s, d, nx, ny, nz)
            if n >= 0 and (occ[n] == GLASSY or occ[n] == CRYSTAL) and nocc[n] == 0:
                landed = fall(n, occ, nocc, top, nx, ny, nz)
                refresh_around(n, offsets, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz)
                refresh_around(landed, offsets, occ, nocc, ntgt, cls, pos, members, class_size, nx, ny, nz)
                counts[EV_FALL] += 1
    return ST_EVENTS


@njit(cache=True)
def rebuild_sites(occ, nocc, ntgt, cls, top, nx, ny, nz, class_size):
    """Recompute neighbour counts, targets, class ids and column tops from ``occ`` alone, and
    count the members of each class into ``class_size`` (members themselves: :func:`fill_members`)."""
    n_sites = occ.shape[0]
    nxy = nx * ny
    class_size[:] = 0
    for i in range(n_sites):
        k = 0
        for d in range(6):
            j = neighbour(i, d, nx, ny, nz)
            if j >= 0 and occ[j] != EMPTY:
                k += 1
        nocc[i] = k
    for col in range(nxy):
        z = nz - 1
        while z > 0 and occ[z * nxy + col] == EMPTY:
            z -= 1
        top[col] = z
    for i in range(n_sites):
        p = occ[i]
        m = count_targets(i, occ, nocc, nx, ny, nz) if (p == GLASSY or p == CRYSTAL) else 0
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
