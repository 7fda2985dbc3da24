"""Reading a series group of a stage file: as streamed (``time`` unlimited) and as committed (fixed).

    python benchmarks/stage_file_read.py [--series 5 20 40] [--records 31 301] [--repeats 5]
    python benchmarks/stage_file_read.py --smoke   # 5 and 20 series of 31 records: seconds

Writes a root group of ``series`` scalar series and one 36 x 36 map per frame (the kMC's records
in params/cycling.toml hold 20 scalars and one height map of its 36 x 36 columns) through
:class:`multiscale.io.StageFileWriter`, copies the flushed partial file (its ``time`` still
unlimited, as every file was committed before version 0.3.6), commits the original (``time`` fixed
at its length), and times ``xarray.open_dataset(path, engine="h5netcdf").load()`` of each, best of
``--repeats``, and of the committed file with ``engine="netcdf4"`` (netCDF-C, the engine
``multiscale.io`` reads with). Prints the times and the ratio of the two h5netcdf reads. Never
asserts on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from multiscale.io import StageFileWriter, provenance_attrs

SIDE = 36


def write(path: Path, series: int, records: int) -> Path:
    """Stream ``records`` frames of ``series`` scalars and a map into ``path``; returns the copy of
    the partial file made before the commit."""
    variables = {"time": (("time",), "f8", {"units": "s"}), "height": (("time", "y", "x"), "f8", {"units": "m"})}
    variables.update({f"scalar_{k}": (("time",), "f8", {"units": "1"}) for k in range(series)})
    axis = xr.DataArray(np.arange(SIDE) * 2.8e-10, dims="x", attrs={"units": "m"})
    rng = np.random.default_rng(0)
    streamed = path.with_name("streamed.h5")
    with StageFileWriter(path, provenance_attrs("", "0" * 64, "bench")) as writer:
        writer.define_series(None, variables, sizes={"y": SIDE, "x": SIDE}, coords={"x": axis, "y": axis.rename(x="y")})
        for i in range(records):
            frame = {name: rng.random() for name in variables if name.startswith("scalar_")}
            writer.append(None, {"time": float(i), "height": rng.random((SIDE, SIDE)), **frame})
        writer.flush()
        shutil.copy(writer.tmp, streamed)
    return streamed


def best_read(path: Path, repeats: int, engine: str = "h5netcdf") -> float:
    """Best wall time, s, of opening ``path``'s root group with xarray's ``engine`` and loading it."""
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        with xr.open_dataset(path, engine=engine) as ds:
            ds.load()
        times.append(time.perf_counter() - begin)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[5, 20, 40])
    parser.add_argument("--records", type=int, nargs="+", default=[31, 301])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="5 and 20 series of 31 records, 2 repeats")
    args = parser.parse_args()
    if args.smoke:
        args.series, args.records, args.repeats = [5, 20], [31], 2
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"a {SIDE} x {SIDE} map and the scalars per frame, best of {args.repeats}")
    print(f"{'series':>6} {'records':>7} {'streamed s':>10} {'committed s':>11} {'ratio':>6} {'netCDF-C s':>10}")
    for records in args.records:
        for series in args.series:
            with tempfile.TemporaryDirectory() as tmp:
                committed = Path(tmp) / "committed.h5"
                streamed = write(committed, series, records)
                slow, fast = best_read(streamed, args.repeats), best_read(committed, args.repeats)
                netcdf_c = best_read(committed, args.repeats, engine="netcdf4")
            print(f"{series:>6} {records:>7} {slow:10.3f} {fast:11.3f} {slow / fast:6.2f} {netcdf_c:10.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
