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

Equations (docs/models.md §5.6 derives them; SBM: a boundary flux g on the metal becomes the
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
equilibrium profile; lambda makes it conserve psi exactly). Galvanostatic control: the current
density I enters through the counter electrode, where the anion flux is zero.

Time discretisation: backward Euler; each step a Newton iteration on (psi, c, phi, K) together,
the coefficients D, k, chi/c, psi on faces, |grad psi|, the normal, lambda and the frame's
advection at the iterate (Picard), the storage psi c, the reaction, the curvature and the
double-well exactly linearised. At convergence the charge
passed equals the Faradaic sink (discrete divergence theorem), the anion inventory is constant and
the metal gained equals the Faradaic sink, each to the solver tolerance (docs/models.md §5.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._fipy import chord_gmres, fipy, require_scipy_suite
from ..constants import FARADAY, GAS_CONSTANT
from .electrolyte import Electrolyte
from .newton import NewtonSystem, StepControl

#: Length and time scales of the equations.
LENGTH_SCALE_M = 1e-6
TIME_SCALE_S = 1.0


@dataclass(frozen=True)
class Cell:
    """Material, kinetic and cell parameters (SI; sources in docs/models.md §5.2).

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
    (the anion inventory stays exactly conserved; docs/models.md §5.6); ``gradient_floor`` (a
    fraction of the profile's largest gradient 1 / (4 w)) regularises the normal where psi is flat
    (about 6 w from the front); ``concentration_floor`` (units of c_b) bounds c below where it
    enters Butler-Volmer and chi / c; ``move_interface`` False freezes psi
    (fixed-electrode checks: no kinematics, no smoothing). ``solver_floor``: the linear solves stop
    at this times the round-off scale of the system (:func:`.._fipy.chord_gmres`): the charge
    balance holds to about this times the ratio of that scale to the current's right-hand side
    (1e-14 left 2e-7 of the charge unbalanced after 300 s at 1 mA/cm^2, 1e-16 left 5e-10); a solve
    that stalls above it but below 1e-14 of the scale is accepted.
    """

    interface_width: float = 0.1
    profile_mobility: float = 0.05
    psi_floor: float = 1e-6
    storage_floor: float = 1e-3
    gradient_floor: float = 0.01  # of the profile's largest gradient, 1 / (4 w)
    concentration_floor: float = 1e-9
    move_interface: bool = True
    solver_floor: float = 1e-16


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


class ElectrodepositionSystem(NewtonSystem):
    """The four equations on one mesh, built once; coefficients are updated in place.

    Parameters
    ----------
    cell : Cell
    spacing_x : ndarray (nx,)
        Cell sizes normal to the electrode (um).
    ny : int
        Cells along the electrode.
    spacing_y : float
        Cell size along the electrode (um).
    current_A_m2 : float
        Galvanostatic plating current density (A/m^2, + = plating).
    exchange_modulation : ndarray (ny,), optional
        i0(y) / i0 along the electrode (mean 1): the VLCD field.
    numerics : SbmNumerics
    """

    names = ("psi", "c", "phi", "K")
    tracked = "psi"

    def __init__(self, cell: Cell, spacing_x, ny: int, spacing_y: float, current_A_m2: float,
                 exchange_modulation=None, numerics: SbmNumerics | None = None):
        require_scipy_suite()
        cell.electrolyte.check_temperature(cell.temperature_K)
        self.cell = cell
        self.numerics = numerics or SbmNumerics()
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
        (the same device as :mod:`.model`); residuals at the iterate are explicit sources."""
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
        if phi is None:
            phi = -self.planar_overpotential(self.current_A_m2 / self.cell.exchange_current_density_A_m2)
        self.phi.setValue(phi)
        self._update_geometry()
        self.K.setValue(self._divergence(self._normal))
        self.time = 0.0
        self._metal_start = self.metal_li()
        self.mark_step_start()

    def planar_overpotential(self, ratio: float) -> float:
        """The overpotential (RT/F) at which Butler-Volmer at c_b plates ``ratio`` x i0 (bisection)."""
        low, high = -60.0, 60.0
        for _ in range(200):
            mid = 0.5 * (low + high)
            rate = butler_volmer(np.float64(1.0), np.float64(mid), 1.0, self.cell.anodic_transfer_coefficient,
                                 self.cell.cathodic_transfer_coefficient)[0]
            low, high = (mid, high) if rate > ratio else (low, mid)
        return 0.5 * (low + high)

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
    @property
    def frame_velocity(self) -> float:
        """u = Omega I / F (um/s): the mean front's velocity, the frame's."""
        return self.cell.volume_ratio * self.current_A_m2 / self.cell.current_scale_A_m2 if self.numerics.move_interface else 0.0

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
    def fields(self) -> dict[str, np.ndarray]:
        """psi (1), c (mol/m^3), Phi_l (V), K (1/m) as (ny, nx) arrays."""
        cell = self.cell
        return {
            "psi": np.asarray(self.psi.value).reshape(self.shape).copy(),
            "concentration": np.asarray(self.c.value).reshape(self.shape) * cell.bulk_concentration_mol_m3,
            "potential": np.asarray(self.phi.value).reshape(self.shape) * cell.thermal_voltage_V,
            "curvature": np.asarray(self.K.value).reshape(self.shape) / LENGTH_SCALE_M,
        }

    def faradaic_rate(self) -> np.ndarray:
        """Plating rate |grad psi| j of each cell at the current state (c_b / s)."""
        self._update_newton(self.dt)
        return self._sink.copy()

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
        storage = np.asarray(self.psi.value) + self.numerics.storage_floor
        return self._areal(float(np.sum(self._volumes * storage * self.c.value)))

    def metal_li(self) -> float:
        """Li metal in the window, mol per m^2 of electrode."""
        return self._areal(float(np.sum(self._volumes * (1.0 - np.asarray(self.psi.value)))) / self.cell.volume_ratio)

    def plated_li(self) -> float:
        """Li plated since :meth:`initialise`, mol per m^2: the metal gained in the window plus the
        metal that left it through the collector's side as the frame moved (u t; the current has
        been constant since the start)."""
        left = self.frame_velocity * self.time * LENGTH_SCALE_M / self.cell.molar_volume_m3_mol
        return self.metal_li() - self._metal_start + left

    def front_rows(self) -> np.ndarray:
        """Metal thickness of each row (ny,), um: the integral of 1 - psi along x."""
        return ((1.0 - np.asarray(self.psi.value)) * self._volumes).reshape(self.shape).sum(axis=1) / self.spacing_y

    def counter_potential(self) -> float:
        """Electrolyte potential at the counter electrode against the metal, V: the last two cell
        centres extrapolated linearly to the boundary, averaged along the electrode."""
        phi = np.asarray(self.phi.value).reshape(self.shape)
        dx = self.spacing_x
        slope = (phi[:, -1] - phi[:, -2]) / (0.5 * (dx[-1] + dx[-2]))
        return float(np.mean(phi[:, -1] + slope * 0.5 * dx[-1])) * self.cell.thermal_voltage_V


__all__ = ["LENGTH_SCALE_M", "TIME_SCALE_S", "Cell", "SbmNumerics", "ElectrodepositionSystem", "butler_volmer",
           "graded_spacing", "logistic_profile"]
