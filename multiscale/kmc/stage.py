"""The kMC stage: reads ``atomistic.h5``, deposits Li under the VLCD field, writes ``kmc.h5``.

Output (SI):

``/`` (root)
    Coordinates ``time`` (s), ``y``, ``x`` (m). Series: ``roughness_Ra``, ``roughness_Rmax``,
    ``roughness_sigma`` (m, seed 000 Fig. 6), ``porosity``, ``crystalline_fraction``,
    ``deposited_atoms``, ``atoms_on_lattice``, ``charge_passed`` (C), ``events_deposit``,
    ``events_hop``, ``events_fall``, ``events_step``, ``height(time, y, x)`` (m). Static: ``current_density(y, x)``
    (A/m^2); with local heating ``top_temperature(y, x)`` (K). Attributes: lattice, rates, the
    acceleration ``hop_rate_scale`` and its setting, the local heating law.
``final``
    ``phase(z, y, x)`` (0 empty, 1 glassy, 2 crystalline, 3 substrate) and ``occupancy`` (0/1).
``ensembles``
    Glassy ensemble size distribution over time: ``count(time, ensemble_size)`` on logarithmic
    size bins (``ensemble_size`` = lower bin edge, atoms), ``n_ensembles``, ``largest_ensemble``.
``handoff``
    For the phase-field stage, of the final deposit (a cycling run: the deposit after cycle 1's
    plating, attribute ``deposit``): ``roughness_sigma`` and ``correlation_length`` (m),
    ``crystalline_fraction``, and the local growth rate vs local current density
    (``growth_rate(current_density_bin)``, m/s, with the Faraday expectation j a^3 / e).
``surface_kinetics``
    No-flux relaxation of sinusoidal profiles at the run temperature: ``wavelength``,
    ``decay_rate`` per run and the handed-over law ``mullins_B`` (m^4/s) and
    ``relaxation_exponent`` with their standard errors (:mod:`.relaxation`).

The declared schema is :data:`multiscale.kmc.outputs.SCHEMA`. Records are taken at whole-deposit
boundaries and streamed to the file by :class:`multiscale.runner.CheckpointedRun`; a run resumed
from a checkpoint (written at a record, every ``checkpoint_interval_s`` of wall time) ends
bit-identical to an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..atomistic.outputs import (
    ATOMIC_VOLUME,
    D0_BULK,
    D0_SURFACE,
    DOPT,
    EA_BULK,
    EA_SURFACE,
)
from ..constants import A_M2_PER_MA_CM2, ELEMENTARY_CHARGE, M_PER_NM, V_PER_MV
from ..errors import UserError
from ..fields import (
    hotspot_centres,
    hotspot_field,
    lognormal_field,
    periodic_distance_squared,
)
from ..params import Params
from ..runner import CheckpointedRun, SeriesGroup, Stop, StopReason, finite_mean
from ..stage import read_handoffs
from ..streams import Stream, stream_seed
from . import _kernels as k
from . import model
from .dopt import DoptLaw, nucleate
from .engine import Engine, KmcState
from .observables import (
    correlation_length,
    crystalline_fraction,
    deposit_morphology,
    glassy_ensembles,
    height_map,
    porosity,
    roughness,
)
from .cycling import CyclingRun, CyclingSetup
from .dissolution import butler_volmer_factors, column_exchange_rate, dissolution_table, strip_floor
from .outputs import CYCLING_SCALARS, DEAD_FLAG, SCHEMA
from .relaxation import (
    AMPLITUDE_SITES,
    FILM_LAYERS,
    FIT_FLOOR,
    SEEDS_PER_WAVELENGTH,
    WAVELENGTHS_SITES,
    WIDTH_COLUMNS,
    fit_mullins,
    mullins_b_analytic,
    relax,
)
from .params import check, hop_acceleration, lattice_shape

#: Lower edges of the ensemble size bins, atoms (logarithmic, 1 .. 2^20).
ENSEMBLE_BINS = 2 ** np.arange(21)


@dataclass(frozen=True)
class Setup:
    """Everything a kMC run needs, derived from the parameters and ``atomistic.h5`` (SI)."""

    spacing_m: float
    shape: tuple[int, int, int]
    temperature_K: float
    current_density: np.ndarray  # (ny, nx), A/m^2
    energetics: model.HopEnergetics
    hop_rate_scale: float
    hop_table: np.ndarray  # (4, 7), 1/s, scaled (attempt rates, lifted by exp(bond_lift n))
    bond_lift: float  # lambda g of the bond-lift scaling at the acceleration's reference temperature (0: none)
    ballistic: bool
    deposits_per_record: int
    stop_deposits: int | None
    stop_time_s: float
    stop_events: int | None
    kmc_seed: int
    relaxation_seed: int
    dopt: DoptLaw | None
    epitaxy: float
    hotspots: tuple[tuple[int, int], ...]  # (y, x) column of each hotspot centre; empty for log-normal
    hotspot_search_radius: float  # columns
    heating: model.LocalHeating | None  # None: every site at the bath temperature
    cycling: CyclingSetup | None = None  # None: plating only

    @property
    def deposition_rate(self) -> np.ndarray:
        return model.deposition_rates(self.current_density, self.spacing_m)

    @property
    def uphill_acceptance(self) -> np.ndarray:
        """Acceptance of a move that loses dn bonds, float64[7] indexed by dn (``model.uphill_acceptance``)."""
        return model.uphill_acceptance(self.bond_lift)

    @property
    def step_factor(self) -> float:
        """exp(-E_ES / k_B T): a step move over an edge relative to a hop of the same atom."""
        return self.energetics.step_factor(self.temperature_K)


@dataclass(frozen=True)
class AtomisticInputs:
    """What the kMC reads from ``atomistic.h5`` (its declared handoffs; SI, energies in eV)."""

    atomic_volume_m3: float
    D0_surface: float
    Ea_surface: float
    D0_bulk: float
    Ea_bulk: float
    dopt: xr.Dataset

    @classmethod
    def read(cls, path) -> AtomisticInputs:
        *scalars, dopt = read_handoffs(path, (ATOMIC_VOLUME, D0_SURFACE, EA_SURFACE, D0_BULK, EA_BULK, DOPT))
        return cls(*(float(value) for value in scalars), dopt)

    @property
    def spacing_m(self) -> float:
        """Lattice spacing a = Omega^(1/3), m: one site per atomic volume."""
        return self.atomic_volume_m3 ** (1.0 / 3.0)


def setup_from(params: Params, inputs: AtomisticInputs) -> Setup:
    """Derive the kMC setup; the random field and the kMC stream get independent seeds.

    The energetics come from the Arrhenius laws alone, the same at every run temperature."""
    p, e = params.kmc, params.electrode
    a = inputs.spacing_m
    nz, n, _ = lattice_shape(p, a)
    T = e.temperature_K
    try:
        energetics = model.energetics_from_arrhenius(inputs.D0_surface, inputs.Ea_surface, inputs.D0_bulk, inputs.Ea_bulk, a,
                                                     p.glassy_barrier_reduction_eV, p.schwoebel_barrier_eV)
    except ValueError as exc:
        raise UserError(f"kmc: the atomistic diffusion laws give no lattice gas: {exc}") from None
    field_seed, kmc_seed, relaxation_seed = (stream_seed(params.seed, st) for st in (
        Stream.KMC_CURRENT_FIELD, Stream.KMC_EVENTS, Stream.KMC_RELAXATION))
    cycling = params.cycling
    mean_j = (e.current_density_mA_cm2 if cycling is None else cycling.plating_mA_cm2(e)) * A_M2_PER_MA_CM2
    centres: list[tuple[float, float]] = []
    if e.vlcd_field == "hotspots":
        centres = hotspot_centres(e.hotspot_count, n * a, n * a)
        j = hotspot_field((n, n), a, mean_j, centres, e.hotspot_radius_nm * M_PER_NM, e.hotspot_current_fraction)
    else:
        j = lognormal_field((n, n), a, mean_j, e.cv, e.vlcd_correlation_length_nm * M_PER_NM, field_seed)
    per_side = int(np.ceil(np.sqrt(max(len(centres), 1))))
    # acceleration at the reference conditions, the same factor for every run of a scan
    t_ref = p.acceleration_reference_temperature_K
    try:  # at the reference temperature, as s: one factor per move for every run of a scan
        lift = model.bond_lift(energetics, t_ref, p.hop_scaling_lambda)
    except ValueError as exc:
        raise UserError(f"kmc.hop_scaling_lambda: {exc}") from None
    reference_table = model.rate_table(energetics, t_ref, lift=lift)
    reference_flux = float(model.deposition_rates(p.acceleration_reference_current_density_mA_cm2 * A_M2_PER_MA_CM2, a))
    scale = model.hop_rate_scale(reference_table, reference_flux, hop_acceleration(params))
    per_column = n * n
    deposits_per_record = max(1, int(round(p.record_interval_ML * per_column)))
    if cycling is not None:
        deposits_per_record = max(1, int(round(cycling.kmc_capacity_ML * per_column / cycling.records_per_half_cycle)))
    return Setup(
        spacing_m=a, shape=(nz, n, n), temperature_K=T, current_density=j, energetics=energetics,
        hop_rate_scale=scale, hop_table=model.rate_table(energetics, T, scale, lift), bond_lift=lift,
        ballistic=p.arrival == "ballistic",
        deposits_per_record=deposits_per_record,
        stop_deposits=None if p.stop_thickness_ML is None or cycling else int(round(p.stop_thickness_ML * per_column)),
        stop_time_s=np.inf if p.stop_time_s is None or cycling else p.stop_time_s,
        stop_events=None if cycling else p.stop_events, kmc_seed=kmc_seed, relaxation_seed=relaxation_seed,
        dopt=DoptLaw.from_atomistic(inputs.dopt, p.dopt_time_scale, p.dopt_packing_exponent,
                                    p.dopt_reference_current_density_mA_cm2 * A_M2_PER_MA_CM2) if p.dopt else None,
        epitaxy=p.epitaxy_probability,
        hotspots=tuple((int(round(cy / a - 0.5)), int(round(cx / a - 0.5))) for cx, cy in centres),
        hotspot_search_radius=0.5 * n / per_side,
        heating=None if p.heating_top_rise_K == 0 else model.LocalHeating(
            T, model.heating_rise(j, p.heating_top_rise_K, p.heating_reference_current_density_mA_cm2 * A_M2_PER_MA_CM2),
            p.heating_length_nm * M_PER_NM / a, energetics),
        cycling=None if cycling is None else cycling_setup(params, energetics, a, per_column),
    )


def cycling_setup(params: Params, energetics: model.HopEnergetics, spacing_m: float, columns: int) -> CyclingSetup:
    """The ``[cycling]`` protocol on the lattice (docs/models.md §4.8)."""
    c, p, e = params.cycling, params.kmc, params.electrode
    strip_rate = columns * column_exchange_rate(c.stripping_mA_cm2(e) * A_M2_PER_MA_CM2, spacing_m)
    exchange_rate = columns * column_exchange_rate(e.exchange_current_density_mA_cm2 * A_M2_PER_MA_CM2, spacing_m)
    alphas = (e.anodic_transfer_coefficient, e.cathodic_transfer_coefficient)
    potential = c.strip_cutoff == "potential"
    cutoff_V = c.strip_cutoff_mV * V_PER_MV
    return CyclingSetup(
        cycles=c.cycles, plate_atoms=max(1, int(round(c.kmc_capacity_ML * columns))), strip_rate=strip_rate,
        exchange_rate=exchange_rate,
        strip_floor=strip_floor(strip_rate, exchange_rate, cutoff_V, *alphas,
                                e.temperature_K) if potential else 0.0,
        strip_fraction=None if potential else c.strip_cutoff_fraction, rest_s=c.rest_s,
        dissolution=dissolution_table(energetics, e.temperature_K, e.exchange_current_density_mA_cm2 * A_M2_PER_MA_CM2,
                                      spacing_m),
        alpha_a=alphas[0], alpha_c=alphas[1],
        reversible=p.exchange == "reversible",
        plate_rate=columns * column_exchange_rate(c.plating_mA_cm2(e) * A_M2_PER_MA_CM2, spacing_m),
        cutoff_factor=butler_volmer_factors(cutoff_V, *alphas, e.temperature_K)[0] if potential else np.inf,
        revive_dead=p.dead_li == "revived_on_contact",
        sei_coated=p.dead_li == "sei_coated",
        narrow_gap=p.electronic_contact == "narrow_gap",
        refuse_stranding=p.stranding_moves == "refused",
        passivation_time_s=np.inf if p.sei_passivation_time_s is None else p.sei_passivation_time_s,
    )


def record(state: KmcState, setup: Setup, initial_atoms: int) -> dict:
    """Observables of the current state; checks that no atom was created or lost (the charge
    balance: initial + plated - stripped = live + dead Li, in atoms, exactly)."""
    deposited, dissolved = int(state.counts[k.EV_DEPOSIT]), int(state.counts[k.EV_DISSOLVE])
    on_lattice, dead = state.n_atoms, state.n_dead
    if on_lattice + dead != initial_atoms + deposited - dissolved:  # conservation is checked, not assumed
        raise RuntimeError(f"kmc mass balance violated: {on_lattice} live + {dead} dead atoms on the lattice, "
                           f"{initial_atoms} initial + {deposited} deposited - {dissolved} dissolved")
    h = height_map(state, setup.spacing_m)
    r = roughness(h)
    _, sizes = glassy_ensembles(state)
    hist = np.histogram(sizes, bins=np.append(ENSEMBLE_BINS, np.inf))[0]
    return {
        "time": float(state.clock[0]), "roughness_Ra": r.Ra, "roughness_Rmax": r.Rmax, "roughness_sigma": r.sigma,
        "porosity": porosity(state), "crystalline_fraction": crystalline_fraction(state),
        "deposited_atoms": deposited, "atoms_on_lattice": on_lattice, "charge_passed": deposited * ELEMENTARY_CHARGE,
        "events_deposit": deposited, "events_hop": int(state.counts[k.EV_HOP]), "events_fall": int(state.counts[k.EV_FALL]),
        "events_step": int(state.counts[k.EV_STEP]),
        "height": h, "ensemble_count": hist, "n_ensembles": int(sizes.size),
        "largest_ensemble": int(sizes.max()) if sizes.size else 0,
    }


#: Every array of the state: class member order matters for which atom a random number picks,
#: so a checkpoint keeps all of them (a rebuild from the occupancy would reorder the classes).
STATE_FIELDS = ("st", "top", "slot", "members", "class_start", "class_size", "mobile", "n_mobile", "tree", "mode",
                "rng", "clock", "counts", "dead_since")
_STOPS = {k.ST_TIME: StopReason.TIME, k.ST_FROZEN: StopReason.FROZEN}


class KmcRun:
    """The kMC as the runner's :class:`multiscale.runner.Integration`: records every
    ``deposits_per_record`` deposits until a stop condition."""

    def __init__(self, setup: Setup, initial_layers: int):
        self.setup = setup
        self.initial_layers = initial_layers
        self.initial_atoms = initial_layers * setup.shape[1] * setup.shape[2]
        self.lattice: KmcState | None = None
        self.last_record_time = 0.0

    def start(self) -> dict:
        self.lattice = KmcState.flat(self.setup.shape, self.setup.kmc_seed, layers=self.initial_layers)
        return self._record()

    def state(self) -> dict[str, np.ndarray]:
        return {name: getattr(self.lattice, name) for name in STATE_FIELDS}

    def restore(self, state: dict[str, np.ndarray], last: dict) -> None:
        self.lattice = KmcState(shape=self.setup.shape, **{name: state[name] for name in STATE_FIELDS})
        self.last_record_time = float(last["time"])

    def _record(self) -> dict:
        frame = record(self.lattice, self.setup, self.initial_atoms)
        self.last_record_time = frame["time"]
        return frame

    def advance(self, on_record) -> Stop:
        setup, state = self.setup, self.lattice
        engine = Engine(state, setup.hop_table, setup.deposition_rate, setup.ballistic, setup.epitaxy, setup.heating,
                        setup.step_factor, uphill_acceptance=setup.uphill_acceptance)
        while True:
            done = int(state.counts[k.EV_DEPOSIT])
            target = done + setup.deposits_per_record
            if setup.stop_deposits is not None:
                target = min(target, setup.stop_deposits)
            events_left = 2**62 if setup.stop_events is None else setup.stop_events - state.events
            status = engine.advance(max_events=max(events_left, 0), t_end=setup.stop_time_s, max_deposits=target)
            if status == k.ST_FULL:
                raise UserError("kmc: the deposit reached the top of the box; increase kmc.box_height_nm "
                                "(or lower kmc.stop_thickness_ML)")
            if setup.dopt is not None:
                nucleate(engine, setup.dopt, setup.current_density, float(state.clock[0]) - self.last_record_time)
            frame = self._record()
            stop = None
            if status in _STOPS:
                stop = Stop(_STOPS[status])
            elif setup.stop_events is not None and state.events >= setup.stop_events:
                stop = Stop(StopReason.EVENTS)
            elif setup.stop_deposits is not None and int(state.counts[k.EV_DEPOSIT]) >= setup.stop_deposits:
                stop = Stop(StopReason.THICKNESS)
            on_record(frame, stop is not None)
            if stop is not None:
                return stop


def _growth_vs_current(setup: Setup, heights: np.ndarray, t: float, bins: int = 8) -> xr.Dataset:
    """Mean growth rate of the columns in each local-current-density octile, m/s."""
    j = setup.current_density.ravel()
    h = heights.ravel()
    edges = np.quantile(j, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, j, side="right") - 1, 0, bins - 1)
    centre = np.array([j[which == b].mean() if np.any(which == b) else np.nan for b in range(bins)])
    rate = np.array([h[which == b].mean() / t if np.any(which == b) and t > 0 else np.nan for b in range(bins)])
    faraday = centre * setup.spacing_m**3 / ELEMENTARY_CHARGE
    return xr.Dataset(
        {"growth_rate": ("current_density_bin", rate, {"units": "m s-1", "long_name": "mean column growth rate"}),
         "growth_rate_faraday": ("current_density_bin", faraday, {"units": "m s-1", "long_name": "j a^3 / e (dense deposit)"})},
        coords={"current_density_bin": ("current_density_bin", centre, {"units": "A m-2", "long_name": "mean local current density of the octile"})},
    )


def series_groups(setup: Setup) -> dict[str | None, SeriesGroup]:
    """The series of ``kmc.h5`` (root and ``ensembles``, as declared), written as they are recorded;
    the cycling series only in a cycling run."""
    _, ny, nx = setup.shape
    a = setup.spacing_m
    skip = () if setup.cycling is not None else tuple(CYCLING_SCALARS)
    return {None: SeriesGroup.from_schema(SCHEMA.group("/"), {"y": np.arange(ny) * a, "x": np.arange(nx) * a}, skip=skip),
            "ensembles": SeriesGroup.from_schema(SCHEMA.group("ensembles"), {"ensemble_size": ENSEMBLE_BINS},
                                                 keys={"count": "ensemble_count"})}


def static_groups(setup: Setup, state: KmcState, deposit: dict, deposit_source: str) -> dict[str, xr.Dataset]:
    """The groups of ``kmc.h5`` written at the end, from the final state and, for ``handoff``, the
    record of the deposit handed to the phase field (``deposit``: the last record, or a cycling
    run's first plated deposit, :meth:`.cycling.CyclingRun.first_plated`), which
    ``deposit_source`` names."""
    nz, ny, nx = setup.shape
    a = setup.spacing_m
    coords = {"x": xr.DataArray(np.arange(nx) * a, dims="x", attrs={"units": "m"}),
              "y": xr.DataArray(np.arange(ny) * a, dims="y", attrs={"units": "m"})}
    heights = np.asarray(deposit["height"])
    phase = state.occupancy.copy()
    phase[1:][phase[1:] == k.DEAD] = DEAD_FLAG
    groups = {
        "/": xr.Dataset({"current_density": (("y", "x"), setup.current_density, {"units": "A m-2", "long_name": "local current density"})}),
        "final": xr.Dataset(
            {"phase": (("z", "y", "x"), phase, {"flag_values": [0, 1, 2, 3, 4], "flag_meanings": "empty glassy crystalline substrate dead_li"}),
             "occupancy": (("z", "y", "x"), (phase != model.EMPTY).astype(np.int8), {"units": "1"})},
            coords={"z": ("z", np.arange(nz) * a, {"units": "m"}), **coords},
        ),
        "handoff": xr.Dataset(
            {"roughness_sigma": ((), float(deposit["roughness_sigma"]), {"units": "m"}),
             "correlation_length": ((), correlation_length(heights, a), {"units": "m"}),
             "crystalline_fraction": ((), float(deposit["crystalline_fraction"]), {"units": "1"})},
            attrs={"deposit": deposit_source},
        ).merge(_growth_vs_current(setup, heights, float(deposit["time"]))),
    }
    groups["surface_kinetics"] = surface_kinetics_dataset(setup)
    if setup.hotspots:
        groups["morphology"] = morphology_dataset(setup, state)
    if setup.heating is not None:
        groups["/"]["top_temperature"] = (("y", "x"), setup.temperature_K + setup.heating.rise_K,
                                          {"units": "K", "long_name": "local heating: temperature at and above heating_length_nm"})
    return groups


def surface_kinetics_dataset(setup: Setup) -> xr.Dataset:
    """The ``surface_kinetics`` group: no-flux relaxation of sinusoidal profiles at the run
    temperature (unaccelerated), the fitted rate law and the analytic Mullins B (:mod:`.relaxation`)."""
    a, T = setup.spacing_m, setup.temperature_K
    runs = [(lam, i) for lam in WAVELENGTHS_SITES for i in range(SEEDS_PER_WAVELENGTH)]
    decays = [relax(setup.energetics, a, T, lam, setup.relaxation_seed + i) for lam, i in runs]
    try:
        fit = fit_mullins([d for d in decays if np.isfinite(d.rate_per_s)])
        law = (fit.B_m4_s, fit.B_stderr, fit.exponent, fit.exponent_stderr)
    except ValueError:  # the profiles did not decay within the event budget (a frozen surface)
        law = (np.nan,) * 4
    names = ("mullins_B", "mullins_B_stderr", "relaxation_exponent", "relaxation_exponent_stderr")
    units = ("m4 s-1", "m4 s-1", "1", "1")
    dim = "run"
    return xr.Dataset(
        {"wavelength": (dim, [d.wavelength_m for d in decays], {"units": "m"}),
         "decay_rate": (dim, [d.rate_per_s for d in decays], {"units": "s-1"}),
         "replica": (dim, np.array([i for _, i in runs], dtype=np.int64), {"units": "1"}),
         "temperature": ((), T, {"units": "K"}),
         **{n: ((), v, {"units": u}) for n, v, u in zip(names, law, units)},
         "mullins_B_analytic": ((), mullins_b_analytic(setup.energetics, a, T), {"units": "m4 s-1"})},
        coords={dim: (dim, np.arange(len(runs)))},
        attrs={"method": (f"film of {FILM_LAYERS} layers + {AMPLITUDE_SITES} cos(2 pi x / wavelength) sites, "
                          f"{WIDTH_COLUMNS} columns along y, no flux, unaccelerated rates at {T:g} K; amplitude of the "
                          f"y-averaged profile's mode fitted as exp(-r t) down to {FIT_FLOOR:g} of its start "
                          "(docs/models.md §4.7)")},
    )


def morphology_dataset(setup: Setup, state: KmcState) -> xr.Dataset:
    """Shape of the deposit on each hotspot; the background is the median column top elsewhere."""
    nz, ny, nx = setup.shape
    outside = np.ones((ny, nx), bool)
    for centre in setup.hotspots:
        outside &= periodic_distance_squared((ny, nx), centre) > setup.hotspot_search_radius**2
    tops = state.top.reshape(ny, nx)
    background = int(np.median(tops[outside])) if outside.any() else 0
    shapes = [deposit_morphology(state, c, setup.hotspot_search_radius, background, setup.spacing_m) for c in setup.hotspots]
    a = setup.spacing_m
    dim = "hotspot"
    return xr.Dataset(
        {
            "centre_x": (dim, [c[1] * a for c in setup.hotspots], {"units": "m"}),
            "centre_y": (dim, [c[0] * a for c in setup.hotspots], {"units": "m"}),
            "deposit_height": (dim, [s.height for s in shapes], {"units": "m", "long_name": "height above the background film"}),
            "bottom_width": (dim, [s.bottom_width for s in shapes], {"units": "m"}),
            "top_width": (dim, [s.top_width for s in shapes], {"units": "m"}),
            "aspect_ratio": (dim, [s.aspect_ratio for s in shapes], {"units": "1"}),
            "shape": (dim, np.array([s.shape for s in shapes], dtype=object)),
            "background_height": ((), background * a, {"units": "m"}),
        },
        coords={dim: (dim, np.arange(len(shapes)))},
        attrs={"rule": "mushroom if top width > 1.2 x bottom width; else needle if height > 1.5 x bottom width; "
                       "else hemisphere (docs/models.md §4.4)"},
    )


def _attrs(setup: Setup, params: Params, reason: str, cycling: xr.Dataset | None = None) -> dict:
    en = setup.energetics
    rate = hop_acceleration(params)
    return {
        "lattice": "simple cubic, periodic in x and y, substrate at z = 0",
        "lattice_spacing_m": setup.spacing_m, "lattice_shape_zyx": list(setup.shape),
        "lateral_size_m": setup.shape[2] * setup.spacing_m, "box_height_m": (setup.shape[0] - 1) * setup.spacing_m,
        "deposits_per_record": setup.deposits_per_record, "stop_deposits": setup.stop_deposits,
        "current_density_cv": float(setup.current_density.std() / setup.current_density.mean()),
        "arrival": params.kmc.arrival, "temperature_K": setup.temperature_K,
        "attempt_frequency_Hz": en.attempt_frequency_Hz, "E_hop_crystal_eV": en.E_hop_crystal_eV,
        "E_hop_glassy_eV": en.E_hop_glassy_eV, "E_bond_eV": en.E_bond_eV, "S_bond_kB": en.S_bond_kB,
        "schwoebel_barrier_eV": en.E_ES_eV, "vacancy_fraction": en.vacancy_fraction(setup.temperature_K),
        "hop_rate_scale": setup.hop_rate_scale, "max_hop_to_deposition": rate,
        "hop_scaling_lambda": params.kmc.hop_scaling_lambda, "bond_lift": setup.bond_lift,
        "acceleration": (f"all hop rates x {setup.hop_rate_scale:.6g}: the fastest hop is {rate:g} x the "
                         f"deposition rate at {params.kmc.acceleration_reference_current_density_mA_cm2:g} mA/cm2 and "
                         f"{params.kmc.acceleration_reference_temperature_K:g} K" + _lift_text(setup.bond_lift)),
        "stop_reason": reason,
        "local_heating": "off" if setup.heating is None else (
            f"T = T_bath + {params.kmc.heating_top_rise_K:g} K x j / {params.kmc.heating_reference_current_density_mA_cm2:g} "
            f"mA/cm2 x min(z / {params.kmc.heating_length_nm:g} nm, 1); hottest site {setup.temperature_K + setup.heating.rise_K.max():.1f} K"),
        "dopt": (f"on: N* = {setup.dopt.critical_size:g}, S = {setup.dopt.time_scale:g}, beta = {setup.dopt.packing_exponent:g}, "
                 f"j_ref = {setup.dopt.reference_current:g} A/m2, epitaxy {setup.epitaxy:g}") if setup.dopt else "off",
        **(_cycling_attrs(setup, params, cycling) if cycling is not None else {}),
    }


def _lift_text(lift: float) -> str:
    """The bond-lift scaling in the acceleration attribute ("" when off)."""
    return "" if lift == 0 else (f"; and a move from n_i to n_f bonds x exp({lift:.4g} min(n_i, n_f)) (bond lift; "
                                 f"moves that lose bonds accepted with exp(-{lift:.4g} (n_i - n_f)))")


def _passivation(p) -> str:
    """The passivation clock in the cycling attribute ("" when none runs)."""
    return "" if p.sei_passivation_time_s is None else f" within {p.sei_passivation_time_s:g} s of being cut off"


#: How the cycling attribute names each ``kmc.dead_li`` rule.
_DEAD_LI = {"stays_dead": "stays dead", "revived_on_contact": "revived on contact",
            "sei_coated": "stays dead, SEI-coated (binds no Li)"}


#: How the cycling attribute names each ``kmc.electronic_contact`` rule ("" for the default).
_CONTACT = {"faces": "", "narrow_gap": ", joined to live Li across gaps of up to two lattice spacings"}


def _stranding(rule: str) -> str:
    """How the cycling attribute names the ``kmc.stranding_moves`` rule ("allowed" or "refused")."""
    return f"; moves that would leave an atom to fall where no Li path reaches {rule}"


def _cycling_attrs(setup: Setup, params: Params, cycling: xr.Dataset) -> dict:
    c, e = params.cycling, params.electrode
    cut = (f"overpotential > {c.strip_cutoff_mV:g} mV" if c.strip_cutoff == "potential"
           else f"{c.strip_cutoff_fraction:g} of the cycle's plated charge")
    return {
        "cycling": (f"{c.cycles} cycles: plate {setup.cycling.plate_atoms} atoms ({c.kmc_capacity_ML:g} ML) at "
                    f"{c.plating_mA_cm2(e):g} mA/cm2, rest {c.rest_s:g} s, strip at {c.stripping_mA_cm2(e):g} mA/cm2 "
                    f"until {cut}, rest {c.rest_s:g} s; i0 = {e.exchange_current_density_mA_cm2:g} mA/cm2, "
                    f"alpha_a = {e.anodic_transfer_coefficient:g}, alpha_c = {e.cathodic_transfer_coefficient:g}; "
                    f"{params.kmc.exchange.replace('_', '-')} exchange; cut-off Li {_DEAD_LI[params.kmc.dead_li]}"
                    f"{_passivation(params.kmc)}{_CONTACT[params.kmc.electronic_contact]}"
                    f"{_stranding(params.kmc.stranding_moves)} (docs/models.md §4.8)"),
        "mean_coulombic_efficiency": finite_mean(cycling["coulombic_efficiency"].values),
        "mean_dead_fraction": finite_mean(cycling["dead_fraction"].values),
        "mean_roughness_sigma_plated": finite_mean(cycling["roughness_sigma_plated"].values),
        "mean_crystalline_fraction_plated": finite_mean(cycling["crystalline_fraction_plated"].values),
    }


def _handed_deposit(sim, last: dict) -> tuple[dict, str]:
    """The record ``handoff`` is made of, and the sentence naming it: a cycling run's deposit after
    cycle 1's plating (its last record is usually of a stripped electrode: no live Li to give a
    crystalline fraction, the dead Li's tops for a roughness), else the last record (a run that
    stopped before cycle 1's plating was complete)."""
    plated = sim.first_plated() if isinstance(sim, CyclingRun) else None
    if plated is None:
        return last, "the last record"
    return plated, "cycle 1's plated deposit (the cycling run's later records strip it and plate again)"


# ----------------------------------------------------------------------- pipeline hooks


def prepare(params: Params) -> None:
    """Checks that need no upstream file (:func:`.params.check`)."""
    check(params)
    return None


def write(ctx, prepared) -> None:
    params = ctx.params
    setup = setup_from(params, AtomisticInputs.read(ctx.inputs["atomistic"]))
    nz, ny, nx = setup.shape
    ctx.log.info("kmc: lattice %d x %d columns x %d layers of %.4g nm (kmc.lateral_size_nm = %g -> %.4g nm, "
                 "kmc.box_height_nm = %g -> %.4g nm); a record every %d deposits", nx, ny, nz, setup.spacing_m / M_PER_NM,
                 params.kmc.lateral_size_nm, nx * setup.spacing_m / M_PER_NM, params.kmc.box_height_nm,
                 (nz - 1) * setup.spacing_m / M_PER_NM, setup.deposits_per_record)
    run = KmcRun(setup, params.kmc.initial_crystal_layers)
    sim = run if setup.cycling is None else CyclingRun(run)
    total = setup.stop_deposits // setup.deposits_per_record + 1 if setup.stop_deposits else 0
    if setup.cycling is not None:  # records: plating and stripping (about as many), the rests
        total = setup.cycling.cycles * (2 * params.cycling.records_per_half_cycle + 2 * (setup.cycling.rest_s > 0)) + 1
    with CheckpointedRun(ctx, series_groups(setup), params.kmc.checkpoint_interval_s) as runner:
        stop = runner.run(sim, total)
        groups = static_groups(setup, run.lattice, *_handed_deposit(sim, runner.last))
        cycling = None if setup.cycling is None else sim.dataset(setup.spacing_m)
        if cycling is not None:
            groups["cycling"] = cycling
        for group, ds in groups.items():
            runner.writer.write_dataset(ds, None if group == "/" else group)
        runner.commit(_attrs(setup, params, str(stop), cycling))
    state = run.lattice
    ctx.log.info("kmc: %s; %d deposits, %d dissolutions, %d hops, %d step moves, %d dead atoms; hop rates x %.3g",
                 stop, state.counts[k.EV_DEPOSIT], state.counts[k.EV_DISSOLVE], state.counts[k.EV_HOP],
                 state.counts[k.EV_STEP], state.n_dead, setup.hop_rate_scale)
