"""kMC stripping of a flat film against its analytic limits. (1) Kinetics against Butler-Volmer:
per overpotential, the net, anodic and cathodic current densities of the potentiostatic
(reversible) exchange (mean +- standard error over seeds) against Butler-Volmer with the exchange
current i_ex measured at eta = 0 (the cathodic current there) and with the input i0, both
i [exp(alpha_a f eta) - exp(-alpha_c f eta)]. (2) The same table at hop accelerations 300, 3000,
30000 and 100000 x the exchange rate of a column (a numerical parameter: it must not change the
answer). (3) Dead Li at eta = 0 with dead-Li tracking on, vs the acceleration. (4) A dense film
stripped at low current to the cut-off against CE = 1 with no dead Li: the atoms lost (dead + live
left) per initial atom (mean +- standard error, and the one-sided 95 % upper bound on the
expected loss, ``multiscale.analysis.loss_upper_bound`` in pieces of
``multiscale.analysis.DENSE_FILM_ATOMS_PER_PIECE`` atoms, the tests' criterion), vs the hop
acceleration. Table 3 is printed twice: with cut-off Li dead for good, and revived when live Li
touches it (``kmc.dead_li``); table 4 four times: also with dead Li SEI-coated (dead for good,
binding no Li), with Li joined across gaps of up to two lattice spacings
(``kmc.electronic_contact = "narrow_gap"``, dead for good), and with the cycling defaults
(SEI-coated, and the moves that would strand Li refused, ``kmc.stranding_moves``; also at
4000x, the shipped cycling acceleration). Asserts nothing.

Usage: python benchmarks/kmc_butler_volmer.py [--only bv,acceleration,dead,film,film_temperature] [--seeds 3]
[--smoke]
(``--smoke``: one seed, short windows, one acceleration, a 4-layer film; a check that it runs.)

Case (docs/models.md §4.8, docs/validation.md): a crystalline film of 16 layers on 12 x 12
columns, 300 K, curated atomistic laws, i0 = 1 mA/cm^2, alpha_a = alpha_c = 1/2, arrivals on
crystal crystalline, dead-Li tracking off (irreversible by assumption; table 3 has it on). Each
seed's film settles 5 s at eta = 0; each overpotential then runs from a copy of the settled film
for 5 s at eta = 0, else for about three monolayers (0.6 / |exp(f eta / 2) - exp(-f eta / 2)| s).
Table 1 has hops at 100000 x the exchange rate of a column (the validation test's case,
``tests/validation/test_kmc_cycling.py``). Table 3: the film settles 5 s and runs 5 s more at
eta = 0 with dead Li tracked; the dead atoms are the most of any seed. Dense film: 8 crystalline
layers on 16 x 16 columns stripped galvanostatically at 0.1 mA/cm^2 to the 0.5 V cut-off (no
deposition, dead Li tracked), hops accelerated to 300, 1000 and 3000 x the exchange rate of a
column; 8 seeds (``--seeds`` sets the other tables' only). film_temperature: the dense film with
dead Li that binds and SEI-coated at 350, 300, 250, 200 and 150 K (hops at 300 and 3000 x the
exchange rate of a column at each temperature), beside the lattice gas's equilibrium adatom
fraction: the limit's premise, a film that thins layer by layer, holds where few islands are
left to undercut.
"""

from __future__ import annotations

import copy
import functools

import numpy as np

from multiscale.analysis import DENSE_FILM_ATOMS_PER_PIECE, loss_upper_bound
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


@functools.cache
def curated_energetics() -> m.HopEnergetics:
    """Hop energetics from the curated atomistic laws (built once)."""
    d = build_datasets(AtomisticParams())["diffusion"]
    return m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk), float(d.Ea_bulk),
                                       A, 0.05, 0.0)


def film(side: int, seed: int, layers: int = 16, acceleration: float = 30000.0, ballistic: bool = False,
         track_dead: bool = False, state: KmcState | None = None, rule: str = "stays_dead",
         narrow_gap: bool = False, temperature_K: float = T, refuse_stranding: bool = False) -> Engine:
    """A crystalline film of ``layers`` on side^2 columns (or ``state``) at ``temperature_K``, ions
    reduced at the exchange rate of a column, hops accelerated to ``acceleration`` x that rate (at
    that temperature); ``rule``: what becomes of cut-off Li, as ``kmc.dead_li``; ``narrow_gap``: Li
    joined across gaps of up to two spacings; ``refuse_stranding``: ``kmc.stranding_moves = "refused"``."""
    energetics = curated_energetics()
    f0 = dz.column_exchange_rate(I0, A)
    table = m.rate_table(energetics, temperature_K)
    table = m.rate_table(energetics, temperature_K, m.hop_rate_scale(table, f0, acceleration))
    if state is None:
        state = KmcState.flat((layers + 24, side, side), seed, layers=layers)
    return Engine(state, table, np.full((side, side), f0), ballistic, 1.0, None, energetics.step_factor(temperature_K),
                  dissolution=dz.dissolution_table(energetics, temperature_K, I0, A), track_dead=track_dead,
                  revive_dead=rule == "revived_on_contact", sei_coated=rule == "sei_coated",
                  narrow_gap=narrow_gap, refuse_stranding=refuse_stranding)


def strip_film(side: int, layers: int, acceleration: float, seed: int, rule: str, narrow_gap: bool,
               temperature_K: float = T, refuse_stranding: bool = False
               ) -> tuple[int, int, int, int, np.ndarray, list[int]]:
    """(dead atoms, live atoms left, initial atoms, atoms ever marked dead, clusters cut off in
    each size bin of ``_kernels.CUT_OFF_EDGES``, the squared gap of each piece cut off) after
    stripping a dense film at 0.1 mA/cm^2 (1 A/m^2) to the 0.5 V cut-off. The run stops after
    every dissolution (a resumed run goes on bit for bit), so each new piece of dead Li is seen
    right after the dissolution that cut it off, or one that followed the moves that did (a fall);
    its gap (:func:`_squared_gap`) is then taken. At ``temperature_K`` (the film, its hops and the
    cut-off's floor); ``refuse_stranding`` as in :func:`film`."""
    eng = film(side, seed, layers, acceleration, ballistic=True, track_dead=True, rule=rule, narrow_gap=narrow_gap,
               temperature_K=temperature_K, refuse_stranding=refuse_stranding)
    s = eng.state
    atoms = s.n_atoms
    rate = 1.0 * side * side * A**2 / E
    floor = dz.strip_floor(rate, I0 * side * side * A**2 / E, 0.5, 0.5, 0.5, temperature_K)
    gaps, dead_before, marked = [], s.occupancy == k.DEAD, 0
    while True:
        status = eng.advance(deposition_scale=0.0, strip_rate=rate, strip_floor=floor,
                             max_dissolutions=int(s.counts[k.EV_DISSOLVE]) + 1)
        if s.counts[k.EV_DEAD] != marked:
            marked = int(s.counts[k.EV_DEAD])
            dead = s.occupancy == k.DEAD
            gaps += _squared_gap(s.occupancy, dead & ~dead_before)
            dead_before = dead
        if status != k.ST_DISSOLVED:
            break
    return (s.n_dead, s.n_atoms, atoms, int(s.counts[k.EV_DEAD]), s.counts[k.EV_CUT_OFFS:k.EV_CUT_ATOMS].copy(),
            gaps)


def _squared_gap(occupancy: np.ndarray, new: np.ndarray) -> list[int]:
    """For each face-connected piece of ``new`` (bool, (nz, ny, nx), z = 0 the substrate; periodic
    in y and x), the least squared distance (lattice spacings squared, lateral distances the short
    way round) from any of its atoms to live Li or to the collector (the substrate plane)."""
    nz, ny, nx = occupancy.shape
    live = np.argwhere((occupancy == m.GLASSY) | (occupancy == m.CRYSTAL))
    new = new.copy()
    new[0] = False
    labels, n = k.label_clusters(new.ravel().astype(np.uint8), 1, k.lateral_grid(nx, ny), nz)
    labels = labels.reshape(new.shape)
    gaps = []
    for piece in range(n):
        sites = np.argwhere(labels == piece)
        best = int(sites[:, 0].min()) ** 2
        if live.size:
            d = np.abs(sites[:, None, :] - live[None, :, :])
            d[..., 1] = np.minimum(d[..., 1], ny - d[..., 1])
            d[..., 2] = np.minimum(d[..., 2], nx - d[..., 2])
            best = min(best, int((d**2).sum(-1).min()))
        gaps.append(best)
    return gaps


RULES = {"stays_dead": "dead for good", "revived_on_contact": "revived on contact",
         "sei_coated": "dead for good, SEI-coated (binds no Li)"}


def film_table(side: int, layers: int, accelerations, seeds, rule: str, narrow_gap: bool,
               temperatures=(T,), refuse_stranding: bool = False) -> None:
    """A row for each hop acceleration and temperature (K); the ``adatoms`` column is the
    equilibrium fraction of terrace sites that hold an adatom at that temperature,
    ``HopEnergetics.adatom_fraction`` (the thermal roughness the film's layers carry while
    they are stripped)."""
    joined = ", Li joined across gaps of up to two spacings" if narrow_gap else ""
    joined += ", moves that strand Li refused" if refuse_stranding else ""
    print(f"\ndense film, {layers} layers on {side}^2, 0.1 mA/cm2 to the cut-off, cut-off Li {RULES[rule]}{joined} "
          f"({len(seeds)} seeds; analytic limit: 0 lost)")
    sizes = ", ".join(str(lo) for lo in k.CUT_OFF_EDGES)
    print(f"{'hops / exchange':>15} {'T (K)':>6} {'adatoms':>8} {'lost / initial':>20} {'bound':>8} "
          f"{'dead atoms per seed':>30} "
          f"{'ever marked dead':>30}  clusters cut off, all seeds, of >= {sizes} atoms; pieces cut off within 1, "
          "sqrt 2, sqrt 3, 2, more spacings of live Li or the collector")
    for acceleration in accelerations:
        for temperature in temperatures:
            runs = [strip_film(side, layers, acceleration, seed, rule, narrow_gap, temperature, refuse_stranding)
                    for seed in seeds]
            lost = np.array([(run[0] + run[1]) / run[2] for run in runs])
            se = lost.std(ddof=1) / np.sqrt(lost.size) if lost.size > 1 else np.nan
            bound = loss_upper_bound([run[0] + run[1] for run in runs], [run[2] for run in runs],
                                     atoms_per_piece=DENSE_FILM_ATOMS_PER_PIECE)
            gaps = np.array([gap for run in runs for gap in run[5]], int)
            by_gap = [int(np.count_nonzero(gaps == g)) for g in (1, 2, 3, 4)] + [int(np.count_nonzero(gaps > 4))]
            print(f"{acceleration:>15g} {temperature:>6g} {curated_energetics().adatom_fraction(temperature):>8.4f} "
                  f"{lost.mean():>10.2e} ± {se:<7.1e} {bound:>8.2e} {str([run[0] for run in runs]):>30} "
                  f"{str([run[3] for run in runs]):>30}  {sum(run[4] for run in runs)}; {by_gap}")


def currents(eng: Engine, eta_kT: float, window_s: float) -> tuple[float, float, float, bool]:
    """(net anodic, anodic, cathodic) current densities over a window at eta (k_B T / e), A/m^2,
    and whether the run stopped before the window's end (the currents are then over the time it ran)."""
    s = eng.state
    before, t0 = s.counts.copy(), float(s.clock[0])
    status = eng.advance(t_end=t0 + window_s, deposition_scale=np.exp(-0.5 * eta_kT),
                         anodic_scale=np.exp(0.5 * eta_kT))
    done = s.counts - before
    scale = E / (s.shape[1] * s.shape[2] * A**2 * (float(s.clock[0]) - t0))
    net = (done[k.EV_DISSOLVE] - done[k.EV_DEPOSIT]) * scale
    return net, done[k.EV_DISSOLVE] * scale, done[k.EV_DEPOSIT] * scale, status != k.ST_TIME


def bv_table(side: int, n_seeds: int, settle: float, acceleration: float) -> None:
    """Net, anodic and cathodic current densities vs eta against Butler-Volmer with the measured
    exchange current i_ex (cathodic at eta = 0) and with the input i0."""
    etas = (0.0, 0.5, -0.5, 1.0, -1.0, 2.0, 4.0)
    rows = np.zeros((n_seeds, len(etas), 3))
    stopped = np.zeros(len(etas), int)
    for q, seed in enumerate(range(1, n_seeds + 1)):
        eng = film(side, seed, acceleration=acceleration)
        eng.advance(t_end=settle, anodic_scale=1.0)
        for j, eta in enumerate(etas):
            shape = np.exp(0.5 * eta) - np.exp(-0.5 * eta)
            probe = film(side, seed, acceleration=acceleration, state=copy.deepcopy(eng.state))
            *rows[q, j], late = currents(probe, eta, settle if eta == 0 else min(settle, 0.6 / abs(shape)))
            stopped[j] += late
    mean = rows.mean(axis=0)
    se = rows[:, :, 0].std(axis=0, ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else np.full(len(etas), np.nan)
    i_ex = mean[0, 2]
    print(f"\n{side}^2 columns, hops at {acceleration:g} x the exchange rate of a column, settled {settle:g} s, "
          f"{n_seeds} seed(s); exchange current i_ex = {i_ex:.3f} A/m2 (cathodic at eta = 0; i0 = {I0:g})")
    print(f"{'eta (kT/e)':>10} {'net (A/m2)':>16} {'net / BV(i_ex)':>14} {'net / BV(i0)':>12} {'anodic':>9} "
          f"{'cathodic':>9} {'stopped':>7}")
    for j, eta in enumerate(etas):
        shape = np.exp(0.5 * eta) - np.exp(-0.5 * eta)
        ratio = f"{mean[j, 0] / (i_ex * shape):>7.3f} ± {se[j] / abs(i_ex * shape):<4.2f}" if shape else " " * 14
        ratio0 = f"{mean[j, 0] / (I0 * shape):>12.3f}" if shape else " " * 12
        print(f"{eta:>10.1f} {mean[j, 0]:>9.3f} ± {se[j]:<5.2g} {ratio} {ratio0} {mean[j, 1]:>9.3f} "
              f"{mean[j, 2]:>9.3f} {stopped[j]:>7d}")


def dead_table(side: int, n_seeds: int, settle: float, accelerations, rule: str) -> None:
    """Net current and dead atoms at eta = 0 with dead-Li tracking on (settle, then as long again)."""
    print(f"\neta = 0 with dead Li tracked (cut-off Li {RULES[rule]}), {side}^2 columns, {settle:g} s + {settle:g} s, "
          f"{n_seeds} seed(s)")
    print(f"{'hops / exchange':>15} {'net (A/m2)':>16} {'dead atoms (most)':>18} {'initial atoms':>13}")
    for acceleration in accelerations:
        nets, dead = [], []
        for seed in range(1, n_seeds + 1):
            eng = film(side, seed, acceleration=acceleration, track_dead=True, rule=rule)
            eng.advance(t_end=settle, anodic_scale=1.0)
            nets.append(currents(eng, 0.0, settle)[0])
            dead.append(eng.state.n_dead)
        se = np.std(nets, ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else np.nan
        print(f"{acceleration:>15g} {np.mean(nets):>9.3f} ± {se:<5.2g} {max(dead):>18d} {16 * side * side:>13d}")


def main() -> None:
    args, only = parse(__doc__, "bv,acceleration,dead,film,film_temperature", 3,
                       "one seed, short windows, one acceleration, a 4-layer film")
    settle = 0.5 if args.smoke else 5.0
    seeds = 1 if args.smoke else args.seeds
    if "bv" in only:
        bv_table(12, seeds, settle, 3000.0 if args.smoke else 100000.0)
    if "acceleration" in only:
        for acceleration in [300.0] if args.smoke else [300.0, 3000.0, 30000.0]:
            bv_table(12, seeds, settle, acceleration)
    if "dead" in only:
        for rule in ("stays_dead", "revived_on_contact"):
            dead_table(12, seeds, settle, [300.0] if args.smoke else [300.0, 3000.0, 30000.0], rule)
    if "film" in only:
        cases = [(rule, False, False) for rule in RULES] + [("stays_dead", True, False), ("sei_coated", False, True)]
        for rule, narrow_gap, refuse in cases:
            if args.smoke:
                film_table(8, 4, [300.0], [1], rule, narrow_gap, refuse_stranding=refuse)
            else:
                accelerations = [300.0, 1000.0, 3000.0] + ([4000.0] if refuse else [])
                film_table(16, 8, accelerations, list(range(1, 9)), rule, narrow_gap, refuse_stranding=refuse)
    if "film_temperature" in only:
        for rule in ("stays_dead", "sei_coated"):
            if args.smoke:
                film_table(8, 4, [300.0], [1], rule, False, (200.0,))
            else:
                film_table(16, 8, [300.0, 3000.0], list(range(1, 9)), rule, False, (350.0, 300.0, 250.0, 200.0, 150.0))


if __name__ == "__main__":
    main()
