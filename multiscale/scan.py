"""Parameter scans: many pipeline runs over dotted keys of a base parameter file, aggregated.

A scan file (TOML) holds one ``[scan]`` table (:class:`multiscale.scan_params.ScanTable`)::

    [scan]
    base = "vlcd_high.toml"                     # relative to the scan file
    [scan.grid]                                 # every combination, axes in this order
    "electrode.current_density_mA_cm2" = [0.5, 1.0, 2.0]
    "electrode.vlcd_cv" = [0.05, 0.8]
    [scan.set]                                  # optional: applied to every point first
    "kmc.stop_thickness_ML" = 6.0
    # or: [scan.hypercube] count = 8, seed = 1, ranges = {"electrode.vlcd_cv" = [0.05, 0.8]}

Each point is a full run (:func:`multiscale.run`) in ``<scan dir>/points/<key>/``, ``key`` the
first 16 hex digits of the SHA-256 of the point's resolved parameters: the same point in another
scan, or after a reordering, is the same directory. A point is *done* when every stage file it
needs is complete with its current cache key; re-running a scan runs only points that are not
done. A point that raises is recorded (``error.txt`` in its directory, ``status = "failed"`` in
``scan.h5``) and the scan goes on.

Executors: a local process pool (``spawn``; ``workers`` default = cores; one BLAS thread a worker,
:mod:`multiscale._blas`) or Dask distributed
(``--scheduler ADDRESS`` or ``[scan.executor] kind = "dask"``; a ``LocalCluster`` of ``workers``
processes when no address is given).

``scan.h5`` (root group, SI units): dimensions = the grid axes (or ``point`` for a hypercube),
each named by the key's last part (``vlcd_cv``; the full dotted key in the coordinate's
``dotted_key`` attribute; the dotted key with ``_`` when last parts collide); variables
``status`` ("done" / "failed"), ``error``, ``run_dir`` (relative to the scan directory) and every
observable of :func:`multiscale.analysis.summary.observables` that any point produced (NaN where
a point has none).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._blas import single_threaded_blas_workers
from .errors import ParamsError, UserError
from .params import (Params, canonical_json, load_params, parse_toml, read_params_text, sha256_text, to_toml,
                     validate_model, with_overrides)
from .scan_params import ScanFile, ScanTable
from .progress import Progress

log = logging.getLogger("multiscale")


@dataclass(frozen=True)
class Point:
    """One scan point: its position (grid indices or the hypercube row), overrides and parameters."""

    index: tuple[int, ...]
    overrides: dict[str, Any]
    params: Params
    key: str


def load_scan(path: str | Path) -> tuple[ScanTable, Params, str]:
    """Read and check a scan file; returns (the ``[scan]`` table, the base parameters, the file's text).

    Raises
    ------
    ParamsError
        Syntax, unknown keys, a missing base file, an axis key or value the base file refuses.
    """
    path = Path(path)
    text = read_params_text(path)
    scan = validate_model(ScanFile, parse_toml(text, str(path)), str(path)).scan
    base_path = (path.parent / scan.base).resolve()
    if not base_path.is_file():
        raise ParamsError(f"{path}: scan.base: file not found: {base_path}")
    base = load_params(base_path)
    if scan.name is None:
        scan = scan.model_copy(update={"name": path.stem})
    return scan, base, text


def latin_hypercube(count: int, ranges: dict[str, tuple[float, float]], log_keys=(), seed: int = 0) -> dict[str, np.ndarray]:
    """A Latin hypercube sample: for each key, one value in each of ``count`` equal strata of its
    range (strata shuffled independently per key, uniform within the stratum; log-uniform for
    ``log_keys``)."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, (lo, hi) in ranges.items():
        u = (rng.permutation(count) + rng.random(count)) / count
        if key in log_keys:
            out[key] = np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        else:
            out[key] = lo + u * (hi - lo)
    return out


def point_key(params: Params) -> str:
    """16 hex digits identifying a point's resolved parameters (its name excluded)."""
    data = params.model_dump(mode="json")
    data.pop("name", None)
    return sha256_text(canonical_json(data))[:16]


def _design(scan: ScanTable) -> tuple[list[str], list[tuple[tuple[int, ...], dict[str, Any]]]]:
    """(axis keys, [(index, overrides)]) of a grid or a hypercube."""
    if scan.grid is not None:
        keys = list(scan.grid)
        combos = itertools.product(*(range(len(scan.grid[k])) for k in keys))
        return keys, [(idx, {k: scan.grid[k][i] for k, i in zip(keys, idx)}) for idx in combos]
    cube = scan.hypercube
    values = latin_hypercube(cube.count, cube.ranges, cube.log, cube.seed)
    keys = list(cube.ranges)
    return keys, [((i,), {k: float(values[k][i]) for k in keys}) for i in range(cube.count)]


def points(scan: ScanTable, base: Params, source: str) -> tuple[list[str], list[Point]]:
    """Every point of the scan, validated (a value the base file refuses is a ``ParamsError``)."""
    keys, design = _design(scan)
    if scan.set:
        base = with_overrides(base, dict(scan.set), source=f"{source}: scan.set")
    out = []
    for index, overrides in design:
        shown = ", ".join(f"{k} = {v!r}" for k, v in overrides.items())
        params = with_overrides(base, overrides, source=f"{source}: scan point ({shown})")
        key = point_key(params)
        out.append(Point(index, overrides, params.model_copy(update={"name": key}), key))
    return keys, out


def run_point(params_json: str, run_dir: str) -> dict:
    """Run one point (in a worker process); returns ``{"status", "error", "summary"}``.

    Never raises: the failure's message goes to ``error.txt`` (for an internal error also the
    traceback, in ``traceback.txt``).
    """
    from .analysis.summary import summary
    from .io import atomic_write_text
    from .params import validate_params
    from .pipeline import run

    path = Path(run_dir)
    try:
        params = validate_params(json.loads(params_json), "scan point")
        run(params, out=path)
    except UserError as exc:
        message = "; ".join(exc.lines)
    except Exception as exc:  # noqa: BLE001 -- a point's failure must not stop the scan
        message = f"internal error: {type(exc).__name__}: {exc}"
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / "traceback.txt", traceback.format_exc())
    else:
        (path / "error.txt").unlink(missing_ok=True)
        return {"status": "done", "error": "", "summary": summary(path)}
    path.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path / "error.txt", message + "\n")
    return {"status": "failed", "error": message, "summary": {}}


def _executor(scan: ScanTable, workers: int | None, scheduler: str | None):
    """A context manager yielding ``submit(fn, *args) -> future`` and ``as_completed``."""
    workers = workers or scan.executor.workers or os.cpu_count() or 1
    address = scheduler or scan.executor.address
    if address is not None or scan.executor.kind == "dask":
        return _DaskExecutor(address, workers)
    return _PoolExecutor(workers)


class _PoolExecutor:
    def __init__(self, workers: int):
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self.description = f"local process pool, {workers} workers"
        self._stack = ExitStack()

    def __enter__(self):
        self._stack.enter_context(single_threaded_blas_workers())  # the workers start at the first submit
        self._stack.callback(self.pool.shutdown, wait=True, cancel_futures=True)
        return self

    def __exit__(self, *exc):
        self._stack.close()

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def as_completed(self, futures):
        return as_completed(futures)


class _DaskExecutor:
    def __init__(self, address: str | None, workers: int):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UserError("a Dask scan needs dask[distributed]: pip install -e \".[dask]\"") from None
        self.cluster = None
        if address is None:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            address = self.cluster.scheduler_address
            self.description = f"Dask LocalCluster, {workers} workers"
        else:
            self.description = f"Dask scheduler {address}"
        try:
            self.client = Client(address, timeout="30s")
        except OSError as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise UserError(f"cannot reach the Dask scheduler at {address}: {exc}") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures):
        from dask.distributed import as_completed as dask_completed

        return dask_completed(futures)


def run_scan(path: str | Path, out: str | Path | None = None, workers: int | None = None,
             scheduler: str | None = None) -> Path:
    """Run the points of a scan that are not done and write ``scan.h5``; returns the scan directory.

    Raises
    ------
    UserError
        A bad scan file or base file (nothing runs), a locked scan directory, an unreachable scheduler.
    """
    from .io import RunLock, atomic_write_text
    from .pipeline import is_up_to_date

    scan, base, text = load_scan(path)
    keys, pts = points(scan, base, str(path))
    scan_dir = Path(out) if out is not None else Path("runs") / scan.name
    scan_dir.mkdir(parents=True, exist_ok=True)
    with RunLock(scan_dir):
        atomic_write_text(scan_dir / "scan.toml", text)
        atomic_write_text(scan_dir / "base.toml", to_toml(base))
        results: dict[str, dict] = {}
        todo = []
        for p in pts:
            run_dir = scan_dir / "points" / p.key
            if is_up_to_date(p.params, run_dir):
                from .analysis.summary import summary

                results[p.key] = {"status": "done", "error": "", "summary": summary(run_dir)}
            else:
                todo.append(p)
        log.info("scan %s: %d points, %d done, %d to run", scan.name, len(pts), len(pts) - len(todo), len(todo))
        if todo:
            with _executor(scan, workers, scheduler) as executor:
                log.info("scan %s: %s", scan.name, executor.description)
                futures = {executor.submit(run_point, p.params.model_dump_json(), str(scan_dir / "points" / p.key)): p
                           for p in todo}
                with Progress(len(todo), f"scan {scan.name}", log) as bar:
                    for future in executor.as_completed(list(futures)):
                        p = futures[future]
                        results[p.key] = future.result()
                        if results[p.key]["status"] == "failed":
                            log.warning("scan %s: point %s (%s) failed: %s", scan.name, p.key,
                                        ", ".join(f"{k} = {v!r}" for k, v in p.overrides.items()), results[p.key]["error"])
                        bar.update()
        dataset = aggregate(scan, keys, pts, results)
        _write_scan(scan_dir / "scan.h5", dataset, text)
    failed = sum(r["status"] == "failed" for r in results.values())
    log.info("scan %s: %d done, %d failed -> %s", scan.name, len(pts) - failed, failed, scan_dir / "scan.h5")
    return scan_dir


def axis_names(keys: list[str]) -> dict[str, str]:
    """Dimension name of each dotted key: its last part, or the key with ``_`` for ``.`` on a clash."""
    last = [k.split(".")[-1] for k in keys]
    return {k: (name if last.count(name) == 1 else k.replace(".", "_")) for k, name in zip(keys, last)}


def aggregate(scan: ScanTable, keys: list[str], pts: list[Point], results: dict[str, dict]):
    """The scan's xarray Dataset (see the module docstring)."""
    import xarray as xr

    from .analysis.summary import observables

    known = observables()

    names = axis_names(keys)
    if scan.grid is not None:
        dims = [names[k] for k in keys]
        shape = tuple(len(scan.grid[k]) for k in keys)
        coords = {names[k]: (names[k], np.asarray(scan.grid[k]), {"dotted_key": k}) for k in keys}
    else:
        dims, shape = ["point"], (len(pts),)
        coords = {"point": ("point", np.arange(len(pts)))}
        coords.update({names[k]: ("point", np.array([p.overrides[k] for p in pts]), {"dotted_key": k}) for k in keys})
    observed = [o for o in known if any(o in results[p.key]["summary"] for p in pts)]
    arrays = {o: np.full(shape, np.nan) for o in observed}
    text = {v: np.empty(shape, dtype=object) for v in ("status", "error", "run_dir")}
    for p in pts:
        r = results[p.key]
        text["status"][p.index], text["error"][p.index] = r["status"], r["error"]
        text["run_dir"][p.index] = f"points/{p.key}"
        for o in observed:
            arrays[o][p.index] = r["summary"].get(o, np.nan)
    variables = {v: (dims, a) for v, a in text.items()}
    variables.update({o: (dims, arrays[o], {"units": known[o][1].units, "long_name": known[o][1].description}) for o in observed})
    return xr.Dataset(variables, coords=coords, attrs={"scan_name": scan.name, "design": "grid" if scan.grid else "hypercube"})


def _write_scan(path: Path, dataset, text: str) -> None:
    from .io import StageFileWriter, provenance_attrs

    key = sha256_text(canonical_json(sorted(str(v) for v in dataset.run_dir.values.ravel())))
    attrs = provenance_attrs(text, sha256_text(text), key, stage="scan", **dataset.attrs)
    body = dataset.copy()
    body.attrs = {}  # root attributes go through provenance_attrs
    with StageFileWriter(path, attrs) as writer:
        writer.write_dataset(body)
