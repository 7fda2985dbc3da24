"""The ``[coating]`` table (docs/models.md §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..materials import COATING_MATERIALS
from ..tables import Table, did_you_mean

class CoatingParams(Table):
    """Plating under vs on top of a Li-conducting coating (docs/models.md §7; seed 002).

    Li metal | coating | electrolyte, a 2D cut along the electrode carrying the electrode's VLCD.
    Li that crosses the coating plates underneath; above the transport limit F D c_c / L the rest
    plates on top.
    """

    material: str = "Li22Sn5"
    """Coating material of seed 002 Table I, which gives the Li diffusivity (from atomistic.h5); not
    read with ``diffusivity_m2_s`` (another material with it is refused; the output then names the
    material "explicit")."""
    diffusivity_m2_s: float | None = Field(default=None, gt=0, le=1e-6)
    """Explicit Li diffusivity of the coating, m^2/s (in place of ``material``'s Table I range)."""
    diffusivity_estimate: Literal["low", "geometric_mean", "high"] = "geometric_mean"
    """Which value of the material's Table I range to use."""
    thickness_um: float = Field(default=1.0, gt=0, le=1000.0)
    """Coating thickness L, um (not read with ``thickness_from_complexion``: setting both is refused)."""
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
        if self.diffusivity_m2_s is None and self.material not in COATING_MATERIALS:
            raise ValueError(f"unknown coating material {self.material!r}{did_you_mean(self.material, COATING_MATERIALS)}"
                             f" (one of {', '.join(COATING_MATERIALS)})")
        return self
