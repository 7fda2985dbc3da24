"""The kMC engine: lattice state, event loop driver, reproducible random stream.

:class:`KmcState` holds every array the kernels advance (its fields are the whole state: saving
them is a checkpoint). :class:`Engine` binds a state to the rates (per-class hop rates and the
per-column deposition rates) and advances it; it grows the class arrays when the kernel asks.
Shapes: the lattice is (nz, ny, nx), axis order (z, y, x); the deposition field is (ny, nx).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _kernels as k
from .model import CRYSTAL, EMPTY, GLASSY, SUBSTRATE

STATUS = {
    k.ST_EVENTS: "event budget used",
    k.ST_TIME: "end time reached",
    k.ST_DEPOSITS: "deposit target reached",
    k.ST_FULL: "the deposit reached the top of the box",
    k.ST_FROZEN: "nothing can happen (all rates are zero)",
}


@dataclass
class KmcState:
    """Every array of a kMC run (SI time; lattice units for positions)."""

    shape: tuple[int, int, int]
    occ: np.ndarray
    nocc: np.ndarray
    ntgt: np.ndarray
    cls: np.ndarray
    pos: np.ndarray
    members: np.ndarray
    class_size: np.ndarray
    top: np.ndarray
    rng: np.ndarray
    clock: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_occupancy(cls, occupancy: np.ndarray, seed: int) -> "KmcState":
        """State from an occupancy array (nz, ny, nx) of EMPTY/GLASSY/CRYSTAL/SUBSTRATE.

        Layer z = 0 must be substrate; the top layer must be empty (room to grow).
        """
        occupancy = np.asarray(occupancy, dtype=np.uint8)
        if occupancy.ndim != 3 or min(occupancy.shape) < 1 or occupancy.shape[0] < 3:
            raise ValueError(f"occupancy must be (nz >= 3, ny, nx), got {occupancy.shape}")
        if not np.all(occupancy[0] == SUBSTRATE):
            raise ValueError("layer z = 0 must be substrate")
        if np.any(occupancy[-1] != EMPTY):
            raise ValueError("the top layer must be empty")
        if np.any(occupancy > SUBSTRATE):
            raise ValueError("unknown site state")
        nz, ny, nx = occupancy.shape
        n = occupancy.size
        state = cls(
            shape=(nz, ny, nx),
            occ=occupancy.ravel().copy(),
            nocc=np.zeros(n, np.uint8),
            ntgt=np.zeros(n, np.uint8),
            cls=np.full(n, -1, np.int8),
            pos=np.full(n, -1, np.int32),
            members=np.zeros((k.N_CLASSES, 0), np.int32),
            class_size=np.zeros(k.N_CLASSES, np.int64),
            top=np.zeros(ny * nx, np.int32),
            rng=k.seed_state(seed),
            clock=np.zeros(1),
            counts=np.zeros(3, np.int64),
        )
        state.rebuild()
        return state

    @classmethod
    def flat(cls, shape, seed: int, layers: int = 0, phase: int = CRYSTAL) -> "KmcState":
        """Substrate at z = 0 with ``layers`` full Li layers of ``phase`` on it."""
        nz, ny, nx = shape
        occupancy = np.zeros((nz, ny, nx), np.uint8)
        occupancy[0] = SUBSTRATE
        occupancy[1 : 1 + layers] = phase
        return cls.from_occupancy(occupancy, seed)

    def rebuild(self) -> None:
        """Recompute every derived array from ``occ`` (used at start and after loading)."""
        nz, ny, nx = self.shape
        k.rebuild_sites(self.occ, self.nocc, self.ntgt, self.cls, self.top, k.column_neighbours(nx, ny), nz, self.class_size)
        cap = max(1024, 2 * int(self.class_size.max()) + k.CLASS_HEADROOM)
        self.members = np.zeros((k.N_CLASSES, cap), np.int32)
        k.fill_members(self.cls, self.pos, self.members, self.class_size)

    def grow(self) -> None:
        """Double the capacity of the hop classes."""
        bigger = np.zeros((k.N_CLASSES, 2 * self.members.shape[1]), np.int32)
        bigger[:, : self.members.shape[1]] = self.members
        self.members = bigger

    @property
    def occupancy(self) -> np.ndarray:
        """Site states as (nz, ny, nx) (a view)."""
        return self.occ.reshape(self.shape)

    @property
    def n_atoms(self) -> int:
        """Li atoms on the lattice (glassy + crystalline)."""
        return int(np.count_nonzero((self.occ == GLASSY) | (self.occ == CRYSTAL)))


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table for sampling index i with probability weights[i] / sum, O(1) a draw.

    Returns
    -------
    prob : float64[n], alias : int32[n]
        Draw k uniformly; keep k with probability prob[k], else take alias[k].
    """
    w = np.asarray(weights, dtype=float).ravel()
    n = w.size
    if n == 0 or np.any(w < 0) or not np.isfinite(w).all():
        raise ValueError("weights must be finite, non-negative and not empty")
    total = w.sum()
    prob = np.ones(n)
    alias = np.arange(n, dtype=np.int32)
    if total == 0:
        return prob, alias
    scaled = w * (n / total)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return prob, alias


def class_rates(hop_table: np.ndarray) -> np.ndarray:
    """Per-atom rate of each hop class, 1/s: m * k[phase, n] (``hop_table`` is (4, 7))."""
    rates = np.zeros(k.N_CLASSES)
    for phase in (GLASSY, CRYSTAL):
        for n in range(1, 6):
            for m in range(1, 7):
                rates[k.class_of(phase, n, m)] = m * hop_table[phase, n]
    return rates


class Engine:
    """Advance a :class:`KmcState` with given hop and deposition rates.

    Parameters
    ----------
    state : KmcState
        Advanced in place.
    hop_table : ndarray, shape (4, 7)
        Per-target hop rates k[phase, n], 1/s, acceleration included (``model.rate_table``).
    deposition_rate : ndarray, shape (ny, nx)
        Per-column deposition rates, 1/s (``model.deposition_rates``).
    ballistic : bool
        Ballistic arrival (True) or column top (False).
    epitaxy : float
        Probability that a glassy atom attaching next to crystalline Li becomes crystalline.
    """

    def __init__(self, state: KmcState, hop_table: np.ndarray, deposition_rate: np.ndarray, ballistic: bool,
                 epitaxy: float = 0.0):
        nz, ny, nx = state.shape
        deposition_rate = np.asarray(deposition_rate, dtype=float)
        if deposition_rate.shape != (ny, nx):
            raise ValueError(f"deposition field must be {(ny, nx)}, got {deposition_rate.shape}")
        self.state = state
        self.class_rate = class_rates(np.asarray(hop_table, dtype=float))
        self.alias_prob, self.alias_idx = alias_table(deposition_rate)
        self.total_deposition_rate = float(deposition_rate.sum())
        self.ballistic = bool(ballistic)
        self.epitaxy = float(epitaxy)
        self.offsets = k.distance2_offsets()
        self.colnbr = k.column_neighbours(nx, ny)

    def advance(self, max_events: int = 2**62, t_end: float = np.inf, max_deposits: int = 2**62,
                hop_log: np.ndarray | None = None) -> int:
        """Run until one of the limits; returns the kernel status (``STATUS`` explains it).

        ``hop_log`` (float64[K, 3]) receives (from, to, time) of the first K hops; use it on
        runs short enough that the hop classes never grow (a growth restarts the log)."""
        s = self.state
        log = np.zeros((0, 3)) if hop_log is None else hop_log
        done_before = int(s.counts.sum())
        while True:
            budget = max_events - (int(s.counts.sum()) - done_before)
            status = k.run_events(
                s.occ, s.nocc, s.ntgt, s.cls, s.pos, s.members, s.class_size, s.top,
                self.class_rate, self.alias_prob, self.alias_idx, self.total_deposition_rate, self.ballistic,
                self.colnbr, s.shape[0], self.offsets, s.rng, s.clock, s.counts, budget, t_end, max_deposits, log,
                self.epitaxy,
            )
            if status != k.ST_GROW:
                return status
            s.grow()

    def convert(self, sites: np.ndarray, phase: int) -> None:
        """Change the phase of the Li atoms at ``sites`` (e.g. a crystalline nucleus)."""
        s = self.state
        while int(s.class_size.max()) + len(sites) + k.CLASS_HEADROOM > s.members.shape[1]:
            s.grow()
        k.convert(np.asarray(sites, dtype=np.int64), phase, s.occ, s.nocc, s.ntgt, s.cls, s.pos, s.members,
                  s.class_size, self.colnbr, s.shape[0], self.offsets)
