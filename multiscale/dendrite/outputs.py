"""``dendrite.h5``: what the phase-field dendrite stage writes (SI; docs/models.md §5.1).

Positions are from the current collector's original position (the window moves with the mean
front). Rates are averages over the interval since the previous record (NaN at the first).
"""

from __future__ import annotations

from ..stage import Attribute as A, Group, Schema, Variable as V
from .cycling import LOG_FIELDS

T = ("time",)

#: Scalar series: name -> (units, description).
SERIES = {
    "dendrite_length": ("m", "thickest minus thinnest row of the metal (tip minus trough)"),
    "tip_position": ("m", "thickest row's metal thickness plus the window's displacement: the tip from the collector"),
    "tip_velocity": ("m s-1", "tip velocity since the previous record"),
    "interface_length_ratio": ("1", "interface length per electrode width (integral of |grad psi|)"),
    "interface_roughness": ("m", "std of the rows' metal thickness"),
    "mean_current_density": ("A m-2", "mean Faradaic (plating) current density"),
    "counter_potential": ("V", "electrolyte potential at the Li counter electrode vs the plating metal "
                               "(without the counter electrode's own overpotential)"),
    "counter_current_density": ("A m-2", "current density entering at the counter electrode: the applied one, "
                                         "or under potentiostatic control the one that holds the cell voltage"),
    "charge_passed": ("C m-2", "charge that entered at the counter electrode"),
    "li_deposited": ("mol m-2", "Li metal plated"),
    "dissolved_li_change": ("mol m-2", "change of the dissolved Li (= anions; the salt inventory)"),
    "li_balance_error": ("mol m-2", "charge_passed / F - li_deposited - dissolved_li_change"),
    "min_concentration": ("mol m-3", "lowest salt concentration"),
    "max_concentration": ("mol m-3", "highest salt concentration"),
}
#: Scalar series of a cycling run only (``[cycling]`` given): name -> (units, description, dtype).
CYCLING_SERIES = {
    "cycle": ("1", "cycle number (from 1)", "i8"),
    "half_cycle": ("1", "half-cycle the record belongs to: 0 plating, 1 rest after plating, 2 stripping, 3 rest after stripping", "i8"),
    "dead_li": ("mol m-2", "dead Li metal (cut off from the collector)", "f8"),
    "electrode_potential": ("V", "electrode potential against the Li counter electrode (minus counter_potential)", "f8"),
}
#: (time, y, x) snapshots: name -> (units, description).
SNAPSHOTS = {
    "psi": ("1", "electrolyte fraction (0 metal, 1 electrolyte)"),
    "concentration": ("mol m-3", "salt concentration"),
    "potential": ("V", "electrolyte potential vs the plating metal (Li reference in the local solution)"),
}

SCHEMA = Schema("dendrite", (
    Group("/", (
        V("time", T, "s", "time"), V("y", ("y",), "m", "along the electrode"),
        V("x", ("x",), "m", "cell centres from the window's collector side (graded: fine around the front)"),
        *(V(name, T, units, text) for name, (units, text) in SERIES.items()),
        *(V(name, T, units, text, dtype=dtype, when="[cycling] given") for name, (units, text, dtype) in CYCLING_SERIES.items()),
        V("local_current_density", ("time", "y"), "A m-2", "Faradaic current density of each row"),
        *(V(name, ("time", "y", "x"), units, text, dtype="f4") for name, (units, text) in SNAPSHOTS.items()),
        V("exchange_current_ratio", ("y",), "1", "i0(y) / mean i0: the VLCD field"),
        V("initial_front", ("y",), "m", "initial front position in the window"),
        V("cell_width", ("x",), "m", "width of each cell along x (the grid is graded away from the fine band)"),
    ), (
        A("model", ""), A("solvers", ""), A("control", ""), A("grid_yx", "1"), A("fine_cell_size_m", "m"),
        A("width_m", "m", "electrode width after rounding to whole cells"),
        A("gap_m", "m", "mean front to counter electrode"), A("temperature_K", "K"), A("electrolyte", ""),
        A("surface_diffusion_B", "m4 s-1", "Mullins coefficient used"), A("surface_diffusion_source", ""),
        A("anisotropy_strength", "1"), A("anisotropy_source", ""), A("initial_roughness_source", ""),
        A("local_current_source", ""), A("exchange_current_ratio_cv", "1"), A("final_deposit_m", "m"),
        A("stop_reason", ""), A("final_li_balance_relative_error", "1"),
        A("li_molar_volume", "m3 mol-1", "molar volume of Li metal: metal thickness per mol plated per area"),
        A("cycling", "", "the cycling protocol", when="[cycling] given"),
        A("mean_coulombic_efficiency", "1", "charge stripped / charge plated, mean over the cycles", when="[cycling] given"),
        A("mean_dead_fraction", "1", "Li made dead / Li plated, mean over the cycles", when="[cycling] given"),
    ), "series, snapshots and static profiles"),
    Group("cycling", (
        V("cycle", ("cycle",), "1", "cycle number (from 1)"), V("y", ("y",), "m"), V("x", ("x",), "m"),
        *(V(name, ("cycle",), units, text) for name, (units, text) in LOG_FIELDS.items()),
        V("coulombic_efficiency", ("cycle",), "1", "charge stripped / charge plated"),
        V("dead_fraction", ("cycle",), "1", "Li that became dead / Li plated in the cycle"),
        V("dead_li_thickness", ("cycle",), "m", "dead Li at the end of the cycle as a dense layer"),
        V("psi_plated", ("cycle", "y", "x"), "1", "electrolyte fraction after plating", dtype="f4"),
        V("psi_stripped", ("cycle", "y", "x"), "1", "electrolyte fraction after stripping", dtype="f4"),
    ), description="one row per plating-stripping cycle (docs/models.md §5.4)", when="[cycling] given"),
))
