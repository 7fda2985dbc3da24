"""Cell-updates per second of one complete coupled phase-field step (all sweeps), tuned vs FiPy defaults.

    python benchmarks/phasefield_step.py [--sizes 128 256 512] [--dt 1.0]

For each n: an n x n grid (0.25 um cells, lambda = 0.5 um) with a planar front a third of the way
in, the VLCD modulation of params/vlcd_high.toml (CV 0.8) and the collector at -10 mV; after one
warm-up step, one step of ``dt`` is timed twice from the same state:

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

import numpy as np

from multiscale.phasefield import _fipy
from multiscale.phasefield.dendrite import Coefficients, DendriteSystem, Numerics, Physical, planar_start
from multiscale.phasefield.dendrite_stage import standard_profile


def build(n: int, rebuild: bool) -> DendriteSystem:
    physical = Physical(interface_width_m=0.5e-6, exchange_current_density_A_m2=11.05 / 2, applied_potential_V=-0.01)
    c = Coefficients.from_physical(physical)
    spacing = 0.25
    g = standard_profile(n, spacing, 4.0, seed=20261121)
    modulation = np.exp(np.sqrt(np.log1p(0.8 ** 2)) * g)
    numerics = Numerics(solvers={"all": _fipy.fipy_default_lu()} if rebuild else {})
    system = DendriteSystem(c, (n, n), spacing, modulation / modulation.mean(), numerics, rebuild=rebuild)
    system.initialise(planar_start((n, n), spacing, n * spacing / 3, 0.5), relax_time=0.2)
    return system


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
