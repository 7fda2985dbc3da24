"""Readers for the MD data a user brings: MSD tables (CSV, LAMMPS logs) and DOPT tables (CSV).

All readers return SI arrays (time in s, MSD in m^2) and raise
:class:`multiscale.errors.DataFileError` naming the file (and line) for anything malformed.

CSV MSD table
    Header row with ``temperature_K``, one time column (``time_fs``, ``time_ps``, ``time_ns`` or
    ``time_s``) and one MSD column (``msd_A2``, ``msd_nm2`` or ``msd_m2``); one row per
    (temperature, time); several temperatures per file allowed. ``#`` starts a comment line.
LAMMPS log
    The thermo blocks of ``log.lammps`` (``thermo_style custom`` / one-line format). The block used
    is the last one that holds the MSD column; time is ``Time`` if printed, else
    (Step - first Step) x timestep, with ``units`` (metal, real or si) and ``timestep`` read from
    the echoed input (LAMMPS defaults when absent). Temperature is the mean of the ``Temp`` column.
DOPT table (CSV)
    ``ensemble_size``, ``bcc_fraction`` and optionally ``incubation_time_ns``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataFileError

TIME_UNITS = {"time_fs": 1e-15, "time_ps": 1e-12, "time_ns": 1e-9, "time_s": 1.0}
MSD_UNITS = {"msd_A2": 1e-20, "msd_nm2": 1e-18, "msd_m2": 1.0}
#: LAMMPS unit styles: (time unit in s, distance unit in m, default timestep in time units).
LAMMPS_UNITS = {"metal": (1e-12, 1e-10, 0.001), "real": (1e-15, 1e-10, 1.0), "si": (1.0, 1.0, 1e-8)}


@dataclass(frozen=True)
class MsdSeries:
    """Mean-squared displacement vs time of one MD run at one temperature.

    Attributes
    ----------
    temperature_K : float
        Temperature, K.
    time : ndarray, shape (n,)
        Time since the MSD reference configuration, s.
    msd : ndarray, shape (n,)
        Mean-squared displacement, m^2.
    source : str
        File it came from.
    """

    temperature_K: float
    time: np.ndarray
    msd: np.ndarray
    source: str


def _read_csv_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read: {exc.strerror}") from None
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(text.splitlines()), start=1)
        if row and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise DataFileError(f"{path}: empty table (no header row)")
    header = [h.strip() for h in rows[0][1]]
    return header, rows[1:]


def _column(path: Path, header: list[str], choices, what: str) -> tuple[int, float]:
    found = [(header.index(c), scale) for c, scale in choices.items() if c in header]
    if len(found) != 1:
        names = ", ".join(choices)
        raise DataFileError(f"{path}: needs exactly one {what} column ({names}); header is {', '.join(header)}")
    return found[0]


def _floats(path: Path, header: list[str], rows, allow_inf: bool = False) -> np.ndarray:
    values = np.empty((len(rows), len(header)))
    for i, (number, row) in enumerate(rows):
        if len(row) != len(header):
            raise DataFileError(f"{path}:{number}: expected {len(header)} columns, found {len(row)}")
        try:
            values[i] = [float(v) for v in row]
        except ValueError:
            raise DataFileError(f"{path}:{number}: not a number in {row}") from None
    if np.any(np.isnan(values)) or (not allow_inf and np.any(np.isinf(values))):
        raise DataFileError(f"{path}: contains {'nan' if allow_inf else 'inf or nan'}")
    return values


def read_msd_csv(path: str | Path) -> list[MsdSeries]:
    """MSD series (one per temperature) from a CSV table; see the module docstring."""
    path = Path(path)
    header, rows = _read_csv_rows(path)
    if "temperature_K" not in header:
        raise DataFileError(f"{path}: needs a 'temperature_K' column; header is {', '.join(header)}")
    t_col, t_scale = _column(path, header, TIME_UNITS, "time")
    m_col, m_scale = _column(path, header, MSD_UNITS, "MSD")
    values = _floats(path, header, rows)
    if len(values) == 0:
        raise DataFileError(f"{path}: no data rows")
    temps = values[:, header.index("temperature_K")]
    series = []
    for temp in np.unique(temps):
        sel = values[temps == temp]
        order = np.argsort(sel[:, t_col], kind="stable")
        series.append(MsdSeries(float(temp), sel[order, t_col] * t_scale, sel[order, m_col] * m_scale, str(path)))
    return series


_MSD_COLUMN = re.compile(r"^c_\w*msd\w*\[4\]$", re.IGNORECASE)


def _thermo_blocks(lines: list[str]) -> list[tuple[list[str], list[list[float]], str, float | None]]:
    """(header, rows, unit style, timestep) of each thermo block in a LAMMPS log."""
    blocks = []
    units, timestep = "lj", None
    i = 0
    while i < len(lines):
        tokens = lines[i].split()
        if tokens[:1] == ["units"] and len(tokens) >= 2:
            units = tokens[1]
        elif tokens[:1] == ["timestep"] and len(tokens) >= 2:
            try:
                timestep = float(tokens[1])
            except ValueError:
                pass
        elif tokens[:1] == ["Step"]:
            header, rows = tokens, []
            i += 1
            while i < len(lines) and not lines[i].startswith("Loop time"):
                fields = lines[i].split()
                if len(fields) == len(header):
                    try:
                        rows.append([float(f) for f in fields])
                    except ValueError:
                        pass  # a warning or other message printed inside the block
                i += 1
            blocks.append((header, rows, units, timestep))
        i += 1
    return blocks


def read_lammps_log(path: str | Path, msd_column: str | None = None) -> MsdSeries:
    """The MSD series of a LAMMPS log; see the module docstring for the rules."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read: {exc.strerror}") from None
    blocks = _thermo_blocks(lines)
    if not blocks:
        raise DataFileError(f"{path}: no thermo block (a line starting with 'Step') found in the LAMMPS log")

    def column_of(header: list[str]) -> str | None:
        if msd_column is not None:
            return msd_column if msd_column in header else None
        matches = [h for h in header if _MSD_COLUMN.match(h)]
        return matches[0] if matches else None

    usable = [b for b in blocks if column_of(b[0]) is not None and b[1]]
    if not usable:
        wanted = repr(msd_column) if msd_column else "an MSD column like c_msd[4]"
        raise DataFileError(f"{path}: no thermo block with {wanted} and data rows")
    header, rows, units, timestep = usable[-1]
    if units not in LAMMPS_UNITS:
        raise DataFileError(f"{path}: LAMMPS units style {units!r} is not supported (metal, real or si)")
    if "Temp" not in header:
        raise DataFileError(f"{path}: the thermo block has no 'Temp' column (add temp to thermo_style)")
    time_unit, length_unit, default_dt = LAMMPS_UNITS[units]
    data = np.array(rows)
    if "Time" in header:
        time = data[:, header.index("Time")]
        time = (time - time[0]) * time_unit
    else:
        step = data[:, header.index("Step")]
        time = (step - step[0]) * (timestep if timestep is not None else default_dt) * time_unit
    msd = data[:, header.index(column_of(header))] * length_unit**2
    temperature = float(np.mean(data[:, header.index("Temp")]))
    return MsdSeries(temperature, time, msd, str(path))


def read_msd_file(path: str | Path, msd_column: str | None = None) -> list[MsdSeries]:
    """MSD series from a CSV table or a LAMMPS log (told apart by content)."""
    path = Path(path)
    try:
        head = path.read_bytes()[:4096]
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read: {exc.strerror}") from None
    if b"\x00" in head:
        raise DataFileError(f"{path}: binary file, expected a CSV table or a LAMMPS log")
    first = next((ln for ln in head.decode("utf-8", "replace").splitlines() if ln.strip() and not ln.startswith("#")), "")
    if "temperature_K" in first and "," in first:
        return read_msd_csv(path)
    return [read_lammps_log(path, msd_column)]


@dataclass(frozen=True)
class DoptTable:
    """Crystallinity of MD ensembles vs size.

    Attributes
    ----------
    ensemble_size : ndarray, shape (n,)
        Atoms per ensemble.
    bcc_fraction : ndarray, shape (n,)
        Fraction of atoms in bcc order at the end of the MD, 0..1.
    incubation_time : ndarray or None, shape (n,)
        Incubation time to the DOPT, s (``inf`` where none occurred).
    """

    ensemble_size: np.ndarray
    bcc_fraction: np.ndarray
    incubation_time: np.ndarray | None


def read_dopt_csv(path: str | Path) -> DoptTable:
    """A DOPT table from CSV; see the module docstring."""
    path = Path(path)
    header, rows = _read_csv_rows(path)
    for name in ("ensemble_size", "bcc_fraction"):
        if name not in header:
            raise DataFileError(f"{path}: needs a {name!r} column; header is {', '.join(header)}")
    values = _floats(path, header, rows, allow_inf=True)
    size = values[:, header.index("ensemble_size")]
    frac = values[:, header.index("bcc_fraction")]
    if len(size) < 4:
        raise DataFileError(f"{path}: needs at least 4 rows to fit the DOPT curve, found {len(size)}")
    if np.any(~np.isfinite(size)) or np.any(size <= 0):
        raise DataFileError(f"{path}: ensemble_size must be positive and finite")
    if np.any(~np.isfinite(frac)) or np.any((frac < 0) | (frac > 1)):
        raise DataFileError(f"{path}: bcc_fraction must lie in [0, 1]")
    incubation = None
    if "incubation_time_ns" in header:
        incubation = values[:, header.index("incubation_time_ns")] * 1e-9
        if np.any(incubation <= 0):
            raise DataFileError(f"{path}: incubation_time_ns must be positive (inf where no DOPT occurred)")
    order = np.argsort(size, kind="stable")
    return DoptTable(size[order], frac[order], None if incubation is None else incubation[order])
