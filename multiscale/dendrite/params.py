"""The ``[dendrite]`` table and every rule on it (docs/models.md §5)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from ..tables import PositiveFloat, Table, Unread


class DendriteParams(Table):
    """Smoothed-boundary phase field of Li plating from a binary electrolyte (docs/models.md §5).

    A 2D cut normal to the electrode: ``width_um`` along it (periodic), the metal at the current
    collector's side, the electrolyte across ``gap_um`` to a Li counter electrode. The grid is
    fine (``cells_per_interface_width`` per interface width) over ``front_band_um`` around the
    front and coarsens by ``grid_growth`` per cell beyond it. The window moves with the mean
    front. The temperature is the electrode's. The run is galvanostatic (``current_density_mA_cm2``)
    or potentiostatic (``cell_voltage_mV``) and stops at ``deposited_capacity_mAh_cm2``, at
    ``stop_time_s``, when the front leaves the fine band, or when the salt at the front runs out
    (Sand's time: below 1e-3 of the bulk concentration).
    """

    control: Literal["galvanostatic", "potentiostatic"] = "galvanostatic"
    """``galvanostatic``: a fixed current density enters at the counter electrode; ``potentiostatic``:
    the cell voltage ``cell_voltage_mV`` is held and the current follows (needs ``stop_time_s``)."""
    current_density_mA_cm2: float | None = Field(default=None, gt=0, le=100.0)
    """Galvanostatic plating current density of the phase-field run, mA/cm^2; default
    electrode.current_density_mA_cm2."""
    cell_voltage_mV: float | None = Field(default=None, ge=-1000.0, lt=0.0)
    """Potentiostatic: the plating electrode's potential against the Li counter electrode, mV
    (negative plates). The counter electrode's own overpotential is neglected (an ideal,
    non-polarisable Li counter): the electrolyte potential at it is held at -cell_voltage_mV."""
    width_um: float = Field(default=8.0, gt=0, le=200.0)
    """Electrode width simulated (periodic), um."""
    gap_um: float = Field(default=50.0, ge=5.0, le=5000.0)
    """Distance from the mean front to the Li counter electrode, um: a separator (25-250 um), or a
    capillary cell's mm (the limiting current 2 F D c / ((1 - t+) L) of 1 M LiPF6 is ~20 mA/cm^2 at
    500 um, 5 mA/cm^2 at 2 mm)."""
    front_band_um: float = Field(default=4.0, gt=0, le=100.0)
    """Width of the fine grid around the front, um (the front starts in its middle); the run stops
    when the metal's tip or trough leaves it."""
    grid_growth: float = Field(default=1.1, ge=1.0, le=1.3)
    """Growth of the cell size per cell beyond the fine band, towards the counter electrode."""
    interface_width_um: float = Field(default=0.2, gt=0, le=1.0)
    """w of the profile psi = 1 / (1 + exp(-d / w)), um: numerical. Halving it from 0.2 um changed the
    front's roughness by 1-5 % and the local current by up to 8 % on VLCD runs (docs/validation.md)."""
    cells_per_interface_width: float = Field(default=2.0, ge=1.0, le=8.0)
    """Fine-grid resolution: cells per w."""
    profile_mobility_um2_s: float = Field(default=0.05, gt=0, le=10.0)
    """G of the term that keeps the profile's shape, um^2/s: numerical, and not converged for long
    deposits. It smooths a rough front: after 0.5 mAh/cm^2 on params/cycling.toml of version 0.3.0
    (w = 0.4 um, a 16 um band, no rebuild) the plated roughness is 0.31 of the sharp front's at 0.05
    and 0.96 at 5e-5, where the profile steepens 1.7x (docs/models.md §5.4); 0.01 let the Newton
    sweeps diverge at j0 = 800 A/m^2 (§5.1). params/cycling.toml sets 5e-5 with
    reinitialise_steepness = 1.25."""
    reinitialise_steepness: float | None = Field(default=None, ge=1.05, le=10.0)
    """t: after an accepted step where the profile's steepest gradient is above t or below 1 / t
    times the equilibrium 1 / (4 w), or psi has left [-5e-4, 1 + 5e-4], rebuild psi as the equilibrium
    profile around its psi = 1/2 contour, the metal and the salt inventory conserved
    (docs/models.md §5.4): it keeps the profile that a small G lets steepen, broaden or overshoot.
    At least 1.05: the discrete equilibrium profile's steepest gradient is 0.96-1.00 of 1 / (4 w) at
    2 cells per w. None: never."""
    deposited_capacity_mAh_cm2: float | None = Field(default=0.05, gt=0, le=10.0)
    """Stop after plating this charge, mAh/cm^2 (1 mAh/cm^2 = 4.85 um of dense Li). It applies to
    potentiostatic runs too, at the first step that passes it, whichever of it and stop_time_s comes
    first: set it to the capacity wanted."""
    stop_time_s: float | None = Field(default=None, gt=0)
    """Stop at this time, s."""
    max_time_step_s: float = Field(default=60.0, gt=0)
    """Largest implicit (backward Euler) time step, s: numerical. Sand's time through the stage comes
    out 2.1 % late at 60 s, 1.2 % at 27 s and 0.3 % at 5.4 s (first order; docs/validation.md)."""
    records: int = Field(default=10, ge=2, le=10000)
    """Snapshots and time-series records, evenly spaced in time."""
    electrolyte: Literal["valoen_reimers", "constant"] = "valoen_reimers"
    """``valoen_reimers``: LiPF6 in PC/EC/DMC, D(c, T), kappa(c, T), thermodynamic factor and t+ = 0.38
    (Valoen & Reimers 2005; 263-333 K); ``constant``: their values at 1 M and the run temperature."""
    bulk_concentration_mol_m3: float = Field(default=1000.0, gt=0, le=3000.0)
    """Salt concentration at the start, mol/m^3."""
    interface_energy_J_m2: float = Field(default=0.5, gt=0)
    """Li metal / electrolyte interface energy gamma, J/m^2 (Gibbs-Thomson and the atomistic B)."""
    anisotropy_strength: float | None = Field(default=None, ge=0, lt=1.0 / 15.0)
    """delta of gamma(theta) = gamma [1 + delta cos(omega theta)]; default: max_anisotropy_strength times
    the kMC crystalline fraction (0 without a kMC stage). Below 1/(omega^2 - 1) the stiffness stays positive."""
    max_anisotropy_strength: float = Field(default=0.05, ge=0, lt=1.0 / 15.0)
    """delta of a fully crystalline deposit (glassy deposits are isotropic; docs/models.md §5.2); read only
    with a kMC stage and no ``anisotropy_strength``."""
    anisotropy_mode: int = Field(default=4, ge=2, le=12)
    """omega: 4 for the fourfold symmetry of bcc Li in a 2D cut."""
    vlcd_correlation_length_um: float = Field(default=2.0, gt=0)
    """Correlation length of the exchange current i0(y) along the electrode, um (its spread is electrode.vlcd_cv)."""
    local_current_profile: tuple[PositiveFloat, ...] | None = Field(default=None, min_length=2)
    """Explicit i0(y) / mean(i0) along the electrode (equally spaced, periodic, rescaled to mean 1 and
    interpolated to the grid) instead of the random field."""
    local_current_source: Literal["electrode", "coating"] = "electrode"
    """``electrode``: the electrode's VLCD (or ``local_current_profile``); ``coating``: the current that
    plates on top of the coating (the coating stage's last record) sets the run's current and the
    i0(y) profile (docs/models.md §7)."""
    initial_roughness_um: float | None = Field(default=None, ge=0)
    """Standard deviation of the initial front, um; default: the kMC roughness averaged over patches of
    vlcd_correlation_length_um (docs/models.md §5.2), 0 without a kMC stage."""
    checkpoint_interval_s: float = Field(default=60.0, gt=0)
    """Wall-clock seconds between checkpoints."""

    @model_validator(mode="after")
    def _consistent(self):
        if self.local_current_source == "coating" and (self.local_current_profile is not None
                                                       or self.current_density_mA_cm2 is not None):
            raise ValueError("local_current_source = \"coating\" sets the current and its profile: leave out "
                             "current_density_mA_cm2 and local_current_profile")
        if self.deposited_capacity_mAh_cm2 is None and self.stop_time_s is None:
            raise ValueError("give deposited_capacity_mAh_cm2 or stop_time_s")
        if self.control == "potentiostatic":
            if self.cell_voltage_mV is None or self.stop_time_s is None:
                raise ValueError("control = \"potentiostatic\" needs cell_voltage_mV and stop_time_s (the records are "
                                 "spaced in time; the current is not known in advance)")
            if self.current_density_mA_cm2 is not None or self.local_current_source == "coating":
                raise ValueError("control = \"potentiostatic\": the current follows the cell voltage; leave out "
                                 "current_density_mA_cm2 and local_current_source = \"coating\"")
        elif self.cell_voltage_mV is not None:
            raise ValueError("cell_voltage_mV is for control = \"potentiostatic\"")
        return self


#: Largest grid the stage accepts (cells, in the fine band and in all); beyond it the kept LU of 4
#: unknowns per cell takes gigabytes (5.7 GB of process at 512^2, ~1 min a step; docs/performance.md).
MAX_CELLS = 256 * 256
#: Fewest cells along the electrode and in the fine band.
MIN_CELLS_YX = (4, 8)
#: Closest the initial front may come to the edge of the fine band, in interface widths (the profile's tail).
FRONT_MARGIN_WIDTHS = 6.0
#: The run stops when the salt in the electrolyte (psi >= 1/2) falls below this fraction of the bulk
#: concentration: Sand's time; the electroneutral model's steps collapse as c -> 0 (docs/models.md §5.3).
DEPLETION_FRACTION = 1e-3


def fine_spacing(d: DendriteParams) -> float:
    """The fine cell size, um."""
    return d.interface_width_um / d.cells_per_interface_width


def grid(d: DendriteParams) -> tuple[float, int, int]:
    """(fine cell size in um, cells along the electrode, cells in the fine band)."""
    h = fine_spacing(d)
    return h, int(round(d.width_um / h)), int(round(d.front_band_um / h))


def spacing_x(d: DendriteParams) -> np.ndarray:
    """Cell sizes normal to the electrode (um), (nx,): the fine band around the initial front, then
    cells growing by ``grid_growth`` to the counter electrode."""
    from .sbm import graded_spacing

    h, _, band = grid(d)
    return graded_spacing(h, band * h, band * h / 2 + d.gap_um, d.grid_growth)


def anisotropy_from_kmc(params) -> bool:
    """Whether the anisotropy is ``max_anisotropy_strength`` times the kMC deposit's crystalline
    fraction (:func:`multiscale.coupling.anisotropy`): no explicit strength, and a ``[kmc]`` stage."""
    return params.dendrite.anisotropy_strength is None and params.kmc is not None


def unread_keys(params) -> list[Unread]:
    """The ``[dendrite]`` keys a run does not read (:attr:`multiscale.stage.Stage.unread`): those
    that ``[cycling]`` sets, and ``max_anisotropy_strength`` unless :func:`anisotropy_from_kmc`."""
    found = []
    if params.cycling is not None:
        found += Unread.each("dendrite", ("current_density_mA_cm2", "deposited_capacity_mAh_cm2", "stop_time_s",
                                          "records"),
                             "[cycling] sets it (cycling.plating_current_density_mA_cm2, "
                             "cycling.dendrite_capacity_mAh_cm2, cycling.records_per_half_cycle)", "leave it out")
    if not anisotropy_from_kmc(params):
        found.append(Unread("dendrite", "max_anisotropy_strength", "read only with a [kmc] stage and no "
                            "dendrite.anisotropy_strength (it scales the kMC deposit's crystalline fraction)"))
    return found


def check(params) -> None:
    """Rules that need more than one key or another table; raise ``UserError`` naming the keys."""
    from ..errors import UserError
    from .electrolyte import VALOEN_REIMERS_RANGE

    d, e = params.dendrite, params.electrode
    h, ny, band = grid(d)
    if ny < MIN_CELLS_YX[0] or band < MIN_CELLS_YX[1]:
        raise UserError(f"dendrite.width_um, dendrite.front_band_um: {ny} x {band} cells of {h:g} um; the model needs "
                        f"at least {MIN_CELLS_YX[0]} along the electrode and {MIN_CELLS_YX[1]} across the band")
    if ny * band > MAX_CELLS:
        raise UserError(f"dendrite.width_um, dendrite.front_band_um: {ny} x {band} fine cells of {h:g} um is more than "
                        f"{MAX_CELLS}; lower them or dendrite.cells_per_interface_width")
    nx = spacing_x(d).size
    if ny * nx > MAX_CELLS:
        raise UserError(f"dendrite.gap_um, dendrite.grid_growth: {ny} x {nx} cells in all is more than {MAX_CELLS}; "
                        "raise dendrite.grid_growth (the coarse cells towards the counter electrode) or lower dendrite.gap_um")
    if d.front_band_um / 2 < FRONT_MARGIN_WIDTHS * d.interface_width_um:
        raise UserError(f"dendrite.front_band_um: the front starts {d.front_band_um / 2:g} um from the band's edges, closer "
                        f"than {FRONT_MARGIN_WIDTHS:g} interface widths ({FRONT_MARGIN_WIDTHS * d.interface_width_um:g} um); "
                        "the profile's tail would reach the collector's side")
    if d.front_band_um > d.gap_um:
        raise UserError(f"dendrite.front_band_um: {d.front_band_um:g} um is wider than dendrite.gap_um ({d.gap_um:g} um)")
    limit = 1.0 / (d.anisotropy_mode ** 2 - 1)  # the stiffness gamma [1 + delta (1 - omega^2)] stays positive
    strengths = (("anisotropy_strength", d.anisotropy_strength),
                 ("max_anisotropy_strength", d.max_anisotropy_strength if anisotropy_from_kmc(params) else None))
    for key, value in strengths:
        if value is not None and value >= limit:
            raise UserError(f"dendrite.{key}: {value:g} is not below 1/(omega^2 - 1) = {limit:.4g} for "
                            f"dendrite.anisotropy_mode = {d.anisotropy_mode}: the interface stiffness would change sign")
    low, high = VALOEN_REIMERS_RANGE["temperature_K"]
    if d.electrolyte == "valoen_reimers" and not low <= e.temperature_K <= high:
        raise UserError(f"electrode.temperature_K: {e.temperature_K:g} K is outside the {low:g}-{high:g} K of the "
                        "Valoen-Reimers electrolyte fits (dendrite.electrolyte)")
    if params.cycling is not None:
        from ..constants import C_M2_PER_MAH_CM2, FARADAY
        from .sbm import LENGTH_SCALE_M, Cell

        c = params.cycling
        thickness = c.dendrite_capacity_mAh_cm2 * C_M2_PER_MAH_CM2 / FARADAY * Cell.molar_volume_m3_mol / LENGTH_SCALE_M
        room = d.front_band_um / 2 - FRONT_MARGIN_WIDTHS * d.interface_width_um
        if thickness > room:
            raise UserError(f"dendrite.front_band_um: a half-cycle plates {thickness:.3g} um "
                            f"(cycling.dendrite_capacity_mAh_cm2 = {c.dendrite_capacity_mAh_cm2:g}) but the "
                            f"front, in the lab frame of a cycling run, has {room:.3g} um before the band's margin; "
                            f"widen the band to at least {2 * (thickness + FRONT_MARGIN_WIDTHS * d.interface_width_um):.3g} um")
    if e.vlcd_field == "hotspots" and d.local_current_profile is None and d.local_current_source == "electrode":
        raise UserError("dendrite: electrode.vlcd_field = \"hotspots\" has no phase-field counterpart yet; give "
                        "dendrite.local_current_profile")
