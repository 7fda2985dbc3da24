"""The coating stage: ``[coating]`` (+ atomistic.h5, complexion.h5) -> ``coating.h5``.

Contents (SI units):

- time series along ``time`` (s): ``charge_passed`` (C/m^2), ``li_plated_under``,
  ``li_plated_on_top``, ``li_in_coating`` (mol/m^2, cumulative), ``fraction_under`` and
  ``fraction_on_top`` (cumulative fractions of charge / F), ``instant_fraction_under`` (of the
  current at that time), ``li_balance_error`` (mol/m^2), ``saturated_fraction`` (of the
  electrode length); along (time, y): ``on_top_current_density``, ``under_current_density``
  (A/m^2), ``ohmic_drop_on_top`` (V: j_top L / σ); along (time, y, x): ``concentration``
  (mol/m^3, x = 0 at the Li metal);
- static: ``local_current_density(y)`` (A/m^2);
- attributes: ``threshold_current_density_A_m2`` (F D c_c / L), ``onset_current_density_A_m2``
  (measured, 1D bisection for this plating time), ``diffusivity_m2_s`` and its source,
  ``thickness_m`` and its source, ``steady_fraction_under`` (min(1, j_th / j) at the mean current).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from ..constants import FARADAY, MA_CM2
from ..errors import UserError
from ..fields import lognormal_profile
from .. import coupling
from ..atomistic.outputs import COATINGS
from ..stage import read_handoff
from ..params import Params
from . import model as co
from .._fipy import SOLVER_SUITE

UM = 1e-6


def run_coating(params: Params, physics: co.CoatingPhysics, log=None):
    """Run the 2D model over the plating time; returns (frames, current profile, totals)."""
    c, e = params.coating, params.electrode
    mean = (e.current_density_mA_cm2 if c.current_density_mA_cm2 is None else c.current_density_mA_cm2) * MA_CM2
    cell = c.width_um * UM / c.cells_along
    seed = int(np.random.SeedSequence([params.seed, 7]).generate_state(1, dtype=np.uint64)[0])
    profile = mean * (lognormal_profile(c.cells_along, cell, e.cv, c.vlcd_correlation_length_um * UM, seed)
                      if c.cells_along > 1 else np.ones(1))
    system = co.CoatingSystem(physics, profile, cell, nx=c.cells_across)
    record_times = np.linspace(0.0, c.plating_time_s, c.records + 1)[1:]
    frames = [_frame(system, system.rates(), co.Totals(0.0, 0.0, 0.0, 0.0, 0.0), physics)]
    totals = co.Totals(0.0, 0.0, 0.0, 0.0, 0.0)
    for t in record_times:
        totals = co.integrate(system, t - totals.time_s, totals=totals)
        frames.append(_frame(system, system.rates(), totals, physics))
        if log is not None:
            log.info("coating: t = %.4g s, %.3g of the Li under the coating so far", t, totals.fraction_under)
    return frames, profile, totals


def _frame(system: co.CoatingSystem, rates: co.StepRates, totals: co.Totals, physics: co.CoatingPhysics) -> dict:
    charge = totals.charge_mol_m2
    current = system.drive * physics.threshold_A_m2
    return {
        "time": totals.time_s, "charge_passed": charge * FARADAY,
        "li_plated_under": totals.under_mol_m2, "li_plated_on_top": totals.on_top_mol_m2,
        "li_in_coating": totals.stored_mol_m2,
        "fraction_under": totals.fraction_under if charge > 0 else math.nan,
        "fraction_on_top": totals.fraction_on_top if charge > 0 else math.nan,
        "instant_fraction_under": float(np.mean(rates.under) / np.mean(current)),
        "li_balance_error": totals.balance_error_mol_m2,
        "saturated_fraction": float(np.mean(rates.saturated)),
        "on_top_current_density": rates.on_top, "under_current_density": rates.under,
        "ohmic_drop_on_top": rates.on_top * physics.thickness_m / physics.conductivity_S_m,
        "concentration": system.concentration() * physics.capacity_mol_m3,
    }


SERIES_UNITS = {"time": "s", "charge_passed": "C m-2", "li_plated_under": "mol m-2", "li_plated_on_top": "mol m-2",
                "li_in_coating": "mol m-2", "fraction_under": "1", "fraction_on_top": "1", "instant_fraction_under": "1",
                "li_balance_error": "mol m-2", "saturated_fraction": "1"}
PROFILE_UNITS = {"on_top_current_density": "A m-2", "under_current_density": "A m-2", "ohmic_drop_on_top": "V"}


# ----------------------------------------------------------------------- pipeline hooks

def prepare(params: Params) -> None:
    c = params.coating
    if params.electrode.vlcd_field == "hotspots" and c.cells_along > 1:
        raise UserError("coating: electrode.vlcd_field = \"hotspots\" has no coating-scale counterpart; "
                        "use the log-normal field or coating.cells_along = 1")
    return None


def write(ctx, prepared) -> None:
    params = ctx.params
    c = params.coating
    coatings = read_handoff(ctx.inputs["atomistic"], COATINGS) if c.diffusivity_m2_s is None else None
    diffusivity, d_source = coupling.coating_diffusivity(c, coatings)
    thickness, t_source = coupling.coating_thickness(c, ctx.inputs.get("complexion"))
    physics = co.CoatingPhysics(thickness, diffusivity, c.capacity_mol_m3, c.electronic_conductivity_S_m)
    ctx.log.info("coating: L = %.4g um, D = %.3g m2/s, threshold F D c_c / L = %.4g mA/cm2", thickness / UM,
                 diffusivity, physics.threshold_A_m2 / MA_CM2)
    frames, profile, totals = run_coating(params, physics, ctx.log)
    onset = math.nan
    if c.measure_onset:
        onset = co.onset_current(physics, c.plating_time_s, nx=c.cells_across)
        ctx.log.info("coating: measured onset of on-top plating in %g s: %.4g mA/cm2 (%.4f x threshold)",
                     c.plating_time_s, onset / MA_CM2, onset / physics.threshold_A_m2)
    ny, nx = c.cells_along, c.cells_across
    cell = c.width_um * UM / ny
    coords = {"y": xr.DataArray((np.arange(ny) + 0.5) * cell, dims="y", attrs={"units": "m"}),
              "x": xr.DataArray((np.arange(nx) + 0.5) * thickness / nx, dims="x",
                                attrs={"units": "m", "long_name": "distance from the Li metal"})}
    variables = {name: (("time",), "f8", {"units": unit}) for name, unit in SERIES_UNITS.items()}
    variables.update({name: (("time", "y"), "f8", {"units": unit}) for name, unit in PROFILE_UNITS.items()})
    variables["concentration"] = (("time", "y", "x"), "f4", {"units": "mol m-3", "long_name": "mobile Li in the coating"})
    mean = float(np.mean(profile))
    ctx.attrs.update({
        "fipy_solver_suite": SOLVER_SUITE, "material": c.material or "explicit",
        "diffusivity_m2_s": diffusivity, "diffusivity_source": d_source,
        "thickness_m": thickness, "thickness_source": t_source,
        "capacity_mol_m3": c.capacity_mol_m3, "electronic_conductivity_S_m": c.electronic_conductivity_S_m,
        "mean_current_density_A_m2": mean,
        "threshold_current_density_A_m2": physics.threshold_A_m2,
        "onset_current_density_A_m2": onset,
        "steady_fraction_under": co.steady_fraction_under(mean / physics.threshold_A_m2),
        "final_fraction_under": totals.fraction_under,
        "final_li_balance_relative_error": abs(totals.balance_error_mol_m2) / totals.charge_mol_m2,
    })
    static = xr.Dataset({"local_current_density": ("y", profile, {"units": "A m-2"})})
    with ctx.writer() as writer:
        writer.define_series(None, variables, {"y": ny, "x": nx}, coords)
        for f in frames:
            writer.append(None, {name: f[name] for name in variables})
        writer.write_dataset(static)
    ctx.log.info("coating: %.3g of the Li plated under the coating, %.3g on top (steady state at the mean current: "
                 "%.3g under)", totals.fraction_under, totals.fraction_on_top, ctx.attrs["steady_fraction_under"])
