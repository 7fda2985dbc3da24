"""Plating-stripping cycles of the phase field (the ``[cycling]`` protocol; docs/models.md §5.4).

A cycle is four half-cycles, as in the kMC (:mod:`multiscale.kmc.cycling`): galvanostatic
plating of ``dendrite_capacity_mAh_cm2``, a rest, galvanostatic stripping until the cut-off, a
rest (rests of length 0 are skipped). The model runs in the lab frame with dead metal tracked
(:class:`.sbm.ElectrodepositionSystem` with ``track_dead``). The metal behind the front is a Li
reservoir, so stripping ends at the cycle's plated charge (times ``strip_cutoff_fraction`` with
``strip_cutoff = "capacity"``) or, with ``strip_cutoff = "potential"``, earlier when the electrode's
potential against the Li counter electrode passes ``strip_cutoff_mV`` (checked after each step).

Records are evenly spaced in charge within each plating and stripping half-cycle, one closes each
rest. Everything the protocol decides depends on the arrays of :meth:`CyclingRun.state`, and the
kept factorisation is dropped at every record, so a resumed run repeats the uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..constants import FARADAY
from ..runner import PLATE, STRIP, ProtocolRun, Stop, StopReason, next_half_cycle
from .newton import DivergenceError
from .reinitialise import RebuildError
from .sbm import LENGTH_SCALE_M

END_POTENTIAL, END_CAPACITY = 1, 2
#: Where ``CyclingRun.protocol`` keeps: the cycle (from 0), the half-cycle, the records made in it, done (0/1).
CYCLE, HALF, RECORDS_IN_HALF, DONE = range(4)
#: Where ``CyclingRun.clock`` keeps: the time and the net charge (C/m^2) when the half-cycle began,
#: the dead Li (mol/m^2) and the profile's rebuilds so far when the cycle began.
HALF_TIME, HALF_CHARGE, DEAD_AT, REBUILDS_AT = range(4)

#: One row per cycle: name -> (units, description).
LOG_FIELDS = {
    "charge_plated": ("C m-2", "charge plated in the cycle"),
    "charge_stripped": ("C m-2", "charge stripped in the cycle"),
    "plating_time": ("s", "length of the plating half-cycle"),
    "stripping_time": ("s", "length of the stripping half-cycle"),
    "end_potential": ("V", "electrode potential against the Li counter electrode when stripping ended"),
    "strip_end": ("1", "what ended stripping: 1 the potential cut-off, 2 the charge (the capacity cut-off)"),
    "dead_li": ("mol m-2", "dead Li metal at the end of the cycle"),
    "dead_li_formed": ("mol m-2", "Li metal that became dead in the cycle"),
    "roughness_plated": ("m", "std of the rows' metal thickness after plating"),
    "roughness_stripped": ("m", "std of the rows' metal thickness after stripping"),
    "profile_rebuilds": ("1", "rebuilds of the profile around its psi = 1/2 contour in the cycle "
                              "(dendrite.reinitialise_steepness; 0 when unset)"),
}
_COL = {name: q for q, name in enumerate(LOG_FIELDS)}
#: Protocol arrays saved with the run's state.
PROTOCOL_FIELDS = ("protocol", "clock", "cycle_log", "psi_plated", "psi_stripped")


@dataclass(frozen=True)
class CyclingSetup:
    """The protocol in SI (from ``[cycling]``).

    Attributes
    ----------
    cycles : int
    plating_A_m2, stripping_A_m2 : float
        Galvanostatic current densities (both positive), A/m^2.
    capacity_C_m2 : float
        Charge plated per half-cycle, C/m^2.
    strip_fraction : float
        Stripping stops at this fraction of the cycle's plated charge (1 with a potential cut-off).
    cutoff_V : float or None
        Potential cut-off: the electrode's potential against the Li counter electrode, V (None: capacity cut-off).
    rest_s : float
    records_per_half_cycle : int
    """

    cycles: int
    plating_A_m2: float
    stripping_A_m2: float
    capacity_C_m2: float
    strip_fraction: float
    cutoff_V: float | None
    rest_s: float
    records_per_half_cycle: int

    @property
    def record_count(self) -> int:
        """Records of a run that strips every cycle to its charge (the first record included)."""
        return self.cycles * (2 * self.records_per_half_cycle + 2 * (self.rest_s > 0)) + 1


class _HalfEnd(Exception):
    """Raised from the step callback: the potential cut-off ended the stripping half-cycle."""


class CyclingRun(ProtocolRun):
    """The phase-field cycling run as the runner's Integration; ``run`` is the stage's
    :class:`.stage.Run` (lab frame, dead metal tracked), whose system, records and stop tests it shares."""

    protocol_fields = PROTOCOL_FIELDS

    def __init__(self, run, cycling: CyclingSetup):
        self.run = run
        self.cycling = cycling
        ny, nx = run.system.shape
        n = cycling.cycles
        self.protocol = np.zeros(4, np.int64)
        self.clock = np.zeros(4)
        self.cycle_log = np.full((n, len(LOG_FIELDS)), np.nan)
        self.psi_plated = np.full((n, ny, nx), np.nan, dtype=np.float32)
        self.psi_stripped = np.full((n, ny, nx), np.nan, dtype=np.float32)

    # ------------------------------------------------------------------ Integration

    def start(self) -> dict:
        first = {**self.run.start(), **self._fields(PLATE)}  # the setup's current is the plating current
        # metal the initial state already holds cut off was not made dead by the first cycle
        self.clock[DEAD_AT] = self.run.system.dead_li()
        return first

    def advance(self, on_record) -> Stop:
        from .stage import REBUILD_ADVICE, SAND_ADVICE, Diverged, _Stop

        system = self.run.system
        while True:
            half = int(self.protocol[HALF])
            t_end, spacing = self._plan(half)
            t_next = min(float(self.clock[HALF_TIME]) + (int(self.protocol[RECORDS_IN_HALF]) + 1) * spacing, t_end)
            stop, end_by = None, 0
            try:
                system.advance(t_next, on_step=self._on_step)
            except _HalfEnd:
                end_by = END_POTENTIAL
            except _Stop as exc:
                stop = exc.args[0]
            except DivergenceError as exc:
                raise Diverged(str(exc), SAND_ADVICE) from None
            except RebuildError as exc:
                raise Diverged(str(exc), REBUILD_ADVICE) from None
            self.protocol[RECORDS_IN_HALF] += 1
            if end_by == 0 and stop is None and system.time >= t_end - 1e-9 * max(1.0, t_end):
                end_by = END_CAPACITY
            frame = {**self.run._record(), **self._fields(half)}
            if end_by:
                self._end_half(half, end_by)
                if int(self.protocol[DONE]):
                    stop = Stop(StopReason.CYCLES, f"{self.cycling.cycles} cycles done")
            # a resumed run starts without the kept factorisation: so does the run at each record
            system.refresh_preconditioner()
            on_record(frame, stop is not None)
            if stop is not None:
                return stop

    # ------------------------------------------------------------------ protocol

    def _plan(self, half: int) -> tuple[float, float]:
        """(time at which the half-cycle ends at the latest, s; time between its records, s)."""
        c, start = self.cycling, float(self.clock[HALF_TIME])
        if half == PLATE:
            duration = c.capacity_C_m2 / c.plating_A_m2
            return start + duration, duration / c.records_per_half_cycle
        if half == STRIP:
            plated = float(self.cycle_log[int(self.protocol[CYCLE]), _COL["charge_plated"]])
            return start + c.strip_fraction * plated / c.stripping_A_m2, c.capacity_C_m2 / c.stripping_A_m2 / c.records_per_half_cycle
        return start + c.rest_s, c.rest_s

    def _on_step(self, system, dt: float) -> None:
        self.run._on_step(system, dt)
        if (int(self.protocol[HALF]) == STRIP and self.cycling.cutoff_V is not None
                and self.electrode_potential() > self.cycling.cutoff_V):
            raise _HalfEnd

    def electrode_potential(self) -> float:
        """The electrode's potential against the Li counter electrode, V (minus the electrolyte's
        potential there against the metal; + while stripping)."""
        return -self.run.system.counter_potential()

    def _end_half(self, half: int, end_by: int) -> None:
        """Log the half-cycle that just ended and start the next one (skipping rests of length 0)."""
        c, system = self.cycling, self.run.system
        cycle = int(self.protocol[CYCLE])
        log = self.cycle_log[cycle]
        elapsed = system.time - float(self.clock[HALF_TIME])
        charge = system.charge_C_m2 - float(self.clock[HALF_CHARGE])
        psi = np.asarray(system.value("psi")).reshape(system.shape).astype(np.float32)
        roughness = float(np.std(system.front_rows())) * LENGTH_SCALE_M
        if half == PLATE:
            log[_COL["charge_plated"]], log[_COL["plating_time"]] = charge, elapsed
            log[_COL["roughness_plated"]] = roughness
            self.psi_plated[cycle] = psi
        elif half == STRIP:
            log[_COL["charge_stripped"]], log[_COL["stripping_time"]] = -charge, elapsed
            log[_COL["end_potential"]], log[_COL["strip_end"]] = self.electrode_potential(), end_by
            log[_COL["roughness_stripped"]] = roughness
            self.psi_stripped[cycle] = psi
        nxt, cycle_over = next_half_cycle(half, c.rest_s)
        if cycle_over:
            dead = system.dead_li()
            log[_COL["dead_li"]], log[_COL["dead_li_formed"]] = dead, dead - float(self.clock[DEAD_AT])
            log[_COL["profile_rebuilds"]] = system.rebuilds - self.clock[REBUILDS_AT]
            self.clock[DEAD_AT], self.clock[REBUILDS_AT] = dead, system.rebuilds
            if cycle + 1 == c.cycles:
                self.protocol[DONE] = 1
                return
            self.protocol[CYCLE] = cycle + 1
        self.protocol[HALF], self.protocol[RECORDS_IN_HALF] = nxt, 0
        self.clock[HALF_TIME], self.clock[HALF_CHARGE] = system.time, system.charge_C_m2
        system.current_A_m2 = {PLATE: c.plating_A_m2, STRIP: -c.stripping_A_m2}.get(nxt, 0.0)
        system.dt = system.numerics.dt_initial  # the current jumps: start the half-cycle with small steps
        system.mark_step_start()  # a rejected first step restores the step's start: it must hold the new current

    def _fields(self, half: int) -> dict:
        """The cycling series of a record closing ``half``."""
        return {"cycle": int(self.protocol[CYCLE]) + 1, "half_cycle": half, "dead_li": self.run.system.dead_li(),
                "electrode_potential": self.electrode_potential()}

    # ------------------------------------------------------------------ output

    def dataset(self, y_m: np.ndarray, x_m: np.ndarray) -> xr.Dataset:
        """The ``cycling`` group: one row a cycle, and psi after plating and after stripping."""
        log = self.cycle_log
        plated, stripped = log[:, _COL["charge_plated"]], log[:, _COL["charge_stripped"]]
        molar_volume = self.run.setup.cell.molar_volume_m3_mol
        with np.errstate(invalid="ignore", divide="ignore"):
            ce = stripped / plated
            dead_fraction = log[:, _COL["dead_li_formed"]] * FARADAY / plated
        data = {name: ("cycle", log[:, _COL[name]], {"units": u, "long_name": text}) for name, (u, text) in LOG_FIELDS.items()}
        data.update({
            "coulombic_efficiency": ("cycle", ce, {"units": "1", "long_name": "charge stripped / charge plated"}),
            "dead_fraction": ("cycle", dead_fraction, {"units": "1", "long_name": "Li that became dead / Li plated in the cycle"}),
            "dead_li_thickness": ("cycle", log[:, _COL["dead_li"]] * molar_volume,
                                  {"units": "m", "long_name": "dead Li at the end of the cycle as a dense layer"}),
            "psi_plated": (("cycle", "y", "x"), self.psi_plated, {"units": "1", "long_name": "electrolyte fraction after plating"}),
            "psi_stripped": (("cycle", "y", "x"), self.psi_stripped, {"units": "1", "long_name": "electrolyte fraction after stripping"}),
        })
        coords = {"cycle": ("cycle", np.arange(1, self.cycling.cycles + 1), {"units": "1"}),
                  "y": ("y", y_m, {"units": "m"}), "x": ("x", x_m, {"units": "m"})}
        return xr.Dataset(data, coords=coords)
