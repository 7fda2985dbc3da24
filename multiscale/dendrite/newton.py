"""Coupled Newton time stepping shared by the phase-field systems of this package.

A system provides :meth:`SteppedSystem.sweep` (one Newton iteration at a given dt) and access to
its unknowns; :class:`SteppedSystem` adds the convergence test of a step, rejection and step-size
control (the FiPy flavour, :class:`.sbm_fipy.NewtonSystem`, adds FiPy's equations and solvers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np



@dataclass
class StepReport:
    """Outcome of one attempted step."""

    accepted: bool
    sweeps: int
    change: float  # max |tracked - tracked_old|
    reason: str = ""


@dataclass
class StepControl:
    """Sweep and step control (the system's time unit)."""

    max_sweeps: int = 20
    tolerance: float = 1e-3  # sweeps stop when the error left (estimated from the last two
    absolute_tolerance: float = 1e-8  # sweeps) is below tolerance * step change + this
    max_change: float = 0.08  # largest accepted max |tracked - tracked_old| in one step
    dt_initial: float = 0.01
    dt_min: float = 1e-6
    dt_max: float = 5.0
    growth: float = 1.3
    refactor_iterations: int = 8  # GMRES iterations above which a kept LU preconditioner is renewed
    solvers: dict = field(default_factory=dict)  # FiPy systems: equation name -> fipy solver (default: chord GMRES)


class DivergenceError(RuntimeError):
    """The time step collapsed: the state kept is the last accepted one."""


class SteppedSystem:
    """Base of a coupled implicit system: subclasses set ``names`` (the unknowns), ``tracked``
    (the unknown whose change limits a step), ``numerics`` (a :class:`StepControl`), and implement
    :meth:`value`, :meth:`set_state` and :meth:`sweep`; a linear solve that failed is appended to
    ``failed_solves``. ``time`` and ``dt`` are the system's clock."""

    names: tuple[str, ...] = ()
    tracked: str = ""

    def _init_stepping(self) -> None:
        self.time = 0.0
        self.dt = self.numerics.dt_initial
        self.failed_solves: list[str] = []
        self.mark_step_start()

    def value(self, name: str) -> np.ndarray:
        """The cell values of unknown ``name``."""
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Copies of the cell values, flat."""
        return {name: np.array(self.value(name), dtype=float).ravel() for name in self.names}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def mark_step_start(self) -> None:
        """The current state becomes the start of the next step."""
        self.old = self.state()

    def sweep(self, dt: float) -> float:
        """One Newton iteration; returns the max change of the variables that set convergence."""
        raise NotImplementedError

    def _reject(self) -> None:
        """Restore the step's start (a rejected step); subclasses also drop what they kept from its
        iterates."""
        self.set_state(self.old)

    def check_step(self, dt: float) -> str:
        """A converged step of ``dt`` is checked before it is accepted: a sentence saying what is
        wrong with it (the step is rejected and retried smaller), or "" (small updates alone do not
        prove a solution: a solve swamped by overflow also returns them)."""
        return ""

    def _accepted(self, dt: float) -> None:
        """Called by :meth:`advance` after a step of ``dt`` is accepted, before it becomes the start
        of the next (running integrals)."""

    def try_step(self, dt: float) -> StepReport:
        """Attempt one step of size ``dt``; on failure the state is restored to the step start.

        Converged when the error left after a sweep, estimated as in the simplified Newton
        iteration of Hairer & Wanner (Solving ODEs II, §IV.8): change * theta / (1 - theta) with
        the contraction theta = change / previous change, or the change itself after the first
        sweep, is below ``tolerance`` times the step's change of the tracked unknown plus
        ``absolute_tolerance``.
        """
        n = self.numerics
        self.failed_solves.clear()
        previous = math.inf
        for k in range(1, n.max_sweeps + 1):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                change = self.sweep(dt)
                finite = np.isfinite(change) and all(np.all(np.isfinite(self.value(v))) for v in self.names)
            if self.failed_solves:
                self._reject()
                return StepReport(False, k, math.inf, f"linear solver failed on {self.failed_solves[0]}")
            if not finite:
                self._reject()
                return StepReport(False, k, math.inf, "non-finite values")
            step_change = float(np.max(np.abs(np.ravel(self.value(self.tracked)) - self.old[self.tracked])))
            theta = change / previous if k > 1 else math.inf
            left = min(change, change * theta / (1.0 - theta)) if theta < 1.0 else change
            previous = change
            if left < n.tolerance * step_change + n.absolute_tolerance:
                if step_change > n.max_change:
                    self._reject()
                    return StepReport(False, k, step_change, f"{self.tracked} changed too much")
                with np.errstate(over="ignore", invalid="ignore"):
                    defect = self.check_step(dt)
                if defect:
                    self._reject()
                    return StepReport(False, k, step_change, defect)
                return StepReport(True, k, step_change)
        self._reject()
        return StepReport(False, n.max_sweeps, math.inf, "sweeps did not converge")

    def advance(self, t_end: float, on_step=None) -> list[StepReport]:
        """Step to ``t_end`` with adaptive dt; raises :class:`DivergenceError` below ``dt_min``."""
        n = self.numerics
        reports = []
        while self.time < t_end - 1e-12 * max(1.0, t_end):
            dt = min(self.dt, t_end - self.time)
            report = self.try_step(dt)
            reports.append(report)
            if report.accepted:
                self.time += dt
                self._accepted(dt)
                self.mark_step_start()
                if on_step is not None:
                    on_step(self, dt)
                if report.sweeps <= n.max_sweeps // 3 and dt == self.dt:
                    self.dt = min(self.dt * n.growth, n.dt_max)
            else:
                self.dt = dt * 0.5
                if self.dt < n.dt_min:
                    raise DivergenceError(
                        f"time step fell below {n.dt_min:g} at t = {self.time:g} ({report.reason})")
        return reports

