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

from .. import coupling
from .._fipy import SOLVER_SUITE
from ..atomistic.outputs import COATINGS
from ..constants import A_M2_PER_MA_CM2, FARADAY, M_PER_UM
from ..errors import UserError
from ..fields import lognormal_profile
from ..params import Params
from ..runner import CheckpointedRun, SeriesGroup, Stop, StopReason
from ..stage import read_handoff
from ..streams import Stream, stream_seed
from . import model as co
from .outputs import SCHEMA


class CoatingRun:
    """The coating model as the runner's integration: records evenly spaced in time over the
    plating time. Not checkpointed (a coating run takes seconds to minutes), so it has no
    ``state``/``restore``."""

    def __init__(self, params: Params, physics: co.CoatingPhysics, log=None):
        c, e = params.coating, params.electrode
        mean = (e.current_density_mA_cm2 if c.current_density_mA_cm2 is None else c.current_density_mA_cm2) * A_M2_PER_MA_CM2
        cell = c.width_um * M_PER_UM / c.cells_along
        seed = stream_seed(params.seed, Stream.COATING_CURRENT_PROFILE)
        self.profile = mean * (lognormal_profile(c.cells_along, cell, e.cv, c.vlcd_correlation_length_um * M_PER_UM, seed)
                               if c.cells_along > 1 else np.ones(1))
        self.physics, self.log = physics, log
        self.system = co.CoatingSystem(physics, self.profile, cell, nx=c.cells_across)
        self.record_times = np.linspace(0.0, c.plating_time_s, c.records + 1)[1:]
        self.totals = co.Totals(0.0, 0.0, 0.0, 0.0, 0.0)

    def start(self) -> dict:
        return _frame(self.system, self.system.rates(), self.totals, self.physics)

    def advance(self, on_record) -> Stop:
        for i, t in enumerate(self.record_times):
            self.totals = co.integrate(self.system, t - self.totals.time_s, totals=self.totals)
            on_record(_frame(self.system, self.system.rates(), self.totals, self.physics), i == len(self.record_times) - 1)
            if self.log is not None:
                self.log.info("coating: t = %.4g s, %.3g of the Li under the coating so far", t, self.totals.fraction_under)
        return Stop(StopReason.PLATING_TIME)


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
    ctx.log.info("coating: L = %.4g um, D = %.3g m2/s, threshold F D c_c / L = %.4g mA/cm2", thickness / M_PER_UM,
                 diffusivity, physics.threshold_A_m2 / A_M2_PER_MA_CM2)
    sim = CoatingRun(params, physics, ctx.log)
    ny, nx = c.cells_along, c.cells_across
    cell = c.width_um * M_PER_UM / ny
    series = SeriesGroup.from_schema(SCHEMA.group("/"), {"y": (np.arange(ny) + 0.5) * cell,
                                                         "x": (np.arange(nx) + 0.5) * thickness / nx})
    with CheckpointedRun(ctx, {None: series}, None) as runner:
        runner.run(sim, len(sim.record_times))
        profile, totals = sim.profile, sim.totals
        onset = math.nan
        if c.measure_onset:
            onset = co.onset_current(physics, c.plating_time_s, nx=c.cells_across)
            ctx.log.info("coating: measured onset of on-top plating in %g s: %.4g mA/cm2 (%.4f x threshold)",
                         c.plating_time_s, onset / A_M2_PER_MA_CM2, onset / physics.threshold_A_m2)
        mean = float(np.mean(profile))
        ctx.attrs.update({
            "fipy_solver_suite": SOLVER_SUITE, "material": "explicit" if c.diffusivity_m2_s is not None else c.material,
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
        runner.writer.write_dataset(xr.Dataset({"local_current_density": ("y", profile, {"units": "A m-2"})}))
        runner.commit(ctx.attrs)
    ctx.log.info("coating: %.3g of the Li plated under the coating, %.3g on top (steady state at the mean current: "
                 "%.3g under)", totals.fraction_under, totals.fraction_on_top, ctx.attrs["steady_fraction_under"])
