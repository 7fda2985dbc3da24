"""The dendrite stage: reads ``atomistic.h5`` (and ``kmc.h5`` when the kMC ran), plates Li in 2D
from a binary electrolyte under a heterogeneous exchange current, writes ``dendrite.h5``.

The model is the smoothed-boundary phase field of :mod:`.sbm` (docs/models.md §5.1). From the
chain (:mod:`multiscale.coupling`): the surface-diffusion coefficient B (the kMC's measured
Mullins law, else the atomistic D_surface(T)), the initial front's roughness and the anisotropy
(kMC). The electrode's temperature sets RT/F, the electrolyte's transport and B. With
``local_current_source = "coating"`` the current that plates on top of the coating (its last
record) sets the run's current and its i0(y) profile (docs/models.md §7).

The declared schema is :data:`multiscale.dendrite.outputs.SCHEMA`. Records are taken at fixed
times and streamed to the file by :class:`multiscale.runner.CheckpointedRun`; the kept
factorisation is dropped at every record, so a run resumed from a checkpoint (written at a
record) repeats the uninterrupted run's arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from .. import coupling
from ..constants import A_M2_PER_MA_CM2, C_M2_PER_MAH_CM2, FARADAY, M_PER_UM, V_PER_MV
from ..errors import UserError
from ..fields import lognormal_profile, standard_profile
from ..io import save_checkpoint
from ..params import Params
from ..runner import CheckpointedRun, SeriesGroup, Stop, StopReason, finite_mean
from ..streams import Stream, stream_seed
from .cycling import CyclingRun, CyclingSetup
from .electrolyte import Electrolyte, constant_from
from .newton import DivergenceError
from .outputs import CYCLING_SERIES, SCHEMA
from .params import DEPLETION_FRACTION, FRONT_MARGIN_WIDTHS, check, grid, spacing_x
from .reinitialise import RebuildError
from .sbm import LENGTH_SCALE_M, Cell, ElectrodepositionSystem, SbmNumerics, logistic_profile


@dataclass(frozen=True)
class Setup:
    """Everything a dendrite run needs (lengths in um, the model's unit; times in s)."""

    cell: Cell
    spacing_x: np.ndarray  # (nx,) um
    ny: int
    spacing_y: float  # um
    band: tuple[float, float]  # um: the fine band
    modulation: np.ndarray  # (ny,) i0(y) / i0, mean 1
    initial_front: np.ndarray  # (ny,) um
    current_A_m2: float  # galvanostatic; 0 under potentiostatic control (the system's first guess is its own)
    counter_potential_V: float | None  # potentiostatic: the counter electrode's electrolyte potential vs the metal
    capacity_C_m2: float  # stop when this charge has passed (inf: no such stop)
    stop_time: float  # s
    end_reason: Stop
    record_times: np.ndarray  # s
    numerics: SbmNumerics
    sources: dict  # attribute name -> sentence: where each chain input came from
    cycling: CyclingSetup | None = None  # None: plating only

    @property
    def width(self) -> float:
        return self.ny * self.spacing_y


def _resample(profile: np.ndarray, offset: float, ny: int) -> np.ndarray:
    """A periodic profile given at (i + offset) / n of the electrode, interpolated to ny cell centres, mean 1."""
    profile = np.asarray(profile, dtype=float)
    source = (np.arange(profile.size) + offset) / profile.size
    values = np.interp((np.arange(ny) + 0.5) / ny, source, profile, period=1.0)
    return values / values.mean()


def _reference_points(width_um: float, correlation_um: float) -> int:
    """Points of the random profiles along the electrode: 16 per correlation length, whatever the
    grid, so that a finer grid (or a narrower interface) sees the same field."""
    return max(8, int(round(16 * width_um / correlation_um)))


def vlcd_profile(width_um: float, correlation_um: float, cv: float, seed: int, ny: int) -> np.ndarray:
    """i0(y) / mean(i0) at ny cell centres: a log-normal field of CV ``cv`` drawn on
    :func:`_reference_points` and interpolated (mean 1)."""
    n = _reference_points(width_um, correlation_um)
    return _resample(lognormal_profile(n, width_um / n * M_PER_UM, cv, correlation_um * M_PER_UM, seed), 0.5, ny)


def modulation_from(params: Params, ny: int, seed: int, on_top: np.ndarray | None = None) -> np.ndarray:
    """i0(y) / mean(i0) on the grid: the coating's on-top current profile (``local_current_source =
    "coating"``), the explicit profile, else a log-normal field of the electrode's CV (drawn on
    :func:`_reference_points` and interpolated)."""
    d, e = params.dendrite, params.electrode
    if d.local_current_source == "coating":
        return _resample(on_top, 0.5, ny)  # the coating's cell centres
    if d.local_current_profile is not None:
        return _resample(d.local_current_profile, 0.0, ny)
    return vlcd_profile(d.width_um, d.vlcd_correlation_length_um, e.cv, seed, ny)


def setup_from(params: Params, handoff: coupling.KmcHandoff | None, atomistic_path, on_top: np.ndarray | None = None) -> Setup:
    """The run's setup; ``on_top``: the coating's on-top current density profile (A/m^2), needed with
    ``local_current_source = "coating"``."""
    d, e = params.dendrite, params.electrode
    h, ny, band_cells = grid(d)
    T = e.temperature_K
    modulation_seed, roughness_seed = (stream_seed(params.seed, st) for st in (Stream.DENDRITE_CURRENT_PROFILE,
                                                                             Stream.DENDRITE_INITIAL_FRONT))
    roughness, roughness_source = coupling.initial_roughness(d, handoff)
    delta, anisotropy_source = coupling.anisotropy(d, handoff)
    b, b_source = coupling.surface_diffusion(handoff, atomistic_path, T, d.interface_energy_J_m2)
    band = band_cells * h
    x_spacings = spacing_x(d)
    front = np.full(ny, band / 2)
    if roughness > 0:
        n = _reference_points(d.width_um, d.vlcd_correlation_length_um)
        profile = standard_profile(n, d.width_um / n * M_PER_UM, d.vlcd_correlation_length_um * M_PER_UM, roughness_seed)
        front = front + roughness * np.interp((np.arange(ny) + 0.5) / ny, (np.arange(n) + 0.5) / n, profile, period=1.0)
    electrolyte = Electrolyte()
    if d.electrolyte == "constant":
        electrolyte = constant_from(electrolyte, d.bulk_concentration_mol_m3, T)
    cell = Cell(electrolyte=electrolyte, temperature_K=T, bulk_concentration_mol_m3=d.bulk_concentration_mol_m3,
                exchange_current_density_A_m2=e.exchange_current_density_mA_cm2 * A_M2_PER_MA_CM2,
                anodic_transfer_coefficient=e.anodic_transfer_coefficient,
                cathodic_transfer_coefficient=e.cathodic_transfer_coefficient,
                interface_energy_J_m2=d.interface_energy_J_m2, surface_diffusion_B_m4_s=b,
                anisotropy_strength=delta, anisotropy_mode=d.anisotropy_mode)
    potential = None if d.cell_voltage_mV is None else -d.cell_voltage_mV * V_PER_MV
    if d.control == "potentiostatic":
        current = 0.0
    elif d.local_current_source == "coating":
        current = float(np.mean(on_top))
    else:
        current = (e.current_density_mA_cm2 if d.current_density_mA_cm2 is None else d.current_density_mA_cm2) * A_M2_PER_MA_CM2
    capacity = math.inf if d.deposited_capacity_mAh_cm2 is None else d.deposited_capacity_mAh_cm2 * C_M2_PER_MAH_CM2
    stop_time, end_reason = (math.inf if d.stop_time_s is None else d.stop_time_s), Stop(StopReason.TIME)
    cycling = None if params.cycling is None else cycling_setup(params)
    if cycling is not None:  # the protocol sets the current and ends the run
        current, stop_time, end_reason = cycling.plating_A_m2, math.inf, Stop(StopReason.CYCLES)
    elif potential is None and capacity / current < stop_time:
        stop_time, end_reason = capacity / current, Stop(StopReason.FARADAY_TIME)
    local = ("coating.h5: the current plating on top of the coating" if d.local_current_source == "coating" else
             "dendrite.local_current_profile" if d.local_current_profile is not None else
             f"electrode: log-normal, CV {e.cv:g}, correlation length {d.vlcd_correlation_length_um:g} um")
    return Setup(
        cell=cell, spacing_x=x_spacings, ny=ny, spacing_y=h, band=(0.0, band),
        modulation=modulation_from(params, ny, modulation_seed, on_top), initial_front=front, current_A_m2=current,
        counter_potential_V=potential, capacity_C_m2=capacity if potential is not None else math.inf, stop_time=stop_time, end_reason=end_reason,
        record_times=np.linspace(0.0, stop_time, d.records + 1)[1:] if cycling is None else np.zeros(0),
        numerics=SbmNumerics(interface_width=d.interface_width_um, profile_mobility=d.profile_mobility_um2_s,
                             reinitialise_steepness=d.reinitialise_steepness or math.inf,
                             dt_initial=min(0.1, d.max_time_step_s),
                             dt_max=d.max_time_step_s, moving_frame=cycling is None),
        sources={"surface_diffusion_source": b_source, "anisotropy_source": anisotropy_source,
                 "initial_roughness_source": roughness_source, "local_current_source": local},
        cycling=cycling)


def cycling_setup(params: Params) -> CyclingSetup:
    """The ``[cycling]`` protocol of the phase field (docs/models.md §5.4)."""
    c, e = params.cycling, params.electrode
    return CyclingSetup(
        cycles=c.cycles, plating_A_m2=c.plating_mA_cm2(e) * A_M2_PER_MA_CM2,
        stripping_A_m2=c.stripping_mA_cm2(e) * A_M2_PER_MA_CM2,
        capacity_C_m2=c.dendrite_capacity_mAh_cm2 * C_M2_PER_MAH_CM2,
        strip_fraction=c.strip_cutoff_fraction if c.strip_cutoff == "capacity" else 1.0,
        cutoff_V=c.strip_cutoff_mV * V_PER_MV if c.strip_cutoff == "potential" else None,
        rest_s=c.rest_s, records_per_half_cycle=c.records_per_half_cycle)


class _Stop(Exception):
    """Raised from the step callback to end the run with a reason (``args[0]``: a :class:`Stop`)."""


#: What a user can change when the time step collapses.
SAND_ADVICE = ("Above the limiting current the salt runs out at the front (Sand's time); lower the current density "
               "(or the cell voltage), or narrow dendrite.gap_um (the limiting current scales as 1 / gap)")
#: What a user can change when the profile's rebuild cannot conserve the metal.
REBUILD_ADVICE = ("psi left [0, 1] further than a rebuild can restore; rebuild earlier (dendrite.reinitialise_steepness "
                  "closer to 1) or hold the profile more strongly (a larger dendrite.profile_mobility_um2_s)")


class Diverged(RuntimeError):
    """The run cannot go on (``args``: what happened, and what a user can change); it keeps its
    last accepted state."""

    @property
    def advice(self) -> str:
        return self.args[1]


class Run:
    """The model plus the bookkeeping of one stage run: integrals, records, stop tests."""

    def __init__(self, setup: Setup):
        self.setup = setup
        self.system = ElectrodepositionSystem(setup.cell, setup.spacing_x, setup.ny, setup.spacing_y,
                                              setup.current_A_m2, exchange_modulation=setup.modulation,
                                              numerics=replace(setup.numerics),
                                              counter_potential_V=setup.counter_potential_V,
                                              track_dead=setup.cycling is not None)
        self.records = 0  # records made (the runner streams them to the file)
        self.last: dict = {}
        self.record_rows = np.zeros(setup.ny)  # front rows (um, in the window), time and window shift (um) at the last record
        self.record_time = 0.0
        self.record_shift = 0.0
        self.dissolved0 = 0.0

    # -- start and restart -----------------------------------------------------------------
    def start(self) -> dict:
        """Set the initial state; return the first record."""
        s = self.setup
        x = np.cumsum(s.spacing_x) - s.spacing_x / 2
        self.system.initialise(logistic_profile(x[None, :] - s.initial_front[:, None], s.numerics.interface_width))
        self.dissolved0 = self.system.dissolved_li()
        self.record_rows = self.system.front_rows()
        return self._record()

    def state(self) -> dict[str, np.ndarray | float | int]:
        system = self.system
        values = {"time": system.time, "dt": system.dt, "metal_start": system._metal_start, **system.totals(),
                  "dissolved0": self.dissolved0, "record_time": self.record_time, "record_shift": self.record_shift,
                  "records": self.records}
        return {**{f"system_{k}": v for k, v in system.state().items()}, **values, "record_rows": self.record_rows}

    def restore(self, state: dict[str, np.ndarray], last: dict) -> None:
        system = self.system
        system.set_state({k.removeprefix("system_"): v for k, v in state.items() if k.startswith("system_")})
        system.time, system.dt = float(state["time"]), float(state["dt"])
        system._metal_start = float(state["metal_start"])
        system.set_totals(state)
        system.mark_step_start()
        self.dissolved0, self.record_time = float(state["dissolved0"]), float(state["record_time"])
        self.record_shift = float(state["record_shift"])
        self.records = int(state["records"])
        self.record_rows = state["record_rows"]
        self.last = last

    # -- quantities ------------------------------------------------------------------------
    def deposit(self) -> float:
        """Mean plated thickness since the start, um (Li plated / area times Omega)."""
        return self.system.plated_li() * self.setup.cell.molar_volume_m3_mol / LENGTH_SCALE_M

    def _record(self) -> dict:
        system = self.system
        fields = system.fields()
        rows = system.front_rows()
        shift = system.displacement_um
        t = system.time
        interval = t - self.record_time
        tip = float(rows.max()) + shift
        tip_velocity = (tip - (float(self.record_rows.max()) + self.record_shift)) / interval if interval > 0 else math.nan
        self.record_rows, self.record_time, self.record_shift = rows, t, shift
        self.records += 1
        plated, dissolved = system.plated_li(), system.dissolved_li() - self.dissolved0
        charge = system.charge_C_m2
        local = system.local_current()
        self.last = {
            "time": t,
            "dendrite_length": float(np.ptp(rows)) * LENGTH_SCALE_M,
            "tip_position": tip * LENGTH_SCALE_M,
            "tip_velocity": tip_velocity * LENGTH_SCALE_M,
            "interface_length_ratio": system.interface_length_ratio(),
            "interface_roughness": float(np.std(rows)) * LENGTH_SCALE_M,
            "mean_current_density": float(np.mean(local)),
            "counter_potential": system.counter_potential(),
            "counter_current_density": system.current_A_m2,
            "charge_passed": charge, "li_deposited": plated, "dissolved_li_change": dissolved,
            "li_balance_error": charge / FARADAY - plated - dissolved,
            "min_concentration": float(fields["concentration"].min()),
            "max_concentration": float(fields["concentration"].max()),
            "local_current_density": local,
            "psi": fields["psi"].astype(np.float32),
            "concentration": fields["concentration"].astype(np.float32),
            "potential": fields["potential"].astype(np.float32),
        }
        return self.last

    # -- stepping ----------------------------------------------------------------------------
    def _on_step(self, system: ElectrodepositionSystem, dt: float) -> None:
        s = self.setup
        rows = system.front_rows()
        margin = FRONT_MARGIN_WIDTHS * s.numerics.interface_width
        if rows.max() > s.band[1] - margin or rows.min() < s.band[0] + margin:
            raise _Stop(Stop(StopReason.FAR_MARGIN, f"the front ({rows.min():.3g}-{rows.max():.3g} um in the window) "
                                                    f"left the fine band (dendrite.front_band_um = {s.band[1]:g} um)"))
        salt = system.value("c")[system.value("psi") >= 0.5]
        if salt.size and salt.min() < DEPLETION_FRACTION:
            raise _Stop(Stop(StopReason.DEPLETED, f"the salt ran out at the front in the step from t = "
                                                  f"{system.time - dt:.5g} to {system.time:.5g} s (below "
                                                  f"{DEPLETION_FRACTION:g} of the bulk concentration): Sand's time; "
                                                  "the model does not follow the growth beyond it"))
        if system.charge_C_m2 >= s.capacity_C_m2:
            raise _Stop(Stop(StopReason.CAPACITY, f"deposited capacity reached: {system.charge_C_m2 / C_M2_PER_MAH_CM2:.4g} "
                                                  "mAh/cm2 (dendrite.deposited_capacity_mAh_cm2)"))

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
                raise Diverged(str(exc), SAND_ADVICE) from None
            except RebuildError as exc:
                raise Diverged(str(exc), REBUILD_ADVICE) from None
            record = self._record()
            # a resumed run starts without the kept factorisation: start afresh here too, so a
            # checkpoint taken at this record resumes the same arithmetic
            self.system.refresh_preconditioner()
            if on_record is not None:
                on_record(record, i == len(remaining) - 1)
        return s.end_reason


# ----------------------------------------------------------------------- output

def series_groups(run: Run) -> dict[str | None, SeriesGroup]:
    """The series of ``dendrite.h5`` (the root group, as declared), written as they are recorded."""
    s = run.setup
    skip = () if s.cycling is not None else tuple(CYCLING_SERIES)
    return {None: SeriesGroup.from_schema(SCHEMA.group("/"), _coordinates(s), skip=skip)}


def _coordinates(s: Setup) -> dict[str, np.ndarray]:
    """Cell centres along y and x, m."""
    return {"y": (np.arange(s.ny) + 0.5) * s.spacing_y * M_PER_UM, "x": (np.cumsum(s.spacing_x) - s.spacing_x / 2) * M_PER_UM}


def static_dataset(run: Run) -> xr.Dataset:
    """The static profiles of ``dendrite.h5``."""
    s = run.setup
    return xr.Dataset(
        {"exchange_current_ratio": ("y", s.modulation, {"units": "1", "long_name": "i0(y) / mean i0"}),
         "initial_front": ("y", s.initial_front * M_PER_UM, {"units": "m"}),
         "cell_width": ("x", s.spacing_x * M_PER_UM, {"units": "m"})})


def _relative_balance_error(frame: dict, charge_C_m2: float | None = None) -> float:
    """|Li balance error| over charge / F: the net charge passed, or at least ``charge_C_m2`` (a
    cycling run: the charge plated plus stripped in its finished cycles, since the net charge returns
    to about 0; the net charge when none finished)."""
    charge = max(abs(frame["charge_passed"]), charge_C_m2 or 0.0)
    return float(abs(frame["li_balance_error"]) / max(charge / FARADAY, 1e-300))


def _attrs(run: Run, params: Params, reason: str, cycling: xr.Dataset | None = None) -> dict:
    s, cell = run.setup, run.setup.cell
    extra = {}
    if cycling is not None:
        c = s.cycling
        end = (f"the cycle's plated charge, or {c.cutoff_V:g} V against the Li counter electrode" if c.cutoff_V is not None
               else f"{c.strip_fraction:g} of the cycle's plated charge")
        extra = {"cycling": (f"{c.cycles} cycles in the lab frame: plate {c.capacity_C_m2 / C_M2_PER_MAH_CM2:g} mAh/cm2 at "
                             f"{c.plating_A_m2:g} A/m2, strip at {c.stripping_A_m2:g} A/m2 to {end}, rests {c.rest_s:g} s; "
                             "the metal behind the front is a Li reservoir; dead metal (cut off from x = 0) exchanges no current"),
                 "mean_coulombic_efficiency": finite_mean(cycling["coulombic_efficiency"].values),
                 "mean_dead_fraction": finite_mean(cycling["dead_fraction"].values)}
    return {
        "model": "smoothed-boundary phase field, binary electroneutral electrolyte (docs/models.md §5.1)",
        "solvers": ("Newton on (psi, c, Phi_l, K, lambda; and the current under potentiostatic control); complex-step "
                    "Jacobian by colour groups; GMRES with "
                    "complex-step products, preconditioned by the kept SuperLU factorisation of the Jacobian in nested-dissection order"),
        "control": (f"current: {s.current_A_m2:g} A/m2 entering at the Li counter electrode" if s.counter_potential_V is None
                    else f"potential: the electrolyte at the Li counter electrode held at {s.counter_potential_V:g} V vs "
                         "the plating metal (the cell voltage is minus this; the counter electrode's overpotential neglected)"),
        "grid_yx": [s.ny, s.spacing_x.size], "fine_cell_size_m": s.spacing_y * M_PER_UM,
        "width_m": s.width * M_PER_UM, "gap_m": params.dendrite.gap_um * M_PER_UM,
        "temperature_K": cell.temperature_K, "electrolyte": params.dendrite.electrolyte,
        "surface_diffusion_B": cell.surface_diffusion_B_m4_s, "anisotropy_strength": cell.anisotropy_strength,
        **s.sources, "exchange_current_ratio_cv": float(np.std(s.modulation)),
        "final_deposit_m": run.deposit() * M_PER_UM, "stop_reason": reason,
        "final_li_balance_relative_error": _relative_balance_error(
            run.last, None if cycling is None else float(np.nansum(cycling["charge_plated"]) + np.nansum(cycling["charge_stripped"]))),
        "li_molar_volume": cell.molar_volume_m3_mol, **extra,
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
    run = Run(setup_from(params, handoff, ctx.inputs["atomistic"], on_top))
    s, d = run.setup, params.dendrite
    control = (f"{s.current_A_m2:g} A/m2" if s.counter_potential_V is None else
               f"cell voltage {d.cell_voltage_mV:g} mV until {s.capacity_C_m2 / C_M2_PER_MAH_CM2:g} mAh/cm2 have passed or")
    span = f"for up to {s.stop_time:.4g} s" if s.cycling is None else f"{s.cycling.cycles} cycles (the [cycling] protocol)"
    ctx.log.info("dendrite: %d x %d cells (%.4g um fine, %g um of electrode, %g um gap), %s %s; B = %.3g m4/s",
                 s.ny, s.spacing_x.size, s.spacing_y, s.width, d.gap_um, control, span, s.cell.surface_diffusion_B_m4_s)
    sim = run if s.cycling is None else CyclingRun(run, s.cycling)
    with CheckpointedRun(ctx, series_groups(run), d.checkpoint_interval_s) as runner:
        try:
            stop = runner.run(sim, len(s.record_times) if s.cycling is None else s.cycling.record_count)
        except Diverged as exc:
            failed = ctx.run_dir / "dendrite.diverged.npz"  # not a checkpoint: a rerun starts afresh
            save_checkpoint(failed, sim.state(), {"cache_key": ctx.attrs["stage_cache_key"], "records": run.records})
            runner.abandon()
            raise UserError(f"dendrite: the phase-field run diverged at t = {run.system.time:.4g} s ({exc.args[0]}); "
                            f"the last good state is in {failed}. {exc.advice}") from None
        runner.writer.write_dataset(static_dataset(run))
        cycling = None
        if s.cycling is not None:
            coords = _coordinates(s)
            cycling = sim.dataset(coords["y"], coords["x"])
            runner.writer.write_dataset(cycling, "cycling")
        attrs = _attrs(run, params, str(stop), cycling)
        runner.commit(attrs)
    last = run.last
    if cycling is not None:
        ctx.log.info("dendrite: Coulombic efficiency %s, dead Li %s mol/m2 per cycle",
                     np.round(cycling["coulombic_efficiency"].values, 5), np.round(cycling["dead_li_formed"].values, 6))
    ctx.log.info("dendrite: %s; t = %.4g s, deposit %.3g um, dendrite length %.3g um, c in [%.0f, %.0f] mol/m3, "
                 "Li balance error %.2g", stop, last["time"], run.deposit(), last["dendrite_length"] / M_PER_UM,
                 last["min_concentration"], last["max_concentration"], attrs["final_li_balance_relative_error"])
