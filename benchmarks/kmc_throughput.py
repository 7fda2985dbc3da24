"""kMC throughput: events/s and ns/event of a hop-dominated deposition case, with bond-counting
rates (n-fold classes) and with per-site continuous rates (local heating on), of the same case
stripping (galvanostatic dissolution at the same current, dead-Li tracking on), the same stripping
with dead-Li tracking off (what the tracking costs), the same stripping with the reversible
exchange (``kmc.exchange = "reversible"``), the one-way stripping with cut-off Li revived on
contact (``kmc.dead_li = "revived_on_contact"``), with revival only within 10 ms of being cut off
(``kmc.sei_passivation_time_s``, the passivation clock), with SEI-coated dead Li
(``kmc.dead_li = "sei_coated"``), with Li joined across gaps of up to two spacings
(``kmc.electronic_contact = "narrow_gap"``) and with the moves that would leave an atom to fall
onto dead Li refused (``kmc.stranding_moves = "refused"``), with both of the last two (the cycling
defaults), and the cost of a deposition vs lattice area. Prints figures; asserts nothing.

Usage: python benchmarks/kmc_throughput.py [--quick] [--smoke] [--fingerprint] [--sides N ...] [--only MODE ...]
[--layers N]
(``--smoke``: lattices of 16^2 and 32^2 columns, one repeat of 2e4 events, and the fingerprints
of short runs; a check that it runs. ``--sides``: the lattices' columns a side instead;
``--layers``: their height instead of 24; ``--only``: only these rows, by mode: plating, stripping,
untracked, reversible, revived, clocked, coated, gap, stranding, defaults; the heated row is
``plating`` with ``--heated``. With any of them, the deposition-only table and ``--smoke``'s
fingerprints are left out.)

``--fingerprint`` prints, instead of timings, a hash of the state (every array of the run's
``KmcState``, the kept sums and the pending work) after each row's case, and after the reversible
and the potentiostatic exchange in a non-uniform field, and after the SEI-coated row and the
cycling defaults with 15 % of the film's top two layers dead Li (the seeds let moves strand atoms,
so the refusal of stranding moves shows in the hash), on 40^2 and 56^2 columns (20 events a
column, then 3 calls of 3e5 events): run it in two source trees to check that a
change to the kernels leaves every trajectory bit-identical (docs/performance.md). The revived and
the clocked rows' states differ only by the clock's times of death (``dead_since``): in these runs
the 10 ms clock never stops a revival.

Case: Li on a 4-layer crystalline film at 300 K and 1 mA/cm^2, bond-counting rates from the
curated atomistic laws (``atomistic.h5`` defaults: E_bond 0.0566 eV, S_bond 0.533 k_B, E_hop
0.0974/0.0474 eV crystalline/glassy), step moves over edges with E_ES = 0 (the default), hops
scaled so that the fastest per-target hop is 1e4 x the per-column deposition rate (hop-dominated:
> 99 % of events are moves). Local heating: the top 50 K hotter, rising over the first 6 layers.
Stripping: after the same plating, no deposition and dissolution at 10 mA/cm^2 with the rates of
``dissolution`` (i0 = 1 mA/cm^2), dead Li tracked; reversible: the same net current through both
branches at the Butler-Volmer overpotential (``Engine.advance(net_rate=...)``).
Lattices of ~1e5, 1e6, 1e7 sites, 24 layers high; one thread; best of 5 repeats of 1e6 events,
each from the same state after 20 events per column, the repeats taken round the lattices in turn
(a slow spell of the machine falls on all of them). ``rel. cost``: ns/event relative to the smallest lattice.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import time

import numpy as np

from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.constants import LI_KMC_SPACING as A
from multiscale.kmc import _kernels as k
from multiscale.kmc import model as m
from multiscale.kmc.dissolution import column_exchange_rate, dissolution_table
from multiscale.kmc.engine import Engine, KmcState


def case(side: int, heated: bool, nz: int = 24, seed: int = 1, stripping: bool = False, revive: bool = False,
         passivation_time_s: float = np.inf, sei_coated: bool = False, narrow_gap: bool = False,
         non_uniform: bool = False, refuse_stranding: bool = False, untracked: bool = False,
         dead_fraction: float = 0.0) -> Engine:
    """The benchmark's case on ``side``^2 columns, ``nz`` layers; ``untracked``: stripping with
    dead-Li tracking off (what the tracking costs); ``non_uniform``: the current density varies as
    1 + 0.5 cos(2 pi x / side) times its mean, 1 mA/cm^2 (a local exchange-current factor);
    ``dead_fraction``: that fraction of the film's top two layers' atoms, drawn with a fixed seed, is dead Li."""
    d = build_datasets(AtomisticParams())["diffusion"]
    energetics = m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk), float(d.Ea_bulk),
                                             A, 0.05, 0.0)
    x = np.arange(side)
    field = 1.0 + 0.5 * np.cos(2 * np.pi * x / side) if non_uniform else np.ones(side)
    dep = m.deposition_rates(np.broadcast_to(10.0 * field, (side, side)).copy(), A)
    table = m.rate_table(energetics, 300.0)
    table = m.rate_table(energetics, 300.0, m.hop_rate_scale(table, dep.mean(), 1e4))
    heating = m.LocalHeating(300.0, np.full((side, side), 50.0), 6.0, energetics) if heated else None
    kd = dissolution_table(energetics, 300.0, 10.0, A) if stripping else None
    occupancy = KmcState.flat((nz, side, side), seed, layers=4).occupancy
    if dead_fraction > 0.0:
        top = occupancy[3:5]  # the 4-layer film's top two layers
        top[np.random.default_rng(5).random(top.shape) < dead_fraction] = k.DEAD

    def build() -> Engine:
        return Engine(KmcState.from_occupancy(occupancy, seed, sei_coated=sei_coated), table, dep, ballistic=True,
                      heating=heating, step_factor=energetics.step_factor(300.0), dissolution=kd,
                      track_dead=stripping and not untracked, revive_dead=revive,
                      passivation_time_s=passivation_time_s, sei_coated=sei_coated, narrow_gap=narrow_gap,
                      refuse_stranding=refuse_stranding)

    engine = build()
    cut = engine.disconnected() if dead_fraction > 0.0 else []
    if len(cut):  # live atoms the seeds cut off the collector are dead too (the kernel keeps none live)
        occupancy.reshape(-1)[cut] = k.DEAD
        engine = build()
    return engine


def mode_case(side: int, heated: bool, mode: str, layers: int = 24) -> Engine:
    """:func:`case` for a row of :data:`FINGERPRINT_CASES`, ``layers`` high; a mode ending in
    ``_seeded`` is that mode with dead Li seeded in the film (:data:`SEEDED_DEAD_FRACTION`)."""
    mode, seeded = mode.removesuffix("_seeded"), mode.endswith("_seeded")
    return case(side, heated, nz=layers, stripping=mode != "plating", untracked=mode == "untracked",
                dead_fraction=SEEDED_DEAD_FRACTION if seeded else 0.0,
                revive=mode in ("revived", "clocked"),
                passivation_time_s=1e-2 if mode == "clocked" else np.inf, sei_coated=mode in ("coated", "defaults"),
                narrow_gap=mode == "gap", non_uniform=mode in ("reversible_field", "potentiostatic_field"),
                refuse_stranding=mode in ("stranding", "defaults"))


def site_bytes(engine: Engine) -> float:
    """Bytes of every array the run keeps, per lattice site."""
    s = engine.state
    arrays = (s.st, s.top, s.slot, s.members, s.class_start, s.class_size, s.mobile, s.tree, engine.grid, engine.rise,
              engine.alias_prob, engine.alias_idx, *engine.dead_scratch, s.dead_since)
    return sum(a.nbytes for a in arrays) / s.st.size


def throughput(sides: list[int], heated: bool, events: int = 1_000_000,
               repeats: int = 5, mode: str = "plating", layers: int = 24) -> list[tuple[float, float, float]]:
    """(events/s, move share, bytes/site) of each lattice, best of ``repeats``. The repeats go
    round the lattices in turn, so that a slow spell of a shared machine falls on all of them.
    Every repeat runs on a copy of the same roughened state, so that a lattice's repeats time the
    same events on a film that holds them: a stripping row dissolves ~1.2 of the 4 layers of 64^2
    columns in 1e6 events, so carried on from repeat to repeat it would strip them bare and time
    the last atoms (docs/performance.md)."""
    prepared = [mode_case(side, heated, mode, layers) for side in sides]
    for eng, side in zip(prepared, sides):
        eng.advance(max_events=20 * side * side)  # roughen the surface first
    best = [(0.0, 0.0)] * len(sides)
    timed = list(prepared)  # each lattice's last timed copy: its hop lists have grown as in a run
    for _ in range(repeats):
        for q, start in enumerate(prepared):
            eng = timed[q] = copy.deepcopy(start)
            before = eng.state.counts.copy()
            t0 = time.perf_counter()
            eng.advance(max_events=events, **_electrochemistry(eng, mode))
            dt = time.perf_counter() - t0
            done = (eng.state.counts - before)[[k.EV_DEPOSIT, k.EV_HOP, k.EV_STEP, k.EV_DISSOLVE]]
            if done.sum() / dt > best[q][0]:
                best[q] = (done.sum() / dt, (done[1] + done[2]) / done.sum())
    return [(rate, share, site_bytes(eng)) for (rate, share), eng in zip(best, timed)]


def _electrochemistry(eng: Engine, mode: str) -> dict:
    """``Engine.advance`` arguments of ``mode``: plating (none), stripping (one-way dissolution at
    the plating current; revived, clocked: the same with revival on, without and with the clock;
    coated: with SEI-coated dead Li; gap: with Li joined across narrow gaps; stranding: with the
    moves that would leave an atom to fall onto dead Li refused; defaults: coated and stranding
    together, the cycling defaults), reversible (the
    galvanostatic exchange at that net current, i0 = 1 mA/cm^2; reversible_field: in a non-uniform
    field) or potentiostatic_field (the potentiostatic exchange at eta = 0 in a non-uniform field)."""
    mode = mode.removesuffix("_seeded")
    if mode in ("stripping", "untracked", "revived", "clocked", "coated", "gap", "stranding", "defaults"):
        return {"deposition_scale": 0.0, "strip_rate": eng.total_deposition_rate}
    if mode == "potentiostatic_field":
        return {"anodic_scale": 1.0}
    if mode in ("reversible", "reversible_field"):
        return {"net_rate": eng.total_deposition_rate, "site_exchange_rate": column_exchange_rate(10.0, A)}
    return {}


def fingerprint(side: int, heated: bool, mode: str, calls: int, events: int) -> str:
    """First 16 hex digits of the SHA-256 of every array of the state (:class:`KmcState`: site
    words, column tops, hop lists, sum tree, random-number state, clock, event counts, times of
    death) and of the engine's kept sums and pending work, after :func:`mode_case` on ``side``^2
    columns ran 20 events a column and then ``calls`` calls of ``events`` events of its
    electrochemistry."""
    eng = mode_case(side, heated, mode)
    eng.advance(max_events=20 * side * side)
    for _ in range(calls):
        eng.advance(max_events=events, **_electrochemistry(eng, mode))
    arrays = [getattr(eng.state, f.name) for f in dataclasses.fields(eng.state) if f.name != "shape"]
    return hashlib.sha256(b"".join(a.tobytes() for a in [*arrays, eng.kept_sums, eng.pending])).hexdigest()[:16]


def print_fingerprints(sides: list[int], events: int, calls: int = 3) -> None:
    """A table of :func:`fingerprint` for every row of :data:`FINGERPRINT_CASES` and lattice in ``sides``."""
    print(f"trajectory fingerprints ({calls} x {events:.0e} events after 20 a column)")
    print(f"{'rates':>34} " + " ".join(f"{f'{side}^2 columns':>17}" for side in sides))
    for heated, mode in FINGERPRINT_CASES:
        hashes = " ".join(f"{fingerprint(side, heated, mode, calls, events):>17}" for side in sides)
        print(f"{FINGERPRINT_CASES[heated, mode]:>34} {hashes}")


#: (heated, mode) -> row label.
CASES = {(False, "plating"): "bond-counting classes", (True, "plating"): "per-site (heating on)",
         (False, "stripping"): "stripping (dead Li on)", (False, "untracked"): "stripping, dead Li untracked",
         (False, "reversible"): "reversible (dead Li on)",
         (False, "revived"): "stripping, revived on contact", (False, "clocked"): "stripping, passivation clock",
         (False, "coated"): "stripping, SEI-coated", (False, "gap"): "stripping, narrow gap",
         (False, "stranding"): "stripping, stranding refused",
         (False, "defaults"): "stripping, the defaults"}
#: The rows of :data:`CASES`, two exchanges in a non-uniform field (their weights and
#: ``potentiostatic`` are computed outside the kernel, ``_kernels.event_scratch``) and two stripping
#: rows with dead Li seeded in the film, so that moves leave atoms to fall onto SEI-coated dead Li
#: and the refusal of stranding moves changes the trajectory (without the seeds the "defaults" row
#: hashes as "SEI-coated"): fingerprinted, not timed.
FINGERPRINT_CASES = {**CASES, (False, "reversible_field"): "reversible, non-uniform field",
                     (False, "potentiostatic_field"): "potentiostatic, non-uniform field",
                     (False, "coated_seeded"): "SEI-coated, dead Li seeded",
                     (False, "defaults_seeded"): "the defaults, dead Li seeded"}
#: Fraction of the atoms of the film's top two layers that the ``_seeded`` rows make dead Li.
SEEDED_DEAD_FRACTION = 0.15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 1e5 and 1e6 lattices")
    parser.add_argument("--smoke", action="store_true", help="tiny lattices, few events: a check that it runs")
    parser.add_argument("--fingerprint", action="store_true",
                        help="print hashes of each row's final state (compare two source trees), no timings")
    parser.add_argument("--sides", type=int, nargs="+", metavar="N",
                        help="columns a side of the timed lattices (24 layers high) instead of the defaults")
    parser.add_argument("--only", nargs="+", metavar="MODE", choices=sorted({mode for _, mode in CASES}),
                        help="time only these rows (by mode)")
    parser.add_argument("--heated", action="store_true", help="with --only: the rows with local heating on")
    parser.add_argument("--layers", type=int, default=24, metavar="N", help="height of the timed lattices (default 24)")
    args = parser.parse_args()
    if args.heated and args.only != ["plating"]:
        parser.error("--heated selects the heated row: with --only plating")
    if args.sides and min(args.sides) < 5:  # lateral periods below 5 join fewer neighbours (_kernels._neighbour_groups)
        parser.error("--sides: at least 5 columns a side")
    if args.fingerprint and (args.sides or args.only or args.layers != 24):
        parser.error("--sides, --only and --layers choose timed rows; --fingerprint times nothing")
    if args.layers < 12:  # the case's 4-layer film and its roughening need room above it
        parser.error("--layers: at least 12")
    fingerprint_events = 2_000 if args.smoke else 300_000
    if args.fingerprint:
        print_fingerprints([16] if args.smoke else [40, 56], fingerprint_events)
        return
    sides = [64, 204] if args.quick else [64, 204, 645]
    events, repeats, deposit_sides = 1_000_000, 5, [64, 256, 1024]
    if args.smoke:
        sides, events, repeats, deposit_sides = [16, 32], 20_000, 1, [16, 32]
    if args.sides:
        sides = sorted(args.sides)
    rows = [(heated, mode) for heated, mode in CASES
            if args.only is None or (mode in args.only and heated == args.heated)]
    for heated, mode in rows:
        eng = mode_case(16, heated, mode)
        eng.advance(max_events=1000, **_electrochemistry(eng, mode))  # compile
    print(f"{'rates':>22} {'sites':>10} {'events/s':>12} {'ns/event':>10} {'rel. cost':>9} {'move share':>10} "
          f"{'bytes/site':>11}")
    for heated, mode in rows:
        label = CASES[heated, mode]
        results = throughput(sides, heated, events, repeats, mode, args.layers)
        for side, (rate, share, nbytes) in zip(sides, results):
            print(f"{label:>22} {args.layers * side * side:>10.2e} {rate:>12.3e} {1e9 / rate:>10.1f} "
                  f"{results[0][0] / rate:>9.2f} {share:>10.3f} {nbytes:>11.2f}")
    if args.sides or args.only or args.layers != 24:
        return
    print("\ndeposition only (hops off): cost per deposition vs lattice area")
    print(f"{'columns':>10} {'ns/deposit':>12}")
    for side in deposit_sides:
        dep = m.deposition_rates(np.full((side, side), 10.0), A)
        eng = Engine(KmcState.flat((8, side, side), 2), np.zeros((4, 7)), dep, ballistic=True)
        n = min(4 * side * side, 2_000_000)
        t0 = time.perf_counter()
        eng.advance(max_deposits=n)
        print(f"{side * side:>10d} {1e9 * (time.perf_counter() - t0) / n:>12.1f}")
    if args.smoke:
        print()
        print_fingerprints([16], fingerprint_events)


if __name__ == "__main__":
    main()
