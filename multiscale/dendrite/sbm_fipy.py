"""The smoothed-boundary model of :mod:`.sbm` written the FiPy way: FiPy terms for every operator.

The same equations as :mod:`.sbm` (its docstring states them), discretised by FiPy: the four
unknowns are FiPy cell variables, the coupled equation is built once from ``TransientTerm`` (the
Jacobian blocks, swept with dt = 1 about the iterate) and ``DiffusionTerm`` objects whose
coefficients are set in place, and each sweep is a Picard-Newton iteration: storage, reaction,
curvature and double-well exactly linearised; D, k, chi/c, psi on faces, |grad psi|, the normal,
the multiplier lambda and the frame's advection at the iterate. FiPy's anisotropic diffusion puts
the tangential part of a tensor flux into an explicit source (from the harmonic face mean of the
cell gradients), so the curvature and Mullins terms are partly lagged too. It has no anisotropy (the
stiffness of :meth:`.sbm.ElectrodepositionSystem._stiffness`). It is the reference
of ``benchmarks/phasefield_step.py`` (the tuned model against the FiPy way) and of a cross-check
test; the stage uses :class:`.sbm.ElectrodepositionSystem`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._fipy import ReusedLU, SolverConvergenceWarning, chord_gmres, fipy, require_scipy_suite
from ..constants import FARADAY, GAS_CONSTANT
from .newton import SteppedSystem
from .sbm import LENGTH_SCALE_M, TIME_SCALE_S, Cell, SbmNumerics, SbmQuantities, butler_volmer


class NewtonSystem(SteppedSystem):
    """A coupled FiPy system: the unknowns are FiPy cell variables named as in ``names``;
    subclasses also set ``equations`` (name -> FiPy equation, swept with dt = 1)."""

    def _init_stepping(self) -> None:
        self.solvers = {name: self.numerics.solvers.get(name) or self.default_solver() for name in self.equations}
        super()._init_stepping()

    def default_solver(self):
        """The solver of an equation that ``numerics.solvers`` does not name: GMRES preconditioned by
        a kept sparse LU (:func:`.._fipy.chord_gmres`). Krylov solvers with incomplete
        factorisations did not converge on the coupled phase-field matrices; with an exact LU of a
        nearby Jacobian as the preconditioner GMRES solves to 1e-10."""
        return chord_gmres()

    def value(self, name: str) -> np.ndarray:
        return np.asarray(getattr(self, name).value)

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        for name in self.names:
            getattr(self, name).setValue(np.asarray(state[name], dtype=float).ravel())

    def refresh_preconditioners(self) -> None:
        """Drop every kept factorisation (:class:`ReusedLU`): the next solves factorise afresh."""
        for solver in self.solvers.values():
            if isinstance(getattr(solver, "preconditioner", None), ReusedLU):
                solver.preconditioner.refresh()

    def _solve(self, name: str, fresh: bool = False) -> None:
        """Sweep one equation; a linear solve that FiPy reports as failed is remembered.

        ``fresh``: refactorise a kept preconditioner (:class:`ReusedLU`) first. A solve that
        fails with a kept factorisation is repeated from the same iterate with a fresh one; one
        that needed more than ``refactor_iterations`` GMRES iterations refactorises at the next solve.
        """
        solver = self.solvers[name]
        reused = getattr(solver, "preconditioner", None)
        reused = reused if isinstance(reused, ReusedLU) else None
        if reused is not None and fresh:
            reused.refresh()
        iterate = self.state() if reused is not None and not fresh else None
        if not self._sweep_once(name, solver) and iterate is not None:
            self.failed_solves.remove(name)
            self.set_state(iterate)
            reused.refresh()
            self._sweep_once(name, solver)
        if reused is not None and solver.actualIterations > self.numerics.refactor_iterations:
            reused.refresh()

    def _sweep_once(self, name: str, solver) -> bool:
        """One FiPy sweep; False (and the equation remembered as failed) if the solver failed."""
        var = getattr(self, name) if name in self.names else None  # a coupled equation sweeps all
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SolverConvergenceWarning)
            try:
                self.equations[name].sweep(var=var, solver=solver, dt=1.0)
            except RuntimeError:  # SuperLU: "Factor is exactly singular"
                self.failed_solves.append(name)
                return False
        if any(issubclass(w.category, SolverConvergenceWarning) for w in caught):
            self.failed_solves.append(name)
            return False
        return True


class FipyElectrodepositionSystem(SbmQuantities, NewtonSystem):
    """The four equations on one FiPy mesh, built once; coefficients are updated in place.
    Parameters as :class:`.sbm.ElectrodepositionSystem`."""

    names = ("psi", "c", "phi", "K")
    tracked = "psi"

    def __init__(self, cell: Cell, spacing_x, ny: int, spacing_y: float, current_A_m2: float,
                 exchange_modulation=None, numerics: SbmNumerics | None = None):
        require_scipy_suite()
        if cell.anisotropy_strength != 0.0:
            raise ValueError("the FiPy formulation is isotropic: anisotropy_strength must be 0")
        cell.electrolyte.check_temperature(cell.temperature_K)
        self.cell = cell
        self.numerics = numerics or SbmNumerics()
        if self.numerics.reinitialise_steepness < math.inf:
            raise ValueError("the FiPy formulation does not rebuild the profile: reinitialise_steepness must be inf")
        dx = np.asarray(spacing_x, dtype=float)
        self.shape = ny, nx = int(ny), dx.size
        self.spacing_x, self.spacing_y = dx, float(spacing_y)
        modulation = np.ones(ny) if exchange_modulation is None else np.asarray(exchange_modulation, dtype=float)
        if modulation.shape != (ny,):
            raise ValueError(f"exchange_modulation has shape {modulation.shape}, expected ({ny},)")
        self.exchange_modulation = modulation
        self._i0 = np.repeat(modulation, nx) * cell.exchange_current_density_A_m2 / cell.current_scale_A_m2
        if ny == 1:
            mesh = fipy.Grid2D(dx=dx, dy=spacing_y, nx=nx, ny=1)
        else:
            mesh = fipy.PeriodicGrid2DTopBottom(dx=dx, dy=spacing_y, nx=nx, ny=ny)
        self.mesh = mesh
        self._volumes = np.asarray(mesh.cellVolumes)
        self.width = ny * self.spacing_y
        self.psi = fipy.CellVariable(mesh=mesh, name="psi", value=1.0)
        self.c = fipy.CellVariable(mesh=mesh, name="c", value=1.0)
        self.phi = fipy.CellVariable(mesh=mesh, name="phi", value=0.0)
        self.K = fipy.CellVariable(mesh=mesh, name="K", value=0.0)
        # psi = 1 flows in at the counter electrode's side as the frame moves; the collector's
        # side is left free (no flux): a fixed 0 there would put a kink into the profile's tail
        self.psi.constrain(1.0, mesh.facesRight)
        self._scratch = fipy.CellVariable(mesh=mesh, value=0.0)
        face = {name: fipy.FaceVariable(mesh=mesh, value=0.0) for name in ("cc", "cphi", "phiphi", "phic")}
        self._faces = face
        self._normal_slope = fipy.FaceVariable(mesh=mesh, rank=2, value=np.zeros((2, 2, mesh.numberOfFaces)))
        self._mullins = fipy.FaceVariable(mesh=mesh, rank=2, value=np.zeros((2, 2, mesh.numberOfFaces)))
        self._jacobian = {key: fipy.CellVariable(mesh=mesh, value=0.0) for key in (
            ("psi", "psi"), ("psi", "c"), ("psi", "phi"), ("psi", "K"), ("c", "c"), ("c", "psi"),
            ("phi", "c"), ("phi", "phi"), ("phi", "K"))}
        self._residual = {name: fipy.CellVariable(mesh=mesh, value=0.0) for name in self.names}
        right = np.zeros(ny * nx)
        right.reshape(ny, nx)[:, -1] = 1.0 / dx[-1]
        self._counter_cells = right  # 1 / (cell volume / boundary face area) on the last column
        self.current_A_m2 = float(current_A_m2)
        self.equations = self._build()
        self._init_stepping()

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> dict:
        """The coupled Newton system (see the module docstring). Jacobian blocks are
        ``TransientTerm(coeff=J, var=v)`` swept with dt = 1, i.e. J (v - v*) about the iterate v*
        (a Newton sweep in FiPy's terms); residuals at the iterate are explicit sources."""
        T, J, R, F = fipy.terms, self._jacobian, self._residual, self._faces
        psi, c, phi, K = self.psi, self.c, self.phi, self.K
        psi_eq = (T.TransientTerm(coeff=J["psi", "psi"], var=psi) + T.TransientTerm(coeff=J["psi", "c"], var=c)
                  + T.TransientTerm(coeff=J["psi", "phi"], var=phi) + T.TransientTerm(coeff=J["psi", "K"], var=K)
                  == T.DiffusionTerm(coeff=self.numerics.profile_mobility if self.numerics.move_interface else 0.0, var=psi)
                  + T.DiffusionTerm(coeff=self._mullins, var=K) + R["psi"])
        salt_eq = (T.TransientTerm(coeff=J["c", "c"], var=c) + T.TransientTerm(coeff=J["c", "psi"], var=psi)
                   == T.DiffusionTerm(coeff=F["cc"], var=c) + T.DiffusionTerm(coeff=F["cphi"], var=phi) + R["c"])
        current_eq = (T.TransientTerm(coeff=J["phi", "c"], var=c) + T.TransientTerm(coeff=J["phi", "phi"], var=phi)
                      + T.TransientTerm(coeff=J["phi", "K"], var=K)
                      == T.DiffusionTerm(coeff=F["phiphi"], var=phi) + T.DiffusionTerm(coeff=F["phic"], var=c) + R["phi"])
        curvature_eq = T.TransientTerm(coeff=1.0, var=K) == T.DiffusionTerm(coeff=self._normal_slope, var=psi) + R["K"]
        return {"all": psi_eq & salt_eq & current_eq & curvature_eq}

    def _face_mean(self, values: np.ndarray) -> np.ndarray:
        self._scratch.setValue(values)
        return np.asarray(self._scratch.arithmeticFaceValue.value)

    # -- start -------------------------------------------------------------------------------
    def initialise(self, psi: np.ndarray, phi: float | None = None) -> None:
        """Start from the electrolyte fraction ``psi`` (ny, nx), uniform c = c_b, the curvature of
        ``psi`` and a uniform electrolyte potential (default: the planar Butler-Volmer overpotential
        of the applied current, in RT/F)."""
        self.psi.setValue(np.asarray(psi, dtype=float).ravel())
        self.c.setValue(1.0)
        self.phi.setValue(self._start_potential(phi))
        self._update_geometry()
        self.K.setValue(self._divergence(self._normal))
        self.time = 0.0
        self._start_totals()
        self._metal_start = self.metal_li()
        self.mark_step_start()

    def _update_geometry(self) -> None:
        """|grad psi| on cells and faces, the normal n = grad psi / g (g = |grad psi| regularised),
        its Newton slope dn/d(grad psi) = (I - nn) / g, and the coefficients that use them."""
        n, cell = self.numerics, self.cell
        grad_cell = np.asarray(self.psi.grad.value)  # Gauss: (1/V) sum of face value x normal x area
        self._delta = np.hypot(grad_cell[0], grad_cell[1])
        self._slope_x = grad_cell[0]
        grad = np.asarray(self.psi.faceGrad.value)
        magnitude = np.hypot(grad[0], grad[1])
        regularised = np.sqrt(magnitude ** 2 + (n.gradient_floor / (4.0 * n.interface_width)) ** 2)
        normal = grad / regularised
        projector = np.eye(2)[:, :, None] - normal[:, None, :] * normal[None, :, :]
        self._normal_slope.setValue(projector / regularised)
        unit = grad / np.maximum(magnitude, 1e-300)
        tangential = np.eye(2)[:, :, None] - unit[:, None, :] * unit[None, :, :]
        # div(n) minus the Newton term's value at the iterate: (I - nn) grad psi / g = grad psi (1 - |n|^2) / g
        self._normal_rest = self._divergence(normal * (magnitude / regularised) ** 2)
        self._normal = normal
        b = cell.surface_diffusion_B_m4_s / LENGTH_SCALE_M ** 4 * TIME_SCALE_S if n.move_interface else 0.0
        # the unit normal, not the regularised one: the flux stays tangential in the profile's
        # tails too (a regularised projector is isotropic there: a bulk-diffusion channel); the
        # weight |grad psi|^2 / g is |grad psi| across the front and vanishes where psi is flat and
        # the normal is noise
        self._mullins.setValue(-b * (magnitude ** 2 / regularised)[None, None, :] * tangential)

    def _divergence(self, face_vectors: np.ndarray) -> np.ndarray:
        """Finite-volume divergence of face vectors (2, faces) on the cells."""
        return np.asarray(fipy.FaceVariable(mesh=self.mesh, rank=1, value=face_vectors).divergence.value)

    # -- Newton ----------------------------------------------------------------------------
    def _update_newton(self, dt: float) -> None:
        cell, n, J, R, F = self.cell, self.numerics, self._jacobian, self._residual, self._faces
        psi, conc, phi, K = (np.asarray(v.value) for v in (self.psi, self.c, self.phi, self.K))
        self._update_geometry()
        delta = self._delta
        T = cell.temperature_K
        c_si = np.maximum(conc, n.concentration_floor) * cell.bulk_concentration_mol_m3
        e = cell.electrolyte
        diffusivity = e.diffusivity(c_si, T) / LENGTH_SCALE_M ** 2 * TIME_SCALE_S
        k = (e.conductivity(c_si, T) * GAS_CONSTANT * T / (FARADAY ** 2 * cell.bulk_concentration_mol_m3)
             / LENGTH_SCALE_M ** 2 * TIME_SCALE_S)
        chi_over_c = e.diffusion_potential_factor(c_si, T) / np.maximum(conc, n.concentration_floor)
        t_minus = 1.0 - e.transference_number
        psi_face = np.maximum(self._face_mean(psi), n.psi_floor)
        F["cc"].setValue(psi_face * self._face_mean(diffusivity + t_minus * k * chi_over_c))
        F["cphi"].setValue(-psi_face * t_minus * self._face_mean(k))
        F["phiphi"].setValue(psi_face * self._face_mean(k))
        F["phic"].setValue(-psi_face * self._face_mean(k * chi_over_c))

        eta = -phi + cell.capillary_length_um * K
        rate, rate_c, rate_eta = butler_volmer(np.maximum(conc, n.concentration_floor), eta, self._i0,
                                               cell.anodic_transfer_coefficient, cell.cathodic_transfer_coefficient)
        rate_c = np.where(conc > n.concentration_floor, rate_c, 0.0)
        sink = delta * rate
        self._sink = sink
        J["phi", "c"].setValue(delta * rate_c)
        J["phi", "phi"].setValue(-delta * rate_eta)
        J["phi", "K"].setValue(delta * rate_eta * cell.capillary_length_um)
        counter = self.current_A_m2 / cell.current_scale_A_m2
        R["phi"].setValue(-sink + counter * self._counter_cells)

        storage, old_storage = psi + n.storage_floor, self.old["psi"] + n.storage_floor
        J["c", "c"].setValue(storage / dt)
        J["c", "psi"].setValue(conc / dt)
        R["c"].setValue(-(storage * conc - old_storage * self.old["c"]) / dt)

        R["K"].setValue(self._normal_rest - K)

        if n.move_interface:
            sigma, g, w2 = cell.volume_ratio, n.profile_mobility, n.interface_width ** 2
            well = psi * (1.0 - psi) * (1.0 - 2.0 * psi)
            profile = -g * (well / w2 + delta * K)  # the profile term without its Laplacian (conservative)
            multiplier = float(np.sum(self._volumes * profile) / max(np.sum(self._volumes * delta), 1e-300))
            J["psi", "psi"].setValue(1.0 / dt + g * (1.0 - 6.0 * psi + 6.0 * psi ** 2) / w2)
            J["psi", "c"].setValue(sigma * delta * rate_c)
            J["psi", "phi"].setValue(-sigma * delta * rate_eta)
            J["psi", "K"].setValue(sigma * delta * rate_eta * cell.capillary_length_um + g * delta)
            # the frame's advection u dpsi/dx at the iterate, with the Gauss gradient that |grad psi|
            # uses: on a planar front it cancels the sink exactly, so the Newton iteration converges
            # at any u dt; it telescopes (sum of V dpsi/dx = the boundary values' difference)
            advection = self.frame_velocity * self._slope_x
            R["psi"].setValue(-(psi - self.old["psi"]) / dt - sigma * sink + profile - multiplier * delta + advection)
        else:
            J["psi", "psi"].setValue(1.0)
            for key in (("psi", "c"), ("psi", "phi"), ("psi", "K")):
                J[key].setValue(0.0)
            R["psi"].setValue(0.0)

    def sweep(self, dt: float) -> float:
        """One Newton iteration on the four equations; returns the max change of psi, c and phi."""
        before = {name: np.array(getattr(self, name).value) for name in ("psi", "c", "phi")}
        self._update_newton(dt)
        self._solve("all")
        return float(max(np.max(np.abs(np.asarray(getattr(self, name).value) - before[name])) for name in before))

    def default_solver(self):
        return chord_gmres(floor=self.numerics.solver_floor, accept=1e-14, system_scale=True)

    # -- quantities --------------------------------------------------------------------------
    def faradaic_rate(self) -> np.ndarray:
        self._update_newton(self.dt)
        return self._sink.copy()


__all__ = ["FipyElectrodepositionSystem"]
