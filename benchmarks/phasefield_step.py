"""Cell-updates per second of complete coupled phase-field steps (all sweeps), tuned vs FiPy defaults.

    python benchmarks/phasefield_step.py [--sizes 128 256 512] [--dt 1.0] [--steps 3] [--variants ...]
    python benchmarks/phasefield_step.py --smoke   # 32 x 32, one timed step, all variants: seconds

Operating point: the electrode's 1 mA/cm^2, set here (``OPERATING_POINT``), not taken from the
file. For each n: the dendrite stage's own setup (``setup_from``) from params/vlcd_high.toml
(0.25 um cells, lambda = 0.5 um, VLCD CV 0.8, no kMC handoff) with the phase field galvanostatic
at 1 mA/cm^2 (start potential from the planar Butler-Volmer law) and the VLCD regenerated over
4 um: the file's [dendrite] table as it was when the figures of docs/performance.md were
measured. Why not the file as it is: its [dendrite] table now plates at 2 A/cm^2 (a qualitative
morphology run that plates 3 um in 1.1 s, docs/models.md §5.5), where the benchmark's steps of
1 s end in non-finite values; 1 mA/cm^2 is the electrode's own (battery) current, at which these
steps converge in 2-3 Newton sweeps. The grid is n x n, the front a third of the way in. After a warm-up step of dt / 1.3, ``--steps`` steps of
dt, 1.3 dt, 1.69 dt, ... (the stage's step growth) are timed; each variant takes every step from
the tuned model's state at its start:

- tuned: the model as shipped (equations built once, coefficients set in place, GMRES with a
  kept sparse LU preconditioner, ``_fipy.chord_gmres``);
- fipy defaults: the same equations rebuilt at every sweep (:class:`RebuiltEverySweep`) and
  FiPy's ``LinearLUSolver()`` (:func:`fipy_default_lu`);
- fipy LU, solving: as the defaults, with the one option that makes FiPy's LU solve
  (``LinearLUSolver(tolerance=1e-12, criterion="initial")``, ``_fipy.lu``): the cost of the
  tuned model's answer written the FiPy way.

Prints mean wall time per step, sweeps, cell-updates/s (cells / mean wall time of a step), the
ratios, and how far each variant's steps land from the tuned ones (max |xi difference|): FiPy's
default LU returns its start vector when the residual is below 1e-5 of the right-hand side norm
(docs/models.md §5.3). Never asserts on time. The two FiPy-default pieces live here, not in
the package: nothing but this benchmark uses them.
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
#: The timed operating point (see the module docstring), over the file's [dendrite] table.
OPERATING_POINT = {"dendrite.current_density_mA_cm2": 1.0, "dendrite.vlcd_correlation_length_um": 4.0}


def fipy_default_lu():
    """FiPy's default LinearLUSolver(), as a user would write it: stops when the residual is below
    1e-5 of the right-hand side norm and can return its start vector unchanged."""
    return _fipy.fipy.solvers.scipy.LinearLUSolver()


class RebuiltEverySweep(DendriteSystem):
    """The model with its FiPy equations rebuilt before every sweep (the FiPy-defaults way)."""

    def _solve(self, name: str, fresh: bool = False) -> None:
        self.equations = self._build()
        super()._solve(name, fresh)


VARIANTS = {  # name -> (solver factory or None for the shipped default, rebuild every sweep)
    "tuned": (None, False),
    "fipy defaults": (fipy_default_lu, True),
    "fipy LU, solving": (_fipy.lu, True),
}


def build(n: int, solver=None, rebuild: bool = False) -> DendriteSystem:
    """The stage's system for an n x n grid, started as the stage starts it."""
    size = n * 0.25  # um: the shipped cell size
    params = with_overrides(load_params(PARAMS), {
        **OPERATING_POINT, "dendrite.width_um": size, "dendrite.length_um": size, "dendrite.front_position_um": size / 3})
    run = Run(setup_from(params, None), Numerics(solvers={"all": solver()} if solver else {}))
    if rebuild:
        run.system.__class__ = RebuiltEverySweep  # the stage's own system, rebuilding from here on
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
    parser.add_argument("--smoke", action="store_true",
                        help="a check that the benchmark runs: 32 x 32, one timed step (timings meaningless)")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.steps = [32], 1
    variants = {name: VARIANTS[name] for name in dict.fromkeys(["tuned", *args.variants])}
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"FiPy suite {_fipy.SOLVER_SUITE}; mean over {args.steps} steps from dt = {args.dt} s; "
          f"1 mA/cm^2{' (smoke: timings meaningless)' if args.smoke else ''}")
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
