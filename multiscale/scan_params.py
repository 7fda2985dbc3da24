"""The scan file model: one ``[scan]`` table over dotted keys of a base parameter file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .tables import Table

ScanValue = float | int | str | bool


class HypercubeTable(Table):
    """A Latin hypercube over continuous ranges (``[scan.hypercube]``)."""

    count: int = Field(ge=1, le=100000)
    """Number of points."""
    seed: int = Field(default=0, ge=0, lt=2**63)
    """Seed of the sampling."""
    ranges: dict[str, tuple[float, float]] = Field(min_length=1)
    """Dotted key -> [low, high]."""
    log: tuple[str, ...] = ()
    """Keys sampled uniformly in log (their ranges must be positive)."""

    @model_validator(mode="after")
    def _ranges(self):
        for key, (lo, hi) in self.ranges.items():
            if not lo < hi:
                raise ValueError(f"ranges.{key}: low must be below high")
        for key in self.log:
            if key not in self.ranges:
                raise ValueError(f"log: {key!r} is not one of the ranges")
            if self.ranges[key][0] <= 0:
                raise ValueError(f"log: {key!r} needs a positive range")
        return self


class ExecutorTable(Table):
    """Where the points run (``[scan.executor]``)."""

    kind: Literal["process", "dask"] = "process"
    """``process``: a local process pool; ``dask``: Dask distributed (``address``, else a LocalCluster)."""
    workers: int | None = Field(default=None, ge=1, le=4096)
    """Parallel points (default: the machine's cores); the LocalCluster's worker count with ``dask``."""
    address: str | None = None
    """Dask scheduler address (``tcp://host:8786``); implies ``kind = "dask"``."""


class ScanTable(Table):
    """A parameter scan (``[scan]``): a base parameter file and axes over its dotted keys."""

    base: str
    """The base parameter file, relative to the scan file."""
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    """Scan name: the default output directory is ``runs/<name>`` (default: the file stem)."""
    set: dict[str, ScanValue] = {}
    """Dotted key -> value applied to every point before the axes (e.g. a shorter run for the scan)."""
    grid: dict[str, tuple[ScanValue, ...]] | None = None
    """Dotted key -> values: every combination runs (the keys' order is the axes' order)."""
    hypercube: HypercubeTable | None = None
    """A Latin hypercube instead of a grid."""
    executor: ExecutorTable = ExecutorTable()
    """Process pool (default) or Dask."""

    @model_validator(mode="after")
    def _one_design(self):
        if (self.grid is None) == (self.hypercube is None):
            raise ValueError("give either [scan.grid] or [scan.hypercube]")
        for key, values in (self.grid or {}).items():
            if not values:
                raise ValueError(f"grid.{key}: no values")
            if len(set(values)) != len(values):
                raise ValueError(f"grid.{key}: a value is listed twice")
        return self


class ScanFile(Table):
    """A scan file: one ``[scan]`` table."""

    scan: ScanTable
