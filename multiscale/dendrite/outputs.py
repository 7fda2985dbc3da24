"""``dendrite.h5``: what the phase-field dendrite stage writes (SI; docs/models.md §5).

Rates are averages over the interval since the previous record (NaN at the first).
"""

from __future__ import annotations

from ..stage import Attribute as A, Group, Schema, Variable as V

T = ("time",)

#: Scalar series: name -> (units, description).
SERIES = {
    "dendrite_length": ("m", "farthest tip minus deepest trough of the xi = 1/2 front"),
    "tip_position": ("m", "farthest tip from the collector"),
    "tip_velocity": ("m s-1", "tip velocity since the previous record"),
    "interface_length_ratio": ("1", "interface length per electrode width"),
    "interface_roughness": ("m", "std of the front position"),
    "mean_current_density": ("A m-2", "mean plating current density since the previous record"),
    "collector_potential": ("V", "collector potential vs the reservoir"),
    "charge_passed": ("C m-2", "F x the Li+ that entered from the reservoir"),
    "li_deposited": ("mol m-2", "Li metal plated"),
    "dissolved_li_change": ("mol m-2", "change of the dissolved Li+"),
    "li_balance_error": ("mol m-2", "charge_passed / F - li_deposited - dissolved_li_change"),
}
#: (time, y, x) snapshots: name -> (units, description).
SNAPSHOTS = {
    "xi": ("1", "order parameter (1 metal)"),
    "concentration": ("mol m-3", "Li+ concentration"),
    "potential": ("V", "electric potential vs the reservoir"),
}

SCHEMA = Schema("dendrite", (
    Group("/", (
        V("time", T, "s", "time"), V("y", ("y",), "m", "along the electrode"),
        V("x", ("x",), "m", "distance from the current collector"),
        *(V(name, T, units, text) for name, (units, text) in SERIES.items()),
        V("local_current_density", ("time", "y"), "A m-2", "plating rate of each row times F c_s"),
        *(V(name, ("time", "y", "x"), units, text, dtype="f4") for name, (units, text) in SNAPSHOTS.items()),
        V("current_density_ratio", ("y",), "1", "j(y) / mean j: reaction-rate prefactor"),
        V("initial_front", ("y",), "m", "initial front position"),
    ), (
        A("fipy_solver_suite", ""), A("solvers", ""), A("initial_ions", ""), A("linearised_mobility", "1"),
        A("control", ""), A("grid_yx", "1"), A("cell_size_m", "m"),
        A("width_m", "m", "electrode width after rounding to whole cells"),
        A("length_m", "m", "collector-reservoir distance after rounding to whole cells"), A("anisotropy_strength", "1"),
        A("anisotropy_source", ""), A("initial_roughness_source", ""), A("local_current_source", ""),
        A("surface_kinetics_source", "", "the kMC's surface relaxation law, recorded (not used by this model)"),
        A("current_density_ratio_cv", "1"), A("final_deposit_m", "m"), A("stop_reason", ""),
        A("final_li_balance_relative_error", "1"),
    ), "series, snapshots and static profiles"),
))
