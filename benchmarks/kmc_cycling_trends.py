"""The seeds' cycling trends in the kMC, several seeds each (docs/validation.md): seed 000's
Coulombic efficiency of deposits plated at low vs high current (equal charge, stripped at the same
current), and dead Li vs the VLCD; and how much the cycling numbers depend on the numerical
parameters (hop acceleration, records per half-cycle, box size). Prints tables (seed means ±
standard errors, and Welch's t of the difference between the first and last row); asserts nothing.

Usage: python benchmarks/kmc_cycling_trends.py
[--only current,vlcd,convergence,exchange,exchange_vlcd,revival,revival_current,passivation,
passivation_current]
[--seeds 8] [--smoke]
(``--smoke``: one seed, a 4 nm box, 2 ML, one cycle, each table's first value; a check that every
table runs.)
Case: params/reference/cycling_trend.toml (10 nm, 12 ML plated, one cycle, stripped at 1 mA/cm^2
to the 0.5 V cut-off, DOPT on, 300 K). Current trend: plating at 0.2 and 2.5 mA/cm^2, uniform
current. VLCD trend: plating at 1 mA/cm^2 with CV 0.05 and 0.8 (10 nm correlation), 3 cycles.
Convergence: plating at 1 mA/cm^2 with CV 0.5, 3 cycles; kmc.max_hop_to_deposition 250, 1000
(the default), 4000; cycling.records_per_half_cycle 4 and 16; a 10 and a 20 nm box (12 nm high).
Exchange (``kmc.exchange``, uniform current, 3 cycles at 1 mA/cm^2): one-way vs reversible; with
the reversible exchange, the current trend and the hop acceleration (250, 1000, 4000);
exchange_vlcd: the VLCD trend with the reversible exchange. Revival (``kmc.dead_li =
"revived_on_contact"``): one-way vs reversible, the VLCD trend (one-way) and the hop acceleration
(reversible); revival_current: the current trend with each exchange. The "revived" column: atoms
revived by contact per atom plated, per cycle. Passivation (revival within
``kmc.sei_passivation_time_s`` of being cut off, reversible exchange, 3 cycles): the clock
1 ms - 1 s, and 4000x hops at 10 ms; passivation_current: the current trend at 10 ms with each
exchange.
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


def _cycling(base, overrides: dict, seeds, out: Path) -> list:
    """The ``cycling`` group of one run per seed, each in a directory of its own."""
    groups = []
    for seed in seeds:
        run = multiscale.run(with_overrides(base, {"seed": seed, **overrides}), out=out / f"run{next(_RUN_NUMBER)}")
        groups.append((read_dataset(run / "kmc.h5", "cycling"), read_dataset(run / "kmc.h5")))
    return groups


def _mean_se(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")


def _welch(a, b) -> float:
    (ma, sa), (mb, sb) = _mean_se(a), _mean_se(b)
    return (ma - mb) / np.hypot(sa, sb) if np.isfinite(np.hypot(sa, sb)) and np.hypot(sa, sb) > 0 else float("nan")


def _plating_overpotential(ds) -> float:
    """Mean overpotential of the plating records, V (NaN when not recorded: the one-way exchange)."""
    eta = ds.overpotential.values[(ds.half_cycle.values == 0) & np.isfinite(ds.overpotential.values)]
    return float(eta.mean()) if eta.size else float("nan")


def table(base, label: str, key: str, values, seeds, out: Path, extra: dict) -> None:
    print(f"\n{label} ({len(seeds)} seeds; CE = stripped / plated, dead Li per atom plated, per cycle)")
    print(f"{label:>22} {'crystalline':>13} {'CE':>18} {'dead Li / plated':>18} {'revived / plated':>18} "
          f"{'eta plating (mV)':>18} {'s/run':>6}")
    rows = {}
    for value in values:
        t0 = time.perf_counter()
        runs = _cycling(base, {key: value, **extra}, seeds, out)
        crystal = [float(cyc.crystalline_fraction_plated[0]) for cyc, _ in runs]
        ce = [float(cyc.coulombic_efficiency.mean()) for cyc, _ in runs]
        dead = [float(cyc.dead_fraction.mean()) for cyc, _ in runs]
        eta = [1e3 * _plating_overpotential(ds) for _, ds in runs]
        revived = [float(ds.revived_atoms[-1]) / float(cyc.plated_atoms.sum()) for cyc, ds in runs]
        rows[value] = (ce, dead)
        (mc, sc), (me, se), (md, sd), (mv, sv) = _mean_se(crystal), _mean_se(ce), _mean_se(dead), _mean_se(eta)
        mr, sr = _mean_se(revived)
        print(f"{value!s:>22} {mc:>6.3f}±{sc:<6.3f} {me:>9.5f}±{se:<8.5f} {md:>9.5f}±{sd:<8.5f} {mr:>9.5f}±{sr:<8.5f} "
              f"{mv:>9.1f}±{sv:<8.1f} {(time.perf_counter() - t0) / len(seeds):>6.1f}")
    low, high = values[0], values[-1]
    print(f"Welch t, CE({low}) - CE({high}): {_welch(rows[low][0], rows[high][0]):.2f}; "
          f"dead({high}) - dead({low}): {_welch(rows[high][1], rows[low][1]):.2f}")


def main() -> None:
    args, only = parse(__doc__, "current,vlcd,convergence,exchange,exchange_vlcd,revival,revival_current,passivation,"
                       "passivation_current", 8, "one seed, a 4 nm box, 2 ML, one cycle, each table's first value")
    base = multiscale.load_params(PARAMS / "reference" / "cycling_trend.toml")
    seeds = list(range(1, args.seeds + 1))
    if args.smoke:
        base = with_overrides(base, {"kmc.lateral_size_nm": 4.0, "kmc.box_height_nm": 4.0, "cycling.kmc_capacity_ML": 2.0})
        seeds = [1]
    with tempfile.TemporaryDirectory() as tmp:

        def run(label: str, key: str, values: list, extra: dict) -> None:
            if args.smoke:
                values, extra = values[:1], {**extra, "cycling.cycles": 1}
            table(base, label, key, values, seeds, Path(tmp), extra)

        three = {"cycling.cycles": 3}
        if "current" in only:
            run("plating j (mA/cm2)", "cycling.plating_current_density_mA_cm2", [0.2, 2.5], {})
        if "vlcd" in only:
            run("VLCD CV", "electrode.vlcd_cv", [0.05, 0.8], three)
        if "convergence" in only:
            case = {**three, "electrode.vlcd_cv": 0.5}
            run("max hop / deposition", "kmc.max_hop_to_deposition", [250.0, 1000.0, 4000.0], case)
            run("records / half-cycle", "cycling.records_per_half_cycle", [4, 16], case)
            size = [10.0, 20.0] if not args.smoke else [4.0]
            run("lateral size (nm)", "kmc.lateral_size_nm", size,
                {**case, "kmc.box_height_nm": 12.0})  # room for the wider box's taller peaks
        reversible = {"kmc.exchange": "reversible"}
        if "exchange" in only:
            run("exchange", "kmc.exchange", ["one_way", "reversible"], three)
            run("plating j (mA/cm2), rev.", "cycling.plating_current_density_mA_cm2", [0.2, 2.5], reversible)
            run("max hop / dep., rev.", "kmc.max_hop_to_deposition", [250.0, 1000.0, 4000.0], {**three, **reversible})
        if "exchange_vlcd" in only:
            run("VLCD CV, reversible", "electrode.vlcd_cv", [0.05, 0.8], {**three, **reversible})
        revive = {"kmc.dead_li": "revived_on_contact"}
        if "revival_current" in only:
            for exchange in ("one_way", "reversible"):
                run(f"plating j, {exchange}, rev.", "cycling.plating_current_density_mA_cm2", [0.2, 2.5],
                    {"kmc.exchange": exchange, **revive})
        if "revival" in only:
            run("exchange, revived", "kmc.exchange", ["one_way", "reversible"], {**three, **revive})
            run("VLCD CV, revived", "electrode.vlcd_cv", [0.05, 0.8], {**three, **revive})
            run("max hop / dep., rev., revived", "kmc.max_hop_to_deposition", [250.0, 1000.0, 4000.0],
                {**three, **reversible, **revive})
        clock = {**revive, "kmc.sei_passivation_time_s": 1e-2}
        if "passivation_current" in only:
            for exchange in ("one_way", "reversible"):
                run(f"plating j, {exchange}, 10 ms", "cycling.plating_current_density_mA_cm2", [0.2, 2.5],
                    {"kmc.exchange": exchange, **clock})
        if "passivation" in only:
            run("SEI passivation (s)", "kmc.sei_passivation_time_s", [1e-3, 1e-2, 1e-1, 1.0],
                {**three, **reversible, **revive})
            run("max hop / dep., 10 ms", "kmc.max_hop_to_deposition", [1000.0, 4000.0], {**three, **reversible, **clock})


if __name__ == "__main__":
    main()
