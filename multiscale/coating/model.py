"""Plating under vs on top of a Li-conducting coating (FiPy; docs/models.md §7, seed 002).

Li metal | coating (thickness L, Li diffusivity D, mobile-Li capacity c_c) | electrolyte. Li⁺
arriving from the electrolyte enters the coating at its outer surface, diffuses across it and
plates underneath, at the Li/coating interface (a perfect sink: c = 0). The coating takes Li in
at the local current density j(y)/F as long as its outer surface is below saturation, c < c_c;
where the surface is saturated it takes only what diffusion carries away and the rest plates on
top of it (a complementarity condition: c ≤ c_c, inflow ≤ j/F, one of the two holds with
equality). In steady state the coating passes at most D c_c / L, hence the threshold

    j_th = F D c_c / L.

Grid: a 2D cut, y along the electrode (periodic, ``ny`` cells) and x across the coating (x = 0
Li metal, x = L outer surface, ``nx`` cells); arrays are (ny, nx). Internally lengths are in L,
times in L^2/D, concentrations in c_c and current densities in j_th, so the outer-surface flux
is j(y)/j_th. Each implicit Euler step finds the saturated rows by an active-set iteration (a
row saturates when its face concentration would exceed c_c; it is released when the coating
would take more than arrives). Sources in the outer cells carry the boundary condition: the
arriving flux j/(j_th Δx) where unsaturated, an implicit 2/Δx^2 (1 − c) where saturated.

The electronic conductivity σ enters only the ohmic drop of the on-top current across the
coating, j_top L / σ (V): reported, not fed back (the model has no potential).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constants import FARADAY
from .._fipy import fipy, lu


@dataclass(frozen=True)
class CoatingPhysics:
    """Material and geometry of the coating, SI.

    Attributes
    ----------
    thickness_m : float
        L, m.
    diffusivity_m2_s : float
        D, m^2/s.
    capacity_mol_m3 : float
        c_c: mobile Li concentration at the saturated outer surface, mol/m^3.
    conductivity_S_m : float
        Electronic conductivity σ, S/m.
    """

    thickness_m: float
    diffusivity_m2_s: float
    capacity_mol_m3: float
    conductivity_S_m: float

    def __post_init__(self):
        for name in ("thickness_m", "diffusivity_m2_s", "capacity_mol_m3", "conductivity_S_m"):
            if not getattr(self, name) > 0:
                raise ValueError(f"coating {name} must be positive")

    @property
    def threshold_A_m2(self) -> float:
        """Transport-limited threshold current density F D c_c / L, A/m^2."""
        return FARADAY * self.diffusivity_m2_s * self.capacity_mol_m3 / self.thickness_m

    @property
    def transit_time_s(self) -> float:
        """L^2 / D, s: the time unit of the model."""
        return self.thickness_m ** 2 / self.diffusivity_m2_s


@dataclass
class StepRates:
    """Per-row rates at the end of a step, in A/m^2 (as current densities): ``inflow`` into the
    coating, ``under`` (plated at the Li/coating interface), ``on_top``, and ``saturated`` rows."""

    inflow: np.ndarray
    under: np.ndarray
    on_top: np.ndarray
    saturated: np.ndarray


class CoatingSystem:
    """The FiPy model of one coating under a local current density profile.

    Parameters
    ----------
    physics : CoatingPhysics
    current_A_m2 : array (ny,)
        Local current density along the electrode, A/m^2 (> 0).
    cell_width_m : float
        Cell size along the electrode, m (the cells across the coating are L / nx).
    nx : int
        Cells across the coating.
    """

    def __init__(self, physics: CoatingPhysics, current_A_m2: np.ndarray, cell_width_m: float, nx: int = 24):
        current = np.asarray(current_A_m2, dtype=float)
        if current.ndim != 1 or current.size < 1 or not np.all(current > 0):
            raise ValueError("current_A_m2 must be a 1D array of positive current densities")
        self.physics = physics
        self.ny, self.nx = current.size, int(nx)
        self.drive = current / physics.threshold_A_m2  # j / j_th per row
        dx = 1.0 / self.nx
        dy = cell_width_m / physics.thickness_m
        mesh = (fipy.PeriodicGrid2DTopBottom(dx=dx, dy=dy, nx=self.nx, ny=self.ny) if self.ny > 1
                else fipy.Grid1D(dx=dx, nx=self.nx))
        self.dx = dx
        self.c = fipy.CellVariable(mesh=mesh, value=0.0, hasOld=True)
        self.c.constrain(0.0, mesh.facesLeft)  # the Li metal takes every Li that arrives
        self._outer = np.zeros((self.ny, self.nx), dtype=bool)
        self._outer[:, -1] = True
        self._sink = fipy.CellVariable(mesh=mesh, value=0.0)  # -2/dx^2 on saturated outer cells
        self._source = fipy.CellVariable(mesh=mesh, value=0.0)
        self._equation = (fipy.TransientTerm() == fipy.DiffusionTerm(1.0) + fipy.ImplicitSourceTerm(self._sink)
                          + self._source)
        self._solver = lu()
        self.saturated = np.zeros(self.ny, dtype=bool)
        self.time = 0.0  # in L^2 / D
        self.last_dt = 1e-3  # the next run of steps starts from here

    # -- state ---------------------------------------------------------------------------
    def concentration(self) -> np.ndarray:
        """c / c_c on the grid, (ny, nx)."""
        return np.asarray(self.c.value).reshape(self.ny, self.nx)

    def stored(self) -> float:
        """Li held in the coating per electrode area, in units of c_c L (mean over rows)."""
        return float(np.mean(self.concentration().sum(axis=1) * self.dx))

    # -- stepping ------------------------------------------------------------------------
    def _set_boundary(self, saturated: np.ndarray) -> None:
        sink = np.zeros((self.ny, self.nx))
        source = np.zeros((self.ny, self.nx))
        k = 2.0 / self.dx ** 2
        sink[saturated, -1] = -k
        source[saturated, -1] = k
        source[~saturated, -1] = self.drive[~saturated] / self.dx
        self._sink.setValue(sink.ravel())
        self._source.setValue(source.ravel())

    def step(self, dt: float) -> StepRates:
        """One implicit Euler step of ``dt`` (units of L^2/D); returns the rates at its end."""
        self.c.updateOld()
        saturated = self.saturated.copy()
        for _ in range(2 * self.ny + 4):
            self._set_boundary(saturated)
            self._equation.solve(var=self.c, dt=dt, solver=self._solver)
            outer = self.concentration()[:, -1]
            taken = 2.0 * (1.0 - outer) / self.dx  # what a saturated face passes inward
            face = outer + 0.5 * self.dx * self.drive  # face concentration of an unsaturated row
            new = saturated.copy()
            new[~saturated & (face > 1.0)] = True
            new[saturated & (taken > self.drive)] = False
            if np.array_equal(new, saturated):
                break
            saturated = new
        else:
            raise RuntimeError("coating: the saturated set did not settle")
        self.saturated = saturated
        self.time += dt
        self.last_dt = dt
        return self.rates()

    def rates(self) -> StepRates:
        """Rates of the current state, A/m^2 per row."""
        c = self.concentration()
        j_th = self.physics.threshold_A_m2
        inflow = np.where(self.saturated, 2.0 * (1.0 - c[:, -1]) / self.dx, self.drive)
        under = 2.0 * c[:, 0] / self.dx
        return StepRates(inflow * j_th, under * j_th, (self.drive - inflow) * j_th, self.saturated.copy())


def steady_fraction_under(current_over_threshold: float) -> float:
    """Steady-state fraction of the current plated underneath, min(1, j_th / j) (uniform current)."""
    return min(1.0, 1.0 / current_over_threshold)


@dataclass(frozen=True)
class Totals:
    """Cumulative Li per electrode area (mol/m^2) after a run of ``time_s``."""

    time_s: float
    charge_mol_m2: float
    under_mol_m2: float
    on_top_mol_m2: float
    stored_mol_m2: float

    @property
    def fraction_under(self) -> float:
        return self.under_mol_m2 / self.charge_mol_m2

    @property
    def fraction_on_top(self) -> float:
        return self.on_top_mol_m2 / self.charge_mol_m2

    @property
    def balance_error_mol_m2(self) -> float:
        """charge/F − under − on top − stored: zero up to the solver tolerance."""
        return self.charge_mol_m2 - self.under_mol_m2 - self.on_top_mol_m2 - self.stored_mol_m2


def time_steps(total: float, first: float = 1e-3, growth: float = 1.25, largest: float | None = None) -> np.ndarray:
    """Step sizes (model time units) that start at ``first``, grow by ``growth`` up to ``largest``
    (default total/50) and add up to ``total`` exactly."""
    largest = total / 50.0 if largest is None else largest
    steps, t, dt = [], 0.0, min(first, total)
    while t < total * (1 - 1e-12):
        dt = min(dt, total - t)
        steps.append(dt)
        t += dt
        dt = min(dt * growth, largest)
    return np.array(steps)


def integrate(system: CoatingSystem, time_s: float, on_step=None, totals: Totals | None = None) -> Totals:
    """Advance ``system`` by ``time_s`` (s), integrating the Li that went under and on top.

    Rates are taken at the end of each implicit step, so the discrete balance is exact:
    charge/F = under + on top + Δ(stored) up to the linear solver tolerance. ``totals``: the
    totals so far (a run in pieces, e.g. between records); ``on_step(system, rates, totals)`` is
    called after every step.
    """
    p = system.physics
    tau = p.transit_time_s
    unit = p.capacity_mol_m3 * p.thickness_m  # mol/m^2 of "c_c L"
    totals = totals or Totals(0.0, 0.0, 0.0, 0.0, 0.0)
    stored0 = system.stored() - totals.stored_mol_m2 / unit
    charge, under, top = totals.charge_mol_m2, totals.under_mol_m2, totals.on_top_mol_m2
    for dt in time_steps(time_s / tau, first=system.last_dt):
        rates = system.step(dt)
        seconds = dt * tau
        charge += float(np.mean(system.drive)) * p.threshold_A_m2 * seconds / FARADAY
        under += float(np.mean(rates.under)) * seconds / FARADAY
        top += float(np.mean(rates.on_top)) * seconds / FARADAY
        totals = Totals(system.time * tau, charge, under, top, (system.stored() - stored0) * unit)
        if on_step is not None:
            on_step(system, rates, totals)
    return totals


def onset_current(physics: CoatingPhysics, time_s: float, on_top_fraction: float = 1e-3, nx: int = 24,
                  rel_tol: float = 0.005) -> float:
    """The uniform current density (A/m^2) above which more than ``on_top_fraction`` of the Li
    plated in ``time_s`` lands on top: bisection on 1D runs of the model (measured threshold)."""
    def above(j):
        totals = integrate(CoatingSystem(physics, np.array([j]), physics.thickness_m, nx=nx), time_s)
        return totals.fraction_on_top > on_top_fraction

    lo, hi = 0.25 * physics.threshold_A_m2, 4.0 * physics.threshold_A_m2
    if above(lo) or not above(hi):
        raise RuntimeError("coating: the onset is not within 0.25-4 x F D c_c / L for this plating time")
    while hi / lo - 1 > rel_tol:
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if above(mid) else (mid, hi)
    return math.sqrt(lo * hi)
