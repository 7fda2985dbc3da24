"""The atomistic stage: MD results -> ``atomistic.h5``, the parameters the kMC stage reads.

Output groups (all SI; activation energies in eV):

``/`` (root)
    Li scalars: ``lattice_constant``, ``nearest_neighbour_distance``, ``atomic_volume`` (m, m^3),
    ``density`` (kg/m^3), ``melting_point_model``, ``melting_point_experiment`` (K).
``diffusion``
    Coordinate ``temperature`` (K, from ``atomistic.temperatures_K``); ``D_surface``, ``D_bulk``
    (m^2/s) from Arrhenius laws whose parameters ``D0_*`` (m^2/s), ``Ea_*`` (eV) and standard
    errors are variables too. When the user gives MD data, the per-temperature MD values are
    kept on ``md_temperature_surface`` / ``md_temperature_bulk`` with their errors.
``dopt``
    Coordinate ``ensemble_size`` (atoms); ``bcc_fraction``, ``incubation_time`` (s, ``inf`` below
    the critical size); scalars ``critical_ensemble_size``, ``transition_width``.
``coatings``
    Coordinate ``material``; ``D_min``, ``D_max`` (m^2/s), ``temperature`` (K), ``method``, ``reference``.
``records``
    Every curated number (:mod:`.database`) with units, uncertainty, source and conditions.

Curated defaults (documented in docs/models.md): bulk D from the NMR value at 298 K (seed 002
Table I) with an assumed activation energy; adatom (surface) D with a Debye-frequency prefactor
and the activation energy that gives seed 004's ratio ~10^3 at 450 K; DOPT curve a logistic step at N* = 700 atoms (seed 000) of width
``CURATED_DOPT_WIDTH`` and incubation time tau_c (N*/N)^p.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..constants import AVOGADRO, K_B_EV, LI_ATOMIC_VOLUME, LI_LATTICE_CONSTANT, LI_MOLAR_MASS
from ..errors import DataFileError, UserError
from ..params import Params
from .params import AtomisticParams, MsdSource
from ..materials import coating
from . import database as db
from .fits import (
    ArrheniusFit,
    arrhenius,
    diffusion_coefficient,
    fit_arrhenius,
    fit_dopt_curve,
    incubation_time_model,
    logistic_fraction,
)
from .readers import read_dopt_csv, read_msd_file

#: Width w of the curated logistic DOPT step, atoms: puts f(600) < 2 % and f(800) > 98 %, the
#: reading of seed 000 ("< 700 remain glassy; 700 either; > 700 bcc"). An assumption.
CURATED_DOPT_WIDTH = 25.0
#: Ensemble sizes of the curated DOPT table: the range seed 000 studied, atoms.
CURATED_DOPT_SIZES = np.arange(500.0, 1501.0, 50.0)
T_REF_K = 298.15

NOT_A_FIT = "curated value, not a fit: no standard error"


def curated_bulk_law(params: AtomisticParams) -> ArrheniusFit:
    """Bulk Li self-diffusion: D(298.15 K) from seed 002 Table I (NMR), Ea from the parameters."""
    ea = params.bulk_activation_energy_eV
    d0 = db.record("D_bulk_298K_nmr").value * np.exp(ea / (K_B_EV * T_REF_K))
    return ArrheniusFit(float(d0), np.nan, ea, np.nan, np.nan, np.nan)


def curated_surface_law(params: AtomisticParams, bulk: ArrheniusFit) -> ArrheniusFit:
    """Li adatom diffusion with its own Arrhenius law (docs/models.md §3.2).

    D0_surface = nu Omega^(2/3) (hops of one interatomic spacing at the attempt frequency nu on a
    square net, D = nu l^2); Ea_surface puts D_surface / D_bulk at the seed-004 ratio r at the
    reference temperature T_r: Ea_surface = Ea_bulk - k_B T_r ln(r D0_bulk / D0_surface).
    """
    d0 = params.surface_attempt_frequency_Hz * LI_ATOMIC_VOLUME ** (2.0 / 3.0)
    kt = K_B_EV * params.surface_ratio_temperature_K
    ea = bulk.Ea_eV - kt * np.log(params.surface_to_bulk_diffusivity_ratio * bulk.D0 / d0)
    if ea <= 0:
        raise UserError(f"atomistic.surface_to_bulk_diffusivity_ratio: a ratio of {params.surface_to_bulk_diffusivity_ratio:g} at "
                            f"{params.surface_ratio_temperature_K:g} K needs a surface activation energy <= 0 ({ea:.3g} eV)")
    return ArrheniusFit(float(d0), np.nan, float(ea), np.nan, np.nan, np.nan)


def fit_msd_source(source: MsdSource, key: str) -> tuple[ArrheniusFit, np.ndarray, np.ndarray, np.ndarray]:
    """Arrhenius fit of the user's MSD files; returns (fit, T, D, D_stderr) of the MD points."""
    series = [s for path in source.files for s in read_msd_file(path, source.lammps_msd_column)]
    temps, ds, errs = [], [], []
    for s in series:
        try:
            d, err = diffusion_coefficient(s.time, s.msd, source.dimensions, source.fit_start_fraction)
        except ValueError as exc:
            raise DataFileError(f"{s.source}: {key}: {s.temperature_K:g} K: {exc}") from None
        temps.append(s.temperature_K)
        ds.append(d)
        errs.append(err)
    order = np.argsort(temps)
    T, D, E = (np.asarray(a)[order] for a in (temps, ds, errs))
    if np.unique(T).size != T.size:
        raise DataFileError(f"{key}.files: temperature given twice ({', '.join(source.files)})")
    try:
        fit = fit_arrhenius(T, D, E)
    except ValueError as exc:
        raise DataFileError(f"{key}.files: {exc} ({', '.join(source.files)})") from None
    return fit, T, D, E


def _law_vars(prefix: str, fit: ArrheniusFit, curated: bool) -> dict[str, xr.Variable]:
    note = {"comment": NOT_A_FIT} if curated else {}
    return {
        f"D0_{prefix}": xr.Variable((), fit.D0, {"units": "m2 s-1", "long_name": f"{prefix} Arrhenius prefactor"}),
        f"D0_{prefix}_stderr": xr.Variable((), fit.D0_stderr, {"units": "m2 s-1", **note}),
        f"Ea_{prefix}": xr.Variable((), fit.Ea_eV, {"units": "eV", "long_name": f"{prefix} activation energy"}),
        f"Ea_{prefix}_stderr": xr.Variable((), fit.Ea_eV_stderr, {"units": "eV", **note}),
        f"D0_Ea_{prefix}_correlation": xr.Variable((), fit.correlation, {"units": "1", **note}),
    }


def diffusion_dataset(params: AtomisticParams) -> xr.Dataset:
    """The ``diffusion`` group: D_surface and D_bulk on the temperature grid, with their laws."""
    bulk = curated_bulk_law(params)
    laws = {"bulk": (bulk, None), "surface": (curated_surface_law(params, bulk), None)}
    for prefix, source in (("bulk", params.bulk_msd), ("surface", params.surface_msd)):
        if source is not None:
            fit, T, D, E = fit_msd_source(source, f"atomistic.{prefix}_msd")
            laws[prefix] = (fit, (T, D, E, source))
    temps = np.asarray(params.temperatures_K, dtype=float)
    ds = xr.Dataset(coords={"temperature": ("temperature", temps, {"units": "K", "standard_name": "temperature"})})
    for prefix, (fit, md) in laws.items():
        ds[f"D_{prefix}"] = ("temperature", arrhenius(temps, fit.D0, fit.Ea_eV),
                             {"units": "m2 s-1", "long_name": f"Li {prefix} tracer diffusion coefficient"})
        for name, var in _law_vars(prefix, fit, md is None).items():
            ds[name] = var
        if md is None:
            ds.attrs[f"{prefix}_source"] = (
                "curated: D(298.15 K) = 7.65e-11 cm2/s, seed 002 Table I (NMR); "
                f"Ea = {bulk.Ea_eV} eV (assumption, see docs/models.md)"
                if prefix == "bulk"
                else (f"curated adatom law: D0 = {params.surface_attempt_frequency_Hz:.4g} Hz x Omega^(2/3); Ea such that "
                      f"D_surface / D_bulk = {params.surface_to_bulk_diffusivity_ratio:g} at {params.surface_ratio_temperature_K:g} K "
                      "(seed 004, Fig. S24 text; see docs/models.md)")
            )
        else:
            T, D, E, source = md
            dim = f"md_temperature_{prefix}"
            ds = ds.assign_coords({dim: (dim, T, {"units": "K"})})
            ds[f"D_{prefix}_md"] = (dim, D, {"units": "m2 s-1", "long_name": "D = slope/(2d) of the MD MSD"})
            ds[f"D_{prefix}_md_stderr"] = (dim, E, {"units": "m2 s-1"})
            ds.attrs[f"{prefix}_source"] = f"Arrhenius fit (d = {source.dimensions}) of {', '.join(source.files)}"
            ds[f"reduced_chi2_{prefix}"] = xr.Variable((), fit.reduced_chi2, {"units": "1"})
    ds["D_ratio_surface_bulk"] = ds["D_surface"] / ds["D_bulk"]
    ds["D_ratio_surface_bulk"].attrs = {"units": "1"}
    return ds


def dopt_dataset(params: AtomisticParams) -> xr.Dataset:
    """The ``dopt`` group: bcc fraction and incubation time vs ensemble size, critical size."""
    tau_c = params.incubation_time_critical_ns * 1e-9
    p = params.incubation_size_exponent
    if params.dopt_table is None:
        sizes = CURATED_DOPT_SIZES
        n_c = db.record("critical_ensemble_size").value
        width, f_max, n_c_err = CURATED_DOPT_WIDTH, 1.0, np.nan
        fraction = logistic_fraction(sizes, n_c, width, f_max)
        incubation = incubation_time_model(sizes, n_c, tau_c, p)
        source = ("curated model of seed 000 (Fig. 2b-d text): logistic step at N* = 700 atoms, "
                  f"width {width:g}; incubation tau_c (N*/N)^p, tau_c = {tau_c:g} s, p = {p:g}; not digitised data")
        extra = {}
    else:
        table = read_dopt_csv(params.dopt_table)
        try:
            fit = fit_dopt_curve(table.ensemble_size, table.bcc_fraction)
        except ValueError as exc:
            raise DataFileError(f"{params.dopt_table}: atomistic.dopt_table: {exc}") from None
        sizes, fraction = table.ensemble_size, table.bcc_fraction
        n_c, width, f_max, n_c_err = fit.critical_size, fit.width, fit.f_max, fit.critical_size_stderr
        incubation = table.incubation_time if table.incubation_time is not None else incubation_time_model(sizes, n_c, tau_c, p)
        source = f"logistic fit to {params.dopt_table}"
        extra = {"bcc_fraction_fit": ("ensemble_size", logistic_fraction(sizes, n_c, width, f_max), {"units": "1"})}
    ds = xr.Dataset(
        {
            "bcc_fraction": ("ensemble_size", fraction, {"units": "1", "long_name": "fraction of atoms in bcc order"}),
            "incubation_time": ("ensemble_size", incubation, {"units": "s", "long_name": "incubation time to the DOPT"}),
            "critical_ensemble_size": ((), n_c, {"units": "1", "long_name": "critical ensemble size N* of the DOPT"}),
            "critical_ensemble_size_stderr": ((), n_c_err, {"units": "1"}),
            "transition_width": ((), width, {"units": "1", "long_name": "logistic width w of the DOPT step, atoms"}),
            "bcc_fraction_max": ((), f_max, {"units": "1"}),
            **extra,
        },
        coords={"ensemble_size": ("ensemble_size", np.asarray(sizes, dtype=float), {"units": "1", "long_name": "atoms per ensemble"})},
        attrs={"source": source},
    )
    return ds


def coatings_dataset(params: AtomisticParams) -> xr.Dataset:
    """The ``coatings`` group: Li diffusivity ranges of seed 002 Table I."""
    entries = [coating(name) for name in params.coating_materials]
    dim = "material"
    return xr.Dataset(
        {
            "D_min": (dim, [e.D_min for e in entries], {"units": "m2 s-1", "long_name": "lower Li diffusivity"}),
            "D_max": (dim, [e.D_max for e in entries], {"units": "m2 s-1", "long_name": "upper Li diffusivity"}),
            "temperature": (dim, [e.temperature_K for e in entries], {"units": "K"}),
            "method": (dim, np.array([e.method for e in entries], dtype=object)),
            "reference": (dim, np.array([e.reference for e in entries], dtype=object)),
        },
        coords={dim: (dim, np.array([e.material for e in entries], dtype=object))},
    )


def records_dataset() -> xr.Dataset:
    """The ``records`` group: every curated number with its provenance."""
    recs = db.RECORDS
    text = {f: (("record",), np.array([getattr(r, f) for r in recs], dtype=object)) for f in ("units", "uncertainty", "source", "conditions")}
    return xr.Dataset(
        {"value": ("record", [r.value for r in recs]), **text},
        coords={"record": ("record", np.array([r.name for r in recs], dtype=object))},
    )


def root_dataset() -> xr.Dataset:
    """Li lattice and material scalars (bcc)."""
    a = LI_LATTICE_CONSTANT
    atomic_volume = LI_ATOMIC_VOLUME
    return xr.Dataset(
        {
            "lattice_constant": ((), a, {"units": "m", "long_name": "bcc Li lattice constant"}),
            "nearest_neighbour_distance": ((), a * np.sqrt(3) / 2, {"units": "m"}),
            "atomic_volume": ((), atomic_volume, {"units": "m3"}),
            "density": ((), LI_MOLAR_MASS / AVOGADRO / atomic_volume, {"units": "kg m-3"}),
            "melting_point_model": ((), db.record("melting_point_model").value, {"units": "K"}),
            "melting_point_experiment": ((), db.record("melting_point_experiment").value, {"units": "K"}),
        },
        attrs={"title": "multiscale atomistic stage: MD results as model parameters"},
    )


def build_datasets(params: AtomisticParams) -> dict[str, xr.Dataset]:
    """Every group of ``atomistic.h5`` (pure: reads only the user's data files).

    Returns
    -------
    dict
        Group path (``"/"`` for the root) -> dataset.

    Raises
    ------
    DataFileError
        When a user data file cannot be read or fitted.
    """
    return {
        "/": root_dataset(),
        "diffusion": diffusion_dataset(params),
        "dopt": dopt_dataset(params),
        "coatings": coatings_dataset(params),
        "records": records_dataset(),
    }


# ----------------------------------------------------------------------- pipeline hooks


def data_files(params: Params) -> list[str]:
    """User data files whose content enters the cache key."""
    a = params.atomistic
    files = [f for src in (a.surface_msd, a.bulk_msd) if src is not None for f in src.files]
    return files + ([a.dopt_table] if a.dopt_table else [])


def prepare(params: Params) -> dict[str, xr.Dataset]:
    """Everything the stage computes, before anything is written (errors here write nothing)."""
    return build_datasets(params.atomistic)


def write(ctx, prepared: dict[str, xr.Dataset]) -> None:
    """Write the prepared groups to ``atomistic.h5``."""
    with ctx.writer() as writer:
        for group, ds in prepared.items():
            writer.write_dataset(ds, None if group == "/" else group)
