"""Stage files: netCDF-4/HDF5 written through h5netcdf and read through netCDF-C, readable by
xarray with coordinates intact.

Layout contract (docs/architecture.md §4):

- every group is self-contained: each coordinate a group's variables use is written into that
  group, so ``xr.open_dataset(path, engine="h5netcdf", group=g)`` works on its own;
- units are CF ``units`` attributes in SI (activation energies in eV);
- attributes are numbers or strings: booleans become ints, dicts and lists JSON strings;
- the file is written under a temporary name (``<name>.tmp``, or the runner's
  ``<name>.partial.h5``) and renamed when done; the root attribute ``complete`` is 0 until the last
  write, then 1. A reader never sees a final-named file that is half written.

Time series grow along an unlimited ``time`` dimension one frame at a time
(:meth:`StageFileWriter.define_series`, :meth:`StageFileWriter.append`): the time-integrating
stages stream every record to the file as it is made (:mod:`multiscale.runner`), and an
interrupted run reopens its partial file (:meth:`StageFileWriter.reopen`). On commit each such
dimension is fixed at its length (:func:`_fix_series_lengths`): h5netcdf sizes an unlimited
dimension by opening every variable that uses it, each time a reader asks a variable's shape,
which made reading a group of ~20 series ~4x slower (docs/performance.md).

Complete files are read through the netCDF-C library (xarray's ``netcdf4`` engine,
:data:`READ_ENGINE`): it returns the same datasets as h5netcdf, 5-8x faster on the stage files
(h5netcdf looks each variable's objects up through h5py ~20 times); where netCDF-C cannot open a
file's path (on Windows, paths that are not ASCII), h5netcdf reads it (:func:`_open`). Writing
stays with h5netcdf, which streams into unlimited dimensions and takes a partial file up again
(the frames of a series go straight to its h5py dataset: :meth:`StageFileWriter.append`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from collections.abc import Callable, Mapping

import h5netcdf
import h5py
import numpy as np
import xarray as xr

from ..errors import UserError
from .files import fsync_path


def _attr_value(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True)
    return value


def _set_attrs(target, attrs: Mapping[str, Any]) -> None:
    for key, value in attrs.items():
        if value is not None:
            target.attrs[key] = _attr_value(value)


def _is_text(array: np.ndarray) -> bool:
    return array.dtype.kind in "OUS"


class StageFileWriter:
    """Write one stage file atomically.

    Use as a context manager: on normal exit the file is committed (``complete`` = 1, then the
    rename); on an exception the temporary file is removed and nothing is left behind.

    Parameters
    ----------
    path : path
        Final file name (e.g. ``runs/x/atomistic.h5``).
    attrs : mapping
        Root attributes, normally from :func:`multiscale.io.provenance_attrs`.
    """

    def __init__(self, path: str | Path, attrs: Mapping[str, Any], tmp: str | Path | None = None):
        self.path = Path(path)
        self.tmp = Path(tmp) if tmp is not None else self.path.with_name(self.path.name + ".tmp")
        self._file = h5netcdf.File(self.tmp, "w")
        self._series: dict[str, tuple] = {}  # group path -> (its series' h5py datasets, all those on time)
        _set_attrs(self._file, {k: v for k, v in attrs.items() if k != "complete"})
        self._file.attrs["complete"] = 0
        self._file.flush()

    @classmethod
    def reopen(cls, path: str | Path, tmp: str | Path, records: int, groups, cache_key: str) -> StageFileWriter:
        """Reopen a partial file written by an interrupted run of the same stage (same ``cache_key``),
        cut every series of ``groups`` back to ``records`` frames (those its checkpoint knows), and go
        on appending.

        Raises
        ------
        OSError
            When the partial file is missing, unreadable (killed mid-write), of another run, or
            shorter than ``records``.
        """
        self = cls.__new__(cls)
        self.path, self.tmp = Path(path), Path(tmp)
        self._series = {}
        if not self.tmp.is_file():
            raise OSError(f"{self.tmp}: missing")
        try:
            self._file = h5netcdf.File(self.tmp, "r+")
        except Exception as exc:  # noqa: BLE001 - h5py raises many types for a damaged file
            raise OSError(f"{self.tmp}: cannot reopen ({exc})") from None
        try:
            if self._file.attrs.get("stage_cache_key") != cache_key:
                raise OSError(f"{self.tmp}: written by another run (cache key)")
            for group in groups:
                node = self._file if not group else self._file.groups[group]
                if not node.dimensions["time"].isunlimited():  # a committed file's (fixed at commit)
                    raise OSError(f"its 'time' in {group or '/'} is fixed: a committed file's, not a partial one")
                size = node.dimensions["time"].size
                if size < records:
                    raise OSError(f"{self.tmp}: {size} records in {group or '/'}, the checkpoint knows {records}")
                node.resize_dimension("time", records)
        except (OSError, KeyError) as exc:
            self._file.close()
            raise OSError(f"{self.tmp}: cannot take it up ({exc})") from None
        return self

    def last_frame(self, group: str | None) -> dict[str, np.ndarray]:
        """The last frame of every series of ``group``."""
        node = self._group(group)
        n = node.dimensions["time"].size
        return {name: var[n - 1, ...] for name, var in node.variables.items()
                if var.dimensions and var.dimensions[0] == "time"}

    def _group(self, name: str | None):
        if not name or name == "/":
            return self._file
        node = self._file
        for part in name.strip("/").split("/"):
            node = node.groups[part] if part in node.groups else node.create_group(part)
        return node

    def write_dataset(self, ds: xr.Dataset, group: str | None = None) -> None:
        """Write an in-memory dataset (dimensions, coordinates, variables, attributes) into ``group``."""
        node = self._group(group)
        self._series.pop(node.name, None)  # a variable on ``time`` added here grows with the next frame
        for dim, size in ds.sizes.items():
            if dim not in node.dimensions:
                node.dimensions[dim] = size
        names = list(ds.coords) + [v for v in ds.data_vars]
        for name in names:
            var = ds[name].variable
            data = np.asarray(var.values)
            if _is_text(data):
                out = node.create_variable(name, var.dims, dtype=h5py.string_dtype())
                if data.size:
                    out[...] = data.astype(object)
            else:
                out = node.create_variable(name, var.dims, data=data)
            _set_attrs(out, var.attrs)
        _set_attrs(node, ds.attrs)

    def define_series(
        self,
        group: str | None,
        variables: Mapping[str, tuple[tuple[str, ...], str, Mapping[str, Any]]],
        sizes: Mapping[str, int] | None = None,
        coords: Mapping[str, xr.DataArray] | None = None,
    ) -> None:
        """Declare time series that grow along an unlimited ``time`` dimension.

        Parameters
        ----------
        group : str or None
            Group path (None: root).
        variables : mapping
            ``name -> (dims, dtype, attrs)``; the first dimension of each must be ``time``.
            Include ``"time": (("time",), "f8", {"units": "s"})`` for the coordinate.
        sizes : mapping, optional
            Sizes of the other dimensions.
        coords : mapping, optional
            Static coordinates of those dimensions (e.g. ``x``, ``y`` in m).
        """
        node = self._group(group)
        self._series.pop(node.name, None)
        if "time" not in node.dimensions:
            node.dimensions["time"] = None
        for dim, size in (sizes or {}).items():
            if dim not in node.dimensions:
                node.dimensions[dim] = size
        for name, coord in (coords or {}).items():
            out = node.create_variable(name, coord.dims, data=np.asarray(coord.values))
            _set_attrs(out, coord.attrs)
        for name, (dims, dtype, attrs) in variables.items():
            if dims[0] != "time":
                raise ValueError(f"series {name!r} must have 'time' as its first dimension")
            chunks = (1,) + tuple(node.dimensions[d].size for d in dims[1:])
            out = node.create_variable(name, dims, dtype=dtype, chunks=chunks)
            _set_attrs(out, attrs)

    def append(self, group: str | None, frame: Mapping[str, Any]) -> int:
        """Append one frame (one value of every series of ``group``); returns the new length.

        The frame is written through the group's h5py datasets, found once a group (again after
        ``define_series`` or ``write_dataset`` there): h5netcdf's own path looks each variable's
        objects up through h5py ~8 times a write and sizes the unlimited dimension by opening every
        variable, ~25 ms a frame of 20 series (docs/performance.md). What it leaves on disk is the
        same: the variables on ``time`` and the dimension's scale grow by one along axis 0, the
        datasets that ``resize_dimension`` grows here (its scale's references: every series has
        ``time`` first, :meth:`define_series`, and each group its own ``time``)."""
        node = self._group(group)
        if node.name not in self._series:
            h5 = self._file._h5file[node.name]
            series = {name: h5[name] for name, var in node.variables.items() if var.dimensions[:1] == ("time",)}
            # the dimension's own scale first (a coordinate variable ``time`` is that scale): its length is the frames'
            grown = [h5["time"]] + [ds for name, ds in series.items() if name != "time"]
            self._series[node.name] = series, grown
        series, grown = self._series[node.name]
        n = grown[0].shape[0]
        for ds in grown:
            ds.resize(n + 1, axis=0)
        for name, value in frame.items():
            series[name][n, ...] = value
        return n + 1

    def set_attrs(self, attrs: Mapping[str, Any]) -> None:
        """Set root attributes (not ``complete``: :meth:`commit` writes it)."""
        _set_attrs(self._file, {k: v for k, v in attrs.items() if k != "complete"})

    def close(self) -> None:
        """Close the temporary file and keep it (an interrupted stream that a checkpoint can take up)."""
        self._file.close()

    def flush(self) -> None:
        """Write everything buffered to disk and sync it (the file still says ``complete`` = 0): a
        process killed after this leaves a file that reopens with what was written so far.
        (h5netcdf's own ``flush`` does not flush the HDF5 file, hence the h5py call.)"""
        self._file.flush()
        self._file._h5file.flush()
        fsync_path(self.tmp)

    def commit(self) -> Path:
        """Fix the series' ``time`` dimensions at their length, set ``complete`` = 1 (the last write),
        close and rename into place."""
        self._file.close()
        with h5py.File(self.tmp, "r+") as handle:
            _fix_series_lengths(handle)
            handle.attrs["complete"] = 1
        fsync_path(self.tmp)
        os.replace(self.tmp, self.path)
        fsync_path(self.path.parent)
        return self.path

    def abort(self) -> None:
        """Close and delete the temporary file."""
        try:
            self._file.close()
        finally:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> StageFileWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


#: The dimension-scale bookkeeping of HDF5's DS API (rewritten by make_scale and attach_scale).
_SCALE_ATTRS = ("CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST")


def _fix_series_lengths(handle: h5py.File) -> None:
    """Make every unlimited ``time`` dimension of the open file that has its coordinate variable
    (every stage's: the schemas require it) fixed at its length; one that is empty stays unlimited
    (netCDF gives length 0 to unlimited dimensions only).

    A netCDF-4 dimension is unlimited when its dimension scale (here the coordinate variable) has
    an unlimited maximum shape. The scale is replaced by a copy of fixed shape with its data and
    attributes (``_Netcdf4Dimid`` included, so the dimension keeps its id) and attached where the
    old one was; the series variables keep their extendable chunked storage, of the same length."""
    groups = [handle]

    def collect(_, node) -> None:  # visititems stops at the first callback that returns a value
        if isinstance(node, h5py.Group):
            groups.append(node)

    handle.visititems(collect)
    for group in groups:
        scale = group.get("time")
        if (not isinstance(scale, h5py.Dataset) or scale.maxshape != (None,) or scale.shape[0] == 0
                or bytes(scale.attrs.get("NAME", b"")) != b"time"):
            continue
        attached = [(handle[ref], int(axis)) for ref, axis in scale.attrs.get("REFERENCE_LIST", [])]
        attrs = {k: v for k, v in scale.attrs.items() if k not in _SCALE_ATTRS}
        data = scale[()]
        for variable, axis in attached:
            variable.dims[axis].detach_scale(scale)
        del group["time"]
        # track_order as h5netcdf writes: netCDF-C reads attributes in their creation order
        fixed = group.create_dataset("time", data=data, dtype=scale.dtype, fillvalue=scale.fillvalue, track_order=True)
        fixed.make_scale("time")
        for key, value in attrs.items():
            fixed.attrs[key] = value
        for variable, axis in attached:
            variable.dims[axis].attach_scale(fixed)


def _plain(value: Any) -> Any:
    """netCDF stores numeric attributes as 1-element arrays; return Python scalars and str."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, np.generic):
        value = value.item()
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def read_root_attrs(path: str | Path) -> dict[str, Any]:
    """Root attributes of an HDF5 file, or ``{}`` when it does not exist or cannot be read."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        # h5py, not h5netcdf: h5netcdf's destructor raises after a failed open of a corrupt file
        with h5py.File(path, "r") as handle:
            return {k: _plain(v) for k, v in handle.attrs.items()}
    except Exception:  # noqa: BLE001 - a truncated or killed-mid-write file raises many h5py error types
        return {}


def is_complete(path: str | Path) -> bool:
    """True when the file exists, opens, and its root attribute ``complete`` is 1."""
    return int(read_root_attrs(path).get("complete", 0)) == 1


def complete_root_attrs(path: str | Path) -> dict[str, Any]:
    """Root attributes of a complete stage file; a UserError naming the file when it is missing, does
    not open, or its ``complete`` is not 1."""
    attrs = read_root_attrs(path)
    if int(attrs.get("complete", 0)) != 1:
        raise UserError(f"{path}: missing or incomplete (no 'complete' = 1); rerun the stage that writes it")
    return attrs


#: The xarray engine that reads complete stage files: netCDF-C's, 5-8x faster than h5netcdf (module
#: docstring), or h5netcdf where netCDF4 is not installed (it has no wheel for Apple-silicon macOS
#: before 14, so it is not required there: pyproject.toml). Both return the same datasets
#: (tests/harness.py).
READ_ENGINE = "netcdf4" if find_spec("netCDF4") is not None else "h5netcdf"
#: The wheels' netCDF-C and HDF5 are not thread-safe, and xarray's lock does not cover an open's
#: metadata reads: opens in this process go one at a time (a scan's points can be threads of one
#: Dask worker). A group read takes tens of milliseconds.
_OPEN_LOCK = threading.Lock()
#: Whether :func:`_open` has logged, once a process, that it read a file through h5netcdf.
_fallback_logged = False


def _open(opener: Callable[..., Any], path: Path, **kwargs: Any) -> Any:
    """Open a complete stage file through netCDF-C, or through h5netcdf where netCDF-C cannot open
    its path. The caller holds :data:`_OPEN_LOCK`.

    On Windows netCDF-C has failed to open files whose path holds characters that are not ASCII,
    raising FileNotFoundError or PermissionError for a file that exists (pydata/xarray#9282 and
    #10357, Unidata/netcdf4-python#1482, open in 2026); h5py, and with it h5netcdf, opens such
    paths. Those two errors on a file that h5py has just opened (``complete_root_attrs``) are retried
    with h5netcdf, which returns the same datasets (tests/harness.py), and the retry is logged once
    a process: it reads 5-8x slower. Any other error (a group the file lacks, a file netCDF-C
    rejects) is raised as netCDF-C gives it, so the harness's two-engine round trip keeps seeing
    files that netCDF-C cannot read.

    Parameters
    ----------
    opener : callable
        ``xarray.open_dataset`` or ``xarray.open_datatree``.
    path : Path
        A complete stage file.
    **kwargs
        Passed on to ``opener`` (``group``).

    Returns
    -------
    xarray.Dataset or xarray.DataTree
        What ``opener`` returns.
    """
    global _fallback_logged
    try:
        return opener(path, engine=READ_ENGINE, **kwargs)
    except (FileNotFoundError, PermissionError) as exc:
        if READ_ENGINE == "h5netcdf":
            raise
        if not _fallback_logged:
            _fallback_logged = True
            logging.getLogger("multiscale").warning(
                "%s: netCDF-C cannot open this path (%s); reading through h5netcdf, 5-8x slower", path, exc)
        return opener(path, engine="h5netcdf", **kwargs)


def open_stage_tree(path: str | Path) -> xr.DataTree:
    """Open a complete stage file as an ``xarray.DataTree`` (lazily)."""
    path = Path(path)
    complete_root_attrs(path)
    with _OPEN_LOCK:
        return _open(xr.open_datatree, path)


def read_dataset(path: str | Path, group: str | None = None) -> xr.Dataset:
    """Load one group of a complete stage file into memory and close the file."""
    path = Path(path)
    complete_root_attrs(path)
    with _OPEN_LOCK, _open(xr.open_dataset, path, group=group) as ds:
        return ds.load()
