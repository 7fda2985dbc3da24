"""Phase-field model of Li electrodeposition (Chen et al. 2015; Hong & Viswanathan 2018), in FiPy.

Fields on a 2D grid, axis order (y, x): x is normal to the electrode (metal at x = 0), y runs
along it (periodic). Cell arrays are ``(ny, nx)``; FiPy's flat cell order is x fastest.

Variables (dimensionless; scales :data:`LENGTH_SCALE_M`, :data:`TIME_SCALE_S`, RT/nF):

``xi``
    order parameter, 1 in the metal, 0 in the electrolyte.
``mu``
    Li+ chemical potential, mu = ln(c_l / c0): c_l is the electrolyte-phase concentration. The
    local concentration is c/c0 = exp(mu) [(1 - h) + k_m h] > 0 for every finite mu, so the Li+
    equation needs no clipping (grand-potential form of Hong & Viswanathan 2018); k_m is the
    Li+ partition into the metal (a small regularisation).
``psi``
    potential, psi = nF phi / RT; the metal is held at the applied potential, the far electrolyte
    at 0, and psi in the interface is the activation overpotential (Chen 2015).

Equations (docs/models.md §5 gives them with the scales and every parameter's source):

    d xi/dt = -L_s [W g'(xi) - div(kappa(theta) grad xi)]
              - L_eta(y) h'(xi) [exp((1-a) psi) - exp(mu) exp(-a psi)]
    d c/dt  = div[D(xi) c grad(mu + psi)] - (c_s/c0) d xi/dt
    div(sigma(xi) grad psi) = d xi/dt          (in units nF c_s l0^2 / t0)

g = xi^2 (1-xi)^2, h = xi^3 (6 xi^2 - 15 xi + 10), kappa = kappa0 [1 + delta cos(omega theta)],
D and sigma interpolated with h. Time discretisation: backward Euler; each step is a Newton
iteration on (xi, mu, psi) together (the double well, the reaction, the storage c(mu, xi), the
plating sink and the potential's source all linearised about the latest iterate, and the Li+
mobility D(xi) e^mu too with ``Numerics.linearised_mobility``; kappa(theta) and sigma(xi)
lagged), solved by GMRES preconditioned with a sparse LU of the Jacobian that is kept across
sweeps and steps until GMRES needs more than a few iterations with it; at convergence the
discrete Li balance is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constants import FARADAY, GAS_CONSTANT
from .._fipy import fipy, require_scipy_suite
from .newton import DivergenceError, NewtonSystem, StepControl, StepReport, default_solver

#: Length and time scales of the dimensionless equations (Hong & Viswanathan 2018 use the same).
LENGTH_SCALE_M = 1e-6
TIME_SCALE_S = 1.0


@dataclass(frozen=True)
class Physical:
    """Material, kinetic and cell parameters in SI units (defaults: docs/models.md §5).

    The gradient coefficient kappa0 and barrier W follow from the interface energy gamma and the
    interface width lambda of the tanh profile xi = [1 - tanh(x / 2 lambda)] / 2:
    kappa0 = 6 gamma lambda, W = 3 gamma / lambda. The reaction constant L_eta follows from the
    exchange current density of a planar front, i0 = 6 n F c_s L_eta lambda.
    """

    interface_energy_J_m2: float = 0.5
    interface_width_m: float = 0.25e-6
    interface_mobility_m3_J_s: float = 2.5e-6
    exchange_current_density_A_m2: float = 11.05
    transfer_coefficient: float = 0.5
    diffusivity_electrolyte_m2_s: float = 3.197e-10
    diffusivity_electrode_m2_s: float = 7.5e-13
    conductivity_electrolyte_S_m: float = 1.19
    conductivity_electrode_S_m: float = 1e7
    site_density_mol_m3: float = 7.64e4
    reference_concentration_mol_m3: float = 1000.0
    bulk_concentration_mol_m3: float = 1000.0
    metal_partition: float = 1e-3
    temperature_K: float = 300.0
    applied_potential_V: float = -0.45
    electrolyte_potential_V: float = 0.0
    anisotropy_strength: float = 0.0
    anisotropy_mode: int = 4
    electrons: int = 1

    @property
    def thermal_voltage_V(self) -> float:
        """RT/nF (V)."""
        return GAS_CONSTANT * self.temperature_K / (self.electrons * FARADAY)

    @property
    def reaction_constant_per_s(self) -> float:
        """L_eta (1/s) from the exchange current density."""
        return self.exchange_current_density_A_m2 / (
            6.0 * self.electrons * FARADAY * self.site_density_mol_m3 * self.interface_width_m)


@dataclass(frozen=True)
class Coefficients:
    """The dimensionless coefficients of the equations (see the module docstring)."""

    relaxation: float  # L_s W t0
    gradient: float  # L_s kappa0 t0 / l0^2
    reaction: float  # L_eta t0
    alpha: float
    diffusivity_electrolyte: float  # D t0 / l0^2
    diffusivity_electrode: float
    conductivity_electrolyte: float  # sigma (RT/nF) t0 / (nF c_s l0^2)
    conductivity_electrode: float
    site_ratio: float  # c_s / c0
    metal_partition: float
    psi_applied: float  # nF E / RT, metal side (x = 0)
    psi_electrolyte: float  # far electrolyte (x = L)
    mu_bulk: float  # ln(c_bulk / c0)
    anisotropy_strength: float
    anisotropy_mode: int

    @classmethod
    def from_physical(cls, p: Physical) -> Coefficients:
        l0, t0 = LENGTH_SCALE_M, TIME_SCALE_S
        kappa0 = 6.0 * p.interface_energy_J_m2 * p.interface_width_m
        barrier = 3.0 * p.interface_energy_J_m2 / p.interface_width_m
        nfcs = p.electrons * FARADAY * p.site_density_mol_m3
        conductivity = p.thermal_voltage_V * t0 / (nfcs * l0 ** 2)
        return cls(
            relaxation=p.interface_mobility_m3_J_s * barrier * t0,
            gradient=p.interface_mobility_m3_J_s * kappa0 * t0 / l0 ** 2,
            reaction=p.reaction_constant_per_s * t0,
            alpha=p.transfer_coefficient,
            diffusivity_electrolyte=p.diffusivity_electrolyte_m2_s * t0 / l0 ** 2,
            diffusivity_electrode=p.diffusivity_electrode_m2_s * t0 / l0 ** 2,
            conductivity_electrolyte=p.conductivity_electrolyte_S_m * conductivity,
            conductivity_electrode=p.conductivity_electrode_S_m * conductivity,
            site_ratio=p.site_density_mol_m3 / p.reference_concentration_mol_m3,
            metal_partition=p.metal_partition,
            psi_applied=p.applied_potential_V / p.thermal_voltage_V,
            psi_electrolyte=p.electrolyte_potential_V / p.thermal_voltage_V,
            mu_bulk=math.log(p.bulk_concentration_mol_m3 / p.reference_concentration_mol_m3),
            anisotropy_strength=p.anisotropy_strength,
            anisotropy_mode=p.anisotropy_mode,
        )


# --- pure functions of the order parameter -------------------------------------------------

def interpolation(xi: np.ndarray) -> np.ndarray:
    """h(xi) = xi^3 (6 xi^2 - 15 xi + 10)."""
    return xi ** 3 * (6.0 * xi ** 2 - 15.0 * xi + 10.0)


def interpolation_slope(xi: np.ndarray) -> np.ndarray:
    """h'(xi) = 30 xi^2 (1 - xi)^2."""
    return 30.0 * xi ** 2 * (1.0 - xi) ** 2


def interpolation_curvature(xi: np.ndarray) -> np.ndarray:
    """h''(xi) = 60 xi (1 - xi)(1 - 2 xi)."""
    return 60.0 * xi * (1.0 - xi) * (1.0 - 2.0 * xi)


def well_slope(xi: np.ndarray) -> np.ndarray:
    """g'(xi) for g = xi^2 (1 - xi)^2."""
    return 2.0 * xi * (1.0 - xi) * (1.0 - 2.0 * xi)


def well_curvature(xi: np.ndarray) -> np.ndarray:
    """g''(xi)."""
    return 2.0 * (1.0 - 6.0 * xi + 6.0 * xi ** 2)


def concentration(mu: np.ndarray, xi: np.ndarray, metal_partition: float) -> np.ndarray:
    """Local Li+ concentration c/c0 = exp(mu) [(1 - h) + k_m h] (positive by construction)."""
    h = interpolation(xi)
    return np.exp(mu) * ((1.0 - h) + metal_partition * h)


def reaction_affinity(psi: np.ndarray, mu: np.ndarray, alpha: float, h=0.5) -> np.ndarray:
    """Butler-Volmer bracket 2h exp((1-a) psi) - 2(1-h) exp(mu) exp(-a psi); < 0 when plating.

    The anodic term is weighted by the local metal fraction h, the cathodic one by the local
    electrolyte fraction 1 - h (Hong & Viswanathan weight the cathodic term by 1 - h), both times
    2 so that across a planar interface int h'(xi) 2h dxi = int h'(xi) 2(1-h) dxi = 1: the
    integrated rate is exactly Butler-Volmer with the Nernst equilibrium psi = mu. Without the
    1 - h weight the reaction on the metal side of the interface draws on ions that are not
    there (the local concentration is exp(mu)[(1-h) + k_m h]).
    """
    return 2.0 * h * np.exp((1.0 - alpha) * psi) - 2.0 * (1.0 - h) * np.exp(mu - alpha * psi)


def planar_velocity(c: Coefficients, psi: float, mu: float | None = None) -> float:
    """Velocity of a planar front under uniform psi and mu (dimensionless, + = plating).

    Multiplying the xi equation of a travelling front by xi' and integrating across it leaves
    v * int(xi'^2) = -L_eta [exp((1-a) psi) - exp(mu - a psi)]; for the equilibrium tanh profile
    int(xi'^2) dx = 1 / (6 lambda) with lambda = sqrt(kappa0 / 2W).
    """
    mu = c.mu_bulk if mu is None else mu
    width = math.sqrt(c.gradient / (2.0 * c.relaxation))
    return -6.0 * width * c.reaction * float(reaction_affinity(np.float64(psi), np.float64(mu), c.alpha))


def tanh_profile(distance: np.ndarray, width: float) -> np.ndarray:
    """Equilibrium profile xi = [1 - tanh(d / 2 lambda)] / 2 at signed distance d from the front."""
    return 0.5 * (1.0 - np.tanh(distance / (2.0 * width)))


# --- the FiPy system ------------------------------------------------------------------------

@dataclass
class Numerics(StepControl):
    """Sweep and step control (dimensionless time), plus the Li+ mobility options of this model."""

    mobility_floor: float = 1e-2  # lower bound of exp(mu) in the Li+ mobility
    linearised_mobility: bool = False  # the Li+ mobility's derivative in the Newton Jacobian: fewer
    # sweeps at high overpotential (-0.45 V: 3x faster), 1.4-1.8x the cost of a step at 1 mA/cm^2


class DendriteSystem(NewtonSystem):
    """The three equations on one mesh, built once; coefficients are updated in place.

    Parameters
    ----------
    coefficients : Coefficients
    shape : (ny, nx)
        Cells along and normal to the electrode.
    spacing : float
        Cell size (dimensionless, units of :data:`LENGTH_SCALE_M`).
    rate_modulation : ndarray (ny,)
        L_eta(y) / L_eta: the local current density field j(y)/mean(j) (mean 1).
    numerics : Numerics
    """

    names = ("xi", "psi", "mu")
    tracked = "xi"

    def __init__(self, coefficients: Coefficients, shape, spacing: float, rate_modulation=None,
                 numerics: Numerics | None = None):
        require_scipy_suite()
        self.c = coefficients
        self.shape = ny, nx = int(shape[0]), int(shape[1])
        self.spacing = float(spacing)
        self.numerics = numerics or Numerics()
        modulation = np.ones(ny) if rate_modulation is None else np.asarray(rate_modulation, dtype=float)
        if modulation.shape != (ny,):
            raise ValueError(f"rate_modulation has shape {modulation.shape}, expected ({ny},)")
        self._reaction = np.repeat(modulation, nx) * coefficients.reaction  # flat, x fastest
        if ny == 1:
            mesh = fipy.Grid2D(dx=spacing, dy=spacing, nx=nx, ny=1)
        else:
            mesh = fipy.PeriodicGrid2DTopBottom(dx=spacing, dy=spacing, nx=nx, ny=ny)
        self.mesh = mesh
        ids = np.asarray(mesh.faceCellIDs.filled(-1))
        self._face_a = ids[0]
        self._face_b = np.where(ids[1] < 0, ids[0], ids[1])
        self._right = np.asarray(mesh.facesRight.value)
        self.xi = fipy.CellVariable(mesh=mesh, name="xi", value=0.0)
        self.psi = fipy.CellVariable(mesh=mesh, name="psi", value=0.0)
        self.mu = fipy.CellVariable(mesh=mesh, name="mu", value=coefficients.mu_bulk)
        self.xi.constrain(1.0, mesh.facesLeft)  # the current collector is metal
        self._psi_applied = fipy.Variable(value=coefficients.psi_applied)  # adjustable: current control
        self.psi.constrain(self._psi_applied, mesh.facesLeft)
        self.psi.constrain(coefficients.psi_electrolyte, mesh.facesRight)
        self.mu.constrain(coefficients.mu_bulk, mesh.facesRight)
        # coefficients, updated in place from numpy
        self._kappa = fipy.FaceVariable(mesh=mesh, value=coefficients.gradient)
        self._sigma = fipy.FaceVariable(mesh=mesh, value=coefficients.conductivity_electrolyte)
        self._mobility = fipy.FaceVariable(mesh=mesh, value=coefficients.diffusivity_electrolyte)
        # d(mobility)/d(mu) and d/d(xi) times grad(mu + psi): the Newton terms of the Li+ flux
        self._drift = {name: fipy.FaceVariable(mesh=mesh, rank=1, value=0.0) for name in ("mu", "xi")}
        self._skew = {name: fipy.FaceVariable(mesh=mesh, value=0.0) for name in ("mu", "xi")}
        self._normals = np.asarray(mesh.faceNormals)
        self._interior = np.asarray(mesh.interiorFaces.value)
        self._jacobian = {key: fipy.CellVariable(mesh=mesh, value=0.0) for key in (
            ("xi", "xi"), ("xi", "mu"), ("xi", "psi"), ("mu", "mu"), ("mu", "xi"), ("psi", "xi"))}
        self._residual = {name: fipy.CellVariable(mesh=mesh, value=0.0) for name in self.names}
        self.equations = self._build()
        self._init_stepping()

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> dict:
        """The coupled Newton system of (xi, mu, psi), and the potential alone for the start.

        Each Jacobian block J is a ``TransientTerm(coeff=J, var=v)`` swept with dt = 1: FiPy
        writes it as J (v - v.old) and, for a variable without an old value, v.old is the
        current iterate, so the term is exactly J (v - v*). (An ``ImplicitSourceTerm`` would
        not do: FiPy moves a coefficient of the destabilising sign into the right-hand side,
        cell by cell, which silently turns Newton couplings explicit.) The residual of the
        nonlinear terms at the iterate is an explicit source; diffusion terms are implicit.
        All three variables are solved together: segregated sweeps converge slowly (the
        reaction ties xi to mu and psi, the potential ties psi to d xi/dt, the Li+ storage ties mu
        to xi) once dt is longer than the reaction time.
        """
        T = fipy.terms
        J = self._jacobian
        xi_equation = (T.TransientTerm(coeff=J["xi", "xi"], var=self.xi)
                       + T.TransientTerm(coeff=J["xi", "mu"], var=self.mu)
                       + T.TransientTerm(coeff=J["xi", "psi"], var=self.psi)
                       == T.DiffusionTerm(coeff=self._kappa, var=self.xi) + self._residual["xi"])
        flux = T.DiffusionTerm(coeff=self._mobility, var=self.mu) + T.DiffusionTerm(coeff=self._mobility, var=self.psi)
        if self.numerics.linearised_mobility:
            for v in ("mu", "xi"):
                flux = (flux + T.CentralDifferenceConvectionTerm(coeff=self._drift[v], var=getattr(self, v))
                        + T.DiffusionTerm(coeff=self._skew[v], var=getattr(self, v)))
        mu_equation = (T.TransientTerm(coeff=J["mu", "mu"], var=self.mu)
                       + T.TransientTerm(coeff=J["mu", "xi"], var=self.xi)
                       == flux + self._residual["mu"])
        psi_equation = (T.TransientTerm(coeff=J["psi", "xi"], var=self.xi)
                        == T.DiffusionTerm(coeff=self._sigma, var=self.psi) + self._residual["psi"])
        return {
            "all": xi_equation & mu_equation & psi_equation,
            # the start (no reaction): xi relaxing alone, then the potential
            "xi": T.TransientTerm(coeff=J["xi", "xi"], var=self.xi)
            == T.DiffusionTerm(coeff=self._kappa, var=self.xi) + self._residual["xi"],
            "psi": T.DiffusionTerm(coeff=self._sigma, var=self.psi) == 0.0,
        }

    # -- state -----------------------------------------------------------------------------
    def mark_step_start(self) -> None:
        """The current state becomes the start of the next step."""
        super().mark_step_start()
        self._old_concentration = concentration(self.old["mu"], self.old["xi"], self.c.metal_partition)

    def initialise(self, xi: np.ndarray, relax_time: float = 0.0, ions: str = "equilibrium") -> None:
        """Start from the order parameter ``xi`` (ny, nx): psi solved, then mu.

        ``relax_time`` (dimensionless) of Allen-Cahn relaxation without reaction first: a drawn
        profile is not the discrete equilibrium one, and relaxing it inside the coupled model
        would consume c_s/c0 = 76 ions per unit change of xi within the first steps.
        ``ions``: ``"equilibrium"`` puts mu in Boltzmann equilibrium with psi (no flux: mu + psi
        uniform); ``"uniform"`` sets mu = mu_bulk everywhere (Chen et al. 2015's start).
        """
        if ions not in ("equilibrium", "uniform"):
            raise ValueError(f"ions must be 'equilibrium' or 'uniform', not {ions!r}")
        c = self.c
        self.xi.setValue(np.asarray(xi, dtype=float).ravel())
        if relax_time > 0:
            reaction, self._reaction = self._reaction, np.zeros_like(self._reaction)
            dt = min(0.2 / c.relaxation, relax_time)
            for _ in range(max(1, int(round(relax_time / dt)))):
                self.mark_step_start()
                for _ in range(3):
                    self._update_newton(dt)
                    self._solve("xi")
            self._reaction = reaction
        self._update_conductivity(self.xi.value)
        self._solve("psi", fresh=True)
        # Boltzmann: without it the first seconds are a transient of ions gathering where the
        # electrolyte sits at the metal's potential (docs/models.md §5.4); with it at -0.45 V the
        # interface starts with e^17 c_bulk ions and no linear solve succeeds
        if ions == "equilibrium":
            self.mu.setValue(c.mu_bulk + c.psi_electrolyte - np.asarray(self.psi.value))
        else:
            self.mu.setValue(c.mu_bulk)
        self.mark_step_start()

    @property
    def psi_applied(self) -> float:
        """Collector potential (dimensionless, nF E / RT)."""
        return float(self._psi_applied.value)

    def set_psi_applied(self, value: float) -> None:
        """Move the collector potential (takes effect from the next step)."""
        self._psi_applied.setValue(float(value))

    def fields(self) -> dict[str, np.ndarray]:
        """xi, c/c0 and psi as (ny, nx) arrays."""
        xi, mu, psi = (np.asarray(getattr(self, n).value) for n in ("xi", "mu", "psi"))
        return {
            "xi": xi.reshape(self.shape).copy(),
            "concentration": concentration(mu, xi, self.c.metal_partition).reshape(self.shape),
            "psi": psi.reshape(self.shape).copy(),
        }

    def li_inventory(self) -> float:
        """Li in the domain, ions plus metal: sum of (c/c0 + (c_s/c0) xi) times cell area."""
        c = self.c
        xi = np.asarray(self.xi.value)
        total = concentration(self.mu.value, xi, c.metal_partition) + c.site_ratio * xi
        return float(np.sum(total)) * self.spacing ** 2

    def influx(self) -> float:
        """Li+ entering through the electrolyte boundary per unit time (c0 l0^2 / t0 per length).

        The discrete Nernst-Planck flux of the mu equation on the boundary faces: mobility times
        the difference between the boundary value and the adjacent cell over half a cell.
        """
        c = self.c
        faces = self._right
        cells = self._face_a[faces]
        drive = (c.mu_bulk - np.asarray(self.mu.value)[cells]) + (c.psi_electrolyte - np.asarray(self.psi.value)[cells])
        mobility = np.asarray(self._mobility.value)[faces]
        return float(np.sum(mobility * drive / (0.5 * self.spacing))) * self.spacing

    # -- coefficient updates -----------------------------------------------------------------
    def _face(self, cell_values: np.ndarray) -> np.ndarray:
        return 0.5 * (cell_values[self._face_a] + cell_values[self._face_b])

    def _update_conductivity(self, xi: np.ndarray) -> None:
        c, h = self.c, interpolation(xi)
        self._sigma.setValue(self._face(c.conductivity_electrode * h + c.conductivity_electrolyte * (1.0 - h)))

    def _update_newton(self, dt: float) -> None:
        """Jacobian and residual of the three equations at the latest iterate.

        xi:  (xi - xi_old)/dt = div(kappa grad xi) + r(xi, mu, psi),
             r = -L_s W g'(xi) - L_eta h'(xi) A(psi, mu, xi)
        Li+: (c(mu, xi) - c_old)/dt + (c_s/c0)(xi - xi_old)/dt = div[M grad(mu + psi)]
        psi: div(sigma grad psi) = (xi - xi_old)/dt
        The mobility M(mu, xi) enters the Jacobian with ``Numerics.linearised_mobility``
        (:meth:`_update_mobility_terms`), else it is taken at the iterate, as kappa and sigma
        always are (Picard). At convergence the discrete Li balance is exact.
        """
        c, J, R = self.c, self._jacobian, self._residual
        xi, psi, mu = self.xi.value, self.psi.value, self.mu.value
        old_xi = self.old["xi"]
        h, h1 = interpolation(xi), interpolation_slope(xi)
        anodic, cathodic = np.exp((1.0 - c.alpha) * psi), np.exp(mu - c.alpha * psi)
        affinity = 2.0 * h * anodic - 2.0 * (1.0 - h) * cathodic  # reaction_affinity, exponentials reused
        rate = -c.relaxation * well_slope(xi) - self._reaction * h1 * affinity
        rate_xi = (-c.relaxation * well_curvature(xi)
                   - self._reaction * (interpolation_curvature(xi) * affinity + 2.0 * h1 ** 2 * (anodic + cathodic)))
        rate_mu = 2.0 * self._reaction * h1 * (1.0 - h) * cathodic
        rate_psi = -2.0 * self._reaction * h1 * (h * (1.0 - c.alpha) * anodic + (1.0 - h) * c.alpha * cathodic)
        J["xi", "xi"].setValue(1.0 / dt - rate_xi)
        J["xi", "mu"].setValue(-rate_mu)
        J["xi", "psi"].setValue(-rate_psi)
        R["xi"].setValue(rate - (xi - old_xi) / dt)
        if c.anisotropy_strength:
            grad = np.asarray(self.xi.faceGrad.value)
            theta = np.arctan2(grad[1], grad[0])
            self._kappa.setValue(c.gradient * (1.0 + c.anisotropy_strength * np.cos(c.anisotropy_mode * theta)))

        conc = concentration(mu, xi, c.metal_partition)
        diffusivity = c.diffusivity_electrode * h + c.diffusivity_electrolyte * (1.0 - h)
        # transport at the electrolyte-phase concentration (the interface is no bottleneck), with
        # a floor: a mobility exp(mu) -> 0 lets mu run away to -inf where the interface's metal
        # side consumes ions faster than they arrive (positive feedback; docs/models.md §5.1)
        carriers = np.maximum(np.exp(mu), self.numerics.mobility_floor)
        self._mobility.setValue(self._face(diffusivity * carriers))
        J["mu", "mu"].setValue(conc / dt)
        J["mu", "xi"].setValue((np.exp(mu) * (c.metal_partition - 1.0) * h1 + c.site_ratio) / dt)
        R["mu"].setValue(-(conc - self._old_concentration + c.site_ratio * (xi - old_xi)) / dt)
        if self.numerics.linearised_mobility:
            self._update_mobility_terms(diffusivity, carriers, mu, h1)

        self._update_conductivity(xi)
        J["psi", "xi"].setValue(1.0 / dt)
        R["psi"].setValue(-(xi - old_xi) / dt)

    def _update_mobility_terms(self, diffusivity, carriers, mu, h1) -> None:
        """Newton terms of the Li+ flux in the mobility (``Numerics.linearised_mobility``)."""
        c, R = self.c, self._residual
        # Newton terms of the flux div[M(mu, xi) grad(mu + psi)], M on a face the mean of its two
        # cells' w = D(xi) max(e^mu, floor): the flux change g (w_a dv_a + w_b dv_b) / 2 for
        # v = mu, xi (g = normal grad(mu + psi)) is a central convection with the face-mean w plus
        # a diffusion g (w_a - w_b) dx / 4 of dv; both written for v and minus their value at the
        # iterate (explicit)
        # (interior faces only: on the boundary faces mu is fixed or the flux is zero, and FiPy's
        # convection term and the explicit divergence treat boundary faces differently)
        drive = np.asarray((self.mu.faceGrad + self.psi.faceGrad).value) * self._interior
        normal_drive = np.sum(drive * self._normals, axis=0)
        explicit = np.zeros_like(mu)
        for name, weight, var in (
                ("mu", diffusivity * np.where(np.exp(mu) > self.numerics.mobility_floor, np.exp(mu), 0.0), self.mu),
                ("xi", (c.diffusivity_electrode - c.diffusivity_electrolyte) * h1 * carriers, self.xi)):
            self._drift[name].setValue(self._face(weight) * drive)
            self._skew[name].setValue(-normal_drive * (weight[self._face_a] - weight[self._face_b]) * self.spacing / 4.0)
            # both at the iterate: a face carries g (w_a v_a + w_b v_b) / 2 out of cell a into b
            v = np.asarray(var.value)
            flux = normal_drive * 0.5 * (weight[self._face_a] * v[self._face_a] + weight[self._face_b] * v[self._face_b])
            explicit += (np.bincount(self._face_a, flux, mu.size) - np.bincount(self._face_b, flux, mu.size)) / self.spacing
        R["mu"].setValue(R["mu"].value - explicit)

    # -- time stepping -----------------------------------------------------------------------
    def sweep(self, dt: float) -> float:
        """One Newton iteration on the three equations; returns the max change of xi and c/c0."""
        before_xi = np.array(self.xi.value)
        before_c = concentration(self.mu.value, before_xi, self.c.metal_partition)
        self._update_newton(dt)
        self._solve("all")
        xi = np.asarray(self.xi.value)
        after_c = concentration(self.mu.value, xi, self.c.metal_partition)
        return float(max(np.max(np.abs(xi - before_xi)), np.max(np.abs(after_c - before_c))))


def planar_start(shape, spacing: float, front: float, width: float) -> np.ndarray:
    """xi (ny, nx) of a flat front at x = ``front`` (dimensionless)."""
    x = (np.arange(shape[1]) + 0.5) * spacing
    return np.broadcast_to(tanh_profile(x - front, width), shape).copy()


__all__ = [
    "LENGTH_SCALE_M", "TIME_SCALE_S", "Physical", "Coefficients", "Numerics", "DendriteSystem",
    "DivergenceError", "StepReport", "default_solver", "interpolation", "concentration", "reaction_affinity",
    "planar_velocity", "tanh_profile", "planar_start",
]
