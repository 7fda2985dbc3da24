"""``coating.h5``: what the coating stage writes (SI; docs/models.md §7)."""

from __future__ import annotations

from ..stage import Attribute as A, Group, Schema, Variable as V

T = ("time",)

#: Scalar series: name -> (units, description).
SERIES = {
    "charge_passed": ("C m-2", "charge passed"),
    "li_plated_under": ("mol m-2", "Li plated under the coating, cumulative"),
    "li_plated_on_top": ("mol m-2", "Li plated on top of the coating, cumulative"),
    "li_in_coating": ("mol m-2", "mobile Li held in the coating"),
    "fraction_under": ("1", "cumulative fraction of charge / F plated under the coating"),
    "fraction_on_top": ("1", "cumulative fraction of charge / F plated on top"),
    "instant_fraction_under": ("1", "fraction of the current plating under the coating at that time"),
    "li_balance_error": ("mol m-2", "charge / F - plated - stored"),
    "saturated_fraction": ("1", "fraction of the electrode length whose outer surface is saturated"),
}
#: (time, y) profiles along the electrode: name -> (units, description).
PROFILES = {
    "on_top_current_density": ("A m-2", "current plating on top of the coating"),
    "under_current_density": ("A m-2", "current plating under the coating"),
    "ohmic_drop_on_top": ("V", "j_top L / sigma"),
}

SCHEMA = Schema("coating", (
    Group("/", (
        V("time", T, "s", "time"), V("y", ("y",), "m", "along the electrode"),
        V("x", ("x",), "m", "distance from the Li metal"),
        *(V(name, T, units, text) for name, (units, text) in SERIES.items()),
        *(V(name, ("time", "y"), units, text, handoff=name == "on_top_current_density")
          for name, (units, text) in PROFILES.items()),
        V("concentration", ("time", "y", "x"), "mol m-3", "mobile Li in the coating", dtype="f4"),
        V("local_current_density", ("y",), "A m-2", "applied local current density"),
    ), (
        A("fipy_solver_suite", ""), A("material", ""), A("diffusivity_m2_s", "m2 s-1"), A("diffusivity_source", ""),
        A("thickness_m", "m"), A("thickness_source", ""), A("capacity_mol_m3", "mol m-3"),
        A("electronic_conductivity_S_m", "S m-1"), A("mean_current_density_A_m2", "A m-2"),
        A("threshold_current_density_A_m2", "A m-2", "F D c_c / L"),
        A("onset_current_density_A_m2", "A m-2", "measured onset of on-top plating (NaN when not measured)"),
        A("steady_fraction_under", "1", "min(1, j_th / j) at the mean current"),
        A("final_fraction_under", "1"), A("final_li_balance_relative_error", "1"),
    ), "series, profiles and snapshots"),
))

ON_TOP_CURRENT_DENSITY = SCHEMA.handoff("/", "on_top_current_density")
