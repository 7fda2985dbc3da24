"""Fill, factorisation and triangular-solve time of the dendrite model's Jacobian LU, by elimination order.

    python benchmarks/lu_ordering.py [--shapes 80x119 128x128 256x256] [--orders "minimum degree" "nested dissection"]
    python benchmarks/lu_ordering.py --smoke   # 16 x 24, both orders: seconds

The Jacobian is the tuned model's (``sbm.ElectrodepositionSystem.jacobian``, 4 unknowns per cell
plus the multiplier) at the flat start of ``phasefield_step.py``'s system. Each order factorises it
with SuperLU's diagonal pivots: "minimum degree" is SuperLU's own order of A + A^T (the solver's
choice before the nested dissection), "nested dissection" is ``sbm.OrderedLU`` with
``ordering.unknown_order`` (what the solver uses). Prints the nonzeros in L + U, the wall time of
one factorisation (best of ``--repeats``), of one triangular solve (mean of 10) and the process's
peak memory after all shapes. Never asserts on time.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np
from phasefield_step import build
from scipy.sparse.linalg import splu

from multiscale.dendrite.ordering import unknown_order
from multiscale.dendrite.sbm import OrderedLU

ORDERS = ("minimum degree", "nested dissection")


def factorise(matrix, shape: tuple[int, int], order: str):
    """(factors, nonzeros in L + U) of the Jacobian ``matrix`` of a grid of ``shape`` (ny, nx) in
    ``order``; the factors have ``solve``."""
    if order == "nested dissection":
        lu = OrderedLU(matrix, unknown_order(*shape, per_cell=4, extra=1))
        return lu, lu.nnz
    lu = splu(matrix, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    return lu, lu.L.nnz + lu.U.nnz


def measure(ny: int, nx: int, order: str, repeats: int) -> dict:
    system = build(ny, "tuned", nx)
    system.mark_step_start()
    vector = system.system_vector()
    matrix = system.jacobian(vector, 1.0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        lu, nnz = factorise(matrix, (ny, nx), order)
        times.append(time.perf_counter() - start)
    b = np.random.default_rng(0).normal(size=matrix.shape[0])
    start = time.perf_counter()
    for _ in range(10):
        x = lu.solve(b)
    solve = (time.perf_counter() - start) / 10
    residual = float(np.linalg.norm(matrix @ x - b) / np.linalg.norm(b))
    return {"unknowns": matrix.shape[0], "nnz": nnz, "factorise": min(times), "solve": solve, "residual": residual}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=["80x119", "128x128", "256x256"],
                        help="ny x nx (cells along the electrode x across it)")
    parser.add_argument("--orders", nargs="+", default=list(ORDERS), choices=ORDERS)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="16 x 24, both orders, one factorisation each")
    args = parser.parse_args()
    if args.smoke:
        args.shapes, args.orders, args.repeats = ["16x24"], list(ORDERS), 1
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          "the tuned model's Jacobian at the flat start, SuperLU with diagonal pivots")
    print(f"{'grid':>9} {'order':>18} {'unknowns':>9} {'L+U nnz':>11} {'factorise s':>11} {'solve ms':>9} {'residual':>9}")
    for shape in args.shapes:
        ny, nx = (int(v) for v in shape.lower().split("x"))
        for order in args.orders:
            r = measure(ny, nx, order, args.repeats)
            print(f"{ny:>4}x{nx:<4} {order:>18} {r['unknowns']:>9} {r['nnz']:>11.4g} {r['factorise']:>11.3f} "
                  f"{1e3 * r['solve']:>9.2f} {r['residual']:>9.1e}", flush=True)
    print(f"peak MB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
