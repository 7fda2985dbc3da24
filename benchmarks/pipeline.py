"""Scan throughput: the same 8-point scan on 1 and on 2 local workers (points per minute, speed-up).

    python benchmarks/pipeline.py [--points 8] [--workers 1 2] [--executor process|dask]
    python benchmarks/pipeline.py --smoke   # 2 points of a 5 nm, 2 ML box on 1 and 2 workers: seconds

Each point is a full pipeline run (atomistic + a 20 nm, 10 ML kMC box; ~15 s alone), the grid a
sweep of the current density so that every point is different work. Every worker count runs in a
fresh temporary directory (nothing cached). Prints wall time, points per minute and the speed-up
over the first worker count. Never asserts on time.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from multiscale.scan import run_scan

BASE = """
name = "bench"
seed = 1
[electrode]
temperature_K = 300.0
current_density_mA_cm2 = 1.0
vlcd_cv = 0.5
[kmc]
lateral_size_nm = {lateral_nm}
box_height_nm = 12.0
stop_thickness_ML = {thickness_ML}
record_interval_ML = 1.0
max_hop_to_deposition = 8000.0
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--executor", choices=["process", "dask"], default="process")
    parser.add_argument("--smoke", action="store_true", help="2 points of a tiny box: a check that it runs")
    args = parser.parse_args()
    base = BASE.format(lateral_nm=20.0, thickness_ML=10.0)
    if args.smoke:
        args.points, args.workers = 2, [1, 2]
        base = BASE.format(lateral_nm=5.0, thickness_ML=2.0)
    logging.getLogger("multiscale").setLevel(logging.WARNING)
    currents = ", ".join(f"{v:.4g}" for v in np.geomspace(0.5, 4.0, args.points))
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.points} points, executor {args.executor}")
    print(f"{'workers':>7} {'wall s':>8} {'points/min':>10} {'speed-up':>8}")
    first = None
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "base.toml").write_text(base)
            (tmp / "scan.toml").write_text(
                f'[scan]\nbase = "base.toml"\n[scan.grid]\n"electrode.current_density_mA_cm2" = [{currents}]\n'
                f'[scan.executor]\nkind = "{args.executor}"\n')
            begin = time.perf_counter()
            run_scan(tmp / "scan.toml", out=tmp / "out", workers=workers)
            wall = time.perf_counter() - begin
        rate = args.points / wall * 60.0
        first = first or rate
        print(f"{workers:>7} {wall:8.1f} {rate:10.2f} {rate / first:8.2f}", flush=True)


if __name__ == "__main__":
    main()
