"""The dendrite stage: reads ``kmc.h5`` (optional), grows Li in 2D under VLCD, writes ``dendrite.h5``.

With ``local_current_source = "coating"`` it reads ``coating.h5`` instead of the electrode's VLCD:
the current that plates on top of the coating (its last record) sets the mean current and its
profile along the electrode (docs/models.md §7).

Output (SI; docs/models.md §5):

``/`` (root)
    Coordinates ``time`` (s), ``y`` (along the electrode), ``x`` (from the current collector), m.
    Snapshots ``xi``, ``concentration`` (mol/m^3), ``potential`` (V) as (time, y, x). Series:
    ``dendrite_length`` (m, farthest tip minus deepest trough of the xi = 1/2 front),
    ``tip_position`` (m), ``tip_velocity`` (m/s), ``interface_length_ratio`` (interface length per
    width), ``interface_roughness`` (m, std of the front), ``local_current_density(time, y)``
    (A/m^2, plating rate of each row times F c_s), ``mean_current_density`` (A/m^2) -- rates are
    averages over the interval since the previous record, NaN at the first --
    ``collector_potential`` (V), ``charge_passed`` (C/m^2: F x the Li+ that entered from the
    reservoir), ``li_deposited`` (mol/m^2 of metal plated), ``dissolved_li_change`` (mol/m^2),
    ``li_balance_error`` (charge_passed / F - li_deposited - dissolved_li_change, mol/m^2).
    Static: ``current_density_ratio(y)`` (j / mean j along the electrode), ``initial_front(y)`` (m).
    Attributes: the FiPy solver suite, the control mode, where the anisotropy, the initial
    roughness and the local current came from, the stop reason.

The declared schema is :data:`multiscale.dendrite.outputs.SCHEMA`. Records are taken at fixed
times and streamed to the file by :class:`multiscale.runner.CheckpointedRun`; a run resumed from a
checkpoint (written at a record, every ``checkpoint_interval_s`` of wall time) repeats the
uninterrupted run's arithmetic exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .. import coupling
from .._fipy import SOLVER_SUITE
from ..constants import A_M2_PER_MA_CM2, FARADAY, M_PER_UM
from ..errors import UserError
from ..fields import lognormal_profile, standard_profile
from ..io import save_checkpoint
from ..params import Params
from ..runner import CheckpointedRun, SeriesGroup, Stop, StopReason
from ..streams import Stream, stream_seed
from . import observables as ob
from .control import CurrentControl, log_current_slope, planar_potential, with_potential
from .model import (
    LENGTH_SCALE_M,
    TIME_SCALE_S,
    Coefficients,
    DendriteSystem,
    DivergenceError,
    Numerics,
    Physical,
    tanh_profile,
)
from .outputs import SCHEMA
from .params import check, grid


@dataclass(frozen=True)
class Setup:
    """Everything a dendrite run needs (lengths in um = the model's unit, times in s)."""

    physical: Physical
    shape: tuple[int, int]  # (ny, nx)
    spacing: float  # um
    modulation: np.ndarray  # (ny,), mean 1
    initial_front: np.ndarray  # (ny,), um
    initial_ions: str  # "equilibrium" | "uniform": DendriteSystem.initialise
    linearised_mobility: bool  # Numerics.linearised_mobility of the run
    target_current_A_m2: float | None  # None: potential control
    stop_time: float  # s
    end_reason: Stop  # why a run that reaches stop_time ends there
    stop_deposit: float  # um of mean deposit (inf: none)
    far_limit: float  # um from the collector
    record_times: np.ndarray  # s
    anisotropy_source: str
    surface_kinetics_source: str
    roughness_source: str

    @property
    def width(self) -> float:
        return self.shape[0] * self.spacing


def _resample(profile: np.ndarray, offset: float, ny: int) -> np.ndarray:
    """A periodic profile given at (i + offset) / n of the electrode, interpolated to ny cell centres, mean 1."""
    profile = np.asarray(profile, dtype=float)
    source = (np.arange(profile.size) + offset) / profile.size
    values = np.interp((np.arange(ny) + 0.5) / ny, source, profile, period=1.0)
    return values / values.mean()


def modulation_from(params: Params, ny: int, spacing_um: float, seed: int, on_top: np.ndarray | None = None) -> np.ndarray:
    """j(y) / mean(j) on the grid: the coating's on-top current (``local_current_source = "coating"``),
    the explicit profile, else a log-normal field of the electrode's CV."""
    d, e = params.dendrite, params.electrode
    if d.local_current_source == "coating":
        return _resample(on_top, 0.5, ny)  # the coating's cell centres
    if d.local_current_profile is not None:
        return _resample(d.local_current_profile, 0.0, ny)
    return lognormal_profile(ny, spacing_um * M_PER_UM, e.cv, d.vlcd_correlation_length_um * M_PER_UM, seed)


def setup_from(params: Params, handoff: coupling.KmcHandoff | None, on_top: np.ndarray | None = None) -> Setup:
    """The run's setup; ``on_top``: the coating's on-top current density profile (A/m^2), needed with
    ``local_current_source = "coating"``."""
    d, e = params.dendrite, params.electrode
    spacing, (ny, nx) = grid(d)
    modulation_seed, roughness_seed = (stream_seed(params.seed, st) for st in (Stream.DENDRITE_CURRENT_PROFILE,
                                                                             Stream.DENDRITE_INITIAL_FRONT))
    roughness, roughness_source = coupling.initial_roughness(params.dendrite, handoff)
    delta, anisotropy_source = coupling.anisotropy(params.dendrite, handoff)
    front = np.full(ny, d.front_position_um)
    if roughness > 0:
        front = front + roughness * standard_profile(ny, spacing * M_PER_UM, d.vlcd_correlation_length_um * M_PER_UM, roughness_seed)
    physical = Physical(
        interface_energy_J_m2=d.interface_energy_J_m2, interface_width_m=d.interface_width_um * M_PER_UM,
        interface_mobility_m3_J_s=d.interface_mobility_m3_J_s,
        exchange_current_density_A_m2=d.exchange_current_density_mA_cm2 * A_M2_PER_MA_CM2,
        transfer_coefficient=d.transfer_coefficient, diffusivity_electrolyte_m2_s=d.diffusivity_electrolyte_m2_s,
        diffusivity_electrode_m2_s=d.diffusivity_electrode_m2_s,
        conductivity_electrolyte_S_m=d.conductivity_electrolyte_S_m, conductivity_electrode_S_m=d.conductivity_electrode_S_m,
        site_density_mol_m3=d.site_density_mol_m3, bulk_concentration_mol_m3=d.bulk_concentration_mol_m3,
        temperature_K=e.temperature_K, applied_potential_V=d.applied_potential_V, anisotropy_strength=delta,
        anisotropy_mode=d.anisotropy_mode,
    )
    target = None
    stop_deposit = math.inf if d.deposited_thickness_um is None else d.deposited_thickness_um
    stop_time = math.inf if d.stop_time_s is None else d.stop_time_s
    end_reason = Stop(StopReason.TIME)
    if d.control == "current":
        if d.local_current_source == "coating":
            target = float(np.mean(on_top))
        else:
            target = (e.current_density_mA_cm2 if d.current_density_mA_cm2 is None else d.current_density_mA_cm2) * A_M2_PER_MA_CM2
        physical = with_potential(physical, planar_potential(physical, target))
        if d.deposited_thickness_um is not None:  # Faraday: time to plate the thickness at the mean current
            plating_time = d.deposited_thickness_um * M_PER_UM * FARADAY * d.site_density_mol_m3 / target
            if plating_time < stop_time:
                stop_time, end_reason = plating_time, Stop(StopReason.FARADAY_TIME)
    return Setup(
        physical=physical, shape=(ny, nx), spacing=spacing,
        modulation=modulation_from(params, ny, spacing, modulation_seed, on_top), initial_front=front,
        initial_ions=d.initial_ions, linearised_mobility=d.linearised_mobility,
        target_current_A_m2=target, stop_time=stop_time, end_reason=end_reason, stop_deposit=stop_deposit,
        far_limit=d.length_um - d.far_margin_um, record_times=np.linspace(0.0, stop_time, d.records + 1)[1:],
        anisotropy_source=anisotropy_source, roughness_source=roughness_source,
        surface_kinetics_source=coupling.surface_kinetics(handoff),
    )


class _Stop(Exception):
    """Raised from the step callback to end the run with a reason (``args[0]``: a :class:`Stop`)."""


class Diverged(RuntimeError):
    """The time step collapsed; the run keeps its last accepted state."""


class Run:
    """The model plus the bookkeeping of one stage run: integrals, records, control, stop tests."""

    def __init__(self, setup: Setup, numerics: Numerics | None = None):
        self.setup = setup
        self.c = Coefficients.from_physical(setup.physical)
        ny, nx = setup.shape
        self.system = DendriteSystem(self.c, setup.shape, setup.spacing, setup.modulation,
                                     numerics or Numerics(dt_max=50.0, linearised_mobility=setup.linearised_mobility))
        self.control = None if setup.target_current_A_m2 is None else CurrentControl(
            setup.target_current_A_m2, log_current_slope(self.c, self.c.psi_applied))
        self.records = 0  # records made (the runner streams them to the file)
        self.last: dict = {}
        self.entered = 0.0  # Li+ in through the reservoir boundary, c0 l0^2 (per unit depth)
        self.step_rows = np.zeros(ny)  # row thickness after the last accepted step, um
        self.last_dt = 0.0
        self.record_rows = np.zeros(ny)  # row thickness, tip and time at the last record
        self.record_tip = math.nan
        self.record_time = 0.0

    # -- start and restart -----------------------------------------------------------------
    def start(self) -> dict:
        """Set the initial state; return the first record."""
        s = self.setup
        x = (np.arange(s.shape[1]) + 0.5) * s.spacing
        xi = tanh_profile(x[None, :] - s.initial_front[:, None], s.physical.interface_width_m / LENGTH_SCALE_M)
        self.system.initialise(xi, relax_time=0.2, ions=s.initial_ions)
        self.xi0 = np.array(self.system.xi.value)
        self.conc0 = self._dissolved()
        self.step_rows = ob.row_thickness(self._xi(), s.spacing)
        return self._record()

    def state(self) -> dict[str, np.ndarray | float | int]:
        system = self.system
        values = {"time": system.time, "dt": system.dt, "psi_applied": system.psi_applied, "entered": self.entered,
                  "conc0": self.conc0, "last_dt": self.last_dt, "record_tip": self.record_tip,
                  "record_time": self.record_time, "records": self.records}
        return {**{f"system_{k}": v for k, v in system.state().items()}, **values,
                "xi0": self.xi0, "step_rows": self.step_rows, "record_rows": self.record_rows}

    def restore(self, state: dict[str, np.ndarray], last: dict) -> None:
        system = self.system
        system.set_state({k.removeprefix("system_"): v for k, v in state.items() if k.startswith("system_")})
        system.time, system.dt = float(state["time"]), float(state["dt"])
        self.entered, self.conc0, self.last_dt = float(state["entered"]), float(state["conc0"]), float(state["last_dt"])
        self.record_tip, self.record_time = float(state["record_tip"]), float(state["record_time"])
        self.records = int(state["records"])
        system.set_psi_applied(float(state["psi_applied"]))
        system.mark_step_start()
        self.xi0, self.step_rows, self.record_rows = state["xi0"], state["step_rows"], state["record_rows"]
        self.last = last

    # -- quantities ------------------------------------------------------------------------
    def _xi(self) -> np.ndarray:
        return np.asarray(self.system.xi.value).reshape(self.setup.shape)

    def _dissolved(self) -> float:
        return float(np.sum(self.system.fields()["concentration"])) * self.setup.spacing ** 2

    def deposit(self) -> float:
        """Mean plated thickness since the start, um."""
        return float(np.sum(self.system.xi.value - self.xi0)) * self.setup.spacing ** 2 / self.setup.width

    @property
    def plating_current_per_rate(self) -> float:
        """Current density (A/m^2) of a deposit growing at one model length per model time (um/s)."""
        p = self.setup.physical
        return p.electrons * FARADAY * p.site_density_mol_m3 * LENGTH_SCALE_M / TIME_SCALE_S

    def _areal(self, amount_c0_l0sq: float) -> float:
        """c0 l0^2 of Li per unit depth -> mol per m^2 of electrode."""
        return amount_c0_l0sq * self.setup.physical.reference_concentration_mol_m3 * LENGTH_SCALE_M / self.setup.width

    def _record(self) -> dict:
        s, p = self.setup, self.setup.physical
        xi = self._xi()
        fields = self.system.fields()
        front = ob.front_position(xi, s.spacing)
        deposited = self._areal(self.c.site_ratio * float(np.sum(self.system.xi.value - self.xi0)) * s.spacing ** 2)
        dissolved = self._areal(self._dissolved() - self.conc0)
        charge = FARADAY * self._areal(self.entered)
        plating = self.plating_current_per_rate
        # rates are averages over the interval since the previous record (NaN at the first)
        rows, tip, t = ob.row_thickness(xi, s.spacing), float(front.max()), self.system.time
        interval = t - self.record_time
        row_rate = (rows - self.record_rows) / interval if interval > 0 else np.full(s.shape[0], np.nan)
        tip_velocity = (tip - self.record_tip) / interval if interval > 0 else math.nan
        self.record_rows, self.record_tip, self.record_time = rows, tip, t
        self.records += 1
        self.last = {
            "time": self.system.time * TIME_SCALE_S,
            "dendrite_length": ob.dendrite_length(front) * LENGTH_SCALE_M,
            "tip_position": float(front.max()) * LENGTH_SCALE_M,
            "tip_velocity": tip_velocity * LENGTH_SCALE_M / TIME_SCALE_S,
            "interface_length_ratio": ob.interface_length_ratio(xi, s.spacing),
            "interface_roughness": ob.interface_roughness(front) * LENGTH_SCALE_M,
            "mean_current_density": float(np.mean(row_rate)) * plating,
            "collector_potential": self.system.psi_applied * p.thermal_voltage_V,
            "charge_passed": charge, "li_deposited": deposited, "dissolved_li_change": dissolved,
            "li_balance_error": charge / FARADAY - deposited - dissolved,
            "local_current_density": row_rate * plating,
            "xi": fields["xi"].astype(np.float32),
            "concentration": (fields["concentration"] * p.reference_concentration_mol_m3).astype(np.float32),
            "potential": (fields["psi"] * p.thermal_voltage_V).astype(np.float32),
        }
        return self.last

    # -- stepping ----------------------------------------------------------------------------
    def _on_step(self, system: DendriteSystem, dt: float) -> None:
        s = self.setup
        self.entered += system.influx() * dt
        xi = self._xi()
        rows = ob.row_thickness(xi, s.spacing)
        rate = float(np.mean(rows - self.step_rows)) / dt
        self.step_rows = rows
        tip = float(ob.front_position(xi, s.spacing).max())
        # a step clipped short to land on a record time measures the rate poorly (the sweep
        # tolerance has an absolute part): the control skips it
        if self.control is not None and dt >= 0.5 * self.last_dt:
            system.set_psi_applied(self.control.update(system.psi_applied, rate * self.plating_current_per_rate))
        self.last_dt = dt
        if tip >= s.far_limit:
            raise _Stop(Stop(StopReason.FAR_MARGIN, f"the metal reached {tip:.3g} um, within dendrite.far_margin_um of the reservoir"))
        if self.deposit() >= s.stop_deposit:
            raise _Stop(Stop(StopReason.DEPOSIT))

    def advance(self, on_record=None) -> Stop:
        """Advance to the end, recording at ``setup.record_times``; returns why the run stopped."""
        s = self.setup
        remaining = s.record_times[self.records - 1:]
        for i, t_record in enumerate(remaining):
            try:
                self.system.advance(t_record, on_step=self._on_step)
            except _Stop as stop:
                record = self._record()
                if on_record is not None:
                    on_record(record, True)
                return stop.args[0]
            except DivergenceError as exc:
                raise Diverged(str(exc)) from None
            record = self._record()
            # a resumed run starts without the kept factorisation: start afresh here too, so a
            # checkpoint taken at this record resumes bit for bit
            self.system.refresh_preconditioners()
            if on_record is not None:
                on_record(record, i == len(remaining) - 1)
        return s.end_reason


# ----------------------------------------------------------------------- output

def series_groups(run: Run) -> dict[str | None, SeriesGroup]:
    """The series of ``dendrite.h5`` (the root group, as declared), written as they are recorded."""
    s = run.setup
    ny, nx = s.shape
    return {None: SeriesGroup.from_schema(SCHEMA.group("/"), {"y": (np.arange(ny) + 0.5) * s.spacing * M_PER_UM,
                                                               "x": (np.arange(nx) + 0.5) * s.spacing * M_PER_UM})}


def static_dataset(run: Run) -> xr.Dataset:
    """The static profiles of ``dendrite.h5``."""
    s = run.setup
    return xr.Dataset(
        {"current_density_ratio": ("y", s.modulation, {"units": "1", "long_name": "j(y) / mean j: reaction-rate prefactor"}),
         "initial_front": ("y", s.initial_front * M_PER_UM, {"units": "m"})})


def checked_reason(stop: Stop, deposit_um: float, target_um: float) -> tuple[Stop, bool]:
    """The stop reason, and whether a galvanostatic run reached its Faraday time with less than 90 % of
    the deposit it was to plate (the control did not reach the current: e.g. a uniform-ion start at
    amperes per cm^2, docs/models.md §5.4); the reason then says so."""
    short = stop.reason is StopReason.FARADAY_TIME and math.isfinite(target_um) and deposit_um < 0.9 * target_um
    if short:
        stop = Stop(stop.reason, f"{stop}; only {deposit_um:.3g} of the {target_um:g} um asked were plated: the mean "
                                 "current stayed below the target")
    return stop, short


def _relative_balance_error(frame: dict) -> float:
    """|Li balance error| over the larger of Li deposited and charge / F (either can be the smaller:
    at large overpotentials the deposit is fed from Li+ held in the interface and charge_passed,
    counted at the reservoir, can change sign)."""
    scale = max(abs(frame["li_deposited"]), abs(frame["charge_passed"]) / FARADAY, 1e-300)
    return float(abs(frame["li_balance_error"]) / scale)


def _attrs(run: Run, params: Params, reason: str) -> dict:
    s, c = run.setup, run.c
    d = params.dendrite
    return {
        "fipy_solver_suite": SOLVER_SUITE,
        "solvers": ("Newton on (xi, mu, psi) coupled; GMRES preconditioned by a kept SuperLU factorisation "
                    "(renewed when GMRES needs > 8 iterations)"),
        "initial_ions": s.initial_ions, "linearised_mobility": int(s.linearised_mobility),
        "control": (f"current: mean plating current held at {s.target_current_A_m2:g} A/m2 by the collector potential"
                    if s.target_current_A_m2 is not None else f"potential: collector at {d.applied_potential_V:g} V"),
        "grid_yx": list(s.shape), "cell_size_m": s.spacing * M_PER_UM,
        "width_m": s.shape[0] * s.spacing * M_PER_UM, "length_m": s.shape[1] * s.spacing * M_PER_UM,
        "anisotropy_strength": c.anisotropy_strength, "anisotropy_source": s.anisotropy_source,
        "initial_roughness_source": s.roughness_source, "surface_kinetics_source": s.surface_kinetics_source,
        "local_current_source": (f"coating.h5: the current plating on top of the coating ({s.target_current_A_m2:g} A/m2 mean)"
                                 if d.local_current_source == "coating" else
                                 "dendrite.local_current_profile" if d.local_current_profile is not None else
                                 f"electrode: log-normal, CV {params.electrode.cv:g}"),
        "current_density_ratio_cv": float(np.std(s.modulation)),
        "final_deposit_m": run.deposit() * M_PER_UM, "stop_reason": reason,
        "final_li_balance_relative_error": _relative_balance_error(run.last),
    }


# ----------------------------------------------------------------------- pipeline hooks

def prepare(params: Params) -> None:
    """Checks that need no upstream file (:func:`.params.check`)."""
    check(params)
    return None


def write(ctx, prepared) -> None:
    params = ctx.params
    kmc = ctx.inputs.get("kmc")
    handoff = coupling.read_kmc_handoff(kmc) if kmc is not None else None
    on_top = coupling.on_top_current(ctx.inputs["coating"]) if params.dendrite.local_current_source == "coating" else None
    run = Run(setup_from(params, handoff, on_top))
    (ny, nx), d = run.setup.shape, params.dendrite
    ctx.log.info("dendrite: %d x %d cells of %.4g um (dendrite.width_um = %g -> %.4g um, dendrite.length_um = %g -> %.4g um)",
                 ny, nx, run.setup.spacing, d.width_um, ny * run.setup.spacing, d.length_um, nx * run.setup.spacing)
    with CheckpointedRun(ctx, series_groups(run), params.dendrite.checkpoint_interval_s) as runner:
        try:
            stop = runner.run(run, len(run.setup.record_times))
        except Diverged as exc:
            failed = ctx.run_dir / "dendrite.diverged.npz"  # not a checkpoint: a rerun starts afresh
            save_checkpoint(failed, run.state(), {"cache_key": ctx.attrs["stage_cache_key"], "records": run.records})
            runner.abandon()
            raise UserError(f"dendrite: the phase-field run diverged at t = {run.system.time:.4g} s ({exc}); the last "
                            f"good state is in {failed}. Lower the current density or the VLCD, or refine the grid "
                            "(dendrite.cells_per_interface_width)") from None
        stop, short = checked_reason(stop, run.deposit(), run.setup.stop_deposit)
        if short:
            ctx.log.warning("dendrite: %s", stop)
        runner.writer.write_dataset(static_dataset(run))
        attrs = _attrs(run, params, str(stop))
        runner.commit(attrs)
    last = run.last
    ctx.log.info("dendrite: %s; t = %.4g s, deposit %.3g um, dendrite length %.3g um, Li balance error %.2g",
                 stop, last["time"], run.deposit(), last["dendrite_length"] / M_PER_UM, attrs["final_li_balance_relative_error"])
