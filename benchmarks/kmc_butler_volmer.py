"""kMC stripping of a flat film against its analytic limits. (1) Kinetics against Butler-Volmer:
per overpotential, the net, anodic and cathodic current densities of a potentiostatic run (mean +-
standard error over seeds) and the Butler-Volmer net i0 [exp(alpha_a f eta) - exp(-alpha_c f eta)].
(2) The same table on a smaller film at hop accelerations 300, 3000 and 30000 x the exchange rate
of a column (a numerical parameter: it must not change the answer). (3) A dense film stripped at
low current to the cut-off against CE = 1 with no dead Li: the atoms lost (dead + live left) per
initial atom, vs the hop acceleration. Asserts nothing.

Usage: python benchmarks/kmc_butler_volmer.py [--only bv,acceleration,film] [--seeds 3] [--smoke]
(``--smoke``: 12^2 columns, one seed, short windows, one acceleration, a 4-layer film; a check
that it runs.)

Case (docs/models.md §4.8, docs/validation.md): a crystalline film of 16 layers on 24 x 24 columns,
300 K, curated atomistic laws, i0 = 1 mA/cm^2, alpha_a = alpha_c = 1/2, column-top arrival (every
arrival on crystal stays crystalline), hops accelerated to 300 x the exchange rate of a column.
The film first settles 20 s at eta = 0; the window at eta is at most 5 s and at most ~3 monolayers
of net change. Acceleration table: 16 layers on 12 x 12 columns, settled 5 s, the same windows.
A run stops when dead Li covers every column: one that stops while settling is counted and left
out of the means; one that stops in its window is counted, its currents taken over the time it
ran. The dead atoms are the most of any seed, counted from the start (settling and window).
Dense film: 8 crystalline layers on 16 x 16 columns stripped galvanostatically at
0.1 mA/cm^2 to the 0.5 V cut-off (no deposition), hops accelerated to 300, 1000 and 3000 x the
exchange rate of a column; 8 seeds (``--seeds`` sets the two Butler-Volmer tables' only).
"""

from __future__ import annotations

import numpy as np

from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.constants import ELEMENTARY_CHARGE as E
from multiscale.constants import LI_KMC_SPACING as A
from multiscale.kmc import _kernels as k
from multiscale.kmc import dissolution as dz
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState

from _cli import parse

T, I0 = 300.0, 10.0  # K, A/m^2
MONOLAYER = E / A**2  # C/m^2 of one dense layer


def film(side: int, seed: int, layers: int = 16, acceleration: float = 300.0, ballistic: bool = False) -> Engine:
    """A crystalline film of ``layers`` on side^2 columns, ions reduced at the exchange rate of a
    column, hops accelerated to ``acceleration`` x that rate, dead Li tracked."""
    d = build_datasets(AtomisticParams())["diffusion"]
    energetics = m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk),
                                             float(d.Ea_bulk), A, 0.05, 0.0)
    f0 = dz.column_exchange_rate(I0, A)
    table = m.rate_table(energetics, T)
    table = m.rate_table(energetics, T, m.hop_rate_scale(table, f0, acceleration))
    return Engine(KmcState.flat((layers + 24, side, side), seed, layers=layers), table, np.full((side, side), f0),
                  ballistic, 1.0, None, energetics.step_factor(T), dissolution=dz.dissolution_table(energetics, T, I0, A),
                  track_dead=True)


def strip_film(side: int, layers: int, acceleration: float, seed: int) -> tuple[int, int, int]:
    """(dead atoms, live atoms left, initial atoms) after stripping a dense film at 0.1 mA/cm^2
    (1 A/m^2) to the 0.5 V cut-off."""
    eng = film(side, seed, layers, acceleration, ballistic=True)
    s = eng.state
    atoms = s.n_atoms
    rate = 1.0 * side * side * A**2 / E
    floor = dz.strip_floor(rate, I0 * side * side * A**2 / E, 0.5, 0.5, 0.5, T)
    eng.advance(deposition_scale=0.0, strip_rate=rate, strip_floor=floor)
    return s.n_dead, s.n_atoms, atoms


def film_table(side: int, layers: int, accelerations, seeds) -> None:
    print(f"\ndense film, {layers} layers on {side}^2, 0.1 mA/cm2 to the cut-off ({len(seeds)} seeds; analytic limit: 0 lost)")
    print(f"{'hops / exchange':>15} {'lost / initial':>20} {'dead atoms per seed':>30}")
    for acceleration in accelerations:
        runs = [strip_film(side, layers, acceleration, seed) for seed in seeds]
        lost = np.array([(dead + live) / atoms for dead, live, atoms in runs])
        se = lost.std(ddof=1) / np.sqrt(lost.size) if lost.size > 1 else np.nan
        print(f"{acceleration:>15g} {lost.mean():>10.2e} ± {se:<7.1e} {str([dead for dead, _, _ in runs]):>30}")


def currents(eng: Engine, eta_kT: float, window_s: float) -> tuple[float, float, float, bool]:
    """(net anodic, anodic, cathodic) current densities over a window at eta (k_B T / e), A/m^2,
    and whether the run stopped before the window's end (the currents are then over the time it ran)."""
    s = eng.state
    before, t0 = s.counts.copy(), float(s.clock[0])
    status = eng.advance(t_end=t0 + window_s, deposition_scale=np.exp(-0.5 * eta_kT), anodic_scale=np.exp(0.5 * eta_kT))
    done = s.counts - before
    scale = E / (s.shape[1] * s.shape[2] * A**2 * (float(s.clock[0]) - t0))
    return ((done[k.EV_DISSOLVE] - done[k.EV_DEPOSIT]) * scale, done[k.EV_DISSOLVE] * scale, done[k.EV_DEPOSIT] * scale,
            status != k.ST_TIME)


def bv_table(side: int, n_seeds: int, settle: float, longest: float, acceleration: float = 300.0) -> None:
    """Net, anodic and cathodic current densities vs eta on a ``side``^2 film against Butler-Volmer
    (means over the seeds whose film did not stop while settling), the runs that stopped while
    settling or in the window, and the most dead atoms of a run (settling and window)."""
    print(f"{side}^2 columns, hops at {acceleration:g} x the exchange rate of a column, settled {settle:g} s, "
          f"{n_seeds} seed(s)")
    print(f"{'eta (kT/e)':>10} {'net (A/m2)':>16} {'BV net (A/m2)':>14} {'net / BV':>9} {'anodic':>9} {'cathodic':>9} "
          f"{'stopped settling':>16} {'in window':>9} {'dead atoms':>10}")
    for eta in (0.0, 0.5, -0.5, 1.0, 2.0, 4.0):
        bv = I0 * (np.exp(0.5 * eta) - np.exp(-0.5 * eta))
        window = longest if bv == 0 else min(longest, 3 * MONOLAYER / abs(bv))
        rows, settling, in_window, dead = [], 0, 0, []
        for seed in range(1, n_seeds + 1):
            eng = film(side, seed, acceleration=acceleration)
            if eng.advance(t_end=settle, anodic_scale=1.0) != k.ST_TIME:
                settling += 1
                rows.append([np.nan] * 3)
            else:
                *row, late = currents(eng, eta, window)
                rows.append(row)
                in_window += late
            dead.append(int(eng.state.n_dead))
        r = np.array(rows)
        kept = r[np.isfinite(r[:, 0])]
        mean = kept.mean(axis=0) if kept.size else np.full(3, np.nan)
        se = kept[:, 0].std(ddof=1) / np.sqrt(len(kept)) if len(kept) > 1 else np.nan
        ratio = mean[0] / bv if bv else np.nan
        print(f"{eta:>10.1f} {mean[0]:>9.3f} ± {se:<5.2g} {bv:>14.3f} {ratio:>9.3f} {mean[1]:>9.3f} "
              f"{mean[2]:>9.3f} {settling:>16d} {in_window:>9d} {max(dead):>10d}")


def main() -> None:
    args, only = parse(__doc__, "bv,acceleration,film", 3,
                       "12^2 columns, one seed, short windows, one acceleration, a 4-layer film")
    smoke = (12, 1, 0.5, 0.2)  # side, seeds, settle (s), longest window (s)
    if "bv" in only:
        bv_table(*(smoke if args.smoke else (24, args.seeds, 20.0, 5.0)))
    if "acceleration" in only:
        for acceleration in [3000.0] if args.smoke else [300.0, 3000.0, 30000.0]:
            bv_table(*(smoke if args.smoke else (12, args.seeds, 5.0, 5.0)), acceleration)
    if "film" in only:
        if args.smoke:
            film_table(8, 4, [300.0], [1])
        else:
            film_table(16, 8, [300.0, 1000.0, 3000.0], list(range(1, 9)))


if __name__ == "__main__":
    main()
