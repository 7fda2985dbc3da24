"""The kMC engine: lattice state, event loop driver, reproducible random stream.

:class:`KmcState` holds every array the kernels advance (its fields are the whole state: saving
them is a checkpoint). :class:`Engine` binds a state to the rates (per-class hop rates and the
per-column deposition rates) and advances it; it grows the class arrays when the kernel asks.
Shapes: the lattice is (nz, ny, nx), axis order (z, y, x); the deposition field is (ny, nx).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from . import _kernels as k
from ..constants import K_B_EV
from .model import CRYSTAL, EMPTY, GLASSY, SUBSTRATE, HopEnergetics, LocalHeating, site_temperature

STATUS = {
    k.ST_EVENTS: "event budget used",
    k.ST_TIME: "end time reached",
    k.ST_DEPOSITS: "deposit target reached",
    k.ST_FULL: "the deposit reached the top of the box",
    k.ST_FROZEN: "nothing can happen (all rates are zero)",
    k.ST_DISSOLVED: "dissolution target reached",
    k.ST_CUTOFF: "stripping cut-off reached",
    k.ST_PASSIVATED: "no column can reduce an ion (dead Li covers the electrode)",
}


@dataclass
class KmcState:
    """Every array of a kMC run (SI time; lattice units for positions); see ``_kernels`` for the
    site byte ``st`` and the hop lists. ``mode`` says which lists are filled: -1 none yet,
    0 the n-fold classes (``members``, ``class_start``, ``class_size``), 1 the sum tree (``mobile``, ``n_mobile``,
    ``tree``, local heating). ``dead_since`` is the passivation clock (``Engine``'s
    ``passivation_time_s``): the time each dead atom died, s, float64[N]; empty while no clock runs."""

    shape: tuple[int, int, int]
    st: np.ndarray
    top: np.ndarray
    slot: np.ndarray
    members: np.ndarray
    class_start: np.ndarray
    class_size: np.ndarray
    mobile: np.ndarray
    n_mobile: np.ndarray
    tree: np.ndarray
    mode: np.ndarray
    rng: np.ndarray
    clock: np.ndarray
    counts: np.ndarray
    dead_since: np.ndarray

    @classmethod
    def from_occupancy(cls, occupancy: np.ndarray, seed: int, sei_coated: bool = False) -> "KmcState":
        """State from an occupancy array (nz, ny, nx) of EMPTY/GLASSY/CRYSTAL/SUBSTRATE.

        Layer z = 0 must be substrate; the top layer must be empty (room to grow). SUBSTRATE above
        layer 0 is dead Li (``_kernels.DEAD``), of no remembered phase (revived, it is glassy) and no
        remembered time of death (under a passivation clock it died long ago: passivated); with
        ``sei_coated`` it is SEI-coated and binds no Li (for an :class:`Engine` with
        ``sei_coated``). The hop lists are filled by the :class:`Engine` that first advances the state.
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
            shape=(nz, ny, nx), st=np.zeros(n, np.uint16), top=np.zeros(ny * nx, np.int32),
            slot=np.full(n, -1, np.int32), members=np.zeros(0, np.int32),
            class_start=np.zeros(k.N_CLASSES + 1, np.int64), class_size=np.zeros(k.N_CLASSES, np.int64),
            mobile=np.zeros(0, np.int32), n_mobile=np.zeros(2, np.int64),
            tree=np.zeros(1), mode=np.full(1, -1, np.int8), rng=k.seed_state(seed), clock=np.zeros(1),
            counts=np.zeros(k.N_COUNTS, np.int64), dead_since=np.zeros(0),
        )
        k.rebuild_sites(occupancy.ravel(), state.st, state.top, k.lateral_grid(nx, ny), nz, bool(sei_coated))
        return state

    @classmethod
    def flat(cls, shape, seed: int, layers: int = 0, phase: int = CRYSTAL) -> "KmcState":
        """Substrate at z = 0 with ``layers`` full Li layers of ``phase`` on it."""
        nz, ny, nx = shape
        occupancy = np.zeros((nz, ny, nx), np.uint8)
        occupancy[0] = SUBSTRATE
        occupancy[1 : 1 + layers] = phase
        return cls.from_occupancy(occupancy, seed)

    @property
    def occ(self) -> np.ndarray:
        """Site states EMPTY/GLASSY/CRYSTAL/SUBSTRATE, flat, uint8 (a new array)."""
        return (self.st & k.OCC_MASK).astype(np.uint8)

    @property
    def occupancy(self) -> np.ndarray:
        """Site states as (nz, ny, nx) (a new array)."""
        return self.occ.reshape(self.shape)

    @property
    def events(self) -> int:
        """kMC events so far: deposits, dissolutions, moves and null events (refused moves, and the
        rejected reduction and dissolution proposals of the exchange; the kernel's event budget
        counts them too). A fall is part of the event that left its atom unbound, so it is not an
        event of its own."""
        c = self.counts
        return int(c[k.EV_DEPOSIT] + c[k.EV_HOP] + c[k.EV_STEP] + c[k.EV_DISSOLVE] + c[k.EV_REFUSED])

    @property
    def n_atoms(self) -> int:
        """Live Li atoms on the lattice (glassy + crystalline; dead Li not included)."""
        occ = self.occ
        return int(np.count_nonzero((occ == GLASSY) | (occ == CRYSTAL)))

    @property
    def n_dead(self) -> int:
        """Dead Li atoms: occupancy DEAD above the substrate layer."""
        nxy = self.shape[1] * self.shape[2]
        return int(np.count_nonzero(self.occ[nxy:] == k.DEAD))


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


def class_index(phase: int, n: int, m: int, steps: int = 0) -> int:
    """Move class of an atom of ``phase`` with n occupied neighbours, m valid hop targets and
    ``steps`` step moves (``_kernels`` docstring)."""
    return ((phase - 1) * 5 + (n - 1)) * 35 + m * 5 + steps


def hop_classes(st: np.ndarray, heated: bool = False) -> np.ndarray:
    """Class of every site word (``_kernels.hop_class``, vectorised), int64, -1 where none."""
    st = np.asarray(st).astype(np.int64)
    p, n, m = st & k.OCC_MASK, (st >> 2) & 7, (st >> 5) & 7
    steps = ((st >> 12) & 1) * ((st >> 8) & 7) + ((st >> 11) & 1) * (st >> 13)
    ok = ((p == GLASSY) | (p == CRYSTAL)) & (n >= 1) & (n <= 5) & ((m + steps >= 1) | (not heated))
    return np.where(ok, class_index(p, n, m, steps), -1)


def class_dissolution(dissolution: np.ndarray) -> np.ndarray:
    """Per-class dissolution rate of one atom, float64[350], 1/s, from k_d[phase, n] (shape (4, 7)):
    every class of (phase, n) whatever its moves."""
    out = np.zeros(k.N_CLASSES)
    for phase in (GLASSY, CRYSTAL):
        for n in range(1, 6):
            out[class_index(phase, n, 0, 0) : class_index(phase, n, 0, 0) + 35] = dissolution[phase, n]
    return out


def class_table(hop_table: np.ndarray, step_factor: float, energetics: HopEnergetics | None = None) -> np.ndarray:
    """Per-class rates, float64[3, 350]: total rate m k[phase, n] + D k[phase, n] step_factor (1/s),
    its step-move part (1/s), and the activation energy E_hop(phase) + n E_bond of the
    nearest-neighbour hops (eV; zero without ``energetics``).

    Parameters
    ----------
    hop_table : ndarray, shape (4, 7)
        Per-target hop rates k[phase, n] at the bath temperature, 1/s (``model.rate_table``).
    step_factor : float
        exp(-E_ES / k_B T_bath): a step move's rate relative to a hop of the same atom.
    """
    out = np.zeros((3, k.N_CLASSES))
    for phase in (GLASSY, CRYSTAL):
        for n in range(1, 6):
            for m in range(7):
                for steps in range(k.MAX_STEPS + 1):
                    if m + steps == 0:
                        continue
                    c = class_index(phase, n, m, steps)
                    out[0, c] = (m + steps * step_factor) * hop_table[phase, n]
                    out[1, c] = steps * step_factor * hop_table[phase, n]
                    if energetics is not None:
                        out[2, c] = energetics.activation_energy(phase, n)
    return out


def gap_clusters(li: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the True sites of ``li`` (bool, (nz, ny, nx), periodic in y and x) joined when within
    two lattice spacings (the narrow-gap contact; ``_kernels.GAP_SHELL``). Returns the flat labels
    (int64, -1 off ``li``) and their number (O(N), for checks)."""
    nz, ny, nx = li.shape
    index = np.arange(li.size).reshape(li.shape)
    rows, cols = [], []
    for dz, dy, dx in k.GAP_SHELL:
        if (dz, dy, dx) <= (0, 0, 0):  # each pair once
            continue
        a = li[: nz - dz] & np.roll(li[dz:], (-dy, -dx), (1, 2))
        rows.append(index[: nz - dz][a])
        cols.append(np.roll(index[dz:], (-dy, -dx), (1, 2))[a])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(rows.size, np.int8), (rows, cols)), shape=(li.size, li.size))
    _, labels = connected_components(graph, directed=False)
    sites = np.flatnonzero(li.ravel())
    labels = np.where(li.ravel(), labels, -1)
    unique, labels[sites] = np.unique(labels[sites], return_inverse=True)
    return labels.astype(np.int64), unique.size


class Engine:
    """Advance a :class:`KmcState` with given hop and deposition rates.

    Parameters
    ----------
    state : KmcState
        Advanced in place.
    hop_table : ndarray, shape (4, 7)
        Per-target hop rates k[phase, n] at the bath temperature, 1/s, acceleration included
        (``model.rate_table``).
    deposition_rate : ndarray, shape (ny, nx)
        Per-column deposition rates, 1/s (``model.deposition_rates``).
    ballistic : bool
        Ballistic arrival (True) or column top (False).
    epitaxy : float
        Probability that a glassy atom attaching next to crystalline Li becomes crystalline.
    heating : LocalHeating, optional
        Per-site temperatures (``model.LocalHeating``); moves are then selected through a sum
        tree of per-atom rates. Without it every site is at the bath temperature (n-fold way).
    step_factor : float
        exp(-E_ES / k_B T_bath), the rate of a step move over an edge relative to a hop of the
        same atom (``model.HopEnergetics.step_factor``); 0 turns step moves off (an infinite
        Ehrlich-Schwoebel barrier).
    dissolution : ndarray, shape (4, 7), optional
        Dissolution rate of one atom k_d[phase, n] at zero overpotential, 1/s
        (``dissolution.dissolution_table``); needed to strip (:meth:`advance`).
    track_dead : bool
        Mark Li that a dissolution cuts off from the collector as dead, refuse moves that would
        cut Li off it, and reduce ions only on the collector or live Li (``_kernels.sever``,
        ``_kernels.cuts_off``, ``_kernels.reducible``).
    revive_dead : bool
        With ``track_dead``: dead Li that live Li touches again (an atom deposited, moved or
        fallen next to it) is live again, in the phase it died in (``_kernels.revive``); False
        (default): dead Li stays dead.
    passivation_time_s : float
        With ``revive_dead``: the passivation clock, s. Dead Li is revived only within this time
        of its death (its SEI then isolates it for good); inf (default): whenever touched. A
        finite time keeps the time of death of every atom (``KmcState.dead_since``, 8 bytes a
        site; dead Li of a state that has none died long ago).
    sei_coated : bool
        With ``track_dead`` (not ``revive_dead``): dead Li is SEI-coated at once. It stays dead,
        blocks its site and binds no Li: it is not counted in any neighbour count, so Li next to it
        is bound by its other neighbours only (``_kernels.bonds``, ``_kernels.kill``). The state's
        dead Li must be coated too (``KmcState.from_occupancy(..., sei_coated=True)``). False
        (default): dead Li binds Li as live Li does.
    narrow_gap : bool
        With ``track_dead`` (not ``revive_dead`` or ``sei_coated``): Li is electronically joined
        to Li, and to the collector, across gaps of up to two lattice spacings, not only where
        faces meet, so Li is cut off only when no Li within two spacings of it leads to the
        collector (``_kernels.sever``, ``_kernels.cuts_off``; docs/models.md §4.8). False
        (default): faces only.
    refuse_stranding : bool
        With ``track_dead`` (not ``narrow_gap``, not ``revive_dead``): a hop or step move is refused (a null event) also
        when an atom it leaves with no bond would fall where no Li path reaches the collector, as a
        move that cuts Li off is (``_kernels.cuts_off``): dead Li then comes from dissolutions
        only. False (default): the atom falls there and is dead (``_kernels.strand_landed``).
    uphill_acceptance : ndarray, shape (7,), optional
        The bond-lift scaling: a move that loses dn bonds is accepted with probability
        ``uphill_acceptance[dn]`` = p**dn (``model.uphill_acceptance``), and ``hop_table`` holds
        the lifted attempt rates (``model.rate_table`` with ``lift``). None (default): every move
        is accepted.
    """

    def __init__(self, state: KmcState, hop_table: np.ndarray, deposition_rate: np.ndarray, ballistic: bool,
                 epitaxy: float = 0.0, heating: LocalHeating | None = None, step_factor: float = 0.0,
                 dissolution: np.ndarray | None = None, track_dead: bool = False, revive_dead: bool = False,
                 passivation_time_s: float = np.inf, sei_coated: bool = False, narrow_gap: bool = False,
                 refuse_stranding: bool = False, uphill_acceptance: np.ndarray | None = None):
        nz, ny, nx = state.shape
        deposition_rate = np.asarray(deposition_rate, dtype=float)
        if deposition_rate.shape != (ny, nx):
            raise ValueError(f"deposition field must be {(ny, nx)}, got {deposition_rate.shape}")
        if not 0.0 <= step_factor <= 1.0:
            raise ValueError(f"step_factor must be in [0, 1], got {step_factor}")
        self.state = state
        hop_table = np.asarray(hop_table, dtype=float)
        self.alias_prob, self.alias_idx = alias_table(deposition_rate)
        self.total_deposition_rate = float(deposition_rate.sum())
        self.ballistic = bool(ballistic)
        self.epitaxy = float(epitaxy)
        self.grid = k.lateral_grid(nx, ny)
        self.heated = heating is not None
        if heating is None:
            self.rates = class_table(hop_table, step_factor)
            self.es_barrier, self.rise, self.heat_len, self.t_bath = 0.0, np.zeros(ny * nx), 1.0, 1.0
        else:
            if heating.rise_K.shape != (ny, nx):
                raise ValueError(f"heating rise must be {(ny, nx)}, got {heating.rise_K.shape}")
            self.rates = class_table(hop_table, step_factor, heating.energetics)
            self.es_barrier = heating.energetics.E_ES_eV
            self.rise = np.ascontiguousarray(heating.rise_K, dtype=float).ravel()
            self.heat_len, self.t_bath = float(heating.length_sites), float(heating.bath_temperature_K)
        if heating is not None and (dissolution is not None or track_dead):
            raise ValueError("dissolution and dead Li need the n-fold lists (no local heating)")
        if revive_dead and not track_dead:
            raise ValueError("revive_dead needs track_dead")
        self._revive_dead = bool(revive_dead)
        if sei_coated and (not track_dead or revive_dead):
            raise ValueError("sei_coated needs track_dead, and dead Li that stays dead (no revive_dead)")
        self._sei_coated = bool(sei_coated)
        if narrow_gap and not track_dead:
            raise ValueError("narrow_gap needs track_dead")
        if narrow_gap and (revive_dead or sei_coated):
            raise ValueError("narrow_gap is for dead Li that stays dead and binds (no revive_dead, no sei_coated)")
        self._narrow_gap = bool(narrow_gap)
        if refuse_stranding and (not track_dead or narrow_gap or revive_dead):
            # the move test searches with dead Li as a wall; the move it tests may revive dead Li it touches
            raise ValueError("refuse_stranding needs track_dead, Li joined where faces meet (no narrow_gap) and "
                             "cut-off Li that is not revived (no revive_dead)")
        self._refuse_stranding = bool(refuse_stranding)
        self.uphill = np.ones(k.MAX_BONDS + 1)
        if uphill_acceptance is not None:
            uphill = np.asarray(uphill_acceptance, dtype=float)
            # the kernel reads uphill[1] < 1 as the scaling being on: the table must be exp(-lift dn)
            if uphill.shape != self.uphill.shape or not 0.0 < uphill[1] <= 1.0 or not np.allclose(
                    uphill, uphill[1] ** np.arange(uphill.size), rtol=1e-12, atol=0.0):
                raise ValueError(f"uphill_acceptance must be p**dn for dn = 0..{self.uphill.size - 1}, 0 < p <= 1 "
                                 f"(model.uphill_acceptance); got {uphill_acceptance}")
            self.uphill = uphill
        nxy = ny * nx
        dead = (state.st[nxy:] & k.OCC_MASK) == k.DEAD
        if np.any(dead & (((state.st[nxy:] & k.DEAD_SEI) != 0) != self._sei_coated)):
            raise ValueError(f"the state's dead Li is {'not ' if sei_coated else ''}SEI-coated; build it with "
                             f"KmcState.from_occupancy(..., sei_coated={bool(sei_coated)})")
        if not passivation_time_s > 0:
            raise ValueError(f"passivation_time_s must be > 0 (inf: no clock), got {passivation_time_s}")
        if np.isfinite(passivation_time_s) and not revive_dead:
            raise ValueError("passivation_time_s needs revive_dead")
        if state.dead_since.size not in (0, state.st.size):
            raise ValueError(f"dead_since must be empty or hold one time a site, got {state.dead_since.size}")
        self._passivation_time = float(passivation_time_s)
        if np.isfinite(self._passivation_time) and state.dead_since.size == 0:
            state.dead_since = np.full(state.st.size, -np.inf)
        self.pending = np.zeros(1, np.int64)  # a dead cluster to revive, or dead atoms to coat, waiting for room
        self.anodic = np.zeros(k.N_CLASSES)
        if dissolution is not None:
            self.anodic = class_dissolution(np.asarray(dissolution, dtype=float))
        self.column_rate = np.ascontiguousarray(deposition_rate, dtype=float).ravel()
        # the galvanostatic exchange's incremental sums at the kernel's last return: the eligible sites'
        # weights, and (non-uniform field) the dissolution rates times the column weights, 1/s
        self.kept_sums = np.zeros(2)
        n = state.st.size if track_dead else 1  # stamp, stack, seen, last search: scratch of the dead-Li searches
        self._track_dead = bool(track_dead)
        self.dead_scratch = (np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(1, np.int64))
        mode = int(self.heated)
        if state.mode[0] == -1:
            self._fill_lists(mode)
        elif state.mode[0] != mode:
            raise ValueError("state lists were filled for the other selection scheme (heating on/off)")
        if self.revive_dead:  # a state built elsewhere may hold dead Li that live Li touches
            k.revive_all(state.st, *self._lists(), *self._rates(), self.grid, state.shape[0], self.dead_scratch[1],
                         self.dead_scratch[2], self.pending, *self._passivation_args())
            self._settle_pending()

    @property
    def track_dead(self) -> bool:
        """Dead-Li tracking on (fixed at construction, with the scratch it needs)."""
        return self._track_dead

    @property
    def revive_dead(self) -> bool:
        """Revival of dead Li on contact on (fixed at construction)."""
        return self._revive_dead

    @property
    def sei_coated(self) -> bool:
        """Dead Li is SEI-coated and binds no Li (fixed at construction)."""
        return self._sei_coated

    @property
    def narrow_gap(self) -> bool:
        """Li joined across gaps of up to two lattice spacings (fixed at construction)."""
        return self._narrow_gap

    @property
    def refuse_stranding(self) -> bool:
        """Moves that would leave an atom to fall where no Li path reaches are refused (fixed at construction)."""
        return self._refuse_stranding

    @property
    def passivation_time_s(self) -> float:
        """The passivation clock: dead Li is revived only within this time of its death, s (inf: no clock)."""
        return self._passivation_time

    def _passivation_args(self):
        """The kernels' passivation-clock arguments: ``dead_since``, the time now (s) and the passivation time (s)."""
        s = self.state
        return s.dead_since, float(s.clock[0]), self._passivation_time

    def _settle_pending(self) -> None:
        """Do what waits for room in the hop lists (``pending``), growing them as often as it
        takes: revive a dead cluster (``revive_dead``) or SEI-coat dead atoms (``sei_coated``)."""
        s = self.state
        while self.pending[0] > 0:
            if self.sei_coated:  # a coat re-files < 60 live atoms (``_kernels.COAT_ROOM``): each pass coats >= 1
                self._grow(2 * k.CLASS_HEADROOM)
                k.coat_all(s.st, s.top, *self._lists(), *self._rates(), self.grid, s.shape[0], self.pending)
                continue
            waiting = int(self.pending[0])
            self._grow(2 * waiting + k.CLASS_HEADROOM)
            if self._room() < waiting + k.CLASS_HEADROOM:
                raise ValueError(f"kmc: no room to revive a dead cluster of {waiting} atoms in one hop list "
                                 f"(at most {k.MAX_LIST})")
            k.revive_all(s.st, *self._lists(), *self._rates(), self.grid, s.shape[0], self.dead_scratch[1],
                         self.dead_scratch[2], self.pending, *self._passivation_args())

    def _rates(self):
        return (self.heated, self.rates, self.es_barrier, self.rise, self.heat_len, self.t_bath)

    def _lists(self):
        s = self.state
        return (s.slot, s.members, s.class_start, s.class_size, s.mobile, s.n_mobile, s.tree)

    def _fill_lists(self, mode: int) -> None:
        s = self.state
        k.count_classes(s.st, s.class_size, mode == 1)
        atoms = int(s.class_size.sum())
        if mode == 1:
            s.mobile = np.zeros(max(1024, 2 * atoms + k.CLASS_HEADROOM), np.int32)
            s.tree = k.grow_tree(np.zeros(1), s.mobile.size)
        else:
            self._lay_out_classes(2 * k.CLASS_HEADROOM, keep=False)
            s.tree = k.grow_tree(np.zeros(1), k.N_CLASSES)
        s.mode[0] = mode
        k.fill_lists(s.st, *self._lists(), *self._rates(), self.grid)
        if mode == 0:  # the least room of every class, the empty ones included
            s.n_mobile[1] = int((np.diff(s.class_start) - s.class_size).min())

    def _lay_out_classes(self, room: int, keep: bool = True) -> None:
        """Give every class's list its own block of ``members``, twice its size plus ``room``
        (at most ``_kernels.MAX_LIST``), so the lists take twice the atoms listed now plus a fixed
        350 x ``room``; with ``keep``, each list's atoms are copied in their order (so a run does
        not depend on when its lists grew, except through the revivals and SEI coats that wait for
        room, :meth:`_settle_pending`; ``slot`` holds places within a class and stays valid)."""
        s = self.state
        capacity = np.minimum(2 * s.class_size + room, k.MAX_LIST)
        if (capacity - s.class_size).min() < k.CLASS_HEADROOM:
            raise ValueError(f"kmc: more than {k.MAX_LIST - k.CLASS_HEADROOM} atoms of one move class (the most "
                             "a hop list indexes); use a smaller lateral size")
        start = np.concatenate([[0], np.cumsum(capacity)]).astype(np.int64)
        members = np.zeros(int(start[-1]), np.int32)
        for c in np.flatnonzero(s.class_size) if keep else ():
            size = s.class_size[c]
            members[start[c] : start[c] + size] = s.members[s.class_start[c] : s.class_start[c] + size]
        s.members, s.class_start = members, start
        s.n_mobile[1] = int((capacity - s.class_size).min())

    def _grow(self, room: int = 2 * k.CLASS_HEADROOM) -> None:
        """Make room for ``room`` more atoms in any hop list: double the sum tree's list (up to
        ``_kernels.MAX_LIST``), or lay out the n-fold class lists anew. The default is twice the
        room the kernel asks for, so that a class takes ``CLASS_HEADROOM`` more atoms (and at least
        its own size) before the lists are laid out again."""
        s = self.state
        if not self.heated:
            self._lay_out_classes(room)
            return
        if s.mobile.size >= k.MAX_LIST:
            raise ValueError(f"kmc: more than {k.MAX_LIST} atoms can hop (the most a hop list indexes); "
                             "use a smaller lateral size")
        s.mobile = np.concatenate([s.mobile, np.zeros_like(s.mobile)])[: k.MAX_LIST]
        s.tree = k.grow_tree(s.tree, s.mobile.size)

    def _room(self) -> int:
        """Free slots of the fullest hop list: the sum tree's list by the largest size it has had,
        the n-fold classes by the least room any class has had since they were laid out."""
        s = self.state
        return s.mobile.size - int(s.n_mobile[1]) if self.heated else int(s.n_mobile[1])

    def advance(self, max_events: int = 2**62, t_end: float = np.inf, max_deposits: int = 2**62,
                hop_log: np.ndarray | None = None, *, deposition_scale: float = 1.0, strip_rate: float = 0.0,
                anodic_scale: float = 0.0, strip_floor: float = 0.0, max_dissolutions: int = 2**62,
                net_rate: float | None = None, site_exchange_rate: float = 0.0, alpha_ratio: float = 1.0,
                cutoff_factor: float = np.inf) -> int:
        """Run until one of the limits; returns the kernel status (``STATUS`` explains it).

        ``hop_log`` (float64[K, 3]) receives (from, to, time) of the first K moves; the hop lists
        must not grow after the first event of a logged call (that would restart the log):
        ``RuntimeError`` if they do.

        Electrochemistry (``dissolution`` given): the deposition rates are multiplied by
        ``deposition_scale`` (0: no plating); galvanostatic stripping dissolves atoms at the total
        rate ``strip_rate`` (1/s), each drawn by its own dissolution rate, and stops (cut-off) when
        the summed dissolution rate of the surface falls below ``strip_floor`` (1/s);
        potentiostatic runs (``anodic_scale`` > 0, ``strip_rate`` 0) dissolve every atom at its rate
        times ``anodic_scale`` and, as its reverse, reduce ions at every empty site with 1 to 5
        occupied neighbours that touches live Li or the collector, at the column's deposition rate
        times ``deposition_scale`` per site (the reversible exchange, ``_kernels.exchange_site``;
        the arrival rule and ``ballistic`` are not used). ``max_dissolutions`` caps
        ``counts[EV_DISSOLVE]``. In both exchanges a non-uniform deposition field is a local
        exchange-current factor m = rate / mean rate of the column, on both branches: an atom
        dissolves at its rate times m, an ion is reduced at the per-site rate times m.

        The galvanostatic exchange (``net_rate`` given, 1/s: net dissolutions a second, I / e;
        > 0 strips, < 0 plates, 0 open circuit): the reversible exchange at the overpotential
        that carries the net current, solved before every event (``_kernels.exchange_split``):
        atoms dissolve at their rates times x and ions are reduced on every eligible site at
        ``site_exchange_rate`` (1/s, at eta = 0 and the mean of the deposition field) times
        x^(-``alpha_ratio``), x = exp(alpha_a e eta / k_B T); ``max_deposits`` and
        ``max_dissolutions`` are then net targets (deposits - dissolutions, and the reverse),
        and stripping stops (cut-off) when x exceeds ``cutoff_factor`` or nothing is left.
        ``deposition_scale``, ``strip_rate``, ``anodic_scale`` and ``strip_floor`` must be left
        at their defaults."""
        s = self.state
        if min(deposition_scale, strip_rate, anodic_scale, strip_floor) < 0:
            raise ValueError("deposition_scale, strip_rate, anodic_scale and strip_floor must be >= 0")
        net_mode = net_rate is not None
        if net_mode:
            if (deposition_scale, strip_rate, anodic_scale, strip_floor) != (1.0, 0.0, 0.0, 0.0):
                raise ValueError("the galvanostatic exchange (net_rate) takes no deposition_scale, strip_rate, "
                                 "anodic_scale or strip_floor")
            if not self.anodic.any() or self.heated:
                raise ValueError("the galvanostatic exchange needs the dissolution rates and the n-fold lists")
            if not np.isfinite(net_rate) or site_exchange_rate <= 0 or alpha_ratio <= 0 or not cutoff_factor > 0:
                raise ValueError("net_rate must be finite, site_exchange_rate and alpha_ratio > 0, cutoff_factor > 0")
        stripping = strip_rate > 0 or anodic_scale > 0
        if stripping and (not self.anodic.any() or self.heated):
            raise ValueError("stripping needs the dissolution rates and the n-fold lists")
        if strip_rate > 0 and anodic_scale > 0:
            raise ValueError("give strip_rate (galvanostatic) or anodic_scale (potentiostatic), not both")
        if strip_rate > 0:
            anodic = self.anodic
        elif anodic_scale > 0:
            anodic = self.anodic * anodic_scale
        else:
            anodic = np.zeros(k.N_CLASSES)
        exchange = float(self.column_rate.max()) * deposition_scale if anodic_scale > 0 else 0.0
        if net_mode:
            anodic, exchange = self.anodic, float(site_exchange_rate) * self.peak_factor
        if anodic_scale > 0 or net_mode:  # the kernel accepts a dissolution with the column's rate / the largest
            anodic = anodic * self.peak_factor
        if stripping or net_mode:
            k.resum(s.tree)  # stripping can bring the sums to ~0, where the round-off of many updates would dominate
        log = np.zeros((0, 3)) if hop_log is None else hop_log
        done_before = s.events
        stopped = None  # a stop reached with a revival or coats waiting: returned after one more call, with no events
        while True:
            budget = 0 if stopped is not None else max_events - (s.events - done_before)
            status = k.run_events(
                s.st, s.top, *self._lists(), *self._rates(), self.alias_prob, self.alias_idx,
                self.total_deposition_rate * deposition_scale, self.ballistic, self.grid, s.shape[0], s.rng,
                s.clock, s.counts, budget, t_end, max_deposits, log, self.epitaxy, anodic, float(strip_rate),
                float(strip_floor), max_dissolutions, self.track_dead, self.column_rate, *self.dead_scratch,
                exchange, net_mode, float(net_rate or 0.0), float(alpha_ratio), float(cutoff_factor),
                self.kept_sums, self.revive_dead, self.pending, s.dead_since, self._passivation_time,
                self._sei_coated, self._narrow_gap, self._refuse_stranding, self.uphill,
                *k.event_scratch(s.st, self.column_rate, anodic, float(strip_rate), net_mode, self.grid, s.shape[0],
                                 self.kept_sums),
            )
            if stopped is not None:
                return stopped
            waiting = self.pending[0] > 0
            if status != k.ST_GROW and not waiting:
                return status
            if waiting:  # grow the lists, revive or coat, first: an error below leaves the state whole
                self._settle_pending()
            if log.shape[0] > 0 and s.events > done_before:
                raise RuntimeError("kmc: the hop lists grew during a logged call; log a shorter run")
            if not waiting:
                self._grow()
            elif status != k.ST_GROW:
                stopped = status  # after a stop, the call with no events recounts the exchange's sums

    def dissolution_sum(self) -> float:
        """Summed dissolution rate at zero overpotential of every live surface atom, 1/s."""
        return float(self.state.class_size @ self.anodic)

    @property
    def peak_factor(self) -> float:
        """Largest column rate over the mean: m of the fastest column (exactly 1 for a uniform field)."""
        if np.ptp(self.column_rate) == 0:
            return 1.0
        return float(self.column_rate.max() / self.column_rate.mean())

    def exchange_sums(self, site_exchange_rate: float) -> tuple[float, float]:
        """(S, C) of the galvanostatic exchange at eta = 0, 1/s: the live atoms' dissolution rates and
        the eligible sites' reduction rates (``site_exchange_rate`` each), each times its column's
        factor m = rate / mean rate (``advance``); a recount, O(N)."""
        s = self.state
        nxy = s.shape[1] * s.shape[2]
        m = self.column_rate / self.column_rate.mean()
        classes = hop_classes(s.st)
        filed = np.flatnonzero(classes >= 0)
        anodic = float(np.sum(self.anodic[classes[filed]] * m[filed % nxy]))
        return anodic, site_exchange_rate * self.peak_factor * self.eligible_sites()

    def eligible_sites(self) -> float:
        """Sites the reversible exchange reduces ions on (empty, 1 to 5 occupied neighbours, on the
        collector or next to live Li), each weighted by its column's deposition rate over the
        largest; a recount, O(N)."""
        s = self.state
        return float(k.count_eligible(s.st, self.grid, s.shape[0], self.column_rate / self.column_rate.max(),
                                      np.zeros(s.st.size, np.uint8)))

    def dissolve(self, site: int) -> None:
        """Dissolve the live Li atom at flat index ``site`` now, as a dissolution event would
        (prepared geometries in tests: a chosen neck). A ValueError if ``site`` is off the lattice
        or holds no live Li atom."""
        s = self.state
        if not 0 <= site < s.st.size:  # a negative index would wrap to another site
            raise ValueError(f"site {site} is not on the lattice (0 .. {s.st.size - 1})")
        if (s.st[site] & k.OCC_MASK) not in (GLASSY, CRYSTAL):
            raise ValueError(f"site {site} holds no live Li atom")
        while self._room() < k.CLASS_HEADROOM:
            self._grow()
        k.dissolve(np.int32(site), s.st, s.top, *self._lists(), *self._rates(), self.grid, s.shape[0], s.counts,
                   self.track_dead, *self.dead_scratch, np.empty(k.TOUCHED_SIZE, np.int64), self.revive_dead,
                   self.pending, *self._passivation_args(), self._sei_coated, self._narrow_gap,
                   np.empty(k.WORK_SHAPE, np.int64))
        self._settle_pending()

    def dead_touching_live(self, revivable: bool = False) -> int:
        """Dead Li atoms with a live Li neighbour (O(N)); ``revivable``: only those the passivation
        clock still lets revive (with ``revive_dead`` the kernel keeps that count 0)."""
        s = self.state
        occ = s.occupancy
        dead = occ == k.DEAD
        dead[0] = False
        if revivable and s.dead_since.size:
            dead &= (s.clock[0] - s.dead_since <= self._passivation_time).reshape(s.shape)
        live = (occ == GLASSY) | (occ == CRYSTAL)
        touching = np.zeros_like(live)
        touching[1:] |= live[:-1]
        touching[:-1] |= live[1:]
        for axis in (1, 2):
            touching |= np.roll(live, 1, axis) | np.roll(live, -1, axis)
        return int(np.count_nonzero(dead & touching))

    def disconnected(self) -> np.ndarray:
        """Sites of the live Li atoms that do not reach the collector (an atom at z = 1) through
        Li, int64 (a full labelling, O(N); for checks: with ``track_dead`` the kernel keeps this
        empty). With ``narrow_gap``: Li joined within two lattice spacings, the collector
        reaching atoms at z <= 2 (:func:`gap_clusters`)."""
        s = self.state
        nz, ny, nx = s.shape
        occ = s.occ
        li = (occ == GLASSY) | (occ == CRYSTAL)
        if self._narrow_gap:
            labels, n = gap_clusters(li.reshape(s.shape))
            reach = 2
        else:
            labels, n = k.label_clusters(li.astype(np.uint8), 1, self.grid, nz)
            reach = 1
        if n == 0:
            return np.empty(0, np.int64)
        live = np.zeros(n, bool)
        near = labels[ny * nx : (reach + 1) * ny * nx]
        live[near[near >= 0]] = True
        return np.flatnonzero((labels >= 0) & ~live[np.maximum(labels, 0)]).astype(np.int64)

    def convert(self, sites: np.ndarray, phase: int) -> None:
        """Change the phase of the Li atoms at ``sites`` (e.g. a crystalline nucleus)."""
        while self._room() < len(sites) + k.CLASS_HEADROOM:
            self._grow(len(sites) + 2 * k.CLASS_HEADROOM)
            if not self.heated and self._room() < len(sites) + k.CLASS_HEADROOM:
                raise ValueError(f"kmc: no room to convert {len(sites)} atoms in one move class's list "
                                 f"(at most {k.MAX_LIST})")
        k.set_phase(np.asarray(sites, dtype=np.int64), phase, self.state.st, *self._lists(), *self._rates(),
                    self.grid)

    def verify(self) -> None:
        """Check the incrementally kept arrays against a rebuild from the occupancy alone, and
        (``track_dead``) that every live atom reaches the collector.

        Raises ``RuntimeError`` naming the first inconsistency (a bookkeeping bug); O(N), meant
        for tests and debugging."""
        s = self.state
        ref = KmcState.from_occupancy(s.occupancy, seed=0, sei_coated=self._sei_coated)
        dead = s.occ == k.DEAD
        kept = np.where(dead, s.st & ~np.uint16(k.DEAD_CRYSTAL), s.st)  # a dead atom's phase is not in the occupancy
        if not np.array_equal(kept, ref.st):
            raise RuntimeError("kmc state: st differs from a rebuild")
        if not np.array_equal(s.top, ref.top):
            raise RuntimeError("kmc state: top differs from a rebuild")
        if self.revive_dead and self.dead_touching_live(revivable=True):
            raise RuntimeError("kmc state: dead Li that could revive touches live Li")
        expected = hop_classes(s.st, self.heated)
        filed = np.where(s.slot >= 0, s.slot >> k.SLOT_BITS, -1)
        if not np.array_equal(filed, expected):
            raise RuntimeError("kmc state: a site is filed under the wrong hop class")
        atoms = np.flatnonzero(expected >= 0)
        if int(s.n_mobile[0]) != atoms.size:
            raise RuntimeError("kmc state: count of atoms that can hop is wrong")
        first = k.TREE_PAD + k.leaf_start(s.tree.size)
        if self.heated:
            listed = s.mobile[: atoms.size]
            c, db = expected[listed], self._delta_beta(listed)
            rates = ((self.rates[0, c] - self.rates[1, c]) * np.exp(-self.rates[2, c] * db)
                     + self.rates[1, c] * np.exp(-(self.rates[2, c] + self.es_barrier) * db))
            leaves = s.tree[first : first + atoms.size]
        else:
            listed = np.concatenate([s.members[s.class_start[c] : s.class_start[c] + s.class_size[c]]
                                     for c in range(k.N_CLASSES)])
            if not np.array_equal(s.class_size, np.bincount(expected[atoms], minlength=k.N_CLASSES)):
                raise RuntimeError("kmc state: class sizes differ from a count")
            blocks = np.diff(s.class_start)
            if s.class_start[0] != 0 or s.class_start[-1] != s.members.size or np.any(s.class_size > blocks):
                raise RuntimeError("kmc state: a class list overflows its block")
            if s.n_mobile[1] > (blocks - s.class_size).min():
                raise RuntimeError("kmc state: the recorded least room exceeds a class's room")
            rates = s.class_size * self.rates[0]
            leaves = s.tree[first : first + k.N_CLASSES]
        if self.track_dead and self.disconnected().size:
            raise RuntimeError("kmc state: live Li cut off from the collector")
        if not np.array_equal(np.sort(listed), atoms):
            raise RuntimeError("kmc state: hop lists do not hold exactly the atoms that can hop")
        slots = np.concatenate([np.arange(n) for n in ([atoms.size] if self.heated else s.class_size)])
        if not np.array_equal(s.slot[listed] & k.SLOT_MASK, slots):
            raise RuntimeError("kmc state: slot index of a listed atom is wrong")
        round_off = 1e-9 * float(np.max(self.rates[0], initial=0.0))  # of many leaf updates, in the sums
        if (not np.allclose(leaves, rates, rtol=1e-12, atol=0.0)
                or not np.isclose(s.tree[k.TREE_PAD], rates.sum(), rtol=1e-9, atol=round_off)):
            raise RuntimeError("kmc state: sum tree differs from the rates")

    def _delta_beta(self, sites: np.ndarray) -> np.ndarray:
        """1/(k_B T_i) - 1/(k_B T_bath) of ``sites``, 1/eV (``model.site_temperature``)."""
        nxy = self.state.shape[1] * self.state.shape[2]
        z, col = np.divmod(sites, nxy)
        t = site_temperature(self.t_bath, self.rise[col], z, self.heat_len)
        return 1.0 / (K_B_EV * t) - 1.0 / (K_B_EV * self.t_bath)
