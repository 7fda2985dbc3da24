"""Acceleration convergence of the kMC (docs/models.md §4.2, docs/validation.md): final Ra, sigma,
Rmax and porosity, and Ra and sigma averaged over the last monolayer (last 3 records, the
observables of the convergence test), vs the acceleration setting R = kmc.max_hop_to_deposition
(a larger R is less acceleration). Prints a table (seed means ± standard errors); asserts nothing.

Usage: python benchmarks/acceleration_convergence.py [--R 250,1000,4000,16000,64000] [--seeds 1,2,3] [--smoke]
(``--smoke``: R = 1000, 4000, seeds 1, 2 on a 5 nm box to 2 ML; a check that it runs.)
Case: params/reference/acceleration_convergence.toml (300 K, 1 mA/cm^2 uniform, 15 nm box, 8 ML,
DOPT off to isolate the acceleration).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import multiscale
from multiscale.io import read_dataset
from multiscale.params import with_overrides

CASE = Path(__file__).resolve().parents[1] / "params" / "reference" / "acceleration_convergence.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--R", default="250,1000,4000,16000,64000")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--smoke", action="store_true", help="two R, two seeds, a tiny box: a check that it runs")
    args = parser.parse_args()
    base = multiscale.load_params(CASE)
    if args.smoke:
        args.R, args.seeds = "1000,4000", "1,2"
        base = with_overrides(base, {"kmc.lateral_size_nm": 5.0, "kmc.stop_thickness_ML": 2.0})
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"{'R':>8} {'Ra (nm)':>14} {'sigma (nm)':>14} {'Rmax (nm)':>10} {'porosity':>16} "
          f"{'last-ML Ra':>14} {'last-ML sigma':>14} {'s/run':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for R in (float(r) for r in args.R.split(",")):
            rows, t0 = [], time.perf_counter()
            for seed in seeds:
                params = with_overrides(base, {"seed": seed, "kmc.max_hop_to_deposition": R})
                ds = read_dataset(multiscale.run(params, out=Path(tmp) / f"r{R}_{seed}") / "kmc.h5")
                last = ds.isel(time=slice(-3, None))
                rows.append([ds.roughness_Ra[-1].item() * 1e9, ds.roughness_sigma[-1].item() * 1e9,
                             ds.roughness_Rmax[-1].item() * 1e9, ds.porosity[-1].item(),
                             last.roughness_Ra.mean().item() * 1e9, last.roughness_sigma.mean().item() * 1e9])
            m = np.mean(rows, axis=0)
            e = np.std(rows, axis=0, ddof=1) / np.sqrt(len(rows))
            print(f"{R:>8g} {m[0]:>8.3f}±{e[0]:.3f} {m[1]:>8.3f}±{e[1]:.3f} {m[2]:>10.2f} {m[3]:>9.4f}±{e[3]:.4f} "
                  f"{m[4]:>8.3f}±{e[4]:.3f} {m[5]:>8.3f}±{e[5]:.3f} {(time.perf_counter() - t0) / len(seeds):>6.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
