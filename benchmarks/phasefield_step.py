"""Cell-updates per second of complete coupled phase-field steps (all sweeps), tuned vs FiPy defaults.

    python benchmarks/phasefield_step.py [--sizes 128 256 512] [--dt 1.0] [--steps 3] [--variants ...]

For each n: the dendrite stage's own setup from params/vlcd_high.toml (0.25 um cells,
lambda = 0.5 um, VLCD CV 0.8, galvanostatic start potential for 1 mA/cm^2, no kMC handoff) on an
n x n grid, front a third of the way in. After a warm-up step of dt / 1.3, ``--steps`` steps of
dt, 1.3 dt, 1.69 dt, ... (the stage's step growth) are timed; each variant takes every step from
the tuned model's state at its start:

- tuned: the model as shipped (equations built once, coefficients set in place, GMRES with a
  kept sparse LU preconditioner, ``_fipy.chord_gmres``);
- fipy defaults: the same equations rebuilt at every sweep and FiPy's ``LinearLUSolver()``;
- fipy LU, solving: as the defaults, with the one option that makes FiPy's LU solve
  (``LinearLUSolver(tolerance=1e-12, criterion="initial")``, ``_fipy.lu``): the cost of the
  tuned model's answer written the FiPy way.

Prints mean wall time per step, sweeps, cell-updates/s (cells / mean wall time of a step), the
ratios, and how far each variant's steps land from the tuned ones (max |xi difference|): FiPy's
default LU returns its start vector when the residual is below 1e-5 of the right-hand side norm
(docs/models.md §5.3). Never asserts on time.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from multiscale.params import load_params, with_overrides
from multiscale import _fipy
from multiscale.dendrite.model import DendriteSystem, Numerics
from multiscale.dendrite.stage import Run, setup_from

PARAMS = Path(__file__).resolve().parents[1] / "params" / "vlcd_high.toml"
VARIANTS = {  # name -> (solver factory or None for the shipped default, rebuild every sweep)
    "tuned": (None, False),
    "fipy defaults": (_fipy.fipy_default_lu, True),
    "fipy LU, solving": (_fipy.lu, True),
}


def build(n: int, solver=None, rebuild: bool = False) -> DendriteSystem:
    """The stage's system for an n x n grid, started as the stage starts it."""
    size = n * 0.25  # um: the shipped cell size
    params = with_overrides(load_params(PARAMS), {
        "dendrite.width_um": size, "dendrite.length_um": size, "dendrite.front_position_um": size / 3})
    run = Run(setup_from(params, None), Numerics(solvers={"all": solver()} if solver else {}))
    run.system.rebuild = rebuild
    run.start()
    return run.system


def timed_step(system: DendriteSystem, start: dict, dt: float) -> tuple[float, int, np.ndarray]:
    """Wall time, sweeps and xi of one step of ``dt`` from ``start``."""
    system.set_state(start)
    system.mark_step_start()
    begin = time.perf_counter()
    report = system.try_step(dt)
    wall = time.perf_counter() - begin
    if not report.accepted:
        raise SystemExit(f"step not accepted: {report.reason}")
    return wall, report.sweeps, np.array(system.xi.value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--dt", type=float, default=1.0, help="first timed step, s")
    parser.add_argument("--steps", type=int, default=3, help="timed steps, each 1.3x the last")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                        help="variants to time (tuned always runs: every step starts from its state)")
    args = parser.parse_args()
    variants = {name: VARIANTS[name] for name in dict.fromkeys(["tuned", *args.variants])}
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"FiPy suite {_fipy.SOLVER_SUITE}; mean over {args.steps} steps from dt = {args.dt} s")
    print(f"{'grid':>9} {'variant':>17} {'wall s':>8} {'sweeps':>6} {'cell-updates/s':>15} {'max|dxi| vs tuned':>18}")
    for n in args.sizes:
        systems = {name: build(n, solver, rebuild) for name, (solver, rebuild) in variants.items()}
        tuned = systems["tuned"]
        for system in systems.values():  # warm-up: imports, caches, a first factorisation
            system.try_step(args.dt / 1.3)
            system.set_state(tuned.state())
        walls = {name: 0.0 for name in systems}
        sweeps = {name: 0 for name in systems}
        diffs = {name: 0.0 for name in systems}
        dt = args.dt
        for _ in range(args.steps):
            start = tuned.state()
            results = {name: timed_step(system, start, dt) for name, system in systems.items()}
            for name, (wall, count, xi) in results.items():
                walls[name] += wall / args.steps
                sweeps[name] += count
                diffs[name] = max(diffs[name], float(np.max(np.abs(xi - results["tuned"][2]))))
            tuned.mark_step_start()
            dt *= 1.3
        for name in systems:
            print(f"{n:>4}x{n:<4} {name:>17} {walls[name]:8.2f} {sweeps[name]:6d} {n * n / walls[name]:15.4g} "
                  f"{diffs[name]:18.3g}", flush=True)
        for name in list(systems)[1:]:
            print(f"{'':>9} {'ratio':>17} {walls[name] / walls['tuned']:8.2f}  ({name} wall / tuned wall)")


if __name__ == "__main__":
    main()
