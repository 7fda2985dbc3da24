"""The seeds' kMC trends under the fixed energetics, several seeds each (docs/validation.md):
roughness vs temperature at fixed current and VLCD (200-400 K), the hotspot morphology at all
four corners of (temperature x rate), roughness vs deposition rate (seed 000 Fig. 6), and the
crystalline fraction vs current at equal charge (seed 000 Fig. 1). Prints tables (seed means ±
standard errors); asserts nothing.

Usage: python benchmarks/kmc_trends.py [--only temperature,hotspots,rate,crystalline] [--seeds 4] [--smoke]
(``--smoke``: one seed, tiny boxes, few monolayers; a check that it runs.)
Cases: params/reference/roughness_trend.toml (15 nm, 8 ML, DOPT off), hotspot.toml (one 1 nm
hotspot, 0.15 ML) and dopt_calibration.toml (20 nm, 12 ML).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path

import numpy as np

import multiscale
from multiscale.io import read_dataset
from multiscale.params import with_overrides

from _cli import parse

PARAMS = Path(__file__).resolve().parents[1] / "params"

_RUN_NUMBER = itertools.count()


def _runs(base, overrides: dict, seeds, out: Path):
    """Run the kMC for each seed, each in a directory of its own; yields the run directories."""
    for seed in seeds:
        params = with_overrides(base, {"seed": seed, **overrides})
        yield multiscale.run(params, out=out / f"run{next(_RUN_NUMBER)}")


def _stats(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f}±{v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0:.3f}"


def roughness_table(base, label: str, key: str, values, seeds, out: Path) -> None:
    print(f"\nroughness vs {label} (final Ra, sigma in nm; {len(seeds)} seeds)")
    print(f"{label:>14} {'Ra':>14} {'sigma':>14} {'s/run':>6}")
    for value in values:
        t0 = time.perf_counter()
        rows = [(float(ds.roughness_Ra[-1]) * 1e9, float(ds.roughness_sigma[-1]) * 1e9)
                for ds in (read_dataset(d / "kmc.h5") for d in _runs(base, {key: value}, seeds, out))]
        rows = np.array(rows)
        print(f"{value:>14g} {_stats(rows[:, 0]):>14} {_stats(rows[:, 1]):>14} {(time.perf_counter() - t0) / len(seeds):>6.1f}")


def hotspot_table(base, corners, seeds, out: Path) -> None:
    print(f"\nhotspot deposit shape at the four corners ({len(seeds)} seeds; aspect = height / bottom width)")
    print(f"{'T (K)':>6} {'j (mA/cm2)':>10}  shapes, aspect ratios")
    for T, j in corners:
        shapes = []
        for d in _runs(base, {"electrode.temperature_K": T, "electrode.current_density_mA_cm2": j}, seeds, out):
            morph = read_dataset(d / "kmc.h5", "morphology")
            shapes.append(f"{morph.shape.values[0]} {float(morph.aspect_ratio[0]):.2f}")
        print(f"{T:>6g} {j:>10g}  {', '.join(shapes)}")


def crystalline_table(base, currents, seeds, out: Path) -> None:
    print(f"\ncrystalline fraction at equal charge vs current density ({len(seeds)} seeds)")
    print(f"{'j (mA/cm2)':>10} {'mean':>14}  per seed")
    for j in currents:
        fr = [float(read_dataset(d / "kmc.h5").crystalline_fraction[-1])
              for d in _runs(base, {"electrode.current_density_mA_cm2": j}, seeds, out)]
        print(f"{j:>10g} {_stats(fr):>14}  {np.round(fr, 2).tolist()}")


def main() -> None:
    args, which = parse(__doc__, "temperature,hotspots,rate,crystalline", 4, "one seed, tiny boxes: a check that it runs")
    seeds = list(range(1, args.seeds + 1))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rough_base, hot_base, crystal_base = (multiscale.load_params(PARAMS / "reference" / f"{case}.toml")
                                              for case in ("roughness_trend", "hotspot", "dopt_calibration"))
        temperatures, rates, currents = (200.0, 250.0, 300.0, 350.0, 400.0), (0.5, 1.0, 2.0), (0.2, 1.0, 2.5)
        if args.smoke:
            seeds, temperatures, rates, currents = [1], (250.0, 350.0), (0.5, 2.0), (1.0,)
            small = {"kmc.lateral_size_nm": 5.0, "kmc.stop_thickness_ML": 2.0}
            rough_base, crystal_base = with_overrides(rough_base, small), with_overrides(crystal_base, small)
        vlcd = with_overrides(rough_base, {"electrode.vlcd_cv": 0.8})
        if "temperature" in which:
            roughness_table(vlcd, "T (K), CV 0.8", "electrode.temperature_K", temperatures, seeds, tmp)
        if "hotspots" in which:
            hotspot_table(hot_base, [(200.0, 0.5), (200.0, 4.0), (400.0, 0.5), (400.0, 4.0)][: 2 if args.smoke else 4],
                          seeds[:3], tmp)
        if "rate" in which:
            roughness_table(rough_base, "j (mA/cm2)", "electrode.current_density_mA_cm2", rates, seeds, tmp)
        if "crystalline" in which:
            crystalline_table(crystal_base, currents, seeds, tmp)


if __name__ == "__main__":
    main()
