"""kMC stripping kinetics of a flat surface against Butler-Volmer: prints, per overpotential, the
net, anodic and cathodic current densities of a potentiostatic run (mean +- standard error over
seeds) and the Butler-Volmer net i0 [exp(alpha_a f eta) - exp(-alpha_c f eta)]. Asserts nothing.

Usage: python benchmarks/kmc_butler_volmer.py [--seeds 3] [--smoke]
(``--smoke``: 12^2 columns, one seed, short windows; a check that it runs.)

Case (docs/models.md §4.8, docs/validation.md): a crystalline film of 16 layers on 24 x 24 columns,
300 K, curated atomistic laws, i0 = 1 mA/cm^2, alpha_a = alpha_c = 1/2, column-top arrival (every
arrival on crystal stays crystalline), hops accelerated to 300 x the exchange rate of a column.
The film first settles 20 s at eta = 0; the window at eta is at most 5 s and at most ~3 monolayers
of net change.
"""

from __future__ import annotations

import argparse

import numpy as np

from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.constants import ELEMENTARY_CHARGE as E
from multiscale.constants import LI_KMC_SPACING as A
from multiscale.kmc import _kernels as k
from multiscale.kmc import dissolution as dz
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState

T, I0 = 300.0, 10.0  # K, A/m^2
MONOLAYER = E / A**2  # C/m^2 of one dense layer


def film(side: int, seed: int) -> Engine:
    d = build_datasets(AtomisticParams())["diffusion"]
    energetics = m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk),
                                             float(d.Ea_bulk), A, 0.05, 0.0)
    f0 = dz.column_exchange_rate(I0, A)
    table = m.rate_table(energetics, T)
    table = m.rate_table(energetics, T, m.hop_rate_scale(table, f0, 300.0))
    return Engine(KmcState.flat((40, side, side), seed, layers=16), table, np.full((side, side), f0), False, 1.0, None,
                  energetics.step_factor(T), dissolution=dz.dissolution_table(energetics, T, I0, A), track_dead=True)


def currents(eng: Engine, eta_kT: float, window_s: float) -> tuple[float, float, float]:
    """(net anodic, anodic, cathodic) current densities over a window at eta (k_B T / e), A/m^2."""
    s = eng.state
    before, t0 = s.counts.copy(), float(s.clock[0])
    eng.advance(t_end=t0 + window_s, deposition_scale=np.exp(-0.5 * eta_kT), anodic_scale=np.exp(0.5 * eta_kT))
    done = s.counts - before
    scale = E / (s.shape[1] * s.shape[2] * A**2 * window_s)
    return ((done[k.EV_DISSOLVE] - done[k.EV_DEPOSIT]) * scale, done[k.EV_DISSOLVE] * scale, done[k.EV_DEPOSIT] * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="12^2 columns, one seed, short windows")
    args = parser.parse_args()
    side, seeds, settle, longest = (12, 1, 0.5, 0.2) if args.smoke else (24, args.seeds, 20.0, 5.0)
    print(f"{'eta (kT/e)':>10} {'net (A/m2)':>16} {'BV net (A/m2)':>14} {'net / BV':>9} {'anodic':>9} {'cathodic':>9}")
    for eta in (0.0, 0.5, -0.5, 1.0, 2.0, 4.0):
        bv = I0 * (np.exp(0.5 * eta) - np.exp(-0.5 * eta))
        window = longest if bv == 0 else min(longest, 3 * MONOLAYER / abs(bv))
        rows = []
        for seed in range(1, seeds + 1):
            eng = film(side, seed)
            eng.advance(t_end=settle, anodic_scale=1.0)
            rows.append(currents(eng, eta, window))
        r = np.array(rows)
        se = r[:, 0].std(ddof=1) / np.sqrt(seeds) if seeds > 1 else np.nan
        ratio = r[:, 0].mean() / bv if bv else np.nan
        print(f"{eta:>10.1f} {r[:, 0].mean():>9.3f} ± {se:<5.2g} {bv:>14.3f} {ratio:>9.3f} {r[:, 1].mean():>9.3f} "
              f"{r[:, 2].mean():>9.3f}")


if __name__ == "__main__":
    main()
