"""Smoothed-boundary phase-field model of Li electrodeposition from a binary electroneutral electrolyte.

Fields on a 2D grid, axis order (y, x): x is normal to the electrode (the current collector at
x = 0, a Li counter electrode at the far end), y runs along it (periodic). Cell arrays are
``(ny, nx)``; FiPy's flat cell order is x fastest. The x spacing may grow away from the front
(a fine band, then geometric coarsening to the counter electrode).

Units inside: lengths in um (:data:`LENGTH_SCALE_M`), times in s, concentrations in units of the
bulk salt concentration c_b, potentials in RT/F. Unknowns:

``psi``
    electrolyte fraction (1 in the electrolyte, 0 in the metal): the smoothed boundary. Its
    equilibrium profile is psi = 1 / (1 + exp(-d / w)) at signed distance d from the front.
``c``
    salt concentration c / c_b (electroneutral: cation = anion concentration).
``phi``
    electrolyte potential F Phi_l / RT, measured against a Li reference electrode in the local
    solution (Newman's convention); the metal is equipotential at 0.
``K``
    curvature of the metal surface, K = div(grad psi / |grad psi|) (1/um, + on a protrusion).

Equations (docs/models.md §5.1 derives them; SBM: a boundary flux g on the metal becomes the
volume source |grad psi| g, Yu, Chen & Thornton, Modell. Simul. Mater. Sci. Eng. 20, 075008 (2012)):

    d((psi + e) c)/dt = div[psi (D grad c + t- i)]                 (anions: no flux into the metal)
    div(psi i) = -s,  i = -k (grad phi - chi grad ln c),  s = |grad psi| j
    d psi/dt   = -(c_b/c_s) s + u d psi/dx - div[B (|grad psi|^2 / g)(I - nn) grad K] + R_profile
    K          = div(grad psi / g),  g = (|grad psi|^2 + floor^2)^(1/2)

with i the current density and j the Butler-Volmer plating rate, both over F c_b (um/s); e the
storage floor (SbmNumerics.storage_floor);
k = kappa RT/(F^2 c_b) (um^2/s); chi = 2 (1 - t+)(1 + dln f/dln c); j = i0(y) (c)^a_a
[exp(-a_c eta) - exp(a_a eta)] with eta = -phi + (gamma Omega / RT) K (Gibbs-Thomson). The frame
moves with the mean front, u = Omega I / F: the electrolyte is at rest in it (a Li|Li cell
translates as a whole), so c and phi carry no advection. R_profile = G [lap psi - g(psi)/w^2 -
|grad psi| K] - lambda |grad psi| keeps the profile without moving the front (it vanishes on the
equilibrium profile; lambda makes it conserve psi exactly). Where the front's radius of curvature
comes down to ~w it moves the front all the same, at up to ~0.7 G/um (um/s) against the front's nm/s
(docs/models.md §5.4); with a small G the profile can instead be rebuilt between steps
(:mod:`.reinitialise`, ``SbmNumerics.reinitialise_steepness``). The current density I enters through
the counter electrode, where the anion flux is zero: given (galvanostatic), or an unknown that
holds the electrolyte potential there (potentiostatic).

Discretisation (:mod:`.finite_volume`): cell-centred finite volumes, FiPy's two-point fluxes, the
tangential part of a face gradient from the two cells' Gauss gradients. Time: backward Euler. Each
step is a Newton iteration on (psi, c, phi, K), the multiplier lambda and (potentiostatic) the
current together: the residual
below is the only statement of the equations; its Jacobian is taken by complex steps in colour
groups (:mod:`.coloured_jacobian`), factorised and kept as the preconditioner of GMRES whose
Jacobian-vector products are complex steps of the residual, and renewed only when GMRES needs
more than ``refactor_iterations``. At convergence the charge passed equals the Faradaic sink
(discrete divergence theorem), the anion inventory is constant and the metal gained equals the
Faradaic sink, each to the solver tolerance (docs/models.md §5.1). :mod:`.sbm_fipy` states the
same equations as FiPy terms (the reference for the benchmark).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, gmres, splu

from ..constants import FARADAY, GAS_CONSTANT
from . import finite_volume as fv
from .coloured_jacobian import ColouredJacobian
from .dead_metal import dead_cells, live_weights
from .electrolyte import Electrolyte
from .newton import SteppedSystem, StepControl
from .ordering import unknown_order
from .reinitialise import reinitialised_profile

#: Length and time scales of the equations.
LENGTH_SCALE_M = 1e-6
TIME_SCALE_S = 1.0


@dataclass(frozen=True)
class Cell:
    """Material, kinetic and cell parameters (SI; sources in docs/models.md §5.1).

    Attributes
    ----------
    electrolyte : Electrolyte
        Transport property model.
    temperature_K : float
    bulk_concentration_mol_m3 : float
        Initial uniform salt concentration c_b (mol/m^3).
    exchange_current_density_A_m2 : float
        i0 at c_b (A/m^2); i0(c) = i0 (c/c_b)^a_a.
    anodic_transfer_coefficient, cathodic_transfer_coefficient : float
        a_a, a_c (1).
    interface_energy_J_m2 : float
        gamma of the Li / electrolyte interface (J/m^2), Gibbs-Thomson.
    molar_volume_m3_mol : float
        Omega of Li metal (m^3/mol).
    surface_diffusion_B_m4_s : float
        Mullins coefficient B = D_s gamma Omega_at^2 nu / (k_B T) (m^4/s).
    anisotropy_strength, anisotropy_mode : float, int
        delta and omega of gamma(theta) = gamma [1 + delta cos(omega theta)], theta the angle of
        the metal's normal from the growth direction x; the Gibbs-Thomson term uses the stiffness
        gamma + gamma'' = gamma [1 + delta (1 - omega^2) cos(omega theta)] (positive, so the front
        stays smooth, for delta < 1 / (omega^2 - 1)).
    """

    electrolyte: Electrolyte = Electrolyte()
    temperature_K: float = 298.15
    bulk_concentration_mol_m3: float = 1000.0
    exchange_current_density_A_m2: float = 10.0
    anodic_transfer_coefficient: float = 0.5
    cathodic_transfer_coefficient: float = 0.5
    interface_energy_J_m2: float = 0.5
    molar_volume_m3_mol: float = 1.30e-5
    surface_diffusion_B_m4_s: float = 5.0e-30
    anisotropy_strength: float = 0.0
    anisotropy_mode: int = 4

    def __post_init__(self):
        if not 0.0 <= self.anisotropy_strength < 1.0 / (self.anisotropy_mode ** 2 - 1):
            raise ValueError(f"anisotropy_strength must lie in [0, 1/(omega^2 - 1)) = [0, "
                             f"{1.0 / (self.anisotropy_mode ** 2 - 1):.4g}) for omega = {self.anisotropy_mode}")

    @property
    def thermal_voltage_V(self) -> float:
        """RT/F (V)."""
        return GAS_CONSTANT * self.temperature_K / FARADAY

    @property
    def current_scale_A_m2(self) -> float:
        """F c_b l0 / t0: the current density of one unit of the model's rates (A/m^2)."""
        return FARADAY * self.bulk_concentration_mol_m3 * LENGTH_SCALE_M / TIME_SCALE_S

    @property
    def capillary_length_um(self) -> float:
        """gamma Omega / RT (um): the Gibbs-Thomson shift is this times K in units of RT/F."""
        return self.interface_energy_J_m2 * self.molar_volume_m3_mol / (GAS_CONSTANT * self.temperature_K) / LENGTH_SCALE_M

    @property
    def volume_ratio(self) -> float:
        """c_b Omega = c_b / c_s (1): metal thickness per unit of dissolved Li."""
        return self.bulk_concentration_mol_m3 * self.molar_volume_m3_mol


@dataclass
class SbmNumerics(StepControl):
    """Step control plus the numerical parameters of the smoothed boundary (lengths in um).

    ``interface_width`` is w of the profile 1 / (1 + exp(-d / w)); ``profile_mobility`` G (um^2/s)
    of the profile-keeping term; ``psi_floor`` bounds psi in the transport coefficients below (the
    metal is not a conductor of the electrolyte's ions; the floor keeps the matrix regular);
    ``storage_floor`` is added to psi in the salt storage (psi + floor) c: the
    metal holds a fictitious 1e-3 of the electrolyte's salt per volume, so that a small change of
    psi in the profile's metal-side tail, where psi ~ 1e-5, does not force an O(1) change of c
    (the anion inventory stays exactly conserved; docs/models.md §5.1); ``gradient_floor`` (a
    fraction of the profile's largest gradient 1 / (4 w)) regularises the normal where psi is flat
    (about 6 w from the front); ``concentration_floor`` (units of c_b) bounds c below where it
    enters Butler-Volmer and chi / c; ``moving_frame`` False keeps the window fixed (the lab frame: the
    front moves through it; needed to strip and to hold dead metal still); ``move_interface`` False freezes psi
    (fixed-electrode checks: no kinematics, no smoothing). ``solver_floor``: the linear solves stop
    at this times the round-off scale of the system, || |J| |x| || here and in :mod:`.sbm_fipy`
    (:func:`.._fipy.chord_gmres`, which also accepts a stalled solve below 1e-14 of it): the charge
    balance holds to about this times the ratio of that scale to the current's right-hand side.
    ``gmres_tolerance``: the Newton updates of :class:`ElectrodepositionSystem` are solved to this
    times the residual's norm, or to ``solver_floor`` times the round-off scale || |J| |x| ||;
    ``refactor_iterations``: more GMRES iterations than this renew the kept factorisation.
    ``reinitialise_steepness`` t: after an accepted step where the profile's steepest gradient (over
    the live cells) is above t or below 1 / t times the equilibrium one, 1 / (4 w), or psi has left
    [-e/2, 1 + e/2] (e the storage floor), psi is rebuilt as the equilibrium profile around its
    psi = 1/2 contour (:mod:`.reinitialise`; the metal and the salt inventory conserved): it keeps a
    profile that a small G does not hold (inf: never). The discrete equilibrium profile's steepest
    Gauss gradient is 0.96-1.00 of 1 / (4 w) at 2 cells per w; a profile that broadens in one place
    while it is steepest elsewhere is caught only by the range of psi.
    """

    interface_width: float = 0.1
    profile_mobility: float = 0.05
    psi_floor: float = 1e-6
    storage_floor: float = 1e-3
    gradient_floor: float = 0.01  # of the profile's largest gradient, 1 / (4 w)
    concentration_floor: float = 1e-9
    move_interface: bool = True
    moving_frame: bool = True
    solver_floor: float = 1e-16
    gmres_tolerance: float = 1e-10
    refactor_iterations: int = 30  # a GMRES iteration costs one complex residual, a factorisation ~100 of them
    reinitialise_steepness: float = math.inf


def logistic_profile(distance: np.ndarray, width: float) -> np.ndarray:
    """psi = 1 / (1 + exp(-d / w)) at signed distance d (+ into the electrolyte)."""
    return 0.5 * (1.0 + np.tanh(np.asarray(distance, dtype=float) / (2.0 * width)))


def butler_volmer(c: np.ndarray, eta: np.ndarray, i0: np.ndarray, alpha_a: float, alpha_c: float):
    """Plating rate j = i0 c^a_a [exp(-a_c eta) - exp(a_a eta)] (+ = plating) and its derivatives
    dj/dc and dj/deta; c > 0 (units of c_b), eta in RT/F, i0 and j in the same current unit."""
    prefactor = i0 * c ** alpha_a
    cathodic, anodic = np.exp(-alpha_c * eta), np.exp(alpha_a * eta)
    rate = prefactor * (cathodic - anodic)
    return rate, alpha_a * rate / c, -prefactor * (alpha_c * cathodic + alpha_a * anodic)


def graded_spacing(fine: float, band: float, length: float, growth: float) -> np.ndarray:
    """Cell sizes (um) from x = 0: ``fine`` up to ``band``, then growing by ``growth`` per cell
    (capped so that the last cell ends at ``length``)."""
    if not (0 < fine and band <= length and growth >= 1.0):
        raise ValueError("need fine > 0, band <= length, growth >= 1")
    cells = [fine] * max(1, int(round(band / fine)))
    total = sum(cells)
    size = fine
    while total < length - 1e-9 * length:
        size = min(size * growth, length - total) if growth > 1 else min(fine, length - total)
        if size < 0.5 * cells[-1]:  # merge a sliver into the last cell
            cells[-1] += size
            total += size
            break
        cells.append(size)
        total += size
    return np.asarray(cells)



class SbmQuantities:
    """Observables shared by the two formulations of the model (this module's and
    :mod:`.sbm_fipy`'s): they need ``cell``, ``numerics``, ``shape``, ``spacing_x``, ``spacing_y``,
    ``width``, ``current_A_m2``, ``time``, ``_volumes`` (flat cell areas), ``_metal_start``,
    :meth:`value` (flat cell values of an unknown) and :meth:`faradaic_rate`."""

    @property
    def frame_velocity(self) -> float:
        """u = Omega I / F (um/s): the mean front's velocity, the frame's."""
        moves = self.numerics.move_interface and self.numerics.moving_frame
        return self.cell.volume_ratio * self.current_A_m2 / self.cell.current_scale_A_m2 if moves else 0.0

    def planar_overpotential(self, ratio: float) -> float:
        """The overpotential (RT/F) at which Butler-Volmer at c_b plates ``ratio`` x i0 (bisection)."""
        low, high = -60.0, 60.0
        for _ in range(200):
            mid = 0.5 * (low + high)
            rate = butler_volmer(np.float64(1.0), np.float64(mid), 1.0, self.cell.anodic_transfer_coefficient,
                                 self.cell.cathodic_transfer_coefficient)[0]
            low, high = (mid, high) if rate > ratio else (low, mid)
        return 0.5 * (low + high)

    def _start_potential(self, phi: float | None) -> float:
        """The initial electrolyte potential (RT/F): ``phi``, or the planar Butler-Volmer
        overpotential of the applied current."""
        if phi is None:
            return -self.planar_overpotential(self.current_A_m2 / self.cell.exchange_current_density_A_m2)
        return float(phi)

    def faradaic_rate(self) -> np.ndarray:
        """Plating rate |grad psi| j of each cell at the current state (c_b / s), flat."""
        raise NotImplementedError

    def fields(self) -> dict[str, np.ndarray]:
        """psi (1), c (mol/m^3), Phi_l (V), K (1/m) as (ny, nx) arrays."""
        cell = self.cell
        return {
            "psi": np.array(self.value("psi")).reshape(self.shape),
            "concentration": np.asarray(self.value("c")).reshape(self.shape) * cell.bulk_concentration_mol_m3,
            "potential": np.asarray(self.value("phi")).reshape(self.shape) * cell.thermal_voltage_V,
            "curvature": np.asarray(self.value("K")).reshape(self.shape) / LENGTH_SCALE_M,
        }

    def local_current(self) -> np.ndarray:
        """Plating current density along the electrode (ny,), A/m^2: the Faradaic sink of each row."""
        rows = (self.faradaic_rate() * self._volumes).reshape(self.shape).sum(axis=1) / self.spacing_y
        return rows * self.cell.current_scale_A_m2

    def _areal(self, amount: float) -> float:
        """c_b um^2 (per um of depth) -> mol per m^2 of electrode."""
        return amount * self.cell.bulk_concentration_mol_m3 * LENGTH_SCALE_M / self.width

    def dissolved_li(self) -> float:
        """Dissolved Li (= anions), mol per m^2 of electrode: the salt inventory (psi + storage
        floor) c that the salt equation conserves (the floor's share, in the metal, is ~1e-3 of
        the metal's thickness in electrolyte)."""
        storage = np.ravel(self.value("psi")) + self.numerics.storage_floor
        return self._areal(float(np.sum(self._volumes * storage * np.ravel(self.value("c")))))

    def metal_li(self) -> float:
        """Li metal in the window, mol per m^2 of electrode."""
        return self._areal(float(np.sum(self._volumes * (1.0 - np.ravel(self.value("psi")))))) / self.cell.volume_ratio

    def dead_li(self) -> float:
        """Li metal in dead cells (:func:`.dead_metal.dead_cells`), mol per m^2 of electrode."""
        psi = np.asarray(self.value("psi")).reshape(self.shape)
        dead = dead_cells(psi)
        if not dead.any():
            return 0.0
        return self._areal(float(np.sum(self._volumes * ((1.0 - psi) * dead).ravel()))) / self.cell.volume_ratio

    def _start_totals(self) -> None:
        """Zero the running totals of :meth:`_accepted`."""
        self.outflow_um = 0.0
        self.displacement_um = 0.0
        self.charge_C_m2 = 0.0

    def totals(self) -> dict[str, float]:
        """The running totals (for a checkpoint): ``outflow_um``, ``displacement_um``, ``charge_C_m2``."""
        return {"outflow_um": self.outflow_um, "displacement_um": self.displacement_um, "charge_C_m2": self.charge_C_m2}

    def set_totals(self, totals: dict) -> None:
        for name in ("outflow_um", "displacement_um", "charge_C_m2"):
            setattr(self, name, float(totals[name]))

    def _accepted(self, dt: float) -> None:
        """Running totals over the accepted step, at the step's end values (backward Euler): the
        charge that entered at the counter electrode (C/m^2), the window's displacement (um), and
        the metal carried out of the window through the collector's side: the frame's advection
        u dpsi/dx telescopes to u (1 - psi) at that face (psi of the first column: the face is
        free), um of metal per electrode width."""
        first = np.ravel(self.value("psi")).reshape(self.shape)[:, 0]
        self.outflow_um += self.frame_velocity * dt * float(np.mean(1.0 - first))
        self.displacement_um += self.frame_velocity * dt
        self.charge_C_m2 += self.current_A_m2 * dt * TIME_SCALE_S

    def plated_li(self) -> float:
        """Li plated since :meth:`initialise`, mol per m^2: the metal gained in the window plus the
        metal that left it through the collector's side as the frame moved (counted by
        :meth:`advance` at each accepted step)."""
        return self.metal_li() - self._metal_start + self.outflow_um * LENGTH_SCALE_M / self.cell.molar_volume_m3_mol

    def front_rows(self) -> np.ndarray:
        """Metal thickness of each row (ny,), um: the integral of 1 - psi along x."""
        return ((1.0 - np.ravel(self.value("psi"))) * self._volumes).reshape(self.shape).sum(axis=1) / self.spacing_y

    def _counter_weights(self) -> tuple[float, float]:
        """Weights of the last and the second-to-last cell's phi in the linear extrapolation of phi
        to the counter electrode's face."""
        dx = self.spacing_x
        ratio = 0.5 * dx[-1] / (0.5 * (dx[-1] + dx[-2]))
        return 1.0 + ratio, -ratio

    def counter_potential(self) -> float:
        """Electrolyte potential at the counter electrode against the metal, V: the last two cell
        centres extrapolated linearly to the boundary, averaged along the electrode."""
        phi = np.asarray(self.value("phi")).reshape(self.shape)
        last, previous = self._counter_weights()
        return float(np.mean(last * phi[:, -1] + previous * phi[:, -2])) * self.cell.thermal_voltage_V


#: Which unknowns each equation's residual reads, and over which neighbourhood
#: (equations psi, c, phi, K, then the multiplier's per-cell integrand; unknowns psi, c, phi, K).
_DEPENDENCIES = {
    (0, 0): "nine", (0, 1): "cell", (0, 2): "cell", (0, 3): "nine",
    (1, 0): "five", (1, 1): "five", (1, 2): "five",
    (2, 0): "five", (2, 1): "five", (2, 2): "five", (2, 3): "cell",
    (3, 0): "nine", (3, 3): "cell",
    (4, 0): "five", (4, 3): "cell",
}
#: Imaginary step of the complex-step derivatives (any size far below the unknowns' works).
_COMPLEX_STEP = 1e-30
#: Largest relative charge imbalance of an accepted step (:meth:`ElectrodepositionSystem.check_step`).
_BALANCE_CHECK = 1e-6


class OrderedLU:
    """The sparse LU of a matrix eliminated in a given order, with diagonal pivots (threshold 0,
    SuperLU's symmetric mode): the Jacobian's diagonal is nonzero, and a factorisation that lost
    accuracy without pivoting is still a preconditioner (GMRES measures the true residual).

    Parameters
    ----------
    matrix : sparse (n, n)
    order : ndarray (n,) of int
        The unknowns in elimination order (:func:`.ordering.unknown_order`): the factorised matrix
        is P A P^T with (P A P^T)[i, j] = A[order[i], order[j]].
    """

    def __init__(self, matrix: sp.spmatrix, order: np.ndarray):
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        coo = matrix.tocoo()
        permuted = sp.csc_matrix((coo.data, (inverse[coo.row], inverse[coo.col])), shape=matrix.shape)
        del coo
        self._order = order
        self._lu = splu(permuted, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True})

    @property
    def nnz(self) -> int:
        """Nonzeros in the L and U factors."""
        return int(self._lu.L.nnz + self._lu.U.nnz)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x (n,) with A x = ``b`` (n,)."""
        x = np.empty_like(b)
        x[self._order] = self._lu.solve(b[self._order])
        return x


class ElectrodepositionSystem(SbmQuantities, SteppedSystem):
    """The model's discrete residual and its Newton solve (see the module docstring).

    Parameters
    ----------
    cell : Cell
    spacing_x, ny, spacing_y
        The grid (:class:`.finite_volume.StructuredGrid`; um).
    current_A_m2 : float
        Galvanostatic current density (A/m^2, + = plating, - = stripping); under potentiostatic control
        the first guess of the current.
    exchange_modulation : ndarray (ny,), optional
        i0(y) / i0 along the electrode (mean 1): the VLCD field.
    numerics : SbmNumerics
    counter_potential_V : float, optional
        Potentiostatic control: the electrolyte potential at the counter electrode against the
        plating metal (V; positive plates), held by the current, which becomes an unknown
        (``current_A_m2`` follows it). With an ideally non-polarisable Li counter electrode this
        is minus the cell voltage.
    track_dead : bool
        Dead metal (:mod:`.dead_metal`: regions cut off from the collector's side x = 0) exchanges
        no current and is held still (it neither dissolves nor moves; surface diffusion on it is
        neglected): its cells, from the state at each step's start, have Faradaic weight 0 and a
        fixed psi. Needs the lab frame (``numerics.moving_frame`` False).
    """

    names = ("psi", "c", "phi", "K")
    tracked = "psi"

    def __init__(self, cell: Cell, spacing_x, ny: int, spacing_y: float, current_A_m2: float,
                 exchange_modulation=None, numerics: SbmNumerics | None = None, counter_potential_V: float | None = None,
                 track_dead: bool = False):
        cell.electrolyte.check_temperature(cell.temperature_K)
        self.potentiostatic = counter_potential_V is not None
        self.counter_potential_V = counter_potential_V
        self.cell = cell
        self.numerics = numerics or SbmNumerics()
        self.grid = fv.StructuredGrid(spacing_x, ny, spacing_y)
        self.shape = ny, nx = self.grid.shape
        self.spacing_x, self.spacing_y, self.width = self.grid.spacing_x, self.grid.spacing_y, self.grid.width
        modulation = np.ones(ny) if exchange_modulation is None else np.asarray(exchange_modulation, dtype=float)
        if modulation.shape != (ny,):
            raise ValueError(f"exchange_modulation has shape {modulation.shape}, expected ({ny},)")
        self.exchange_modulation = modulation
        self._i0 = np.repeat(modulation[:, None], nx, axis=1) * (cell.exchange_current_density_A_m2
                                                                  / cell.current_scale_A_m2)
        self._volumes = np.ascontiguousarray(self.grid.volumes).ravel()
        self._centres = ((np.arange(ny) + 0.5) * self.spacing_y, np.cumsum(self.spacing_x) - 0.5 * self.spacing_x)
        self.current_A_m2 = float(current_A_m2)
        self._u = np.zeros((ny, nx, 4))
        self._u[..., 0], self._u[..., 1] = 1.0, 1.0
        self.multiplier = 0.0
        self._jacobian = ColouredJacobian(self.shape, _DEPENDENCIES, n_unknowns=4, n_equations=5)
        self._lu = None
        if track_dead and self.numerics.moving_frame:
            raise ValueError("track_dead needs the lab frame (numerics.moving_frame = False): dead metal stays where it is")
        self.track_dead = track_dead
        self._live = None  # Faradaic weights (ny, nx) while some metal is dead; None: all 1
        self._order = unknown_order(ny, nx, per_cell=4, extra=2 if self.potentiostatic else 1)
        self.factorisations = 0
        self.linear_iterations = 0
        self.rebuilds = 0  # the profile's rebuilds so far (``_reinitialise``), saved with the state
        self._init_stepping()

    # -- state -------------------------------------------------------------------------------
    def value(self, name: str) -> np.ndarray:
        return self._u[..., self.names.index(name)].ravel()

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        for k, name in enumerate(self.names):
            self._u[..., k] = np.reshape(state[name], self.shape)
        self.multiplier = float(state.get("multiplier", self.multiplier))
        self.current_A_m2 = float(state.get("current", self.current_A_m2))
        self.rebuilds = int(state.get("rebuilds", self.rebuilds))

    def state(self) -> dict[str, np.ndarray]:
        return {**super().state(), "multiplier": np.float64(self.multiplier), "current": np.float64(self.current_A_m2),
                "rebuilds": np.int64(self.rebuilds)}

    def mark_step_start(self) -> None:
        super().mark_step_start()
        if self.track_dead:
            self._live = live_weights(self._u[..., 0])
        weight = float(np.sum(self._volumes * self._geometry(self._u[..., 0])["delta"].ravel()))
        self._multiplier_scale = weight if weight > 0 else float(np.sum(self._volumes))

    def _accepted(self, dt: float) -> None:
        """The running totals, then the profile's rebuild where it is due: decided at the accepted
        step's end only, so that a run resumed from a checkpoint (or a current switch, which marks a
        new step start) rebuilds exactly where the straight run did."""
        super()._accepted(dt)
        limit = self.numerics.reinitialise_steepness
        if not (self.numerics.move_interface and limit < math.inf):
            return
        psi = self._u[..., 0]
        live = live_weights(psi) if self.track_dead else None
        cells = np.ones(self.shape, dtype=bool) if live is None else live > 0  # dead metal is held as it is
        steepness = float(np.max(self._geometry(psi)["delta"][cells])) * 4.0 * self.numerics.interface_width
        # psi below -e empties a cell's salt storage (psi + e) c; nothing else holds psi in [0, 1] at small G
        margin = 0.5 * self.numerics.storage_floor
        if steepness > 0.0 and (not 1.0 / limit <= steepness <= limit or psi[cells].min() < -margin
                                or psi[cells].max() > 1.0 + margin):  # steepness 0: no front (psi = 1)
            self._reinitialise(cells)

    def _reinitialise(self, cells: np.ndarray) -> None:
        """psi rebuilt around its psi = 1/2 contour (:func:`.reinitialise.reinitialised_profile`) on
        ``cells`` (ny, nx) of bool, the metal conserved; c of the changed cells scaled by one factor
        that keeps the salt inventory sum (psi + e) c (cell by cell it would pile a metal-side cell's
        salt into its storage floor e, c ~ 10 c_b where psi falls from 1e-2 to 1e-5); K set to the
        new psi's curvature; the kept factorisation dropped (it was taken at the old profile)."""
        psi = self._u[..., 0].copy()
        volumes = self._volumes.reshape(self.shape)
        new = reinitialised_profile(psi, *self._centres, self.width, self.numerics.interface_width, volumes, cells)
        changed = new != psi
        floor, c = self.numerics.storage_floor, self._u[..., 1]
        before = float(np.sum((volumes * (psi + floor) * c)[changed]))
        after = float(np.sum((volumes * (new + floor) * c)[changed]))
        if after > 0.0:
            c[changed] *= before / after
        self._u[..., 0] = new
        self._u[..., 3] = self._curvature(new)
        self._lu = None
        self.rebuilds += 1

    def initialise(self, psi: np.ndarray, phi: float | None = None) -> None:
        """Start from the electrolyte fraction ``psi`` (ny, nx), uniform c = c_b, the curvature of
        ``psi`` and a uniform electrolyte potential (default: the planar Butler-Volmer overpotential
        of the applied current, in RT/F). Under potentiostatic control the current starts at the
        planar cell's: Butler-Volmer at c_b in series with the electrolyte's ohmic drop to the
        counter electrode, and the potential rises linearly across the electrolyte (a first guess:
        the first step solves for both)."""
        self._u[..., 0] = np.reshape(psi, self.shape)
        self._u[..., 1] = 1.0
        if self.potentiostatic:
            self.current_A_m2, potential = self._planar_start(self._u[..., 0])
            self._u[..., 2] = potential if phi is None else phi
        else:
            self._u[..., 2] = self._start_potential(phi)
        self._u[..., 3] = self._curvature(self._u[..., 0])
        self.multiplier = 0.0
        self.time = 0.0
        self._start_totals()
        self._lu = None
        self._metal_start = self.metal_li()
        self.mark_step_start()

    def _planar_start(self, psi: np.ndarray) -> tuple[float, np.ndarray]:
        """(current in A/m^2, phi (ny, nx) in RT/F) of the planar cell held at the counter electrode's
        potential with uniform salt: phi_CE = -eta_BV(I) + I L / k, L from the mean front to the
        counter electrode, solved for I by bisection."""
        cell = self.cell
        target = self.counter_potential_V / cell.thermal_voltage_V
        k = float(self._transport(np.ones(1))[1][0])
        centres = np.cumsum(self.spacing_x) - self.spacing_x / 2
        front = float(np.mean(((1.0 - psi) * self.spacing_x[None, :]).sum(axis=1)))
        length = float(np.sum(self.spacing_x)) - front
        i0 = cell.exchange_current_density_A_m2

        def counter(current):
            return -self.planar_overpotential(current / i0) + current / cell.current_scale_A_m2 * length / k

        low, high = 0.0, float(butler_volmer(np.float64(1.0), np.float64(-abs(target)), i0,
                                             cell.anodic_transfer_coefficient, cell.cathodic_transfer_coefficient)[0])
        low, high = (low, high) if target >= 0 else (-high, low)
        for _ in range(100):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if counter(mid) < target else (low, mid)
        current = 0.5 * (low + high)
        ohmic = current / cell.current_scale_A_m2 * np.maximum(centres - front, 0.0) / k
        return current, np.repeat((-self.planar_overpotential(current / i0) + ohmic)[None, :], self.shape[0], axis=0)

    def refresh_preconditioner(self) -> None:
        """Drop the kept factorisation: the next sweep factorises afresh."""
        self._lu = None

    # -- the equations -------------------------------------------------------------------------
    def _curvature(self, psi: np.ndarray) -> np.ndarray:
        """div(grad psi / g) on the cells (1/um)."""
        return self._geometry(psi)["curvature"]

    def _geometry(self, psi: np.ndarray) -> dict:
        """Gradients of psi on cells and faces, the regularised magnitude g and the curvature."""
        grid, n = self.grid, self.numerics
        gx, gy = fv.cell_gradient(grid, psi, right=1.0)
        x_normal, x_tangent = fv.face_gradient_x(grid, psi, gy, right=1.0)
        y_normal, y_tangent = fv.face_gradient_y(grid, psi, gx)
        floor2 = (n.gradient_floor / (4.0 * n.interface_width)) ** 2
        x_g = np.sqrt(x_normal ** 2 + x_tangent ** 2 + floor2)
        y_g = np.sqrt(y_normal ** 2 + y_tangent ** 2 + floor2)
        # |grad psi| as sqrt(|g|^2 + f^2) - f with f = 1e-12 of the profile's largest gradient: smooth
        # (differentiable where psi is flat), within f of |g|
        floor = 1e-12 / (4.0 * n.interface_width)
        delta = np.sqrt(gx ** 2 + gy ** 2 + floor ** 2) - floor
        return {"gx": gx, "gy": gy, "delta": delta, "x": (x_normal, x_tangent, x_g), "y": (y_normal, y_tangent, y_g),
                "curvature": fv.divergence(grid, x_normal / x_g, y_normal / y_g)}

    def _mullins_flux_divergence(self, geometry: dict, K: np.ndarray) -> np.ndarray:
        """div[(|grad psi|^2 / g)(I - n n) grad K] with n the unit normal, written without it:
        (|grad psi|^2 I - grad psi grad psi) / g, smooth where psi is flat (1/um^3 x K's unit)."""
        grid = self.grid
        kx, ky = fv.cell_gradient(grid, K)
        k_x_normal, k_x_tangent = fv.face_gradient_x(grid, K, ky)
        k_y_normal, k_y_tangent = fv.face_gradient_y(grid, K, kx)
        x_normal, x_tangent, x_g = geometry["x"]
        y_normal, y_tangent, y_g = geometry["y"]
        flux_x = (x_tangent ** 2 * k_x_normal - x_normal * x_tangent * k_x_tangent) / x_g
        flux_y = (y_tangent ** 2 * k_y_normal - y_normal * y_tangent * k_y_tangent) / y_g
        if self._live is not None:  # no surface flux between live and held cells: each keeps its metal
            live = self._live
            flux_x = flux_x * np.concatenate([live[:, :1], live[:, :-1] * live[:, 1:], live[:, -1:]], axis=1)
            flux_y = flux_y * (live * np.roll(live, -1, axis=0))
        return fv.divergence(grid, flux_x, flux_y)

    def _transport(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """D (um^2/s), k = kappa RT/(F^2 c_b) (um^2/s) and chi / c (1/c_b) on the cells."""
        cell, n = self.cell, self.numerics
        T, e = cell.temperature_K, cell.electrolyte
        c_floor = np.maximum(c, n.concentration_floor)
        c_si = c_floor * cell.bulk_concentration_mol_m3
        diffusivity = e.diffusivity(c_si, T) / LENGTH_SCALE_M ** 2 * TIME_SCALE_S
        k = (e.conductivity(c_si, T) * GAS_CONSTANT * T / (FARADAY ** 2 * cell.bulk_concentration_mol_m3)
             / LENGTH_SCALE_M ** 2 * TIME_SCALE_S)
        return diffusivity, k, e.diffusion_potential_factor(c_si, T) / c_floor

    def _stiffness(self, gx: np.ndarray, gy: np.ndarray) -> np.ndarray | float:
        """(gamma + gamma'') / gamma at the cells' normal angle: 1 + delta (1 - omega^2) cos(omega theta),
        with cos(omega theta) = Re((g_x + i g_y)^omega) / |g|^omega as a real polynomial (the
        imaginary unit is taken by the complex-step derivatives) and |g| regularised by the normal's
        floor, so that the anisotropy fades where psi is flat."""
        cell, n = self.cell, self.numerics
        if cell.anisotropy_strength == 0.0:
            return 1.0
        omega = cell.anisotropy_mode
        floor2 = (n.gradient_floor / (4.0 * n.interface_width)) ** 2
        real_part = sum(math.comb(omega, 2 * k) * (-1) ** k * gx ** (omega - 2 * k) * gy ** (2 * k)
                        for k in range(omega // 2 + 1))
        harmonic = real_part / (gx ** 2 + gy ** 2 + floor2) ** (omega / 2)
        return 1.0 + cell.anisotropy_strength * (1 - omega ** 2) * harmonic

    def _faradaic(self, geometry: dict, c, phi, K) -> np.ndarray:
        """|grad psi| j: the Faradaic sink per volume (c_b / s)."""
        cell = self.cell
        stiffness = self._stiffness(geometry["gx"], geometry["gy"])
        eta = -phi + cell.capillary_length_um * stiffness * K
        rate = butler_volmer(np.maximum(c, self.numerics.concentration_floor), eta, self._i0,
                             cell.anodic_transfer_coefficient, cell.cathodic_transfer_coefficient)[0]
        if self._live is not None:
            rate = rate * self._live
        return geometry["delta"] * rate

    def _residuals(self, u: np.ndarray, multiplier: float, current: float, dt: float) -> np.ndarray:
        """The residuals (ny, nx, 5) at the unknowns ``u`` (ny, nx, 4) and the counter electrode's
        current density ``current`` (units of :attr:`Cell.current_scale_A_m2`): the psi, c, phi
        and K equations (rate form: 0 at the solution), then the multiplier's per-cell integrand
        (the profile term with its multiplier, whose integral vanishes when it conserves psi)."""
        cell, n, grid = self.cell, self.numerics, self.grid
        psi, c, phi, K = (u[..., k] for k in range(4))
        old = {name: self.old[name].reshape(self.shape) for name in self.names}
        geometry = self._geometry(psi)
        delta = geometry["delta"]
        out = np.empty(self.shape + (5,), dtype=np.result_type(u, multiplier, current))

        diffusivity, k, chi_over_c = self._transport(c)
        t_minus = 1.0 - cell.electrolyte.transference_number
        psi_x = np.maximum(fv.face_values_x(grid, psi), n.psi_floor)
        psi_y = np.maximum(fv.face_values_y(psi), n.psi_floor)
        salt = diffusivity + t_minus * k * chi_over_c
        kc = k * chi_over_c
        c_x, c_y = fv.normal_gradient_x(grid, c), fv.normal_gradient_y(grid, c)
        phi_x, phi_y = fv.normal_gradient_x(grid, phi), fv.normal_gradient_y(grid, phi)
        storage = (psi + n.storage_floor) * c - (old["psi"] + n.storage_floor) * old["c"]
        k_x, k_y = fv.face_values_x(grid, k), fv.face_values_y(k)
        out[..., 1] = fv.divergence(
            grid, psi_x * (fv.face_values_x(grid, salt) * c_x - t_minus * k_x * phi_x),
            psi_y * (fv.face_values_y(salt) * c_y - t_minus * k_y * phi_y)) - storage / dt

        sink = self._faradaic(geometry, c, phi, K)
        balance = fv.divergence(
            grid, psi_x * (k_x * phi_x - fv.face_values_x(grid, kc) * c_x),
            psi_y * (k_y * phi_y - fv.face_values_y(kc) * c_y)) - sink
        out[..., 2] = balance
        out[:, -1, 2] += current / grid.spacing_x[-1]
        out[..., 3] = geometry["curvature"] - K

        if n.move_interface:
            g, w2 = n.profile_mobility, n.interface_width ** 2
            well = psi * (1.0 - psi) * (1.0 - 2.0 * psi)
            profile = g * (fv.laplacian(grid, psi, right=1.0) - well / w2 - delta * K) - multiplier * delta
            b = cell.surface_diffusion_B_m4_s / LENGTH_SCALE_M ** 4 * TIME_SCALE_S
            # the frame's advection u dpsi/dx with the Gauss gradient that |grad psi| uses: on a
            # planar front it cancels the sink; it telescopes (sum of V dpsi/dx = the boundary values' difference)
            frame = cell.volume_ratio * current * geometry["gx"] if n.moving_frame else 0.0
            out[..., 0] = (-(psi - old["psi"]) / dt - cell.volume_ratio * sink + frame
                           + profile - b * self._mullins_flux_divergence(geometry, K))
            out[..., 4] = profile
            if self._live is not None:
                # dead metal is inert: held as it was, and outside the multiplier's closure (the
                # profile term alone lets an unresolved island shrink into the live metal)
                out[..., 0] = np.where(self._live > 0, out[..., 0], old["psi"] - psi)
                out[..., 4] = profile * self._live
        else:
            out[..., 0] = old["psi"] - psi
            out[..., 4] = -multiplier
        return out

    # -- Newton ----------------------------------------------------------------------------
    def system_vector(self) -> np.ndarray:
        """The unknowns, cell-major (psi, c, phi, K per cell), then the multiplier, then (under
        potentiostatic control) the current in units of the current scale: (4 N + 1 or 2,)."""
        scalars = [self.multiplier] + ([self.current_A_m2 / self.cell.current_scale_A_m2] if self.potentiostatic else [])
        return np.concatenate([self._u.ravel(), scalars])

    def _split(self, vector: np.ndarray):
        """(unknowns (ny, nx, 4), multiplier, current in units of the current scale) of ``vector``."""
        n = 4 * self._volumes.size
        current = vector[n + 1] if self.potentiostatic else self.current_A_m2 / self.cell.current_scale_A_m2
        return vector[:n].reshape(self.shape + (4,)), vector[n], current

    def _potential_row(self) -> sp.csr_matrix:
        """The potentiostatic closure's coefficients on the unknowns: the mean of phi extrapolated
        to the counter electrode's face (linear in phi)."""
        ny, nx = self.shape
        last, previous = self._counter_weights()
        cells = np.arange(ny) * nx
        columns = np.concatenate([4 * (cells + nx - 1) + 2, 4 * (cells + nx - 2) + 2])
        values = np.concatenate([np.full(ny, last / ny), np.full(ny, previous / ny)])
        return sp.csr_matrix((values, (np.zeros(2 * ny, dtype=int), columns)), shape=(1, 4 * ny * nx))

    def system_residual(self, vector: np.ndarray, dt: float) -> np.ndarray:
        """The residual of the whole system at ``vector`` (:meth:`system_vector`'s layout) for a step
        of ``dt`` from the step's start; complex ``vector`` gives complex-step derivatives. The
        multiplier's row is its closure; the current's, the counter electrode's potential minus
        its target (RT/F)."""
        unknowns, multiplier, current = self._split(vector)
        grid_part = self._residuals(unknowns, multiplier, current, dt)
        closures = [np.sum(self._volumes * grid_part[..., 4].ravel()) / self._multiplier_scale]
        if self.potentiostatic:
            target = self.counter_potential_V / self.cell.thermal_voltage_V
            closures.append((self._potential_row() @ unknowns.ravel())[0] - target)
        return np.concatenate([grid_part[..., :4].ravel(), np.ravel(closures)])

    def jacobian(self, vector: np.ndarray, dt: float) -> sp.csc_matrix:
        """The Jacobian of :meth:`system_residual` at ``vector`` by complex steps: coloured for the
        grid, the multiplier's row from its integrand's Jacobian, the scalars' columns by one more
        step each; the potential's row is linear."""
        unknowns, multiplier, current = self._split(vector)
        n_cells = self._volumes.size

        def grid_function(x):
            return self._residuals(x.reshape(self.shape + (4,)), multiplier, current, dt).ravel()

        jac = self._jacobian.evaluate(grid_function, unknowns.ravel(), _COMPLEX_STEP)
        rows = np.arange(jac.shape[0]).reshape(n_cells, 5)
        weights = self._volumes / self._multiplier_scale
        grid_rows = [jac[rows[:, :4].ravel()]]
        closure_rows = [sp.csr_matrix(weights[None, :]) @ jac[rows[:, 4]]]
        columns = []
        shifts = [(multiplier + 1j * _COMPLEX_STEP, current)]
        if self.potentiostatic:
            shifts.append((multiplier, current + 1j * _COMPLEX_STEP))
            closure_rows.append(self._potential_row())
        for shifted_multiplier, shifted_current in shifts:
            column = self._residuals(unknowns, shifted_multiplier, shifted_current, dt).imag / _COMPLEX_STEP
            columns.append(np.concatenate([column[..., :4].ravel(), [np.sum(weights * column[..., 4].ravel())]]))
        n_scalars = len(shifts)
        border = np.zeros((4 * n_cells + n_scalars, n_scalars))
        for k, column in enumerate(columns):
            border[:4 * n_cells + 1, k] = column
        left = sp.vstack(grid_rows + closure_rows)
        return sp.hstack([left, sp.csr_matrix(border)], format="csc")

    def _factorise(self, vector: np.ndarray, dt: float) -> None:
        """The sparse LU of the Jacobian at ``vector``, kept as the preconditioner. Raises
        RuntimeError when the Jacobian holds non-finite entries or SuperLU meets a zero pivot."""
        matrix = self.jacobian(vector, dt)
        bad = int(np.count_nonzero(~np.isfinite(matrix.data)))
        if bad:
            # a runaway Newton iterate overflows the complex-step derivatives; SuperLU would do a
            # factorisation's work to fail on them (and OpenBLAS print its complaints on stdout)
            raise RuntimeError(f"{bad} non-finite entries in the Jacobian")
        self._lu = None  # the old factors go before the new ones are made: at 512^2 each is several GB
        self._lu = OrderedLU(matrix, self._order)
        # round-off scale of a Jacobian-vector product at this state: no solve gets below ~1e-16 of it
        self._round_off = float(np.linalg.norm(abs(matrix) @ np.abs(vector)))
        self.factorisations += 1

    def _newton_update(self, vector: np.ndarray, residual: np.ndarray, dt: float) -> tuple[np.ndarray, int, bool]:
        """GMRES on J d = -residual with Jacobian-vector products by complex steps (exact, one
        complex residual each), preconditioned by the kept LU; returns (d, iterations, converged)."""

        def product(v):
            size = float(np.max(np.abs(v)))
            if size == 0.0:
                return np.zeros_like(v)
            step = _COMPLEX_STEP / size
            return self.system_residual(vector + 1j * step * v, dt).imag / step

        n = vector.size
        count = [0]

        def counter(_):
            count[0] += 1

        operator = LinearOperator((n, n), matvec=product, dtype=float)
        preconditioner = LinearOperator((n, n), matvec=self._lu.solve, dtype=float)
        update, info = gmres(operator, -residual, rtol=self.numerics.gmres_tolerance,
                             atol=self.numerics.solver_floor * self._round_off, restart=self.numerics.refactor_iterations,
                             maxiter=2, M=preconditioner, callback=counter, callback_type="pr_norm")
        return update, count[0], info == 0

    def sweep(self, dt: float) -> float:
        """One Newton iteration on the four unknowns, the multiplier and (potentiostatic) the current;
        returns the max change of psi, c and phi."""
        vector = self.system_vector()
        residual = self.system_residual(vector, dt).real
        fresh = self._lu is None
        try:
            if fresh:
                self._factorise(vector, dt)
            update, iterations, converged = self._newton_update(vector, residual, dt)
            if not converged and not fresh:
                self._factorise(vector, dt)
                update, iterations, converged = self._newton_update(vector, residual, dt)
        except RuntimeError as exc:  # a Jacobian not finite, or a zero pivot (diagonal pivoting): retried smaller
            self._lu = None
            self.failed_solves.append(f"the Jacobian's factorisation ({exc})")
            return math.inf
        self.linear_iterations += iterations
        if not converged:
            self.failed_solves.append("all")
        if iterations > self.numerics.refactor_iterations:
            self._lu = None
        n = 4 * self._volumes.size
        self._u += update[:n].reshape(self.shape + (4,))
        self.multiplier += float(update[n])
        if self.potentiostatic:
            self.current_A_m2 += float(update[n + 1]) * self.cell.current_scale_A_m2
        return float(np.max(np.abs(update[:n].reshape(self.shape + (4,))[..., :3])))

    def _reject(self) -> None:
        """Restore the step's start and drop the factorisation: taken at an iterate of the rejected
        step, its LU and round-off scale (GMRES's absolute floor) may be far from the next step's."""
        super()._reject()
        self._lu = None

    def check_step(self, dt: float) -> str:
        """The step's charge balance: the Faradaic sink summed over the cells equals the current
        entering at the counter electrode (exact at a solution by the discrete divergence theorem,
        ~1e-13 in practice) to 1e-6 of the larger of the current and the exchange current."""
        cell = self.cell
        scale = max(abs(self.current_A_m2), cell.exchange_current_density_A_m2) / cell.current_scale_A_m2 * self.width
        current = self.current_A_m2 / cell.current_scale_A_m2 * self.width
        sink = float(np.sum(self._volumes * self.faradaic_rate()))
        if not abs(sink - current) <= _BALANCE_CHECK * scale:
            return f"the Faradaic current misses the applied one by {abs(sink - current) / scale:.3g} (relative)"
        return ""

    # -- quantities --------------------------------------------------------------------------
    def interface_length_ratio(self) -> float:
        """Interface length per electrode width, the integral of |grad psi| over the area / width
        (1 for a flat front: the profile's gradient integrates to 1 across it)."""
        delta = self._geometry(self._u[..., 0])["delta"]
        return float(np.sum(delta.ravel() * self._volumes)) / self.width

    def faradaic_rate(self) -> np.ndarray:
        """Plating rate |grad psi| j of each cell at the current state (c_b / s), flat."""
        psi, c, phi, K = (self._u[..., k] for k in range(4))
        return self._faradaic(self._geometry(psi), c, phi, K).ravel()


__all__ = ["LENGTH_SCALE_M", "TIME_SCALE_S", "Cell", "SbmNumerics", "SbmQuantities", "OrderedLU", "ElectrodepositionSystem",
           "butler_volmer", "graded_spacing", "logistic_profile"]
