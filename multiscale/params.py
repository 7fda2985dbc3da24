"""Run parameters: TOML -> frozen, strict pydantic models, one model per TOML table.

Units are part of every key name (``temperature_K``, ``current_density_mA_cm2``); values are
converted to SI where the stages use them, never here. Validation is strict: an int is accepted
where a float is expected, nothing else is coerced (``"1.0"`` is not a number, ``true`` is not
a number, ``inf``/``nan`` are refused). Every problem is reported as one line naming the file and
the dotted key, with "did you mean ..." for near-miss keys (:func:`load_params`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .constants import LI_NEAREST_NEIGHBOUR
from .errors import ParamsError
from .materials import COATING_MATERIALS

PositiveFloat = Annotated[float, Field(gt=0)]


class _Table(BaseModel):
    """Base of every parameter table: frozen, strict, no unknown keys, finite numbers."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, use_attribute_docstrings=True
    )


def _resolve_data_path(value: str, info: ValidationInfo) -> str:
    """Resolve a data-file path relative to the parameter file's directory; it must exist."""
    base = Path((info.context or {}).get("base_dir", "."))
    path = (base / value).expanduser().resolve()
    if not path.is_file():
        raise ValueError(f"data file not found: {path}")
    return str(path)


class ElectrodeParams(_Table):
    """Operating conditions of the electrode: bath temperature and the local current density field.

    The local current density j(x, y) has mean ``current_density_mA_cm2`` and a spread given
    either as a coefficient of variation ``vlcd_cv`` or as the variance of the local current
    density ``vlcd_mA2_cm4`` = (CV * mean)^2 (seed 004's VLCD); give at most one of the two.
    """

    temperature_K: float = Field(gt=0, le=454.0)
    """Bath temperature, K. Solid Li only: Li melts at 454 K (seed 004)."""
    current_density_mA_cm2: float = Field(gt=0, le=1000.0)
    """Mean (applied) current density, mA/cm^2."""
    vlcd_cv: float | None = Field(default=None, ge=0, le=10.0)
    """Coefficient of variation of the local current density, dimensionless (default 0)."""
    vlcd_mA2_cm4: float | None = Field(default=None, ge=0)
    """Variance of the local current density (VLCD), (mA/cm^2)^2; alternative to ``vlcd_cv``."""
    vlcd_correlation_length_nm: float = Field(default=10.0, gt=0)
    """Correlation length of the local current density field, nm."""
    vlcd_field: Literal["lognormal", "hotspots"] = "lognormal"
    """Shape of the local current density: a log-normal random field, or a few hotspots (seed
    004's localized sources) on a uniform background."""
    hotspot_count: int = Field(default=1, ge=1, le=64)
    """Number of hotspots, placed on a regular grid over the electrode (``vlcd_field = "hotspots"``)."""
    hotspot_radius_nm: float = Field(default=1.5, gt=0)
    """Hotspot radius, nm."""
    hotspot_current_fraction: float = Field(default=0.9, ge=0, le=1)
    """Fraction of the total current that flows through the hotspots."""

    @model_validator(mode="after")
    def _one_spread(self):
        if self.vlcd_cv is not None and self.vlcd_mA2_cm4 is not None:
            raise ValueError("give vlcd_cv or vlcd_mA2_cm4, not both")
        if self.vlcd_field == "hotspots" and (self.vlcd_cv is not None or self.vlcd_mA2_cm4 is not None):
            raise ValueError("vlcd_cv / vlcd_mA2_cm4 describe the log-normal field; with vlcd_field = \"hotspots\" "
                             "the spread follows from hotspot_count, hotspot_radius_nm and hotspot_current_fraction")
        return self

    @property
    def cv(self) -> float:
        """Coefficient of variation of the local current density, dimensionless."""
        if self.vlcd_mA2_cm4 is not None:
            return math.sqrt(self.vlcd_mA2_cm4) / self.current_density_mA_cm2
        return 0.0 if self.vlcd_cv is None else self.vlcd_cv


class MsdSource(_Table):
    """Mean-squared-displacement data from the user's own MD, at several temperatures.

    Each file is either a CSV table with columns ``temperature_K``, a time column
    (``time_fs``, ``time_ps``, ``time_ns`` or ``time_s``) and an MSD column (``msd_A2``,
    ``msd_nm2`` or ``msd_m2``), or a LAMMPS ``log.lammps`` whose thermo output has ``Temp`` and
    an MSD column (a ``compute msd`` total, e.g. ``c_msd[4]``).
    """

    files: tuple[str, ...] = Field(min_length=1)
    """Data files (paths relative to the parameter file)."""
    dimensions: Literal[1, 2, 3]
    """Dimensionality d of the diffusion in D = slope / (2 d): 2 for surface, 3 for bulk."""
    fit_start_fraction: float = Field(default=0.2, ge=0, lt=1)
    """Fraction of each MSD series (by time) skipped before the linear fit (ballistic regime)."""
    lammps_msd_column: str | None = None
    """Thermo column holding the MSD in LAMMPS logs (default: the ``c_*msd*[4]`` column)."""

    @field_validator("files")
    @classmethod
    def _files_exist(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return tuple(_resolve_data_path(v, info) for v in value)


class AtomisticParams(_Table):
    """MD results turned into parameters: curated seed values, or fits to the user's MD data."""

    temperatures_K: tuple[PositiveFloat, ...] = Field(
        default=(250.0, 275.0, 300.0, 325.0, 350.0, 375.0, 400.0, 425.0, 450.0), min_length=1
    )
    """Temperatures at which D_surface and D_bulk are tabulated for the downstream stages, K."""
    bulk_activation_energy_eV: float = Field(default=0.55, gt=0, le=3.0)
    """Activation energy of bulk Li self-diffusion for the curated Arrhenius law, eV
    (literature value, not from the seeds; see docs/models.md)."""
    surface_to_bulk_diffusivity_ratio: float = Field(default=1000.0, ge=1.0)
    """D_surface / D_bulk for the curated surface law (seed 004: ~10^3 at all temperatures)."""
    incubation_time_critical_ns: float = Field(default=1.0, gt=0)
    """Curated DOPT incubation time at the critical ensemble size, ns (seed 000: 'order of ns')."""
    incubation_size_exponent: float = Field(default=4.0, gt=0)
    """Exponent p of the curated incubation law tau = tau_c (N*/N)^p for N >= N*."""
    surface_msd: MsdSource | None = None
    """User MD data for surface Li; replaces the curated surface diffusivity when given."""
    bulk_msd: MsdSource | None = None
    """User MD data for bulk Li; replaces the curated bulk diffusivity when given."""
    dopt_table: str | None = None
    """CSV with columns ``ensemble_size``, ``bcc_fraction`` [, ``incubation_time_ns``]; replaces
    the curated DOPT curve when given."""
    coating_materials: tuple[str, ...] = COATING_MATERIALS
    """Coating materials (seed 002 Table I) written to the ``coatings`` group."""

    @field_validator("temperatures_K")
    @classmethod
    def _increasing(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError("temperatures must be strictly increasing")
        return value

    @field_validator("dopt_table")
    @classmethod
    def _dopt_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _resolve_data_path(value, info)

    @field_validator("coating_materials")
    @classmethod
    def _known_materials(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in COATING_MATERIALS:
                raise ValueError(f"unknown coating material {name!r}{_did_you_mean(name, COATING_MATERIALS)}")
        if len(set(value)) != len(value):
            raise ValueError("a coating material is listed twice")
        return value


class KmcParams(_Table):
    """On-lattice kinetic Monte Carlo of deposition (docs/models.md §4).

    The lattice is simple cubic with the Li nearest-neighbour distance a = 3.04 Å as spacing;
    the box is ``lateral_size_nm`` wide (periodic in x and y) and ``box_height_nm`` high. The
    run stops at the first of ``stop_thickness_ML`` (mean deposited monolayers), ``stop_time_s``
    and ``stop_events``.
    """

    lateral_size_nm: float = Field(default=20.0, gt=0, le=2000.0)
    """Box width along x and y, nm (rounded to whole lattice columns, at least 8)."""
    box_height_nm: float = Field(default=12.0, gt=0, le=2000.0)
    """Box height above the substrate, nm; the deposit must stay below it."""
    arrival: Literal["ballistic", "column_top"] = "ballistic"
    """Where an arriving atom sticks: first site touching the deposit coming down its column
    (ballistic: overhangs possible) or on top of its column."""
    stop_thickness_ML: float | None = Field(default=10.0, gt=0)
    """Stop when the deposited amount reaches this many monolayers (atoms per column)."""
    stop_time_s: float | None = Field(default=None, gt=0)
    """Stop at this simulated time, s."""
    stop_events: int | None = Field(default=None, gt=0)
    """Stop after this many kMC events."""
    record_interval_ML: float = Field(default=0.5, gt=0)
    """Record the observables every this many deposited monolayers."""
    max_hop_to_deposition: float = Field(default=1.6e4, gt=0)
    """Acceleration R: every hop rate is multiplied by one factor s, chosen so that at the
    reference conditions the fastest per-target hop is R times the per-column deposition rate.
    s does not depend on the run's own current density or temperature, so runs compared in a
    scan keep their rate and temperature effects. The default overstates roughness by 15-25 %
    against 4x less acceleration; 64000 for quantitative roughness (docs/models.md §4.2)."""
    acceleration_reference_current_density_mA_cm2: float = Field(default=1.0, gt=0)
    """Reference current density of the acceleration, mA/cm^2."""
    acceleration_reference_temperature_K: float = Field(default=300.0, gt=0, le=454.0)
    """Reference temperature of the acceleration, K."""
    attempt_frequency_Hz: float = Field(default=1.0e13, gt=0)
    """Attempt frequency nu0 of the hop rates, 1/s."""
    glassy_barrier_reduction_eV: float = Field(default=0.05, ge=0, le=1.0)
    """E_hop(crystal) - E_hop(glassy), eV: glassy Li is more mobile (assumption)."""
    dopt: bool = True
    """Apply the glassy -> crystalline transition (DOPT) rule (docs/models.md §4.5)."""
    dopt_time_scale: float = Field(default=7.0e11, gt=0)
    """S: kMC seconds per MD second of DOPT incubation at the reference current density
    (calibrated, docs/models.md §4.5)."""
    dopt_packing_exponent: float = Field(default=4.0, ge=0)
    """beta: nucleation rate x (j_local / j_ref)^beta; packing density grows with current (seed 000)."""
    dopt_reference_current_density_mA_cm2: float = Field(default=1.0, gt=0)
    """j_ref of the packing factor, mA/cm^2."""
    epitaxy_probability: float = Field(default=1.0, ge=0, le=1)
    """Probability that a glassy atom attaching next to crystalline Li continues it."""
    heating_top_rise_K: float = Field(default=0.0, ge=0, le=2000.0)
    """Local heating (seed 004): temperature rise at the top of the deposit where the local current
    density is heating_reference_current_density_mA_cm2, K; 0 turns it off (the default: at battery
    current densities condensation heat warms a deposit by far less than 1 K, see docs/models.md)."""
    heating_reference_current_density_mA_cm2: float = Field(default=1.0, gt=0)
    """Local current density at which the top rise is heating_top_rise_K (the rise scales with it), mA/cm^2."""
    heating_length_nm: float = Field(default=3.0, gt=0)
    """Height above the substrate over which the temperature rises from the bath to the top value, nm."""
    initial_crystal_layers: int = Field(default=0, ge=0)
    """Crystalline Li layers on the substrate at t = 0."""
    checkpoint_interval_s: float = Field(default=120.0, gt=0)
    """Wall-clock seconds between checkpoints."""

    @model_validator(mode="after")
    def _stops_and_room(self):
        if self.stop_thickness_ML is None and self.stop_time_s is None and self.stop_events is None:
            raise ValueError("give at least one of stop_thickness_ML, stop_time_s, stop_events")
        layers = self.box_height_nm * 1e-9 / LI_NEAREST_NEIGHBOUR
        needed = self.initial_crystal_layers + (self.stop_thickness_ML or 0.0) + 10
        if layers < needed:
            raise ValueError(f"box_height_nm = {self.box_height_nm:g} holds {layers:.0f} layers; the deposit needs "
                             f"at least {needed:.0f} (initial layers + stop thickness + 10 for roughness)")
        return self


class DendriteParams(_Table):
    """Phase-field model of electrodeposition under VLCD (docs/models.md §5).

    A 2D cut normal to the electrode: ``width_um`` along it (periodic) and ``length_um`` from
    the current collector into the electrolyte, whose far edge is the bulk reservoir. The metal
    starts ``front_position_um`` from the collector with a perturbation that carries the kMC
    roughness; the local current density j(y) / mean(j) scales the reaction-rate prefactor.
    The run stops at ``deposited_thickness_um`` of mean deposit, at ``stop_time_s``, or when
    the metal comes within ``far_margin_um`` of the reservoir.
    """

    control: Literal["current", "potential"] = "current"
    """``current``: galvanostatic, the collector potential is adjusted every step so that the mean
    plating current density is electrode.current_density_mA_cm2; ``potential``: the collector is
    held at ``applied_potential_V``."""
    current_density_mA_cm2: float | None = Field(default=None, gt=0, le=10000.0)
    """Mean plating current density of the phase-field run, mA/cm^2 (``control = "current"``); default
    electrode.current_density_mA_cm2. With Chen's interface mobility the model's capillary relaxation
    erases um-scale VLCD modulation below ~100 mA/cm^2 (docs/models.md §5.2)."""
    applied_potential_V: float = Field(default=-0.45, ge=-2.0, le=2.0)
    """Collector potential vs the reservoir electrolyte, V (``control = "potential"``)."""
    linearised_mobility: bool = False
    """Put the Li+ mobility's derivative into the Newton Jacobian: for large overpotentials (the
    -0.45 V validation runs 3x faster); at battery currents each step costs 1.4-1.8x more for
    no fewer sweeps (docs/performance.md)."""
    initial_ions: Literal["equilibrium", "uniform"] = "equilibrium"
    """Li+ at the start: ``equilibrium`` (Boltzmann with the start potential, no flux; the
    galvanostatic runs start without a transient) or ``uniform`` (the reservoir concentration
    everywhere, as Chen et al. 2015 start; needed at large overpotentials, where the equilibrium
    start puts exp(-nF E/RT) c_bulk ions into the interface: e^17 at -0.45 V; docs/models.md §5.4)."""
    width_um: float = Field(default=16.0, gt=0, le=1000.0)
    """Electrode width simulated (periodic), um."""
    length_um: float = Field(default=16.0, gt=0, le=1000.0)
    """Distance from the current collector to the electrolyte reservoir, um."""
    front_position_um: float = Field(default=6.0, gt=0)
    """Initial mean distance of the metal front from the collector, um (at least ~12 interface widths)."""
    deposited_thickness_um: float | None = Field(default=2.0, gt=0)
    """Stop when the mean deposit (Li metal plated / area) reaches this thickness, um."""
    stop_time_s: float | None = Field(default=None, gt=0)
    """Stop at this time, s."""
    far_margin_um: float = Field(default=2.0, gt=0)
    """Stop when the metal (xi > 0.5) comes this close to the reservoir, um."""
    records: int = Field(default=20, ge=2, le=10000)
    """Snapshots and time-series records, evenly spaced in time (current control: in deposit)."""
    interface_width_um: float = Field(default=0.5, gt=0)
    """lambda of the tanh interface xi = [1 - tanh(d / 2 lambda)] / 2, um (Chen 2015 use ~1 um)."""
    cells_per_interface_width: float = Field(default=2.0, ge=1.0, le=16.0)
    """Grid resolution: cells per lambda (2: front speed within 0.7 %, docs/validation.md)."""
    interface_energy_J_m2: float = Field(default=0.5, gt=0)
    """Li metal / electrolyte interface energy gamma, J/m^2 (Chen 2015)."""
    interface_mobility_m3_J_s: float = Field(default=2.5e-6, gt=0)
    """Interface mobility L_sigma, m^3/(J s) (Chen 2015)."""
    exchange_current_density_mA_cm2: float = Field(default=1.105, gt=0)
    """Exchange current density i0 of a planar front, mA/cm^2 (Hong & Viswanathan 2018's L_eta = 0.001/s
    at lambda = 0.25 um)."""
    transfer_coefficient: float = Field(default=0.5, gt=0, lt=1)
    """Charge-transfer coefficient alpha."""
    diffusivity_electrolyte_m2_s: float = Field(default=3.197e-10, gt=0)
    """Li+ diffusivity in the electrolyte, m^2/s (Chen 2015)."""
    diffusivity_electrode_m2_s: float = Field(default=7.5e-13, gt=0)
    """Li+ diffusivity on the metal side of the interface, m^2/s (Chen 2015)."""
    conductivity_electrolyte_S_m: float = Field(default=1.19, gt=0)
    """Electrolyte conductivity, S/m (Chen 2015)."""
    conductivity_electrode_S_m: float = Field(default=1.0e7, gt=0)
    """Li metal conductivity, S/m (Chen 2015)."""
    site_density_mol_m3: float = Field(default=7.64e4, gt=0)
    """Li site density of the metal c_s, mol/m^3."""
    bulk_concentration_mol_m3: float = Field(default=1000.0, gt=0)
    """Li+ concentration of the reservoir, mol/m^3 (reference c0 = 1 M)."""
    anisotropy_strength: float | None = Field(default=None, ge=0, lt=1.0 / 15.0)
    """delta of kappa = kappa0 [1 + delta cos(omega theta)]; default: max_anisotropy_strength times the kMC
    crystalline fraction (0 without a kMC stage). Below 1/(omega^2 - 1) the interface stays smooth."""
    max_anisotropy_strength: float = Field(default=0.05, ge=0, lt=1.0 / 15.0)
    """delta of a fully crystalline deposit (glassy deposits are isotropic; docs/models.md §5.2)."""
    anisotropy_mode: int = Field(default=4, ge=2, le=12)
    """omega: 4 for the fourfold symmetry of bcc Li in a 2D cut."""
    vlcd_correlation_length_um: float = Field(default=4.0, gt=0)
    """Correlation length of the local current density along the electrode at the phase-field scale, um
    (the spread is electrode.vlcd_cv; docs/models.md §5.2)."""
    local_current_profile: tuple[PositiveFloat, ...] | None = Field(default=None, min_length=2)
    """Explicit j(y) / mean(j) along the electrode (equally spaced, periodic, rescaled to mean 1 and
    interpolated to the grid) instead of the random field."""
    local_current_source: Literal["electrode", "coating"] = "electrode"
    """``electrode``: the electrode's VLCD (or ``local_current_profile``); ``coating``: the current that
    plates on top of the coating drives the run, its profile along the electrode and its mean (the
    coating stage's last record; docs/models.md §7)."""
    initial_roughness_um: float | None = Field(default=None, ge=0)
    """Standard deviation of the initial front, um; default: the kMC roughness averaged over patches of
    vlcd_correlation_length_um (docs/models.md §5.4), 0 without a kMC stage."""
    checkpoint_interval_s: float = Field(default=60.0, gt=0)
    """Wall-clock seconds between checkpoints."""

    @model_validator(mode="after")
    def _consistent(self):
        if self.control == "potential" and self.stop_time_s is None:
            raise ValueError("control = \"potential\" needs stop_time_s (the current, and so the deposit, is not set)")
        if self.local_current_source == "coating" and (self.control != "current" or self.local_current_profile is not None
                                                       or self.current_density_mA_cm2 is not None):
            raise ValueError("local_current_source = \"coating\" sets the current and its profile: use control = "
                             "\"current\" without current_density_mA_cm2 or local_current_profile")
        if self.deposited_thickness_um is None and self.stop_time_s is None:
            raise ValueError("give deposited_thickness_um or stop_time_s")
        if self.front_position_um + self.far_margin_um >= self.length_um:
            raise ValueError(f"front_position_um + far_margin_um ({self.front_position_um + self.far_margin_um:g}) "
                             f"must be below length_um ({self.length_um:g})")
        return self


class ComplexionParams(_Table):
    """Thermodynamically chosen thickness of an interfacial film (docs/models.md §6; seed 002).

    Φ(h) = γ0 + Δγ f(h) + ΔG h; Δγ < 0 lowers the interface energy, ΔG > 0 is the volume penalty
    of the film phase. Also: a complexion diagram over (ΔG, Δγ), first-order thickness transitions
    over the diagram's ΔG range, and a 1D FiPy diffuse-interface film checked against its exact
    quadrature.
    """

    model: Literal["exponential", "dispersion", "oscillatory"] = "exponential"
    """f(h): ``exponential`` 1 - exp(-h/xi), ``dispersion`` 1 - (h0/(h + h0))^2, ``oscillatory``: ``base``
    plus A exp(-h/lambda) cos(2 pi h/sigma + theta)."""
    delta_gamma_J_m2: float = Field(default=-0.2, ge=-10.0, le=10.0)
    """Delta gamma: interface energy change when the film forms, J/m^2 (negative: the film lowers it)."""
    delta_G_J_m3: float = Field(default=1.0e7, ge=0.0, le=1.0e12)
    """Delta G: volume free energy penalty of the film phase, J/m^3 (0: at bulk coexistence)."""
    gamma0_J_m2: float = Field(default=0.5, ge=0.0, le=10.0)
    """gamma0: energy of the clean interface, J/m^2 (shifts Phi only)."""
    base: Literal["exponential", "dispersion"] = "exponential"
    """Base form under the oscillation (``model = "oscillatory"``)."""
    xi_nm: float = Field(default=0.5, gt=0, le=1000.0)
    """xi of the exponential form, nm."""
    h0_nm: float = Field(default=0.3, gt=0, le=1000.0)
    """h0 of the dispersion form, nm."""
    oscillation_amplitude: float = Field(default=0.3, ge=-10.0, le=10.0)
    """A of the oscillatory term, dimensionless (``model = "oscillatory"``)."""
    oscillation_decay_length_nm: float = Field(default=1.0, gt=0, le=1000.0)
    """lambda of the oscillatory term, nm."""
    oscillation_period_nm: float = Field(default=0.3, gt=0, le=1000.0)
    """sigma: period of the oscillatory term (one adsorbate layer), nm."""
    oscillation_phase_rad: float = Field(default=0.0, ge=-10.0, le=10.0)
    """theta of the oscillatory term, rad (0: minima near whole layers)."""
    monolayer_thickness_nm: float | None = Field(default=None, gt=0)
    """sigma used to name the complexion (clean, mono-, bi-, trilayer, nanolayer, wetting), nm; default
    the oscillation period (0.3 nm)."""
    diagram_delta_G_J_m3: tuple[PositiveFloat, PositiveFloat] = (1.0e5, 1.0e10)
    """Delta G range of the diagram and of the transition search, J/m^3 (log-spaced)."""
    diagram_delta_gamma_J_m2: tuple[float, float] = (-1.0, -0.01)
    """Delta gamma range of the diagram, J/m^2."""
    diagram_points: int = Field(default=41, ge=2, le=400)
    """Points along each diagram axis."""
    transition_points: int = Field(default=200, ge=10, le=5000)
    """Delta G scan points of the first-order transition search (each jump is then bisected)."""
    film_barrier_J_m3: float = Field(default=1.0e8, gt=0)
    """W of the FiPy film's double well W phi^2 (1 - phi)^2, J/m^3."""
    film_gradient_J_m: float = Field(default=2.0e-10, gt=0)
    """kappa of the FiPy film, J/m (with W: xi = sqrt(kappa / 8 W) = 0.5 nm)."""
    film_delta_G_J_m3: tuple[PositiveFloat, ...] = Field(default=(1.0e7, 1.0e6, 1.0e5), min_length=1, max_length=20)
    """Delta G values at which the FiPy film is relaxed and compared with the quadrature, J/m^3."""

    @model_validator(mode="after")
    def _ranges(self):
        lo, hi = self.diagram_delta_G_J_m3
        if not lo < hi:
            raise ValueError("diagram_delta_G_J_m3 must be increasing")
        a, b = self.diagram_delta_gamma_J_m2
        if not a < b:
            raise ValueError("diagram_delta_gamma_J_m2 must be increasing")
        return self


class CoatingParams(_Table):
    """Plating under vs on top of a Li-conducting coating (docs/models.md §7; seed 002).

    Li metal | coating | electrolyte, a 2D cut along the electrode carrying the electrode's VLCD.
    Li that crosses the coating plates underneath; above the transport limit F D c_c / L the rest
    plates on top.
    """

    material: str | None = "Li22Sn5"
    """Coating material of seed 002 Table I (its Li diffusivity comes from atomistic.h5); None with
    ``diffusivity_m2_s``."""
    diffusivity_m2_s: float | None = Field(default=None, gt=0, le=1e-6)
    """Explicit Li diffusivity of the coating, m^2/s (overrides ``material``)."""
    diffusivity_estimate: Literal["low", "geometric_mean", "high"] = "geometric_mean"
    """Which value of the material's Table I range to use."""
    thickness_um: float = Field(default=1.0, gt=0, le=1000.0)
    """Coating thickness L, um (ignored with ``thickness_from_complexion``)."""
    thickness_from_complexion: bool = False
    """Use the complexion stage's equilibrium thickness h_EQ (a self-limiting coating)."""
    capacity_mol_m3: float = Field(default=1000.0, gt=0, le=1.0e5)
    """c_c: mobile Li concentration at the coating's saturated outer surface, mol/m^3 (not in seed 002:
    an assumption, docs/models.md §7)."""
    electronic_conductivity_S_m: float = Field(default=1.0e6, gt=0)
    """Electronic conductivity of the coating, S/m (Li-rich intermetallics are metallic); enters the
    reported ohmic drop of the on-top current."""
    current_density_mA_cm2: float | None = Field(default=None, gt=0, le=10000.0)
    """Mean plating current density, mA/cm^2; default electrode.current_density_mA_cm2."""
    plating_time_s: float = Field(default=600.0, gt=0, le=1.0e7)
    """Plating time, s."""
    width_um: float = Field(default=16.0, gt=0, le=1000.0)
    """Electrode width of the 2D cut (periodic), um."""
    cells_along: int = Field(default=32, ge=1, le=1024)
    """Cells along the electrode (1: a 1D run at the mean current)."""
    cells_across: int = Field(default=24, ge=4, le=400)
    """Cells across the coating."""
    vlcd_correlation_length_um: float = Field(default=4.0, gt=0)
    """Correlation length of the local current density along the electrode, um (spread: electrode.vlcd_cv)."""
    records: int = Field(default=20, ge=2, le=10000)
    """Records, evenly spaced in time."""
    measure_onset: bool = True
    """Also find the onset current of on-top plating for this plating time by bisection on 1D runs."""

    @model_validator(mode="after")
    def _diffusivity_source(self):
        if self.diffusivity_m2_s is None:
            if self.material is None:
                raise ValueError("give material or diffusivity_m2_s")
            if self.material not in COATING_MATERIALS:
                raise ValueError(f"unknown coating material {self.material!r}{_did_you_mean(self.material, COATING_MATERIALS)}"
                                 f" (one of {', '.join(COATING_MATERIALS)})")
        return self


class Params(_Table):
    """A complete run description (one TOML file)."""

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    """Run name: the default run directory is ``runs/<name>`` (default: the file stem)."""
    seed: int = Field(default=0, ge=0, lt=2**63)
    """Seed of every random number stream of the run."""
    electrode: ElectrodeParams
    """Operating conditions: temperature and local current density."""
    atomistic: AtomisticParams = AtomisticParams()
    """Atomistic stage: MD results as parameters."""
    kmc: KmcParams | None = None
    """Kinetic Monte Carlo stage (runs when the table is present)."""
    dendrite: DendriteParams | None = None
    """Phase-field dendrite stage (runs when the table is present)."""
    complexion: ComplexionParams | None = None
    """Complexion stage: thermodynamically chosen film thickness (runs when the table is present)."""
    coating: CoatingParams | None = None
    """Coating stage: plating under vs on top of a coating (runs when the table is present)."""

    @model_validator(mode="after")
    def _coating_thickness_source(self):
        if self.dendrite is not None and self.dendrite.local_current_source == "coating" and self.coating is None:
            raise ValueError("dendrite.local_current_source = \"coating\" needs a [coating] table")
        if self.coating is not None and self.coating.thickness_from_complexion and self.complexion is None:
            raise ValueError("coating.thickness_from_complexion needs a [complexion] table")
        if (self.coating is not None and self.coating.diffusivity_m2_s is None
                and self.coating.material not in self.atomistic.coating_materials):
            raise ValueError(f"coating.material {self.coating.material!r} is not in atomistic.coating_materials")
        return self

    def table(self, name: str) -> dict[str, Any]:
        """The canonical (JSON-mode) content of one table, used for cache keys."""
        value = getattr(self, name)
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        return value if value is not None else {}


# --------------------------------------------------------------------------- scan files

ScanValue = float | int | str | bool


class HypercubeTable(_Table):
    """A Latin hypercube over continuous ranges (``[scan.hypercube]``)."""

    count: int = Field(ge=1, le=100000)
    """Number of points."""
    seed: int = Field(default=0, ge=0, lt=2**63)
    """Seed of the sampling."""
    ranges: dict[str, tuple[float, float]] = Field(min_length=1)
    """Dotted key -> [low, high]."""
    log: tuple[str, ...] = ()
    """Keys sampled uniformly in log (their ranges must be positive)."""

    @model_validator(mode="after")
    def _ranges(self):
        for key, (lo, hi) in self.ranges.items():
            if not lo < hi:
                raise ValueError(f"ranges.{key}: low must be below high")
        for key in self.log:
            if key not in self.ranges:
                raise ValueError(f"log: {key!r} is not one of the ranges")
            if self.ranges[key][0] <= 0:
                raise ValueError(f"log: {key!r} needs a positive range")
        return self


class ExecutorTable(_Table):
    """Where the points run (``[scan.executor]``)."""

    kind: Literal["process", "dask"] = "process"
    """``process``: a local process pool; ``dask``: Dask distributed (``address``, else a LocalCluster)."""
    workers: int | None = Field(default=None, ge=1, le=4096)
    """Parallel points (default: the machine's cores); the LocalCluster's worker count with ``dask``."""
    address: str | None = None
    """Dask scheduler address (``tcp://host:8786``); implies ``kind = "dask"``."""


class ScanTable(_Table):
    """A parameter scan (``[scan]``): a base parameter file and axes over its dotted keys."""

    base: str
    """The base parameter file, relative to the scan file."""
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    """Scan name: the default output directory is ``runs/<name>`` (default: the file stem)."""
    set: dict[str, ScanValue] = {}
    """Dotted key -> value applied to every point before the axes (e.g. a shorter run for the scan)."""
    grid: dict[str, tuple[ScanValue, ...]] | None = None
    """Dotted key -> values: every combination runs (the keys' order is the axes' order)."""
    hypercube: HypercubeTable | None = None
    """A Latin hypercube instead of a grid."""
    executor: ExecutorTable = ExecutorTable()
    """Process pool (default) or Dask."""

    @model_validator(mode="after")
    def _one_design(self):
        if (self.grid is None) == (self.hypercube is None):
            raise ValueError("give either [scan.grid] or [scan.hypercube]")
        for key, values in (self.grid or {}).items():
            if not values:
                raise ValueError(f"grid.{key}: no values")
            if len(set(values)) != len(values):
                raise ValueError(f"grid.{key}: a value is listed twice")
        return self


class ScanFile(_Table):
    """A scan file: one ``[scan]`` table."""

    scan: ScanTable


# --------------------------------------------------------------------------- loading


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _model_at(loc: tuple, root: type[BaseModel]) -> type[BaseModel] | None:
    """The table model that owns the key at ``loc`` (a pydantic error location) under ``root``, if any."""
    model: type[BaseModel] = root
    for part in loc[:-1]:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        sub = [a for a in (get_args(field.annotation) or (field.annotation,)) if isinstance(a, type)]
        sub = [a for a in sub if issubclass(a, BaseModel)]
        if not sub:
            return None
        model = sub[0]
    return model


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _suggestion(error: dict, root: type[BaseModel]) -> str | None:
    """For an unknown key: the closest known key of the same table, if one is close."""
    if error["type"] != "extra_forbidden":
        return None
    model = _model_at(tuple(error["loc"]), root)
    close = difflib.get_close_matches(str(error["loc"][-1]), list(model.model_fields if model else ()), n=1, cutoff=0.6)
    return close[0] if close else None


def _format_error(error: dict, root: type[BaseModel]) -> tuple[str, str]:
    """(dotted key, message) for one pydantic error."""
    loc = tuple(error["loc"])
    kind = error["type"]
    key = _dotted(loc)
    if kind == "extra_forbidden":
        what = "table" if isinstance(error.get("input"), dict) else "key"
        suggestion = _suggestion(error, root)
        return key, f"unknown {what}" + (f"; did you mean {suggestion!r}?" if suggestion else "")
    if kind == "missing":
        model = _model_at(loc, root)
        field = model.model_fields.get(loc[-1]) if model is not None else None
        is_table = field is not None and isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        return key, f"required {'table' if is_table else 'key'} is missing"
    msg = error["msg"].removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error") and "input" in error:
        shown = repr(error["input"])
        msg += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return key, msg


def _explained(errors: list[dict], root: type[BaseModel]) -> list[tuple[str, str]]:
    """Format errors; a missing key explained by a near-miss unknown key is not reported twice."""
    formatted = [(error, *_format_error(error, root)) for error in errors]
    explained = {
        _dotted(tuple(error["loc"][:-1]) + (suggestion,))
        for error in errors
        if (suggestion := _suggestion(error, root)) is not None
    }
    return [(key, msg) for error, key, msg in formatted if not (error["type"] == "missing" and key in explained)]


def _tuples(value: Any) -> Any:
    """TOML arrays -> tuples (strict pydantic wants tuples for the frozen models' sequences)."""
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _duplicate_key_message(text: str, line_no: int) -> str | None:
    """Name the dotted key that a TOML 'Cannot overwrite'/'declare twice' error points at."""
    lines = text.splitlines()
    if not 1 <= line_no <= len(lines):
        return None
    table = ""
    for line in lines[:line_no]:
        stripped = line.strip()
        if stripped.startswith("[") and "]" in stripped:
            table = stripped.strip("[]").split("]")[0].strip()
    here = lines[line_no - 1].strip()
    if here.startswith("["):
        return f"table [{table}] is defined twice"
    key = here.split("=", 1)[0].strip().strip('"')
    return f"key {(table + '.' if table else '') + key!r} is defined twice"


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; syntax errors become a ``ParamsError`` with line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = ""
        if "(at line " in message:
            message, where = message.rsplit(" (at line ", 1)
            line_s, col_s = where.rstrip(")").split(", column ")
            where = f":{line_s}:{col_s}"
            if "overwrite" in message or "twice" in message:
                message = _duplicate_key_message(text, int(line_s)) or message
        elif "(at end of document)" in message:
            message = message.replace(" (at end of document)", "") + " (at end of file)"
        raise ParamsError(f"{source}{where}: TOML syntax error: {message}") from None


def validate_params(data: dict[str, Any], source: str = "<params>", base_dir: Path | str = ".") -> Params:
    """Validate a parsed parameter dictionary; raise ``ParamsError`` listing every problem.

    Parameters
    ----------
    data : dict
        Parsed TOML.
    source : str
        File name used in error messages.
    base_dir : path
        Directory that relative data-file paths are resolved against.
    """
    return validate_model(Params, data, source, {"base_dir": str(base_dir)})


def validate_model(model: type[BaseModel], data: dict[str, Any], source: str, context: dict | None = None):
    """Validate parsed TOML against ``model`` (a strict table model); ``ParamsError`` lists every
    problem as "source: dotted.key: message", with "did you mean" for near-miss keys."""
    try:
        return model.model_validate(_tuples(data), context=context)
    except ValidationError as exc:
        raise ParamsError([f"{source}: {key}: {msg}" for key, msg in _explained(exc.errors(), model)]) from None


def load_params(path: str | Path) -> Params:
    """Read and validate a parameter file.

    Parameters
    ----------
    path : str or Path
        TOML file. Relative data paths inside it are resolved against its directory.

    Returns
    -------
    Params
        The validated, frozen parameters.

    Raises
    ------
    ParamsError
        For any problem: unreadable file, not UTF-8, TOML syntax, unknown or missing keys,
        wrong types, out-of-range values, inconsistent combinations, missing data files.
    """
    return load_params_and_text(path)[0]


def load_params_and_text(path: str | Path) -> tuple[Params, str]:
    """:func:`load_params`, also returning the file's text as given (for provenance)."""
    path = Path(path)
    text = read_params_text(path)
    params = validate_params(parse_toml(text, str(path)), str(path), path.parent)
    if params.name is None:
        params = params.model_copy(update={"name": _safe_name(path.stem)})
    return params, text


def with_overrides(params: Params, overrides: dict[str, Any], source: str = "<overrides>") -> Params:
    """``params`` with dotted keys replaced (``{"kmc.max_hop_to_deposition": 4000.0}``), validated again.

    Raises
    ------
    ParamsError
        When an override names an unknown key or gives an invalid value.
    """
    data = params.model_dump(mode="python", exclude_none=True)
    for dotted, value in overrides.items():
        node = data
        *tables, key = dotted.split(".")
        for table in tables:
            node = node.setdefault(table, {})
            if not isinstance(node, dict):
                raise ParamsError(f"{source}: {dotted}: {table!r} is not a table")
        node[key] = value
    return validate_params(data, source)


def read_params_text(path: Path) -> str:
    """The parameter file's text; unreadable or non-UTF-8 files raise ``ParamsError``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ParamsError(f"{path}: file not found") from None
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParamsError(f"{path}: not a UTF-8 text file (invalid byte at offset {exc.start})") from None
    if "\x00" in text:
        raise ParamsError(f"{path}: not a text file (contains NUL bytes)")
    return text


def _safe_name(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_.-" else "_" for c in stem).lstrip("_.-")
    return cleaned or "run"


# --------------------------------------------------------------------------- output


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string literal is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_table(data: dict[str, Any], prefix: str) -> list[str]:
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, dict) and v is not None]
    tables = [(k, v) for k, v in data.items() if isinstance(v, dict)]
    lines = [f"[{prefix}]"] if prefix else []
    lines += [f"{json.dumps(k) if not k.isidentifier() else k} = {_toml_value(v)}" for k, v in scalars]
    for key, sub in tables:
        lines += [""] + _toml_table(sub, f"{prefix}.{key}" if prefix else key)
    return lines


def to_toml(params: Params) -> str:
    """The resolved parameters (all defaults filled in) as TOML text that loads back to ``params``."""
    data = params.model_dump(mode="json", exclude_none=True)
    return "\n".join(_toml_table(data, "")) + "\n"


def canonical_json(value: Any) -> str:
    """Deterministic JSON used for hashing (sorted keys, no whitespace)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def sha256_text(text: str) -> str:
    """Hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- schema docs


def json_schema() -> dict[str, Any]:
    """The JSON schema of a parameter file."""
    return Params.model_json_schema()


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(annotation))  # not "|": it would split the table cell
    if origin is tuple:
        return f"array of {_type_name(get_args(annotation)[0])}"
    if origin is Annotated:
        return _type_name(get_args(annotation)[0])
    if get_args(annotation) and type(None) in get_args(annotation):
        return " or ".join(_type_name(a) for a in get_args(annotation) if a is not type(None)) + " (optional)"
    if origin is dict:
        return "table (free form)"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    return getattr(annotation, "__name__", str(annotation))


def _constraints(field) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="), ("min_length", "min length"), ("pattern", "pattern")):
            if getattr(meta, attr, None) is not None:
                parts.append(f"{sym} {getattr(meta, attr)}")
    return ", ".join(parts)


def _default(field) -> str:
    if field.is_required():
        return "required"
    value = field.default
    if isinstance(value, BaseModel):
        return "(table defaults)"
    if isinstance(value, dict):
        return "`{}`" if not value else "(table)"
    return "—" if value is None else f"`{_toml_value(value)}`"


def schema_markdown() -> str:
    """docs/params.md: every table and key with type, default, constraints and description."""
    out = [
        "# Parameter reference",
        "",
        "Generated from the pydantic models in `multiscale/params.py` by",
        "`python -m multiscale schema --markdown > docs/params.md`; a test fails when it is stale.",
        "Units are in the key names. Relative data paths are resolved against the parameter file's folder.",
    ]
    out += _tables_markdown(Params)
    out += ["", "# Scan files", "",
            "A scan file (`python -m multiscale scan SCAN.toml`, docs/tutorial.md §4) holds one `[scan]` table.",
            "Grid and hypercube keys are dotted keys of the base parameter file, quoted in TOML."]
    out += _tables_markdown(ScanFile)
    return "\n".join(out) + "\n"


def _tables_markdown(root: type[BaseModel]) -> list[str]:
    """The key tables of ``root`` and of every table below it."""
    out: list[str] = []
    queue: list[tuple[str, type[BaseModel]]] = [("(top level)", root)]
    while queue:
        title, model = queue.pop(0)
        if model is not ScanFile:
            out += ["", f"## `{title}`" if title != "(top level)" else "## Top level", ""]
            doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            out += [doc, "", "| key | type | default | constraints | description |", "|---|---|---|---|---|"]
        for key, field in model.model_fields.items():
            if model is not ScanFile:
                desc = (field.description or "").replace("\n", " ").replace("|", "\\|")
                out.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {_constraints(field)} | {desc} |")
            subs = [a for a in (get_args(field.annotation) or (field.annotation,)) if isinstance(a, type) and issubclass(a, BaseModel)]
            if subs:
                queue.append(((f"{title}." if title != "(top level)" else "") + key, subs[0]))
    return out
