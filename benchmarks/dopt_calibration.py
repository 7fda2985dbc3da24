"""DOPT calibration (docs/models.md §4.5): crystalline fraction at equal deposited charge vs mean
current density, several seeds. Prints the table; asserts nothing.

Usage: python benchmarks/dopt_calibration.py [--seeds 1,2,3,4] [--currents 0.1,0.3,1.0,2.5] [--smoke]
(``--smoke``: 1.0 and 2.5 mA/cm^2, seed 1, on a 5 nm box to 2 ML; a check that it runs.)
Targets (seed 000 Fig. 1g-l): mostly glassy at 0.1 mA/cm^2, partly crystalline at 1.0, highly
crystalline at 2.5. Each 0.1 mA/cm^2 run takes ~50 s on one core.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import multiscale
from multiscale.io import read_dataset
from multiscale.params import with_overrides

CASE = Path(__file__).resolve().parents[1] / "params" / "reference" / "dopt_calibration.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="1,2,3,4")
    parser.add_argument("--currents", default="0.1,0.3,1.0,2.5")
    parser.add_argument("--smoke", action="store_true", help="two currents, one seed, a tiny box: a check that it runs")
    args = parser.parse_args()
    base = multiscale.load_params(CASE)
    if args.smoke:
        args.seeds, args.currents = "1", "1.0,2.5"
        base = with_overrides(base, {"kmc.lateral_size_nm": 5.0, "kmc.stop_thickness_ML": 2.0})
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"{'j (mA/cm2)':>10} {'mean':>6}  per seed")
    with tempfile.TemporaryDirectory() as tmp:
        for j in (float(c) for c in args.currents.split(",")):
            fractions = []
            for seed in seeds:
                params = with_overrides(base, {"seed": seed, "electrode.current_density_mA_cm2": j})
                run_dir = multiscale.run(params, out=Path(tmp) / f"r{j}_{seed}")
                fractions.append(read_dataset(run_dir / "kmc.h5").crystalline_fraction[-1].item())
            print(f"{j:>10.2f} {np.mean(fractions):>6.3f}  {np.round(fractions, 3).tolist()}", flush=True)


if __name__ == "__main__":
    main()
