"""The ``[dendrite]`` table and every rule on it (docs/models.md §5)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..tables import PositiveFloat, Table

class DendriteParams(Table):
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


#: Largest grid the stage accepts (cells); a 3-field LU of more is beyond a laptop's patience.
MAX_CELLS = 512 * 512
#: Fewest cells along (y) and across (x) the electrode.
MIN_CELLS_YX = (4, 8)
#: Closest the initial front may start to the collector, in interface widths (the tanh tail).
FRONT_MARGIN_WIDTHS = 6.0


def grid(d: DendriteParams) -> tuple[float, tuple[int, int]]:
    """(cell size in um, (ny, nx)): the domain rounded to whole cells of lambda / cells_per_interface_width
    (the rounded sizes are written to dendrite.h5 as ``grid_yx`` and ``cell_size_m``)."""
    spacing = d.interface_width_um / d.cells_per_interface_width
    return spacing, (int(round(d.width_um / spacing)), int(round(d.length_um / spacing)))


def check(params) -> None:
    """Rules that need more than one key or another table; raise ``UserError`` naming the keys."""
    from ..errors import UserError

    d, e = params.dendrite, params.electrode
    spacing, (ny, nx) = grid(d)
    if ny < MIN_CELLS_YX[0] or nx < MIN_CELLS_YX[1]:
        raise UserError(f"dendrite.width_um, dendrite.length_um: {ny} x {nx} cells of {spacing:g} um; the model needs at "
                        f"least {MIN_CELLS_YX[0]} along and {MIN_CELLS_YX[1]} across the electrode")
    if ny * nx > MAX_CELLS:
        raise UserError(f"dendrite.width_um, dendrite.length_um: {ny * nx} cells at {spacing:g} um is more than "
                        f"{MAX_CELLS}; lower them or dendrite.cells_per_interface_width")
    if d.front_position_um < FRONT_MARGIN_WIDTHS * d.interface_width_um:
        raise UserError(f"dendrite.front_position_um: {d.front_position_um:g} um is closer to the collector than "
                        f"{FRONT_MARGIN_WIDTHS:g} interface widths ({FRONT_MARGIN_WIDTHS * d.interface_width_um:g} um); "
                        "the front would feel its own tail")
    if e.vlcd_field == "hotspots" and d.local_current_profile is None and d.local_current_source == "electrode":
        raise UserError("dendrite: electrode.vlcd_field = \"hotspots\" has no phase-field counterpart yet; give "
                        "dendrite.local_current_profile")
