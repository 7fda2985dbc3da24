"""The seeds' cycling trends in the kMC, several seeds each (docs/validation.md): seed 000's
Coulombic efficiency of deposits plated at low vs high current (equal charge, stripped at the same
current), and dead Li vs the VLCD; and how much the cycling numbers depend on the numerical
parameters (hop acceleration, records per half-cycle, box size). Prints tables (seed means ±
standard errors, the realised CV of the local current, and Welch's t of the difference between the
first and last row, and between neighbouring rows of longer tables); the tables of several cycles
(box, VLCD and the 10-cycle ones) also summarise each cycle's dead Li (``_per_cycle_fit``), and
where the dead Li lies after the last cycle (``_dead_layer``) and in clusters of what size
(``_dead_clusters``); every table prints the sizes of the clusters the runs cut off (``_cut_offs``).
Asserts nothing.

Usage: python benchmarks/kmc_cycling_trends.py
[--only current,vlcd,convergence,box,cycles,cycles_passivation,cycles_convergence,
cycles_passivation_convergence,exchange,exchange_vlcd,revival,revival_current,passivation,passivation_current,
current_sei_coated,vlcd_sei_coated,cycles_sei_coated,cycles_sei_coated_hops,cycles_sei_coated_box,
cycles_narrow_gap,cycles_sei_coated_stranding,cycles_hops,cycles_stranding,case_hops,case_lift] [--seeds 8]
[--first-seed 1]
[--case PATH] [--box NM [--box-height NM]] [--hops R [R ...]] [--set KEY=VALUE] [--jobs N]
[--lambdas L [L ...]] [--vlcd-length NM] [--figure PATH] [--smoke]
(``--smoke``: one seed, a 4 nm box, 2 ML, one cycle, each table's first value; a check that every
table runs. ``--box NM``: every table but 'box' in an NM-wide box, 12 nm high or ``--box-height``.
``--vlcd-length NM``: every table with that electrode.vlcd_correlation_length_nm, default 10.
``--hops R ...``: the hop accelerations of the four 10-cycle hop tables and of case_hops, default
1000 4000 16000. ``--case PATH``: another case file (its kMC and cycling tables; no ``[dendrite]``),
with its own cut-off-Li rules (not ``RECORDED_RULES``).
``--set KEY=VALUE``: a parameter of every run (repeatable), e.g. ``--set kmc.stranding_moves=refused``;
it overrides a table's fixed settings (``--set cycling.cycles=1``), not the key the table varies.
``--jobs N``: each row's seeds in N processes, one table over all of them (``--jobs 2`` on two
cores). ``--first-seed N``: seeds N, N + 1, ...
``--figure PATH``: each per-cycle table's dead Li against the cycle, a panel a table.)
Case: params/reference/cycling_trend.toml (10 nm, 12 ML plated, one cycle, stripped at 1 mA/cm^2
to the 0.5 V cut-off, DOPT on, 300 K). Current trend: plating at 0.2 and 2.5 mA/cm^2, uniform
current. VLCD trend: plating at 1 mA/cm^2 with CV 0.05 and 0.8 (10 nm correlation), 3 cycles.
Convergence: plating at 1 mA/cm^2 with CV 0.5, 3 cycles; kmc.max_hop_to_deposition 250, 1000
(the default), 4000; cycling.records_per_half_cycle 4 and 16. Box: the convergence case in a 10, 20
and 40 nm box (12 nm high). Cycles: 10 cycles at CV 0.05 and 0.5 (does a cycle's dead Li settle?);
cycles_passivation: 10 cycles at CV 0.5 with the passivation clock at 0.1 ms - 1 s (one-way);
cycles_convergence: the cycles table's CV 0.5 row at 1000 and 4000x hops and at 4 and 16 records a
half-cycle; cycles_passivation_convergence: the clock's τ = 10, 1, 100, 0.1 and 1000 ms rows at
1000 and 4000x hops (one-way); the 10-cycle tables are 12 nm high (with ``--box``: its height; a 20 nm box at CV 0.5
needs 20 nm). A table whose run stops with a user error (a deposit that reached the top of the
box) prints the error and the script goes on.
Exchange (``kmc.exchange``, uniform current, 3 cycles at 1 mA/cm^2): one-way vs reversible; with
the reversible exchange, the current trend and the hop acceleration (250, 1000, 4000);
exchange_vlcd: the VLCD trend with the reversible exchange. Revival (``kmc.dead_li =
"revived_on_contact"``): one-way vs reversible, the VLCD trend (one-way) and the hop acceleration
(reversible); revival_current: the current trend with each exchange. The "revived" column: atoms
revived by contact per atom plated, per cycle. Passivation (revival within
``kmc.sei_passivation_time_s`` of being cut off, reversible exchange, 3 cycles): the clock
1 ms - 1 s, and 4000x hops at 10 ms; passivation_current: the current trend at 10 ms with each
exchange. current_sei_coated, vlcd_sei_coated: the current and the VLCD trend (3 cycles) with
SEI-coated dead Li (``kmc.dead_li = "sei_coated"``: dead for good, binding no Li);
cycles_sei_coated: the two rules side by side over 10 cycles at CV 0.5; cycles_sei_coated_hops: its
SEI-coated row at 1000, 4000 and 16000x hops; cycles_sei_coated_box: that row in a 10 and a 20 nm box, both
20 nm high (``--box`` does not apply to this table). cycles_narrow_gap: the 10-cycle CV 0.5 case
with Li joined across gaps of up to two spacings and where faces meet (``kmc.electronic_contact``).
cycles_sei_coated_stranding: cycles_sei_coated_hops with the moves that would leave an atom to fall
onto dead Li refused (``kmc.stranding_moves = "refused"``); cycles_hops and cycles_stranding: the
two with dead Li that binds. case_hops: the case (``--case``: every setting the file's, 3 cycles of
10 ML for ``params/scan_cycling_base.toml``) at each ``--hops`` acceleration; case_lift: the case at each
bond-lift scaling ``kmc.hop_scaling_lambda`` of ``--lambdas`` (default 0 0.5 1; the acceleration the case's,
or ``--set kmc.max_hop_to_deposition=R``).
Without ``--case`` every table runs with dead Li that binds, stranding moves allowed and 1000x hops
(``RECORDED_RULES``) unless it names another setting or ``--set`` does: the settings its rows in
docs/validation.md were measured under, which are not the run defaults since version 0.3.0
(SEI-coated, refused, 4000x while cycling). With ``--case`` at those defaults the revival and
narrow-gap tables stop with their rule's error (their rules need stranding moves allowed).
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import time
import tomllib
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import numpy as np

import multiscale
from multiscale.analysis import dead_li_clusters
from multiscale.constants import M_PER_NM
from multiscale.errors import UserError
from multiscale.io import read_dataset
from multiscale.kmc._kernels import CUT_OFF_EDGES
from multiscale.kmc.outputs import DEAD_FLAG
from multiscale.params import with_overrides

from _cli import parse

PARAMS = Path(__file__).resolve().parents[1] / "params"
_RUN_NUMBER = itertools.count()


def _one_run(params, out: Path) -> tuple:
    """Run ``params`` into ``out``; returns its ``cycling`` group, root group and ``final`` lattice,
    and the run's wall time, s."""
    begin = time.perf_counter()
    run = multiscale.run(params, out=out)
    groups = tuple(read_dataset(run / "kmc.h5", group) for group in ("cycling", None, "final"))
    return groups, time.perf_counter() - begin


def _cycling(base, overrides: dict, seeds, out: Path, pool: Executor | None) -> tuple[list, list]:
    """The ``cycling`` group, the root group and the ``final`` lattice of one run per seed, each
    run in a directory of its own (in ``pool``'s processes when given: one table pools the seeds
    of several processes), and each run's wall time, s."""
    jobs = [(with_overrides(base, {"seed": seed, **overrides}), out / f"run{next(_RUN_NUMBER)}") for seed in seeds]
    done = list(pool.map(_one_run, *zip(*jobs))) if pool is not None else [_one_run(*job) for job in jobs]
    return [groups for groups, _ in done], [seconds for _, seconds in done]


def _dead_layer(finals, threshold: float = 0.01) -> str:
    """Where the dead Li lies at the end of the runs (``finals``: each run's ``final`` lattice, all
    of one height): each lattice plane's fraction of sites that hold dead Li, mean over the runs.
    Returns the heights above the collector's plane (nm) of the lowest and highest planes with at
    least ``threshold`` of their sites dead, and the densest plane's height and fraction."""
    profile = np.mean([(f.phase.values == DEAD_FLAG).mean(axis=(1, 2)) for f in finals], axis=0)
    z = finals[0].z.values / M_PER_NM
    dense = np.flatnonzero(profile >= threshold)
    if dense.size == 0:
        return f"no plane with {100 * threshold:g} % of its sites dead"
    top = int(np.argmax(profile))
    return (f"planes with >= {100 * threshold:g} % of their sites dead at {z[dense[0]]:.2f}-{z[dense[-1]]:.2f} nm, "
            f"densest at {z[top]:.2f} nm ({100 * profile[top]:.1f} %)")


def _size_bins(edges) -> tuple:
    """(label, smallest, largest) of each size bin whose lower edges (atoms, increasing) are ``edges``."""
    edges = [int(lo) for lo in edges]
    tops = [lo - 1 for lo in edges[1:]] + [np.inf]
    return tuple((f"> {lo - 1}" if hi == np.inf else str(lo) if hi == lo else f"{lo}-{hi}", lo, hi)
                 for lo, hi in zip(edges, tops))


#: Cluster sizes (atoms) whose share of the dead Li :func:`_dead_clusters` prints: the kernel's
#: bins of the clusters it cuts off (the ``cycling`` group's ``cut_off_size``).
CLUSTER_BINS = _size_bins(CUT_OFF_EDGES)


def _percentages(labels, shares) -> str:
    """"label: share %" for each size bin, comma-separated (``shares``: fractions)."""
    return ", ".join(f"{label}: {100 * share:.1f} %" for label, share in zip(labels, shares))


def _finished(cycling) -> np.ndarray:
    """Which cycles a run finished, bool (cycle,) (``cycling``: its ``cycling`` group; a cycle not
    finished has NaN cut-off counts)."""
    return np.isfinite(cycling.cut_off_atoms.values).all(axis=1)


def _dead_clusters(finals) -> str:
    """How the dead Li at the end of the runs (``finals``: each run's ``final`` lattice) divides
    into clusters (6-connected, periodic in x and y: :func:`multiscale.analysis.dead_li_clusters`):
    the clusters a run, the share of a run's dead atoms in clusters of each size of
    ``CLUSTER_BINS`` and the largest cluster's share; means over the runs that have dead Li."""
    counts, shares, largest = [], [], []
    for final in finals:
        sizes = dead_li_clusters(final)
        if sizes.size:
            counts.append(sizes.size)
            shares.append([sizes[(sizes >= lo) & (sizes <= hi)].sum() / sizes.sum() for _, lo, hi in CLUSTER_BINS])
            largest.append(sizes.max() / sizes.sum())
    if not counts:
        return "no dead Li"
    bins = _percentages([label for label, _, _ in CLUSTER_BINS], np.mean(shares, 0))
    return (f"{np.mean(counts):.1f} clusters a run ({len(counts)} of {len(finals)} runs have dead Li); "
            f"dead atoms in clusters of {bins}; the largest cluster {100 * np.mean(largest):.1f} % of them")


def _cut_offs(cycles) -> str:
    """How the Li marked dead in the runs (``cycles``: each run's ``cycling`` group) was cut off:
    the share of the atoms marked dead that came in cut-off clusters of each size (the kernel's
    count at each cut-off, ``cut_off_atoms``), over the finished cycles and, for several, in the
    first and the last finished one; each a per-run share, then a mean over the runs that cut any
    Li off; the clusters cut off a run with their mean size; and the share of those atoms marked
    dead in events that were moves (``dead_atoms_after_moves``), the rest in dissolutions. With
    revival a cluster revived and cut off again counts again, so these are atoms ever marked dead,
    not the dead Li left."""
    labels = [label for label, _, _ in _size_bins(cycles[0].cut_off_size.values)]

    def shares(atoms_by_run) -> str:
        s = [a / a.sum() for a in atoms_by_run if a.sum() > 0]
        if not s:
            return "none cut off"
        return f"[{_percentages(labels, np.mean(s, 0))}] ({len(s)} of {len(atoms_by_run)} runs)"

    atoms = [c.cut_off_atoms.values[_finished(c)] for c in cycles]  # (finished cycle, size bin) a run
    clusters = [np.nansum(c.cut_offs.values) for c in cycles]
    total = [np.nansum(a) for a in atoms]
    if sum(total) == 0:
        return "atoms marked dead by the size (atoms) of the cluster cut off: none cut off"
    text = f"all cycles {shares([a.sum(0) for a in atoms])}"
    if min(a.shape[0] for a in atoms) > 1:
        text += f"; cycle 1 {shares([a[0] for a in atoms])}; last cycle {shares([a[-1] for a in atoms])}"
    moved = [np.nansum(c.dead_atoms_after_moves.values[_finished(c)]) / t for c, t in zip(cycles, total) if t > 0]
    return (f"atoms marked dead by the size (atoms) of the cluster cut off: {text}; "
            f"{np.mean(clusters):.1f} clusters cut off a run, {sum(total) / sum(clusters):.1f} atoms each on average; "
            f"{100 * np.mean(moved):.1f} % of the atoms marked dead in moves (falls after a hop or step move)")


#: Smallest cut-off (atoms) that :func:`large_cut_off_fraction` counts: the bins above 2-3 atoms.
LARGE_CUT_OFF = 4
assert LARGE_CUT_OFF in CUT_OFF_EDGES, "the split must fall on an edge of the kernel's bins"


def large_cut_off_fraction(cycling) -> float:
    """Atoms marked dead in cut-offs of at least ``LARGE_CUT_OFF`` atoms, per atom plated, over the
    cycles the run finished (``cycling``: its ``cycling`` group). With cut-off Li dead for good it
    is the part of the run's dead Li that came in larger pieces. It is a split of the same run,
    not what a run under another rule for pieces of one to three atoms would give: those pieces
    stayed and shaped what came after them."""
    done = _finished(cycling)
    large = cycling.cut_off_atoms.values[done][:, cycling.cut_off_size.values >= LARGE_CUT_OFF]
    return float(large.sum() / cycling.plated_atoms.values[done].sum())


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


def clustered_least_squares(a: np.ndarray, y: np.ndarray,
                            cluster: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Least squares of ``y`` (n,) on the columns of ``a`` (n, p), with standard errors clustered by
    ``cluster`` (n,): the sandwich estimator with the small-sample factor G/(G - 1) (n - 1)/(n - p),
    G clusters (CR1 in Cameron & Miller, J. Human Resources 50, 317 (2015)). Returns the
    coefficients and their standard errors (p,), or None when the fit is not determined (fewer than
    two clusters, n <= p, or columns that are not independent)."""
    ids = np.unique(cluster)
    n, p, g = y.size, a.shape[1], ids.size
    if g <= 1 or n <= p or np.linalg.matrix_rank(a) < p:
        return None
    bread = np.linalg.inv(a.T @ a)
    beta = bread @ a.T @ y
    residual = y - a @ beta
    scores = np.array([a[cluster == c].T @ residual[cluster == c] for c in ids])
    variance = np.diag(bread @ scores.T @ scores @ bread) * g / (g - 1) * (n - 1) / (n - p)
    return beta, np.sqrt(np.maximum(variance, 0.0))  # rounding can leave -0 where the residuals are 0


def _per_cycle_fit(runs: dict) -> dict:
    """Each cycle's dead Li per atom plated (``runs``: value -> a tuple per seed whose first item
    is the run's cycling group, as :func:`_cycling` returns):
    for each table value, the mean over its runs of each cycle index (up to the last cycle every
    run reached) and how many runs left more in that cycle than in their first; over all the runs,
    a least-squares fit on the cycle's index (0, 1, ...), the crystalline fraction of the live Li
    after its plating and one indicator per table value after the first, printing each coefficient
    in % of the plated atoms with its standard error and t. The cycles of one run share a deposit
    and a current field, so the standard errors are clustered by run
    (:func:`clustered_least_squares`). Returns value -> (mean, standard error) of each cycle's
    dead Li per atom plated, (cycles,) each (empty when the runs have one cycle)."""
    curves = {}
    rows, dead, run_of = [], [], []
    values = list(runs)
    cycles = min(cyc.dead_fraction.size for groups in runs.values() for cyc, *_ in groups)
    if cycles > 1:
        for value, groups in runs.items():
            by_cycle = np.array([cyc.dead_fraction.values[:cycles] for cyc, *_ in groups])
            curves[value] = tuple(np.array(c) for c in zip(*map(_mean_se, by_cycle.T)))
            means = "  ".join(f"{i + 1}: {100 * m:.3f} ± {100 * e:.3f}"
                              for i, (m, e) in enumerate(zip(*curves[value])))
            print(f"{value}: dead Li per cycle, mean of {len(groups)} runs (% of the atoms plated), cycle {means}; "
                  f"last > first in {int((by_cycle[:, -1] > by_cycle[:, 0]).sum())} of {len(groups)} runs")
    for value, groups in runs.items():
        for cyc, *_ in groups:
            for i, (crystal, d) in enumerate(zip(cyc.crystalline_fraction_plated.values, cyc.dead_fraction.values)):
                rows.append([1.0, i, crystal] + [float(value == v) for v in values[1:]])
                dead.append(d)
                run_of.append(len(run_of) - i)  # the run's first cycle's row numbers it
    names = ["intercept", "per cycle", "per crystalline fraction"] + [f"{v} vs {values[0]}" for v in values[1:]]
    a, y = np.asarray(rows, float), np.asarray(dead, float)
    varies = [0] + [j for j in range(1, a.shape[1]) if np.ptp(a[:, j]) > 0]  # a constant regressor has no coefficient
    fit = clustered_least_squares(a[:, varies], y, np.asarray(run_of))
    if fit is None:
        print("dead Li per cycle: no fit (too few runs or cycles, or regressors that are not independent)")
        return curves
    print(f"dead Li per cycle, least squares over {y.size} cycles of {np.unique(run_of).size} runs (% of the atoms "
          "plated; standard errors clustered by run):")
    for name, b, e in zip([names[j] for j in varies], *fit):
        print(f"  {name:>28} {100 * b:+8.3f} ± {100 * e:.3f}  t = {b / e if e > 0 else float('nan'):6.2f}")
    return curves


def _figure(curves: dict, path: Path) -> None:
    """One panel a table (``curves``: label -> value -> (mean, standard error) of each cycle's dead
    Li per atom plated): the mean over the seeds against the cycle, ± one standard error, on a
    symmetric-log axis (linear within ±0.1 %)."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.6), sharey=True, squeeze=False)
    for ax, (label, by_value) in zip(axes[0], curves.items()):
        for value, (mean, se) in by_value.items():
            cycle = np.arange(1, mean.size + 1)
            ax.errorbar(cycle, 100 * mean, yerr=100 * se, marker="o", ms=3, capsize=2, label=str(value))
        ax.set_yscale("symlog", linthresh=0.1)  # net revivals make a cycle's dead Li < 0
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator([-1.0, -0.1, 0.0, 0.1, 1.0, 10.0, 100.0]))
        ax.axhline(0.0, color="0.6", lw=0.5)
        ax.set_xlabel("cycle")
        ax.set_title(label, fontsize=9)
        ax.legend(fontsize=8)
    axes[0][0].set_ylabel("dead Li of the cycle / Li plated (%)\n(logarithmic beyond ±0.1 %)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"figure: {path}")


def table(base, label: str, key: str, values, seeds, out: Path, extra: dict, curves: dict | None = None,
          pool: Executor | None = None) -> None:
    """One row a value of ``key``, its runs in ``pool`` when given (the s/run column is the mean
    wall time of one run); with ``curves``: also :func:`_per_cycle_fit` (runs of several cycles),
    whose per-cycle means it keeps in ``curves[label]``."""
    print(f"\n{label} ({len(seeds)} seeds; CE = stripped / plated, dead Li per atom plated, per cycle)")
    width = max(22, len(label))
    print(f"{label:>{width}} {'crystalline':>13} {'CE':>18} {'dead Li / plated':>18} {'revived / plated':>18} "
          f"{'eta plating (mV)':>18} {'CV real.':>8} {'s/run':>6}")
    rows, every = {}, {}
    for value in values:
        runs, seconds = _cycling(base, {key: value, **extra}, seeds, out, pool)
        every[value] = runs
        crystal = [float(cyc.crystalline_fraction_plated[0]) for cyc, _, _ in runs]
        ce = [float(cyc.coulombic_efficiency.mean()) for cyc, _, _ in runs]
        dead = [float(cyc.dead_fraction.mean()) for cyc, _, _ in runs]
        eta = [1e3 * _plating_overpotential(ds) for _, ds, _ in runs]
        revived = [float(ds.revived_atoms[-1]) / float(cyc.plated_atoms.sum()) for cyc, ds, _ in runs]
        realised_cv = np.mean([ds.attrs["current_density_cv"] for _, ds, _ in runs])
        rows[value] = (ce, dead, [large_cut_off_fraction(cyc) for cyc, _, _ in runs])
        (mc, sc), (me, se), (md, sd), (mv, sv) = _mean_se(crystal), _mean_se(ce), _mean_se(dead), _mean_se(eta)
        mr, sr = _mean_se(revived)
        print(f"{value!s:>{width}} {mc:>6.3f}±{sc:<6.3f} {me:>9.5f}±{se:<8.5f} {md:>9.5f}±{sd:<8.5f} "
              f"{mr:>9.5f}±{sr:<8.5f} {mv:>9.1f}±{sv:<8.1f} {realised_cv:>8.3f} {np.mean(seconds):>6.1f}")
    pairs = (list(zip(values, values[1:])) if len(values) > 2 else []) + [(values[0], values[-1])]  # neighbours, ends
    for low, high in pairs:
        print(f"Welch t, CE({low}) - CE({high}): {_welch(rows[low][0], rows[high][0]):.2f}; "
              f"dead({high}) - dead({low}): {_welch(rows[high][1], rows[low][1]):.2f}; "
              f"cut off in clusters of >= {LARGE_CUT_OFF} atoms ({high}) - ({low}): "
              f"{_welch(rows[high][2], rows[low][2]):.2f}")
    for value, (_, _, large) in rows.items():
        print(f"{value}: atoms marked dead in cut-offs of >= {LARGE_CUT_OFF} atoms / plated: "
              "{:.5f} ± {:.5f}".format(*_mean_se(large)))
    if curves is not None:
        curves[label] = _per_cycle_fit(every)
        for value, runs in every.items():
            print(f"{value}: dead Li after the last cycle, mean of {len(runs)} runs: "
                  f"{_dead_layer([final for _, _, final in runs])}")
            print(f"{value}: dead Li clusters after the last cycle: {_dead_clusters([final for _, _, final in runs])}")
    for value, runs in every.items():
        print(f"{value}: {_cut_offs([cyc for cyc, _, _ in runs])}")


def _setting(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` of ``--set`` as (dotted key, value): VALUE read as a TOML value, or kept as a
    string when it is not one (``kmc.dead_li=sei_coated``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise SystemExit(f"kmc_cycling_trends.py: --set {text!r}: expected KEY=VALUE")
    try:
        return key.strip(), tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key.strip(), value.strip()


#: The cut-off-Li rules and hops of every table that names none: dead Li that binds, stranding moves
#: allowed, 1000x (the run defaults up to version 0.2.2, under which docs/validation.md's rows were
#: measured).
RECORDED_RULES = {"kmc.dead_li": "stays_dead", "kmc.stranding_moves": "allowed", "kmc.max_hop_to_deposition": 1000.0}


def main() -> None:
    tables = ("current,vlcd,convergence,box,cycles,cycles_passivation,cycles_convergence,"
              "cycles_passivation_convergence,exchange,exchange_vlcd,revival,revival_current,passivation,"
              "passivation_current,current_sei_coated,vlcd_sei_coated,cycles_sei_coated,cycles_sei_coated_hops,"
              "cycles_sei_coated_box,cycles_narrow_gap,cycles_sei_coated_stranding,cycles_hops,cycles_stranding,"
              "case_hops,case_lift")
    args, only = parse(__doc__, tables, 8, "one seed, a 4 nm box, 2 ML, one cycle, each table's first value",
                       (("--case", {"type": Path, "metavar": "PATH",
                                    "help": "case file (default: params/reference/cycling_trend.toml with "
                                            "RECORDED_RULES)"}),
                        ("--box", {"type": float, "metavar": "NM",
                                   "help": "lateral box size in nm for every table but 'box' (default: the case's)"}),
                        ("--box-height", {"type": float, "metavar": "NM",
                                          "help": "box height in nm with --box (default 12)"}),
                        ("--set", {"action": "append", "default": [], "metavar": "KEY=VALUE",
                                   "help": "a parameter of every run (a TOML value, or a bare word as a string); "
                                           "it overrides a table's fixed settings, not the key the table varies"}),
                        ("--jobs", {"type": int, "default": 1, "metavar": "N",
                                    "help": "run each row's seeds in N processes (default 1)"}),
                        ("--first-seed", {"type": int, "default": 1, "metavar": "N",
                                          "help": "the first seed (default 1)"}),
                        ("--hops", {"type": float, "nargs": "+", "metavar": "R",
                                    "help": "kmc.max_hop_to_deposition of the 10-cycle hop tables "
                                            "(default 1000 4000 16000)"}),
                        ("--lambdas", {"type": float, "nargs": "+", "metavar": "L", "default": [0.0, 0.5, 1.0],
                                       "help": "kmc.hop_scaling_lambda of case_lift (default 0 0.5 1)"}),
                        ("--vlcd-length", {"type": float, "metavar": "NM",
                                           "help": "electrode.vlcd_correlation_length_nm for every table"}),
                        ("--figure", {"type": Path, "metavar": "PATH",
                                      "help": "draw each per-cycle table's dead Li against the cycle"})))
    try:
        base = (with_overrides(multiscale.load_params(PARAMS / "reference" / "cycling_trend.toml"), RECORDED_RULES)
                if args.case is None else multiscale.load_params(args.case))
    except UserError as error:
        raise SystemExit(f"kmc_cycling_trends.py: --case: {error}") from None
    if base.kmc is None or base.cycling is None or any(t is not None for t in (base.dendrite, base.coating,
                                                                               base.complexion)):
        raise SystemExit("kmc_cycling_trends.py: --case: the file needs [kmc] and [cycling] tables and no "
                         "[dendrite], [coating] or [complexion]")
    if args.box_height is not None and args.box is None:
        raise SystemExit("kmc_cycling_trends.py: --box-height needs --box")
    if args.box is not None:
        height = 12.0 if args.box_height is None else args.box_height
        base = with_overrides(base, {"kmc.lateral_size_nm": args.box, "kmc.box_height_nm": height})
    if args.vlcd_length is not None:
        base = with_overrides(base, {"electrode.vlcd_correlation_length_nm": args.vlcd_length})
    settings = dict(map(_setting, args.set))
    if "seed" in settings:
        raise SystemExit("kmc_cycling_trends.py: --set seed: the seeds are --seeds and --first-seed")
    if settings:
        print("every run with " + ", ".join(f"{key} = {value!r}" for key, value in settings.items())
              + " (--set; a table's varied key excepted)")
    try:
        base = with_overrides(base, settings, "--set")
    except UserError as error:
        raise SystemExit(f"kmc_cycling_trends.py: {error}") from None
    if args.first_seed < 1:
        raise SystemExit("kmc_cycling_trends.py: --first-seed must be at least 1")
    if args.jobs < 1:
        raise SystemExit("kmc_cycling_trends.py: --jobs must be at least 1")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    if args.smoke:
        base = with_overrides(base, {"kmc.lateral_size_nm": 4.0, "kmc.box_height_nm": 4.0, "cycling.kmc_capacity_ML": 2.0})
        seeds = [1]
    pooled = ProcessPoolExecutor(args.jobs) if args.jobs > 1 else contextlib.nullcontext()
    with tempfile.TemporaryDirectory() as tmp, pooled as pool:

        def run(label: str, key: str, values: list, extra: dict, fit: bool = False) -> None:
            extra = {**extra, **{k: v for k, v in settings.items() if k != key}}  # --set, but not the varied key
            if args.smoke:
                values, extra = values[:1], {**extra, "cycling.cycles": 1}
            try:
                table(base, label, key, values, seeds, Path(tmp), extra, curves if fit else None, pool)
            except UserError as error:  # e.g. a deposit that reached the top of the box: the other tables go on
                print(f"{label}: stopped: {error}")

        curves = {}

        three = {"cycling.cycles": 3}
        tall = {} if args.box is not None or args.smoke else {"kmc.box_height_nm": 12.0}  # room for 10 cycles
        if "current" in only:
            run("plating j (mA/cm2)", "cycling.plating_current_density_mA_cm2", [0.2, 2.5], {})
        if "vlcd" in only:
            run("VLCD CV", "electrode.vlcd_cv", [0.05, 0.8], three, fit=True)
        if "convergence" in only:
            case = {**three, "electrode.vlcd_cv": 0.5}
            run("max hop / deposition", "kmc.max_hop_to_deposition", [250.0, 1000.0, 4000.0], case)
            run("records / half-cycle", "cycling.records_per_half_cycle", [4, 16], case)
        if "box" in only:
            size = [10.0, 20.0, 40.0] if not args.smoke else [4.0]
            run("lateral size (nm)", "kmc.lateral_size_nm", size,
                {**three, "electrode.vlcd_cv": 0.5, "kmc.box_height_nm": 12.0}, fit=True)  # room for peaks
        if "cycles" in only:
            run("VLCD CV, 10 cycles", "electrode.vlcd_cv", [0.05, 0.5], {"cycling.cycles": 10, **tall}, fit=True)
        if "cycles_passivation" in only:
            run("SEI passivation (s), 10 cycles", "kmc.sei_passivation_time_s", [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
                {"cycling.cycles": 10, **tall, "electrode.vlcd_cv": 0.5,
                 "kmc.dead_li": "revived_on_contact"}, fit=True)
        if "cycles_convergence" in only:
            ten = {"cycling.cycles": 10, **tall, "electrode.vlcd_cv": 0.5}
            run("max hop / dep., 10 cycles", "kmc.max_hop_to_deposition", [1000.0, 4000.0], ten, fit=True)
            run("records / half-cycle, 10 cycles", "cycling.records_per_half_cycle", [4, 16], ten, fit=True)
        if "cycles_passivation_convergence" in only:
            for tau_ms in (10, 1, 100, 0.1, 1000):
                run(f"max hop / dep., 10 cycles, {tau_ms} ms", "kmc.max_hop_to_deposition", [1000.0, 4000.0],
                    {"cycling.cycles": 10, **tall, "electrode.vlcd_cv": 0.5, "kmc.dead_li": "revived_on_contact",
                     "kmc.sei_passivation_time_s": 1e-3 * tau_ms}, fit=True)
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
        coated = {"kmc.dead_li": "sei_coated"}
        if "current_sei_coated" in only:
            run("plating j, SEI-coated", "cycling.plating_current_density_mA_cm2", [0.2, 2.5], coated)
        if "vlcd_sei_coated" in only:
            run("VLCD CV, SEI-coated", "electrode.vlcd_cv", [0.05, 0.8], {**three, **coated}, fit=True)
        if "cycles_sei_coated" in only:
            run("cut-off Li, 10 cycles", "kmc.dead_li", ["stays_dead", "sei_coated"],
                {"cycling.cycles": 10, **tall, "electrode.vlcd_cv": 0.5}, fit=True)
        coated_ten = {"cycling.cycles": 10, "electrode.vlcd_cv": 0.5, **coated}
        ten = {"cycling.cycles": 10, "electrode.vlcd_cv": 0.5, **tall}
        hops = [1000.0, 4000.0, 16000.0] if args.hops is None else args.hops
        refused = {"kmc.stranding_moves": "refused"}
        if "cycles_sei_coated_hops" in only:
            run("max hop / dep., 10 cycles, SEI-coated", "kmc.max_hop_to_deposition", hops, {**coated_ten, **tall},
                fit=True)
        if "cycles_sei_coated_box" in only:
            sizes, height = ([4.0], {}) if args.smoke else ([10.0, 20.0], {"kmc.box_height_nm": 20.0})
            run("lateral size (nm), 10 cycles, SEI-coated", "kmc.lateral_size_nm", sizes, {**coated_ten, **height},
                fit=True)  # 20 nm high: a 20 nm box at CV 0.5 needs it
        if "cycles_sei_coated_stranding" in only:
            run("max hop / dep., 10 cycles, SEI-coated, stranding moves refused", "kmc.max_hop_to_deposition", hops,
                {**coated_ten, **tall, **refused}, fit=True)
        if "cycles_hops" in only:
            run("max hop / dep., 10 cycles, dead Li that binds", "kmc.max_hop_to_deposition", hops, ten, fit=True)
        if "cycles_stranding" in only:
            run("max hop / dep., 10 cycles, stranding moves refused", "kmc.max_hop_to_deposition", hops,
                {**ten, **refused}, fit=True)
        if "case_hops" in only:
            run("max hop / dep., the case", "kmc.max_hop_to_deposition", hops, {}, fit=True)
        if "case_lift" in only:
            run("bond lift lambda, the case", "kmc.hop_scaling_lambda", args.lambdas, {}, fit=True)
        if "cycles_narrow_gap" in only:
            run("electronic contact, 10 cycles", "kmc.electronic_contact", ["narrow_gap", "faces"],
                {"cycling.cycles": 10, **tall, "electrode.vlcd_cv": 0.5}, fit=True)
    drawn = {label: by_value for label, by_value in curves.items() if by_value}
    if args.figure is not None and drawn:
        _figure(drawn, args.figure)
    elif args.figure is not None:
        print("figure: none (no table of several cycles ran)")


if __name__ == "__main__":
    main()
