"""The ground floor of the parameter models: the strict table base, shared helpers and the
``[electrode]`` table (operating conditions that every stage reads).

Units are part of every key name (``temperature_K``, ``current_density_mA_cm2``); values are
converted to SI where the stages use them, never here. Validation is strict: an int is accepted
where a float is expected, nothing else is coerced (``"1.0"`` is not a number, ``true`` is not a
number, ``inf``/``nan`` are refused). Each stage's own table lives in its package
(``multiscale/<stage>/params.py``); :mod:`multiscale.params` assembles them into one file model.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

PositiveFloat = Annotated[float, Field(gt=0)]


class Table(BaseModel):
    """Base of every parameter table: frozen, strict, no unknown keys, finite numbers."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, use_attribute_docstrings=True
    )


def changed(table: BaseModel, key: str) -> bool:
    """True when ``table.key`` differs from the key's default (a key "set": a run's own params.toml,
    written in full, reloads the same within a version: a file of an earlier version holds that
    version's defaults, which read as set where a default has changed since)."""
    return getattr(table, key) != type(table).model_fields[key].default


@dataclass(frozen=True)
class Unread:
    """A key that a run does not read, and why (declared by the rule that knows it: the electrode's,
    the cycling table's, a stage's ``unread``). Set (:func:`changed`), the key is refused with
    :meth:`message`; at its default, ``check`` prints it with :attr:`reason` beside it (a key left
    unset, None, as a comment after its table's keys).

    Attributes
    ----------
    table : str
        The table that holds the key (``"kmc"``).
    key : str
        The key (``"stop_thickness_ML"``).
    reason : str
        Why this run does not read it, as one clause.
    remedy : str
        What to do when it is set.
    """

    table: str
    key: str
    reason: str
    remedy: str = "remove it"

    @property
    def dotted(self) -> str:
        """``table.key``."""
        return f"{self.table}.{self.key}"

    def message(self) -> str:
        """The refusal: ``table.key: reason; remedy``."""
        return f"{self.dotted}: {self.reason}; {self.remedy}"

    def is_set(self, params) -> bool:
        """Whether ``params`` (a whole run's) sets the key (:func:`changed`)."""
        return changed(getattr(params, self.table), self.key)

    @classmethod
    def each(cls, table: str, keys: tuple[str, ...], reason: str, remedy: str = "remove it") -> list[Unread]:
        """One per key of ``keys`` in ``table``, for one reason."""
        return [cls(table, key, reason, remedy) for key in keys]


def resolve_data_path(value: str, info: ValidationInfo) -> str:
    """Resolve a data-file path relative to the parameter file's directory; it must exist."""
    base = Path((info.context or {}).get("base_dir", "."))
    path = (base / value).expanduser().resolve()
    if not path.is_file():
        raise ValueError(f"data file not found: {path}")
    return str(path)


def did_you_mean(word: str, choices) -> str:
    """"; did you mean 'x'?" for the closest of ``choices``, or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


#: The electrode's Butler-Volmer keys, and the stage keys that would restate them (refused with a
#: message naming the electrode key: one electrode, one set of kinetics).
KINETICS_KEYS = ("exchange_current_density_mA_cm2", "anodic_transfer_coefficient", "cathodic_transfer_coefficient")
RESTATED_KEYS = {f"{table}.{key}": f"electrode.{key}" for table in ("kmc", "dendrite") for key in KINETICS_KEYS}
#: The keys of ``vlcd_field = "hotspots"``.
HOTSPOT_KEYS = ("hotspot_count", "hotspot_radius_nm", "hotspot_current_fraction")


class ElectrodeParams(Table):
    """Operating conditions of the electrode: temperature, local current density, Li/Li+ kinetics.

    The local current density j(x, y) has mean ``current_density_mA_cm2`` and a spread given
    either as a coefficient of variation ``vlcd_cv`` or as the variance of the local current
    density ``vlcd_mA2_cm4`` = (CV * mean)^2 (seed 004's VLCD); give at most one of the two.
    """

    temperature_K: float = Field(gt=0, le=454.0)
    """Bath temperature, K. Solid Li only: Li melts at 454 K (seed 004)."""
    current_density_mA_cm2: float = Field(gt=0, le=1000.0)
    """Mean (applied) current density, mA/cm^2."""
    vlcd_cv: float | None = Field(default=None, ge=0, le=10.0)
    """Coefficient of variation of the local current density, dimensionless (default 0)."""
    vlcd_mA2_cm4: float | None = Field(default=None, ge=0)
    """Variance of the local current density (VLCD), (mA/cm^2)^2; alternative to ``vlcd_cv``."""
    vlcd_correlation_length_nm: float = Field(default=10.0, gt=0)
    """Correlation length of the local current density field, nm."""
    vlcd_field: Literal["lognormal", "hotspots"] = "lognormal"
    """Shape of the local current density: a log-normal random field, or a few hotspots (seed
    004's localized sources) on a uniform background."""
    hotspot_count: int = Field(default=1, ge=1, le=64)
    """Number of hotspots, placed on a regular grid over the electrode (``vlcd_field = "hotspots"``)."""
    hotspot_radius_nm: float = Field(default=1.5, gt=0)
    """Hotspot radius, nm."""
    hotspot_current_fraction: float = Field(default=0.9, ge=0, le=1)
    """Fraction of the total current that flows through the hotspots."""
    exchange_current_density_mA_cm2: float = Field(default=1.0, gt=0)
    """i0 of Li/Li+ at the bulk salt concentration, mA/cm^2: the Butler-Volmer kinetics of every
    stage that transfers charge (the phase field; the kMC while cycling), which plate and strip the
    same electrode (in the kMC a kink atom dissolves as often as ions are reduced on a column,
    i0 a^2 / e, at zero overpotential: docs/models.md §4.8). An assumption (docs/models.md §5.1),
    the order of Chen et al. 2015's 1.1 mA/cm^2; its temperature dependence is not modelled."""
    anodic_transfer_coefficient: float = Field(default=0.5, gt=0, lt=1)
    """alpha_a of Butler-Volmer: dissolution goes as exp(alpha_a e eta / k_B T), and the phase
    field's i0 as c^alpha_a."""
    cathodic_transfer_coefficient: float = Field(default=0.5, gt=0, lt=1)
    """alpha_c of Butler-Volmer: reduction goes as exp(-alpha_c e eta / k_B T)."""

    @model_validator(mode="after")
    def _one_spread(self):
        if self.vlcd_cv is not None and self.vlcd_mA2_cm4 is not None:
            raise ValueError("give vlcd_cv or vlcd_mA2_cm4, not both")
        if self.vlcd_field == "hotspots" and (self.vlcd_cv is not None or self.vlcd_mA2_cm4 is not None):
            raise ValueError("vlcd_cv / vlcd_mA2_cm4 describe the log-normal field; with vlcd_field = \"hotspots\" "
                             "the spread follows from hotspot_count, hotspot_radius_nm and hotspot_current_fraction")
        return self

    def unread(self, tables: set[str], reads_kinetics: bool) -> list[Unread]:
        """Keys of this table that a run with the stage ``tables`` does not read: the Butler-Volmer
        keys when no stage of it transfers charge (``reads_kinetics`` False), the hotspots' keys
        with the log-normal field, the log-normal field's length without the kMC (its only reader:
        the phase field and the coating have their own, in um) or with hotspots."""
        found = [] if reads_kinetics else Unread.each(
            "electrode", KINETICS_KEYS, "no stage of this run transfers charge by Butler-Volmer (the [dendrite] stage "
            "does, the [kmc] stage while cycling)", "remove the key")
        if self.vlcd_field == "lognormal":
            found += Unread.each("electrode", HOTSPOT_KEYS, "describes vlcd_field = \"hotspots\"")
        if self.vlcd_field == "hotspots":
            found.append(Unread("electrode", "vlcd_correlation_length_nm", "describes vlcd_field = \"lognormal\""))
        elif "kmc" not in tables:
            found.append(Unread("electrode", "vlcd_correlation_length_nm",
                                "read by the [kmc] stage only (the phase field's and the coating's are "
                                "dendrite.vlcd_correlation_length_um and coating.vlcd_correlation_length_um)"))
        return found

    @property
    def cv(self) -> float:
        """Coefficient of variation of the local current density, dimensionless."""
        if self.vlcd_mA2_cm4 is not None:
            return math.sqrt(self.vlcd_mA2_cm4) / self.current_density_mA_cm2
        return 0.0 if self.vlcd_cv is None else self.vlcd_cv


class CyclingParams(Table):
    """Plating-stripping cycles (galvanostatic), for the stages that can strip (the kMC and the phase field).

    Each cycle plates a fixed charge at ``plating_current_density_mA_cm2``, rests ``rest_s``,
    strips at ``stripping_current_density_mA_cm2`` until the cut-off, and rests again. The
    Coulombic efficiency of a cycle is the charge stripped over the charge plated in it. The
    electrode starts bare (Li on an inert collector, as in a Li||Cu cell), so what is not stripped
    is Li left on the electrode: live (strippable in the next cycle) or dead.
    """

    cycles: int = Field(default=3, ge=1, le=1000)
    """Plating-stripping cycles."""
    plating_current_density_mA_cm2: float | None = Field(default=None, gt=0, le=1000.0)
    """Mean plating current density, mA/cm^2 (default electrode.current_density_mA_cm2); the local
    current keeps the electrode's VLCD field."""
    stripping_current_density_mA_cm2: float | None = Field(default=None, gt=0, le=1000.0)
    """Stripping current density, mA/cm^2 (default: the plating current density)."""
    kmc_capacity_ML: float = Field(default=10.0, gt=0)
    """kMC charge plated per half-cycle, monolayers (atoms per column): 10 monolayers are
    5.7e-4 mAh/cm^2 (1 mAh/cm^2 is ~17 400 monolayers of the kMC lattice)."""
    dendrite_capacity_mAh_cm2: float = Field(default=1.0, gt=0, le=10.0)
    """Phase-field charge plated per half-cycle, mAh/cm^2 (1 mAh/cm^2 is 4.85 um of dense Li). The
    phase field's electrode is a Li reservoir (docs/models.md §5.4): it strips the cycle's plated
    charge, or less at the potential cut-off."""
    rest_s: float = Field(default=0.0, ge=0)
    """Rest (open circuit) after each half-cycle, s: surface diffusion only."""
    strip_cutoff: Literal["potential", "capacity"] = "potential"
    """End of a stripping half-cycle: the overpotential exceeds ``strip_cutoff_mV`` (kMC: every live Li
    atom that can be stripped is gone; phase field: the electrode's potential against the Li
    counter electrode, or at the latest the cycle's plated charge), or a fraction
    ``strip_cutoff_fraction`` of the charge plated in the cycle is stripped (whichever comes first:
    nothing left to strip also ends it)."""
    strip_cutoff_mV: float = Field(default=500.0, gt=0, le=5000.0)
    """Potential at which stripping stops, mV (``strip_cutoff = "potential"``; an assumption, the order
    of a Li||Cu cell's upper cut-off): in the kMC the electrode's overpotential, in the phase field
    the electrode's potential against the Li counter electrode (the electrolyte's drops included)."""
    strip_cutoff_fraction: float = Field(default=1.0, gt=0, le=1.0)
    """Fraction of the cycle's plated charge at which stripping stops (``strip_cutoff = "capacity"``)."""
    records_per_half_cycle: int = Field(default=5, ge=1, le=1000)
    """Records per plating half-cycle; stripping records every same charge."""

    def unread(self, tables: set[str]) -> list[Unread]:
        """Keys of this table that a run with the stage ``tables`` does not read: the cut-off key the
        other cut-off does not use, a stage's capacity without that stage."""
        other = {"potential": "strip_cutoff_fraction", "capacity": "strip_cutoff_mV"}[self.strip_cutoff]
        found = [Unread("cycling", other, f"not used with cycling.strip_cutoff = \"{self.strip_cutoff}\"")]
        for key, table in (("kmc_capacity_ML", "kmc"), ("dendrite_capacity_mAh_cm2", "dendrite")):
            if table not in tables:
                found.append(Unread("cycling", key, f"used only by the [{table}] stage, which this run does not have"))
        return found

    def plating_mA_cm2(self, electrode: ElectrodeParams) -> float:
        """Plating current density, mA/cm^2."""
        return self.plating_current_density_mA_cm2 or electrode.current_density_mA_cm2

    def stripping_mA_cm2(self, electrode: ElectrodeParams) -> float:
        """Stripping current density, mA/cm^2."""
        return self.stripping_current_density_mA_cm2 or self.plating_mA_cm2(electrode)
