"""The one checkpointed runner of every stage that integrates in time (kMC, dendrite, coating).

It owns what those stages used to repeat by hand: resume or start, progress, checkpoints by wall
time, streaming every record to the output file as it is made, and the commit (``complete`` = 1
written last, then the rename). A stage supplies an :class:`Integration` (its model's state and
stepping) and the declaration of its series (:class:`SeriesGroup`); it writes its static groups
and attributes when :meth:`CheckpointedRun.run` returns.

Files of a running stage ``<name>`` in the run directory:

``<name>.partial.h5``
    The output file being written: provenance attributes, ``complete`` = 0, and every record so
    far along the unlimited ``time`` dimension of each series group. Renamed to ``<name>.h5`` by
    the commit.
``<name>.checkpoint.npz``
    The integration's state, field by field (:meth:`Integration.state`), and how many records the
    partial file held when it was written. It holds no history: the records are on disk.

Resume: a checkpoint with the stage's cache key and a partial file that opens are taken up again
(the partial file is cut back to the records the checkpoint knows, so a run killed between a
checkpoint and the next one repeats those records bit for bit). A partial file that cannot be
reopened (killed in the middle of an HDF5 write) is discarded and the stage starts over: the result
is the same, only the time is lost. Memory holds the state and the last record, whatever the
number of records.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import xarray as xr

from .io import StageFileWriter, load_checkpoint, save_checkpoint
from .stage import Group


#: Layout of the checkpoints this runner writes (state by field name + records on disk); a checkpoint
#: of another layout (the stages' own, before this runner) is not taken up: the stage starts over.
CHECKPOINT_FORMAT = 9


class StopReason(enum.Enum):
    """Why a time integration ended (the value is the sentence written to ``stop_reason``)."""

    THICKNESS = "stop_thickness_ML reached"
    TIME = "stop_time_s reached"
    EVENTS = "stop_events reached"
    FROZEN = "no event possible"
    FARADAY_TIME = "end of the plating time (Faraday)"
    FAR_MARGIN = "the metal reached the margin of its domain"
    PLATING_TIME = "end of the plating time"
    CAPACITY = "deposited capacity reached"
    DEPLETED = "the salt ran out at the front (Sand's time)"
    CYCLES = "every plating-stripping cycle done"
    PASSIVATED = "dead Li covers the electrode: no ion can be reduced"


@dataclass(frozen=True)
class Stop:
    """A stop reason with the numbers that go with it (``detail``), e.g. where the tip was."""

    reason: StopReason
    detail: str = ""

    def __str__(self) -> str:
        return self.detail or self.reason.value


@dataclass(frozen=True)
class SeriesGroup:
    """The time series of one group of a stage file.

    Attributes
    ----------
    variables : mapping
        ``name -> (dims, dtype, attrs)``; every dims starts with ``time``; include ``time`` itself.
    sizes : mapping
        Sizes of the other dimensions.
    coords : mapping
        Static coordinates of those dimensions (DataArrays with units).
    keys : mapping
        Variable name -> key of the record dict it is taken from, where they differ.
    """

    variables: Mapping[str, tuple[tuple[str, ...], str, Mapping[str, Any]]]
    sizes: Mapping[str, int] = field(default_factory=dict)
    coords: Mapping[str, xr.DataArray] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_schema(cls, group: Group, coords: Mapping[str, np.ndarray], keys: Mapping[str, str] | None = None,
                    skip: tuple[str, ...] = ()) -> SeriesGroup:
        """The series of a declared group (its variables with ``time`` first, their dtypes, units and
        descriptions, but those in ``skip``: declared with a ``when`` this run does not meet), with the
        values of its other coordinates (their attributes from the schema too)."""
        variables = {v.name: (v.dims, v.dtype, v.attrs) for v in group.variables
                     if v.dims[:1] == ("time",) and v.name not in skip}
        arrays = {name: xr.DataArray(values, dims=name, attrs=group.variable(name).attrs) for name, values in coords.items()}
        return cls(variables, {name: len(values) for name, values in coords.items()}, arrays, keys or {})

    def frame(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return {name: record[self.keys.get(name, name)] for name in self.variables}

    def record(self, frame: Mapping[str, Any]) -> dict[str, Any]:
        return {self.keys.get(name, name): value for name, value in frame.items()}


class Integration(Protocol):
    """What a time-integrating model gives the runner (``state``/``restore`` only when checkpointed)."""

    def start(self) -> dict:
        """Set the initial state; return the first record."""

    def state(self) -> dict[str, np.ndarray | float | int]:
        """Everything needed to continue, by field name (arrays and scalars)."""

    def restore(self, state: dict[str, np.ndarray], last: dict) -> None:
        """Continue from a saved state; ``last`` is the last record on disk."""

    def advance(self, on_record: Callable[..., None]) -> Stop:
        """Integrate to the end, calling ``on_record(record, final)`` for each record (``final``: the
        run stops after it); return why it stopped."""


#: The half-cycles of the ``[cycling]`` protocol, in their order within a cycle.
PLATE, REST_PLATED, STRIP, REST_STRIPPED = range(4)


def next_half_cycle(half: int, rest_s: float) -> tuple[int, bool]:
    """The half-cycle that follows ``half`` (rests of ``rest_s`` = 0 are skipped), and whether a
    cycle ends between the two."""
    nxt = (half + 1) % 4
    while nxt in (REST_PLATED, REST_STRIPPED) and rest_s == 0.0:
        nxt = (nxt + 1) % 4
    return nxt, half in (STRIP, REST_STRIPPED) and nxt == PLATE


class ProtocolRun:
    """Base of an :class:`Integration` that drives a plating run (``self.run``) through a protocol
    whose own arrays, named in ``protocol_fields``, are saved with the run's state."""

    protocol_fields: tuple[str, ...] = ()

    def state(self) -> dict[str, np.ndarray]:
        return {**self.run.state(), **{name: getattr(self, name) for name in self.protocol_fields}}

    def restore(self, state: dict[str, np.ndarray], last: dict) -> None:
        self.run.restore(state, last)
        for name in self.protocol_fields:
            setattr(self, name, np.array(state[name]))


def finite_mean(values: np.ndarray) -> float:
    """Mean of the finite values, e.g. over the cycles that finished (NaN if none did)."""
    done = np.asarray(values, dtype=float)
    done = done[np.isfinite(done)]
    return float(done.mean()) if done.size else float("nan")


class CheckpointedRun:
    """Run an :class:`Integration` for the stage of ``ctx`` (a :class:`multiscale.pipeline.StageContext`).

    Use as a context manager around :meth:`run`, the stage's static writes and :meth:`commit`:
    whatever fails or is interrupted in between, the file is closed; the partial file is kept
    only when a checkpoint can take it up.

    Parameters
    ----------
    ctx : StageContext
        The stage's context (output path, cache key, log, progress).
    series : mapping
        Group path (None: root) -> :class:`SeriesGroup`.
    checkpoint_interval_s : float or None
        Wall-clock seconds between checkpoints; None: no checkpoints (short stages).
    """

    def __init__(self, ctx, series: Mapping[str | None, SeriesGroup], checkpoint_interval_s: float | None):
        self.ctx = ctx
        self.series = dict(series)
        self.interval = checkpoint_interval_s
        name = ctx.stage.name
        self.partial = ctx.run_dir / f"{name}.partial.h5"
        self.checkpoint = ctx.run_dir / f"{name}.checkpoint.npz"
        self.key = ctx.attrs["stage_cache_key"]
        self.writer: StageFileWriter | None = None
        self.records = 0
        self.last: dict = {}

    def __enter__(self) -> CheckpointedRun:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None or self.writer is None:
            return
        self._close()
        if not self.checkpoint.is_file():  # nothing can take it up: leave nothing behind
            self.partial.unlink(missing_ok=True)

    def _close(self) -> None:
        try:
            self.writer.close()
        except Exception:  # noqa: BLE001 - already closed, or the HDF5 library failed: the caller drops the file
            pass
        self.writer = None

    def _resume(self, sim: Integration) -> bool:
        restored = load_checkpoint(self.checkpoint, self.key)
        if restored is None or restored[1].get("format") != CHECKPOINT_FORMAT:  # absent, other parameters, older layout
            self.checkpoint.unlink(missing_ok=True)
            return False
        arrays, meta = restored
        try:
            self.writer = StageFileWriter.reopen(self.ctx.output, self.partial, int(meta["records"]), list(self.series),
                                                 self.key)
        except OSError as exc:
            self.ctx.log.warning("%s: checkpoint found but %s; starting over", self.ctx.stage.name, exc)
            self.checkpoint.unlink(missing_ok=True)
            return False
        self.records = int(meta["records"])
        self.last = {}
        for group, spec in self.series.items():
            self.last.update(spec.record(self.writer.last_frame(group)))
        sim.restore(arrays, self.last)
        self.ctx.log.info("%s: resuming from %s (%d records on disk)", self.ctx.stage.name, self.checkpoint.name, self.records)
        return True

    def _append(self, record: dict) -> None:
        for group, spec in self.series.items():
            self.writer.append(group, spec.frame(record))
        self.records += 1
        self.last = record

    def _save(self, sim: Integration) -> None:
        self.writer.flush()
        save_checkpoint(self.checkpoint, sim.state(), {"cache_key": self.key, "records": self.records,
                                                       "format": CHECKPOINT_FORMAT})

    def run(self, sim: Integration, total: int, desc: str = "records") -> Stop:
        """Start or resume ``sim``, stream its records, and return why it stopped (the file is still open:
        write the static groups through :attr:`writer`, then :meth:`commit`)."""
        if not self._resume(sim):
            self.writer = StageFileWriter(self.ctx.output, self.ctx.attrs, tmp=self.partial)
            for group, spec in self.series.items():
                self.writer.define_series(group, spec.variables, spec.sizes, spec.coords)
            self._append(sim.start())
        last_save = time.monotonic()
        with self.ctx.progress(total, desc) as bar:
            bar.update(self.records - 1)

            def on_record(record: dict, final: bool = False) -> None:
                nonlocal last_save
                self._append(record)
                bar.update()
                # never at the last record: a resume from it would redo the stop
                if not final and self.interval is not None and time.monotonic() - last_save >= self.interval:
                    self._save(sim)
                    last_save = time.monotonic()

            stop = sim.advance(on_record)
        self.checkpoint.unlink(missing_ok=True)  # the run is complete in the file; a rerun starts afresh
        return stop

    def commit(self, attrs: Mapping[str, Any]) -> None:
        """Write the stage's final attributes, set ``complete`` = 1 and rename."""
        self.writer.set_attrs(attrs)
        self.writer.commit()
        self.writer = None

    def abandon(self) -> None:
        """Close and remove the partial file and the checkpoint (a run that must start afresh next time)."""
        if self.writer is not None:
            self._close()
        self.partial.unlink(missing_ok=True)
        self.checkpoint.unlink(missing_ok=True)
