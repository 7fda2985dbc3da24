"""Wall time and peak memory per step of the binary-electrolyte phase field, tuned vs the FiPy way.

    python benchmarks/phasefield_step.py [--sizes 256 512] [--steps 2] [--variants tuned "fipy terms"]
    python benchmarks/phasefield_step.py --smoke   # 24 x 24, one timed step, every variant: seconds

The equations are those of docs/models.md §5.1, at the electrode's 1 mA/cm^2 (Valoen-Reimers
electrolyte, 298.15 K, i0 = 10 A/m^2 with a log-normal i0(y) of CV 0.8 and 2 um correlation
length, B = 5e-30 m^4/s): n x n uniform cells of h = w / 2 = 0.05 um, the metal front a third of
the way from the collector, the rest electrolyte to the Li counter electrode. The tuned model
first plates for 40 s from the flat start (adaptive steps: the front follows the i0 map by
tens of nm, the regime of a VLCD run; the first seconds from a flat front are not), then
``--steps`` intervals of 4, 5.2, 6.76, ... s are timed: the tuned model's step sizes at that
point. Every variant crosses every interval from the tuned model's state at its start (after one
untimed step of its own from the first start: imports, a first factorisation), with its own
step control (a step whose sweeps do not converge to the tolerance, 1e-3 of the step's change,
is halved and retried), so the wall time is per tuned step, whatever the variant needed for it:

- tuned: ``sbm.ElectrodepositionSystem`` (one residual; complex-step Jacobian by colour groups;
  its sparse LU, in nested-dissection order, kept as the preconditioner of GMRES with complex-step
  Jacobian-vector products);
- fipy terms: ``sbm_fipy.FipyElectrodepositionSystem``, the same equations as FiPy terms, built
  once with coefficients set in place, Picard-Newton sweeps, and this package's linear solver
  (GMRES with a kept LU, ``_fipy.chord_gmres``): the FiPy formulation at its best;
- fipy LU: the same with FiPy's own sparse LU (``LinearLUSolver(tolerance=1e-12,
  criterion="initial")``, ``_fipy.lu``: a fresh factorisation every sweep; FiPy's default
  criterion returns its start vector below 1e-5 of the right-hand side: ``_fipy.lu``'s docstring).

Each (size, variant) runs in its own process, so that its peak resident memory (``ru_maxrss``)
is its own; the tuned process writes the step starts to a temporary file that the others read.
Prints the mean wall time per interval, the steps tried and the Newton sweeps in all
intervals, cells per second, peak memory, how far each
variant's steps land from the tuned ones (max |psi difference|, max |c difference| / c_b) and
the ratios. Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from multiscale import _fipy
from multiscale.dendrite.newton import DivergenceError
from multiscale.dendrite.sbm import Cell, ElectrodepositionSystem, SbmNumerics, logistic_profile
from multiscale.dendrite.sbm_fipy import FipyElectrodepositionSystem
from multiscale.fields import lognormal_profile

H_UM, WIDTH_UM, CURRENT_A_M2 = 0.05, 0.1, 10.0
WARM_UP_S, FIRST_STEP_S, GROWTH = 40.0, 4.0, 1.3
VARIANTS = ("tuned", "fipy terms", "fipy LU")


def build(n: int, variant: str, nx: int | None = None):
    """The benchmark's system on n cells along the electrode by ``nx`` (default n) across it,
    initialised flat at a third of the domain."""
    nx = n if nx is None else nx
    modulation = lognormal_profile(n, H_UM * 1e-6, 0.8, 2e-6, seed=1)
    numerics = SbmNumerics(interface_width=WIDTH_UM, max_sweeps=30)
    if variant == "fipy LU":
        numerics.solvers = {"all": _fipy.lu()}
    cls = ElectrodepositionSystem if variant == "tuned" else FipyElectrodepositionSystem
    system = cls(Cell(), np.full(nx, H_UM), n, H_UM, CURRENT_A_M2, exchange_modulation=modulation, numerics=numerics)
    x = (np.arange(nx) + 0.5) * H_UM
    system.initialise(np.repeat(logistic_profile(x - nx * H_UM / 3, WIDTH_UM)[None, :], n, axis=0))
    return system


def worker(n: int, variant: str, steps: int, starts_file: Path) -> dict:
    """Time ``steps`` steps of one variant; the tuned one writes the step starts, the others read them."""
    system = build(n, variant)
    dts = [FIRST_STEP_S * GROWTH ** k for k in range(steps)]
    names = ("psi", "c", "phi", "K")
    if variant == "tuned":
        system.advance(WARM_UP_S)
        starts, ends = [], []
    else:
        saved = np.load(starts_file)
        starts = [{name: saved[f"start{k}_{name}"] for name in names} for k in range(steps)]
        ends = [{name: saved[f"end{k}_{name}"] for name in names} for k in range(steps)]
        system.set_state(starts[0])  # warm-up: one step from the first start (imports, a first factorisation)
        system.mark_step_start()
        system.try_step(FIRST_STEP_S)
    walls, sweeps, attempts, psi_diff, c_diff = [], 0, 0, 0.0, 0.0
    for k, dt in enumerate(dts):
        if variant == "tuned":
            starts.append(system.state())
        else:
            system.set_state(starts[k])
        system.mark_step_start()
        system.time, system.dt = 0.0, dt
        begin = time.perf_counter()
        try:
            reports = system.advance(dt)
        except DivergenceError as exc:
            return {"n": n, "variant": variant, "failed": f"interval {k} ({dt:g} s): {exc}"}
        walls.append(time.perf_counter() - begin)
        sweeps += sum(r.sweeps for r in reports)
        attempts += len(reports)
        if variant == "tuned":
            ends.append(system.state())
        else:
            psi_diff = max(psi_diff, float(np.max(np.abs(system.value("psi") - ends[k]["psi"]))))
            c_diff = max(c_diff, float(np.max(np.abs(system.value("c") - ends[k]["c"]))))
    if variant == "tuned":
        np.savez(starts_file, **{f"{tag}{k}_{name}": np.ravel(state[name]) for tag, states in (("start", starts), ("end", ends))
                                 for k, state in enumerate(states) for name in names})
    return {"n": n, "variant": variant, "wall": float(np.mean(walls)), "sweeps": sweeps, "attempts": attempts,
            "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "psi_diff": psi_diff, "c_diff": c_diff,
            "factorisations": getattr(system, "factorisations", None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--steps", type=int, default=2, help="timed steps, each 1.3x the last from 4 s")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS,
                        help="variants to time (tuned always runs: every step starts from its state)")
    parser.add_argument("--smoke", action="store_true",
                        help="a check that the benchmark runs: 24 x 24, one timed step (timings meaningless)")
    parser.add_argument("--worker", nargs=4, metavar=("N", "VARIANT", "STEPS", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        n, variant, steps, starts_file = args.worker
        print(json.dumps(worker(int(n), variant, int(steps), Path(starts_file))))
        return
    if args.smoke:
        args.sizes, args.steps = [24], 1
    variants = list(dict.fromkeys(["tuned", *args.variants]))
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}; mean wall per step "
          f"over {args.steps} steps from {FIRST_STEP_S:g} s; 1 mA/cm^2{' (smoke: timings meaningless)' if args.smoke else ''}")
    print(f"{'grid':>9} {'variant':>11} {'wall s':>8} {'steps':>5} {'sweeps':>6} {'cells/s':>10} {'peak MB':>8} "
          f"{'max|dpsi|':>10} {'max|dc|/c_b':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            starts_file = Path(tmp) / f"starts_{n}.npz"
            results = {}
            for variant in variants:
                out = subprocess.run([sys.executable, __file__, "--worker", str(n), variant, str(args.steps), str(starts_file)],
                                     capture_output=True, text=True)
                if out.returncode != 0:
                    raise SystemExit(f"{variant} at {n}^2 failed:\n{out.stderr[-2000:]}")
                r = results[variant] = json.loads(out.stdout.strip().splitlines()[-1])
                if "failed" in r:
                    print(f"{n:>4}x{n:<4} {variant:>11} did not converge: {r['failed']}", flush=True)
                    continue
                print(f"{n:>4}x{n:<4} {variant:>11} {r['wall']:8.2f} {r['attempts']:5d} {r['sweeps']:6d} {n * n / r['wall']:10.4g} "
                      f"{r['peak_MB']:8.0f} {r['psi_diff']:10.2g} {r['c_diff']:11.2g}", flush=True)
            for variant in variants[1:]:
                if "wall" in results[variant]:
                    print(f"{'':>9} {'ratio':>11} {results[variant]['wall'] / results['tuned']['wall']:8.2f}  "
                          f"({variant} wall / tuned wall)")


if __name__ == "__main__":
    main()
