"""Plating-stripping cycles of the kMC (the ``[cycling]`` protocol; docs/models.md §4.8).

A cycle is four half-cycles: plating a fixed number of atoms at the plating current (with the
electrode's VLCD field), a rest, galvanostatic stripping until the cut-off, a rest (rests of
length 0 are skipped). One-way exchange (``kmc.exchange``, the default): plating by the arrival
rule, stripping by dissolution alone; reversible: both branches in every half-cycle at the
overpotential that carries the current (``Engine.advance(net_rate=...)``; no rests), the
half-cycle's atoms counted net. Dead Li is marked as a dissolution makes it (``_kernels.sever``)
and, with ``kmc.dead_li = "revived_on_contact"``, live again when live Li touches it
(``_kernels.revive``; with ``kmc.sei_passivation_time_s`` only that long after it was cut off:
the passivation clock), or with ``kmc.dead_li = "sei_coated"`` coated so that it binds no Li
(``_kernels.bonds``); a move that would cut Li off the collector is refused (``_kernels.cuts_off``).
The run records every ``deposits_per_record`` atoms (net with the reversible exchange) plated or
stripped and at the end of each half-cycle, and keeps one row of :data:`LOG_FIELDS`, two
height maps and the clusters cut off, by size, per cycle.

Everything the protocol decides depends on the saved arrays only (:meth:`CyclingRun.state`), so a
run resumed from a checkpoint continues bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..constants import ELEMENTARY_CHARGE
from ..errors import UserError
from ..runner import PLATE, STRIP, ProtocolRun, Stop, StopReason, next_half_cycle
from . import _kernels as k
from .dissolution import overpotential
from .dopt import nucleate
from .engine import STATUS, Engine
from .observables import crystalline_fraction, height_map, porosity, roughness
from .outputs import CUT_OFF_ATOMS, CUT_OFF_SIZE, CUT_OFFS, DEAD_AFTER_MOVES, LOG_FIELDS


_COL = {name: q for q, name in enumerate(LOG_FIELDS)}
END_POTENTIAL, END_CAPACITY, END_EXHAUSTED = 1, 2, 3
#: Where ``CyclingRun.protocol`` keeps: the cycle (from 0), the half-cycle, the deposits and
#: dissolutions counted when the half-cycle began, the dead atoms when the cycle began, done (0/1).
CYCLE, HALF, DEPOSITS_AT, DISSOLUTIONS_AT, DEAD_AT, DONE = range(6)


@dataclass(frozen=True)
class CyclingSetup:
    """The protocol in lattice units (from ``[cycling]``; SI).

    Attributes
    ----------
    cycles : int
    plate_atoms : int
        Atoms plated per half-cycle (kmc_capacity_ML x columns, rounded).
    strip_rate : float
        Galvanostatic stripping: (net) dissolutions per second, j_strip A / e, 1/s.
    exchange_rate : float
        Ions reduced on the flat electrode at zero overpotential, i0 A / e, 1/s (the reversible
        exchange uses i0 a^2 / e a site, this over the columns).
    strip_floor : float
        One-way: summed surface dissolution rate (eta = 0) at the potential cut-off, 1/s (0 with a
        capacity cut-off).
    strip_fraction : float or None
        Capacity cut-off: stop after this fraction of the cycle's plated atoms (None: potential cut-off).
    rest_s : float
    dissolution : ndarray, shape (4, 7)
        k_d[phase, n] at eta = 0, 1/s (:func:`.dissolution.dissolution_table`).
    alpha_a, alpha_c : float
        Transfer coefficients.
    reversible : bool
        The galvanostatic exchange (``kmc.exchange = "reversible"``): both branches at the
        overpotential that carries the current; counts are net; no rests.
    plate_rate : float
        Reversible exchange: net reductions a second while plating, j_plate A / e, 1/s.
    cutoff_factor : float
        Reversible exchange: exp(alpha_a e eta_cut / k_B T) at the potential cut-off (inf with a
        capacity cut-off).
    revive_dead : bool
        ``kmc.dead_li = "revived_on_contact"``: dead Li that live Li touches is live again.
    passivation_time_s : float
        ``kmc.sei_passivation_time_s``: revived only within this time of its death, s (inf: always).
    sei_coated : bool
        ``kmc.dead_li = "sei_coated"``: dead Li binds no Li (``Engine``'s ``sei_coated``).
    narrow_gap : bool
        ``kmc.electronic_contact = "narrow_gap"``: Li joined across gaps of up to two lattice
        spacings (``Engine``'s ``narrow_gap``).
    refuse_stranding : bool
        ``kmc.stranding_moves = "refused"``: moves that would leave an atom to fall where no Li
        path reaches the collector are refused (``Engine``'s ``refuse_stranding``).
    """

    cycles: int
    plate_atoms: int
    strip_rate: float
    exchange_rate: float
    strip_floor: float
    strip_fraction: float | None
    rest_s: float
    dissolution: np.ndarray
    alpha_a: float
    alpha_c: float
    reversible: bool
    plate_rate: float
    cutoff_factor: float
    revive_dead: bool
    passivation_time_s: float
    sei_coated: bool
    narrow_gap: bool
    refuse_stranding: bool

    def net_rate(self, half: int) -> float:
        """Net dissolutions a second of the reversible exchange in ``half``, 1/s (< 0 plating)."""
        return -self.plate_rate if half == PLATE else self.strip_rate

    def overpotential(self, engine: Engine, half: int, temperature_K: float) -> float:
        """Overpotential, V (:func:`.dissolution.overpotential`). One-way exchange: that of stripping,
        against the flat electrode's exchange rate C = i0 A / e (NaN outside stripping); reversible:
        the one the kernel runs at, with C counted on the lattice (every half-cycle)."""
        if self.reversible:
            anodic, cathodic = engine.exchange_sums(self.exchange_rate / engine.column_rate.size)
            return overpotential(self.net_rate(half), anodic, cathodic, self.alpha_a, self.alpha_c, temperature_K)
        if half != STRIP:
            return np.nan
        return overpotential(self.strip_rate, engine.dissolution_sum(), self.exchange_rate, self.alpha_a, self.alpha_c,
                             temperature_K)


#: Protocol arrays saved with the lattice: the counters (:data:`CYCLE` ...), the time the
#: half-cycle began, the per-cycle log and height maps, and the kernel's cut-off counts and dead
#: atoms after moves (``counts[EV_CUT_OFFS:]``) when the cycling began and at the end of each cycle.
PROTOCOL_FIELDS = ("protocol", "protocol_clock", "cycle_log", "height_plated", "height_stripped", "cut_off_counts")


class CyclingRun(ProtocolRun):
    """The kMC cycling run as the runner's Integration (``runner.Integration``); ``run`` is the
    plating-only :class:`multiscale.kmc.stage.KmcRun` whose setup, lattice and records it shares."""

    protocol_fields = PROTOCOL_FIELDS

    def __init__(self, run):
        self.run = run
        setup = run.setup
        self.cycling: CyclingSetup = setup.cycling
        _, ny, nx = setup.shape
        n = self.cycling.cycles
        self.protocol = np.zeros(6, np.int64)
        self.protocol_clock = np.zeros(1)
        self.cycle_log = np.full((n, len(LOG_FIELDS)), np.nan)
        self.height_plated = np.full((n, ny, nx), np.nan)
        self.height_stripped = np.full((n, ny, nx), np.nan)
        self.cut_off_counts = np.full((n + 1, k.N_COUNTS - k.EV_CUT_OFFS), np.nan)
        self.engine: Engine | None = None

    # ------------------------------------------------------------------ Integration

    def start(self) -> dict:
        first = self.run.start()
        self.cut_off_counts[0] = self.run.lattice.counts[k.EV_CUT_OFFS:]
        return {**first, **self._cycling_fields(None)}

    def advance(self, on_record) -> Stop:
        run, c = self.run, self.cycling
        setup, state = run.setup, run.lattice
        engine = self.engine = Engine(state, setup.hop_table, setup.deposition_rate, setup.ballistic, setup.epitaxy,
                                      None, setup.step_factor, dissolution=c.dissolution, track_dead=True,
                                      revive_dead=c.revive_dead, passivation_time_s=c.passivation_time_s,
                                      sei_coated=c.sei_coated, narrow_gap=c.narrow_gap,
                                      refuse_stranding=c.refuse_stranding,
                                      uphill_acceptance=setup.uphill_acceptance)
        per_record = setup.deposits_per_record
        while True:
            cycle, half = int(self.protocol[CYCLE]), int(self.protocol[HALF])
            counts = state.counts
            stop, end_by = None, 0
            if c.reversible:
                status, done, end_by = self._exchange(engine, half, cycle, per_record)
            elif half == PLATE:
                end = int(self.protocol[DEPOSITS_AT]) + c.plate_atoms
                status = engine.advance(max_deposits=min(end, int(counts[k.EV_DEPOSIT]) + per_record))
                done = int(counts[k.EV_DEPOSIT]) >= end
            elif half == STRIP:
                limit = 2**62
                if c.strip_fraction is not None:
                    plated = int(self.cycle_log[cycle, _COL["plated_atoms"]])
                    limit = int(self.protocol[DISSOLUTIONS_AT]) + int(np.ceil(c.strip_fraction * plated))
                status = engine.advance(deposition_scale=0.0, strip_rate=c.strip_rate, strip_floor=c.strip_floor,
                                        max_dissolutions=min(limit, int(counts[k.EV_DISSOLVE]) + per_record))
                done = status == k.ST_CUTOFF or int(counts[k.EV_DISSOLVE]) >= limit
                if status != k.ST_CUTOFF:
                    end_by = END_CAPACITY
                else:  # with a capacity cut-off the floor is 0: the cut-off means nothing is left
                    end_by = END_POTENTIAL if c.strip_fraction is None else END_EXHAUSTED
            else:
                status = engine.advance(deposition_scale=0.0, t_end=float(self.protocol_clock[0]) + c.rest_s)
                done = status in (k.ST_TIME, k.ST_FROZEN)
            if status == k.ST_FULL:  # plating, or a step move (and reductions, reversible) near the top
                raise UserError("kmc: the deposit reached the top of the box while cycling; increase "
                                "kmc.box_height_nm (dead Li accumulates over cycles) or lower cycling.kmc_capacity_ML")
            if half == PLATE and setup.dopt is not None:
                nucleate(engine, setup.dopt, setup.current_density, float(state.clock[0]) - run.last_record_time)
            if status == k.ST_PASSIVATED:
                stop = Stop(StopReason.PASSIVATED, f"cycle {cycle + 1}: {STATUS[status]}")
            frame = self._record(half)
            if done or stop is not None:
                self._end_half(engine, cycle, half, end_by)
                if stop is None and int(self.protocol[DONE]):
                    stop = Stop(StopReason.CYCLES, f"{c.cycles} cycles done")
            on_record(frame, stop is not None)
            if stop is not None:
                return stop

    # ------------------------------------------------------------------ protocol

    def _exchange(self, engine: Engine, half: int, cycle: int, per_record: int) -> tuple[int, bool, int]:
        """Advance the reversible exchange to the next record of ``half`` (plating or stripping: a
        rest is refused before the run, its charge would be exact on average only): (status,
        half-cycle done, how stripping ended). The targets are net counts from the half-cycle's start."""
        c, counts = self.cycling, self.run.lattice.counts
        net = int(counts[k.EV_DEPOSIT]) - int(counts[k.EV_DISSOLVE])
        start = int(self.protocol[DEPOSITS_AT]) - int(self.protocol[DISSOLUTIONS_AT])
        kwargs = dict(net_rate=c.net_rate(half), site_exchange_rate=c.exchange_rate / engine.column_rate.size,
                      alpha_ratio=c.alpha_c / c.alpha_a)
        if half == PLATE:
            end = start + c.plate_atoms
            status = engine.advance(max_deposits=min(end, net + per_record), **kwargs)
            return status, int(counts[k.EV_DEPOSIT]) - int(counts[k.EV_DISSOLVE]) >= end, 0
        if half == STRIP:
            limit = 2**62
            if c.strip_fraction is not None:
                plated = int(self.cycle_log[cycle, _COL["plated_atoms"]])
                limit = -start + int(np.ceil(c.strip_fraction * plated))
            status = engine.advance(max_dissolutions=min(limit, -net + per_record), cutoff_factor=c.cutoff_factor,
                                    **kwargs)
            stripped = int(counts[k.EV_DISSOLVE]) - int(counts[k.EV_DEPOSIT])
            if status != k.ST_CUTOFF:
                return status, stripped >= limit, END_CAPACITY
            return status, True, END_POTENTIAL if c.strip_fraction is None else END_EXHAUSTED
        raise ValueError("the reversible exchange runs no rests (kmc.params.room_and_cycling_rules)")

    def _end_half(self, engine: Engine, cycle: int, half: int, end_by: int) -> None:
        """Log the half-cycle that just ended and set up the next one (skipping rests of length 0)."""
        run, c, state = self.run, self.cycling, self.run.lattice
        log = self.cycle_log[cycle]
        t = float(state.clock[0])
        heights = height_map(state, run.setup.spacing_m)
        net_plated = (int(state.counts[k.EV_DEPOSIT]) - int(self.protocol[DEPOSITS_AT])
                      - int(state.counts[k.EV_DISSOLVE]) + int(self.protocol[DISSOLUTIONS_AT]))
        if half == PLATE:
            log[_COL["plated_atoms"]] = net_plated
            log[_COL["plating_time"]] = t - float(self.protocol_clock[0])
            log[_COL["roughness_sigma_plated"]] = roughness(heights).sigma
            log[_COL["porosity_plated"]] = porosity(state)
            log[_COL["crystalline_fraction_plated"]] = crystalline_fraction(state)
            self.height_plated[cycle] = heights
        elif half == STRIP:
            log[_COL["stripped_atoms"]] = -net_plated
            log[_COL["stripping_time"]] = t - float(self.protocol_clock[0])
            log[_COL["end_overpotential"]] = c.overpotential(engine, STRIP, run.setup.temperature_K)
            log[_COL["strip_end"]] = end_by
            log[_COL["residual_atoms"]] = state.n_atoms
            log[_COL["roughness_sigma_stripped"]] = roughness(heights).sigma
            log[_COL["porosity_stripped"]] = porosity(state)
            self.height_stripped[cycle] = heights
        nxt, cycle_over = next_half_cycle(half, c.rest_s)
        if cycle_over:
            log[_COL["dead_atoms"]] = state.n_dead - int(self.protocol[DEAD_AT])
            self.cut_off_counts[cycle + 1] = state.counts[k.EV_CUT_OFFS:]
            if cycle + 1 == c.cycles:
                self.protocol[DONE] = 1
                return
            self.protocol[CYCLE] = cycle + 1
            self.protocol[DEAD_AT] = state.n_dead
        self.protocol[HALF] = nxt
        self.protocol[DEPOSITS_AT] = state.counts[k.EV_DEPOSIT]
        self.protocol[DISSOLUTIONS_AT] = state.counts[k.EV_DISSOLVE]
        self.protocol_clock[0] = t

    def first_plated(self) -> dict | None:
        """The deposit after cycle 1's plating, with the keys of the plating run's record that the
        ``handoff`` group reads (``height``, ``roughness_sigma``, ``crystalline_fraction``, and
        ``time``: the half-cycle's duration, s), or None unless that half-cycle plated its whole
        capacity (a run that stopped in it, passivated, hands over its last record; a full box is a
        user error, with no file).
        What a cycling run hands to the phase field: its electrode starts fresh, as the kMC's first
        half-cycle does, while the run's last record is of a stripped electrode."""
        log = self.cycle_log[0]
        if not log[_COL["plated_atoms"]] >= self.cycling.plate_atoms:  # NaN: not logged
            return None
        return {"height": self.height_plated[0], "roughness_sigma": float(log[_COL["roughness_sigma_plated"]]),
                "crystalline_fraction": float(log[_COL["crystalline_fraction_plated"]]),
                "time": float(log[_COL["plating_time"]])}

    def _record(self, half: int) -> dict:
        """The plating run's record plus the cycling series of the half-cycle the record closes."""
        return {**self.run._record(), **self._cycling_fields(half)}

    def _cycling_fields(self, half: int | None) -> dict:
        """The cycling series of a record closing ``half`` (None: the start)."""
        c, state = self.cycling, self.run.lattice
        frame = {
            "cycle": int(self.protocol[CYCLE]) + 1,
            "half_cycle": PLATE if half is None else half,
            "dissolved_atoms": int(state.counts[k.EV_DISSOLVE]),
            "charge_stripped": int(state.counts[k.EV_DISSOLVE]) * ELEMENTARY_CHARGE,
            "dead_atoms": state.n_dead,
            "revived_atoms": int(state.counts[k.EV_DEAD]) - state.n_dead,
            "refused_moves": int(state.counts[k.EV_REFUSED]),
            "overpotential": np.nan,
        }
        if half is not None:
            frame["overpotential"] = c.overpotential(self.engine, half, self.run.setup.temperature_K)
        return frame

    # ------------------------------------------------------------------ output

    def dataset(self, spacing_m: float) -> xr.Dataset:
        """The ``cycling`` group: one row a cycle, and the height maps after plating and stripping."""
        _, ny, nx = self.run.setup.shape
        n = self.cycling.cycles
        log = self.cycle_log
        plated, stripped = log[:, _COL["plated_atoms"]], log[:, _COL["stripped_atoms"]]
        with np.errstate(invalid="ignore", divide="ignore"):
            ce = stripped / plated
            dead_fraction = log[:, _COL["dead_atoms"]] / plated
        cut = np.diff(self.cut_off_counts, axis=0)  # NaN for the cycles not done
        bins = len(k.CUT_OFF_EDGES)
        data = {name: ("cycle", log[:, q], {"units": u, "long_name": text}) for name, q, (u, text) in
                ((name, _COL[name], LOG_FIELDS[name]) for name in LOG_FIELDS)}
        data.update({
            "charge_plated": ("cycle", plated * ELEMENTARY_CHARGE, {"units": "C", "long_name": "charge plated in the cycle"}),
            "charge_stripped": ("cycle", stripped * ELEMENTARY_CHARGE, {"units": "C", "long_name": "charge stripped in the cycle"}),
            "coulombic_efficiency": ("cycle", ce, {"units": "1", "long_name": "charge stripped / charge plated"}),
            "dead_fraction": ("cycle", dead_fraction, {"units": "1", "long_name": "dead Li atoms the cycle added / atoms plated"}),
            "height_plated": (("cycle", "y", "x"), self.height_plated, {"units": "m", "long_name": "column heights after plating"}),
            "height_stripped": (("cycle", "y", "x"), self.height_stripped, {"units": "m", "long_name": "column heights after stripping"}),
            "cut_offs": (("cycle", "cut_off_size"), cut[:, :bins], {"units": "1", "long_name": CUT_OFFS}),
            "cut_off_atoms": (("cycle", "cut_off_size"), cut[:, bins:2 * bins],
                              {"units": "1", "long_name": CUT_OFF_ATOMS}),
            "dead_atoms_after_moves": ("cycle", cut[:, k.EV_DEAD_MOVES - k.EV_CUT_OFFS],
                                       {"units": "1", "long_name": DEAD_AFTER_MOVES}),
        })
        coords = {"cycle": ("cycle", np.arange(1, n + 1), {"units": "1"}),
                  "cut_off_size": ("cut_off_size", np.array(k.CUT_OFF_EDGES),
                                   {"units": "1", "long_name": CUT_OFF_SIZE}),
                  "y": ("y", np.arange(ny) * spacing_m, {"units": "m"}), "x": ("x", np.arange(nx) * spacing_m, {"units": "m"})}
        return xr.Dataset(data, coords=coords)
