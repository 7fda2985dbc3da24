"""kMC throughput: events/s and ns/event of a hop-dominated deposition case, and deposition cost
vs lattice area. Prints figures; asserts nothing. Usage: python benchmarks/kmc_throughput.py [--quick]

Case: Li on a 4-layer crystalline film at 300 K and 1 mA/cm^2, bond-counting rates from the
curated atomistic values (E_bond 0.045 eV, E_hop 0.26/0.21 eV), hops scaled so that the fastest
per-target hop is 1e4 x the per-column deposition rate (hop-dominated: > 95 % of events are hops).
Lattices of ~1e5, 1e6, 1e7 sites, 24 layers high; one thread.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState

A = 3.04e-10


def case(side: int, nz: int = 24, seed: int = 1) -> Engine:
    energetics = m.energetics_from_diffusion(7.65e-12, 7.65e-15, A, 300.0, 1e13, 0.05)
    dep = m.deposition_rates(np.full((side, side), 10.0), A)
    table = m.rate_table(energetics, 300.0)
    table = m.rate_table(energetics, 300.0, m.hop_rate_scale(table, dep.mean(), 1e4))
    return Engine(KmcState.flat((nz, side, side), seed, layers=4), table, dep, ballistic=True)


def site_bytes(state: KmcState) -> float:
    arrays = (state.occ, state.nocc, state.ntgt, state.cls, state.pos, state.members, state.top)
    return sum(a.nbytes for a in arrays) / state.occ.size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="only the 1e5 and 1e6 lattices")
    args = parser.parse_args()
    sides = [64, 204] if args.quick else [64, 204, 645]
    case(16).advance(max_events=1000)  # compile
    print(f"{'sites':>10} {'events/s':>12} {'ns/event':>10} {'hop share':>10} {'bytes/site':>11}")
    for side in sides:
        eng = case(side)
        eng.advance(max_events=20 * side * side)  # roughen the surface first
        before = eng.state.counts.copy()
        n = 3_000_000
        t0 = time.perf_counter()
        eng.advance(max_events=n)
        dt = time.perf_counter() - t0
        done = eng.state.counts - before
        print(f"{eng.state.occ.size:>10.2e} {done.sum() / dt:>12.3e} {1e9 * dt / done.sum():>10.1f} "
              f"{done[1] / done.sum():>10.3f} {site_bytes(eng.state):>11.2f}")
    print("\ndeposition only (hops off): cost per deposition vs lattice area")
    print(f"{'columns':>10} {'ns/deposit':>12}")
    for side in [64, 256, 1024]:
        dep = m.deposition_rates(np.full((side, side), 10.0), A)
        eng = Engine(KmcState.flat((8, side, side), 2), np.zeros((4, 7)), dep, ballistic=True)
        n = min(4 * side * side, 2_000_000)
        t0 = time.perf_counter()
        eng.advance(max_deposits=n)
        print(f"{side * side:>10d} {1e9 * (time.perf_counter() - t0) / n:>12.1f}")


if __name__ == "__main__":
    main()
