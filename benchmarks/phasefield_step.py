"""Cell-updates per second of one complete coupled phase-field step (all sweeps), tuned vs FiPy defaults.

    python benchmarks/phasefield_step.py [--sizes 128 256 512] [--dt 1.0]

For each n: the dendrite stage's own setup from params/vlcd_high.toml (0.25 um cells,
lambda = 0.5 um, VLCD CV 0.8, galvanostatic start potential for 1 mA/cm^2, no kMC handoff) on an
n x n grid, front a third of the way in; after one warm-up step, one step of ``dt`` is timed
from the same state for

- tuned: the model as shipped (equations built once, coefficients set in place, ``_fipy.lu()``);
- FiPy defaults: the same equations rebuilt at every sweep and FiPy's ``LinearLUSolver()``.

Prints wall time, sweeps, cell-updates/s (cells / wall time of the step), the ratio, and how far
the defaults' step lands from the tuned one (max |xi difference|): FiPy's default LU returns its
start vector when the residual is below 1e-5 of the right-hand side norm (docs/models.md §5.3).
Never asserts on time.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from multiscale.params import load_params, with_overrides
from multiscale.phasefield import _fipy
from multiscale.phasefield.dendrite import DendriteSystem, Numerics
from multiscale.phasefield.dendrite_stage import Run, setup_from

PARAMS = Path(__file__).resolve().parents[1] / "params" / "vlcd_high.toml"


def build(n: int, rebuild: bool) -> DendriteSystem:
    """The stage's system for an n x n grid, started as the stage starts it."""
    size = n * 0.25  # um: the shipped cell size
    params = with_overrides(load_params(PARAMS), {
        "dendrite.width_um": size, "dendrite.length_um": size, "dendrite.front_position_um": size / 3})
    run = Run(setup_from(params, None), Numerics(solvers={"all": _fipy.fipy_default_lu()} if rebuild else {}))
    run.system.rebuild = rebuild
    run.start()
    return run.system


def timed_step(system: DendriteSystem, dt: float) -> tuple[float, int, np.ndarray]:
    start = time.perf_counter()
    report = system.try_step(dt)
    wall = time.perf_counter() - start
    if not report.accepted:
        raise SystemExit(f"step not accepted: {report.reason}")
    return wall, report.sweeps, np.array(system.xi.value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--dt", type=float, default=1.0, help="step, s")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, FiPy suite {_fipy.SOLVER_SUITE}")
    print(f"{'grid':>9} {'variant':>14} {'wall s':>8} {'sweeps':>6} {'cell-updates/s':>15} {'max|dxi| vs tuned':>18}")
    for n in args.sizes:
        tuned, defaults = build(n, rebuild=False), build(n, rebuild=True)
        tuned.try_step(0.01)  # warm-up: imports, caches, a first factorisation
        tuned.mark_step_start()
        defaults.try_step(0.01)
        defaults.set_state(tuned.state())  # both time the same step from the same state
        defaults.mark_step_start()
        results = {"tuned": timed_step(tuned, args.dt), "fipy defaults": timed_step(defaults, args.dt)}
        tuned_wall = results["tuned"][0]
        for name, (wall, sweeps, xi) in results.items():
            diff = float(np.max(np.abs(xi - results["tuned"][2])))
            print(f"{n:>4}x{n:<4} {name:>14} {wall:8.2f} {sweeps:6d} {n * n / wall:15.4g} {diff:18.3g}", flush=True)
        print(f"{'':>9} {'ratio':>14} {results['fipy defaults'][0] / tuned_wall:8.2f}  (defaults wall / tuned wall)")


if __name__ == "__main__":
    main()
