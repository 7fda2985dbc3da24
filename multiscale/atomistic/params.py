"""The ``[atomistic]`` table: MD results as parameters, curated or fitted to the user's MD data."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from ..materials import COATING_MATERIALS
from ..tables import PositiveFloat, Table, did_you_mean, resolve_data_path

class MsdSource(Table):
    """Mean-squared-displacement data from the user's own MD, at several temperatures.

    Each file is either a CSV table with columns ``temperature_K``, a time column
    (``time_fs``, ``time_ps``, ``time_ns`` or ``time_s``) and an MSD column (``msd_A2``,
    ``msd_nm2`` or ``msd_m2``), or a LAMMPS ``log.lammps`` whose thermo output has ``Temp`` and
    an MSD column (a ``compute msd`` total, e.g. ``c_msd[4]``).
    """

    files: tuple[str, ...] = Field(min_length=1)
    """Data files (paths relative to the parameter file)."""
    dimensions: Literal[1, 2, 3]
    """Dimensionality d of the diffusion in D = slope / (2 d): 2 for surface, 3 for bulk."""
    fit_start_fraction: float = Field(default=0.2, ge=0, lt=1)
    """Fraction of each MSD series (by time) skipped before the linear fit (ballistic regime)."""
    lammps_msd_column: str | None = None
    """Thermo column holding the MSD in LAMMPS logs (default: the ``c_*msd*[4]`` column)."""

    @field_validator("files")
    @classmethod
    def _files_exist(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return tuple(resolve_data_path(v, info) for v in value)


class AtomisticParams(Table):
    """MD results turned into parameters: curated seed values, or fits to the user's MD data."""

    temperatures_K: tuple[PositiveFloat, ...] = Field(
        default=(250.0, 275.0, 300.0, 325.0, 350.0, 375.0, 400.0, 425.0, 450.0), min_length=1
    )
    """Temperatures at which D_surface and D_bulk are tabulated for the downstream stages, K."""
    bulk_activation_energy_eV: float = Field(default=0.55, gt=0, le=3.0)
    """Activation energy of bulk Li self-diffusion for the curated Arrhenius law, eV
    (literature value, not from the seeds; see docs/models.md)."""
    surface_to_bulk_diffusivity_ratio: float = Field(default=1000.0, gt=1.0)
    """D_surface / D_bulk of the curated surface law at ``surface_ratio_temperature_K`` (seed 004:
    'nearly three orders of magnitude', DeePMD, 50-450 K)."""
    surface_ratio_temperature_K: float = Field(default=450.0, gt=0, le=454.0)
    """Temperature at which the curated surface law has that ratio, K: the top of seed 004's MD
    range, where ns MD resolves bulk Li diffusion (docs/models.md §3.2)."""
    surface_attempt_frequency_Hz: float = Field(default=7.17e12, gt=0)
    """Attempt frequency nu of the curated adatom law, D0_surface = nu Omega^(2/3), Hz; default
    k_B theta_D / h with Li's Debye temperature theta_D = 344 K (docs/models.md §3.2)."""
    incubation_time_critical_ns: float = Field(default=1.0, gt=0)
    """Curated DOPT incubation time at the critical ensemble size, ns (seed 000: 'order of ns')."""
    incubation_size_exponent: float = Field(default=4.0, gt=0)
    """Exponent p of the curated incubation law tau = tau_c (N*/N)^p for N >= N*."""
    surface_msd: MsdSource | None = None
    """User MD data for surface Li; replaces the curated surface diffusivity when given."""
    bulk_msd: MsdSource | None = None
    """User MD data for bulk Li; replaces the curated bulk diffusivity when given."""
    dopt_table: str | None = None
    """CSV with columns ``ensemble_size``, ``bcc_fraction`` [, ``incubation_time_ns``]; replaces
    the curated DOPT curve when given."""
    coating_materials: tuple[str, ...] = COATING_MATERIALS
    """Coating materials (seed 002 Table I) written to the ``coatings`` group."""

    @field_validator("temperatures_K")
    @classmethod
    def _increasing(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError("temperatures must be strictly increasing")
        return value

    @field_validator("dopt_table")
    @classmethod
    def _dopt_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else resolve_data_path(value, info)

    @field_validator("coating_materials")
    @classmethod
    def _known_materials(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in COATING_MATERIALS:
                raise ValueError(f"unknown coating material {name!r}{did_you_mean(name, COATING_MATERIALS)}")
        if len(set(value)) != len(value):
            raise ValueError("a coating material is listed twice")
        return value
