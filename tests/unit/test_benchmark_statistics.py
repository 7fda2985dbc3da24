"""The statistics that the cycling-trends benchmark prints (benchmarks/kmc_cycling_trends.py): its
clustered least squares against closed forms, and its per-cycle summary, dead-Li layer and
dead-Li cluster sizes and the sizes of the clusters cut off on made-up runs whose answer is known."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def trends(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the script imports its sibling _cli
    spec = importlib.util.spec_from_file_location("kmc_cycling_trends", BENCHMARKS / "kmc_cycling_trends.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exact_linear_data_give_their_coefficients_and_no_error(trends):
    rng = np.random.default_rng(3)
    a = np.column_stack([np.ones(12), np.arange(12) % 3, rng.random(12)])
    beta, se = trends.clustered_least_squares(a, a @ [0.4, -0.2, 1.5], np.repeat(np.arange(4), 3))
    assert beta == pytest.approx([0.4, -0.2, 1.5], abs=1e-12)
    assert se == pytest.approx(np.zeros(3), abs=1e-12)


def test_singleton_clusters_give_the_standard_error_of_the_mean(trends):
    """One observation a cluster, intercept only: the factor n/(n - 1) makes the sandwich s^2/n."""
    y = np.random.default_rng(4).normal(2.0, 0.3, 9)
    beta, se = trends.clustered_least_squares(np.ones((9, 1)), y, np.arange(9))
    assert beta[0] == pytest.approx(y.mean(), rel=1e-12)
    assert se[0] == pytest.approx(y.std(ddof=1) / 3.0, rel=1e-12)


def test_equal_clusters_give_the_standard_error_of_the_cluster_means(trends):
    """G clusters of m observations, intercept only: the clustered variance is
    sum_g (ybar_g - ybar)^2 / (G (G - 1)), the squared standard error of the G cluster means (the
    spread within a cluster does not count): what Welch's t on the seed means uses."""
    rng = np.random.default_rng(5)
    y = (rng.normal(0.0, 1.0, 5)[:, None] + rng.normal(0.0, 0.1, (5, 4))).ravel()
    _, se = trends.clustered_least_squares(np.ones((20, 1)), y, np.repeat(np.arange(5), 4))
    means = y.reshape(5, 4).mean(axis=1)
    assert se[0] == pytest.approx(means.std(ddof=1) / np.sqrt(5), rel=1e-12)


def test_singleton_clusters_and_a_group_indicator_give_hc1(trends):
    """One observation a cluster, intercept and a 0/1 indicator (p = 2): the indicator's
    coefficient is the difference of the group means and its variance is HC1,
    n/(n - 2) (sum_A u^2 / n_A^2 + sum_B u^2 / n_B^2), u the deviations from the group means (both
    small-sample factors enter: G/(G - 1) = n/(n - 1) and (n - 1)/(n - p))."""
    rng = np.random.default_rng(7)
    group = np.r_[np.zeros(5), np.ones(7)]
    y = rng.normal(1.0, 0.2, 12) + 0.5 * group
    beta, se = trends.clustered_least_squares(np.column_stack([np.ones(12), group]), y, np.arange(12))
    a, b = y[group == 0], y[group == 1]
    assert beta[1] == pytest.approx(b.mean() - a.mean(), rel=1e-12)
    hc0 = ((a - a.mean()) ** 2).sum() / a.size**2 + ((b - b.mean()) ** 2).sum() / b.size**2
    assert se[1] == pytest.approx(np.sqrt(12 / 10 * hc0), rel=1e-12)


@pytest.mark.parametrize("case", ["one cluster", "dependent columns", "no residual freedom"])
def test_an_undetermined_fit_is_none(trends, case):
    a = np.column_stack([np.ones(6), np.arange(6.0)])
    cluster = np.repeat([0, 1], 3)
    if case == "one cluster":
        cluster = np.zeros(6)
    elif case == "dependent columns":
        a = np.column_stack([a, 2 * a[:, 1]])
    else:
        a, cluster = a[:2], cluster[[0, 3]]
    assert trends.clustered_least_squares(a, np.arange(a.shape[0], dtype=float), cluster) is None


def _run(dead, crystalline):
    cycle = np.arange(len(dead))
    return (xr.Dataset({"dead_fraction": ("cycle", np.asarray(dead)),
                        "crystalline_fraction_plated": ("cycle", np.asarray(crystalline))}, coords={"cycle": cycle}),
            None, None)


def test_the_per_cycle_summary_of_made_up_runs(trends, capsys):
    """Dead Li 0.4 % + 0.2 % a cycle + 0.1 % in the second table value, exactly; the crystalline
    fraction varies but does not enter. The fit returns those coefficients with zero error; each
    value's cycle means are its own (0.4, 0.6, 0.8 % and 0.5, 0.7, 0.9 %); every run's last cycle
    exceeds its first."""
    rng = np.random.default_rng(6)
    runs = {value: [_run([0.004 + 0.002 * i + 0.001 * (value == 20.0) for i in range(3)], rng.random(3))
                     for _ in range(4)] for value in (10.0, 20.0)}
    trends._per_cycle_fit(runs)
    out = capsys.readouterr().out
    for value, first in ((10.0, 0.4), (20.0, 0.5)):
        means = "  ".join(f"{i + 1}: {first + 0.2 * i:.3f} ± 0.000" for i in range(3))
        assert f"{value}: dead Li per cycle, mean of 4 runs (% of the atoms plated), cycle {means}; " \
            "last > first in 4 of 4 runs" in out
    assert "over 24 cycles of 8 runs" in out
    coefficient = re.compile(r"^ +(.+?) +([+-]\d+\.\d+) ± (\d+\.\d+)", re.M)
    fitted = {m[1]: (float(m[2]), float(m[3])) for m in coefficient.finditer(out)}
    assert fitted == {"intercept": (0.4, 0.0), "per cycle": (0.2, 0.0), "per crystalline fraction": (0.0, 0.0),
                      "20.0 vs 10.0": (0.1, 0.0)}


def test_the_per_cycle_fit_clusters_the_cycles_of_each_run(trends, monkeypatch):
    """The fit is handed one cluster per run, holding exactly that run's cycles in order (3 runs of
    4 cycles and 2 runs of 2: the short runs are counted as such, not merged)."""
    seen = {}

    def record(a, y, cluster):
        seen.update(y=y, cluster=cluster)
        return None

    monkeypatch.setattr(trends, "clustered_least_squares", record)
    lengths = {1.0: [4, 4, 2], 2.0: [4, 2]}
    runs = {value: [_run(1e-3 * (10 * r + np.arange(n) + 100 * value), np.linspace(0, 1, n))
                    for r, n in enumerate(ns)] for value, ns in lengths.items()}
    trends._per_cycle_fit(runs)
    y, cluster = seen["y"], seen["cluster"]
    assert [int(round(1e3 * v)) for v in y] == [100, 101, 102, 103, 110, 111, 112, 113, 120, 121,
                                                200, 201, 202, 203, 210, 211]
    assert np.array_equal(cluster, np.repeat(np.unique(cluster), [4, 4, 2, 4, 2]))


def test_the_figure_draws_a_panel_a_table(trends, tmp_path):
    """``--figure``: the per-cycle means of two tables land in one PNG."""
    curves = {"A": {0.05: (np.array([0.002, 0.004, 0.008]), np.full(3, 1e-4))},
              "B": {1.0: (np.array([0.001, 0.001]), np.full(2, 1e-4)), 2.0: (np.array([0.002, 0.003]), np.zeros(2))}}
    path = tmp_path / "figs" / "dead.png"
    trends._figure(curves, path)
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == round(2 * 4.2 * 120)  # two panels of 4.2 in at 120 dpi


def _lattice(dead_planes: dict[int, int], planes: int = 8, side: int = 10) -> xr.Dataset:
    """A ``final`` lattice of ``side``^2 columns whose plane k holds ``dead_planes[k]`` dead sites
    (the rest empty; plane 0 the substrate), planes 0.25 nm apart."""
    phase = np.zeros((planes, side, side), np.int8)
    phase[0] = 3
    for k, n in dead_planes.items():
        phase[k].flat[:n] = 4
    return xr.Dataset({"phase": (("z", "y", "x"), phase)}, coords={"z": 0.25e-9 * np.arange(planes)})


def test_the_dead_layer_is_the_band_of_planes_above_the_threshold(trends):
    """Two runs whose dead Li averages to 0.5 % (plane 1: below 1 %), 2 %, 30 % and 1 % (planes
    2-4) and 0 above: the band is planes 2-4 (0.50-1.00 nm), the densest plane 3 at 30 %; none
    when no plane reaches the threshold."""
    runs = [_lattice({1: 1, 2: 1, 3: 20, 4: 1}), _lattice({2: 3, 3: 40, 4: 1})]
    assert trends._dead_layer(runs) == ("planes with >= 1 % of their sites dead at 0.50-1.00 nm, "
                                        "densest at 0.75 nm (30.0 %)")
    assert trends._dead_layer([_lattice({1: 1}), _lattice({})]) == "no plane with 1 % of its sites dead"


def test_dead_li_clusters_are_shared_by_size_per_run_and_averaged_over_the_runs_with_dead_li(trends):
    """Run A: dead clusters of 1, 3, 4 and 101 atoms (109); run B: 2, 10, 11 and 100 (123); run C:
    none. Every bin edge (1, 2, 3, 4, 10, 11, 100, 101) is a cluster's size. Shares a run, by hand:
    A 1/109, 3/109, 4/109, 0, 101/109; B 0, 2/123, 10/123, 111/123, 0; their means 0.46, 2.19,
    5.90, 45.12 and 46.33 %; the largest cluster (101/109 + 100/123)/2 = 86.98 %; 4 clusters a run,
    C left out (pooled over the runs the singles would be 1/232 = 0.43 %)."""
    def final(*clusters):
        phase = np.zeros((8, 20, 20), np.int8)
        phase[0] = 3
        for cluster in clusters:
            phase[cluster] = 4
        return xr.Dataset({"phase": (("z", "y", "x"), phase)})

    a = final((1, slice(0, 10), slice(0, 10)), (1, 10, 0), (5, 15, 18), (5, 18, [19, 0, 1]), (3, 15, slice(0, 4)))
    b = final((6, 0, slice(0, 2)), (4, 10, slice(0, 10)), (2, 5, slice(0, 11)), (7, slice(10, 20), slice(10, 20)))
    assert trends._dead_clusters([a, b, final()]) == (
        "4.0 clusters a run (2 of 3 runs have dead Li); dead atoms in clusters of 1: 0.5 %, 2-3: 2.2 %, "
        "4-10: 5.9 %, 11-100: 45.1 %, > 100: 46.3 %; the largest cluster 87.0 % of them")
    assert trends._dead_clusters([final()]) == "no dead Li"


def _cut_off_run(atoms, clusters, moved) -> xr.Dataset:
    """A ``cycling`` group with the given atoms and clusters cut off, (cycle, size bin) each, and
    atoms marked dead after moves, (cycle,)."""
    dims = ("cycle", "cut_off_size")
    return xr.Dataset({"cut_off_atoms": (dims, np.array(atoms, float)), "cut_offs": (dims, np.array(clusters, float)),
                       "dead_atoms_after_moves": ("cycle", np.array(moved, float))},
                      coords={"cut_off_size": [1, 2, 4, 11, 101]})


def test_cut_offs_are_shared_by_size_per_run_and_cycle_and_averaged_over_the_runs_that_cut_off(trends):
    """Run A: cycle 1 cuts off 4 atoms in two clusters of 2 and one of 12; cycle 2 three single
    atoms and a cluster of 3. Run B: nothing in cycle 1, a cluster of 5 and one of 101 in cycle 2.
    Run C: nothing. Shares by hand, all cycles: A 3/22, 7/22, 0, 12/22, 0; B 0, 0, 5/106, 0,
    101/106; means 6.8, 15.9, 2.4, 27.3, 47.6 %. Cycle 1: A alone (0, 25, 0, 75, 0 %). Last cycle:
    A 50, 50, 0, 0, 0; B as above; means 25.0, 25.0, 2.4, 0.0, 47.6 %. 9 clusters in 3 runs, 128
    atoms: 3.0 a run, 14.2 atoms each. Marked dead after moves: A 2 + 3 of 22, B 53 of 106; mean of
    22.7 and 50.0 %: 36.4 %. One finished cycle (the next one NaN): no per-cycle split, the run
    counted (2 of its 16 atoms after moves); no cut-off: said so."""
    a = _cut_off_run([[0, 4, 0, 12, 0], [3, 3, 0, 0, 0]], [[0, 2, 0, 1, 0], [3, 1, 0, 0, 0]], [2, 3])
    b = _cut_off_run([[0, 0, 0, 0, 0], [0, 0, 5, 0, 101]], [[0, 0, 0, 0, 0], [0, 0, 1, 0, 1]], [0, 53])
    c = _cut_off_run(np.zeros((2, 5)), np.zeros((2, 5)), [0, 0])
    assert trends._cut_offs([a, b, c]) == (
        "atoms marked dead by the size (atoms) of the cluster cut off: all cycles [1: 6.8 %, 2-3: 15.9 %, 4-10: 2.4 %, "
        "11-100: 27.3 %, > 100: 47.6 %] (2 of 3 runs); cycle 1 [1: 0.0 %, 2-3: 25.0 %, 4-10: 0.0 %, 11-100: 75.0 %, "
        "> 100: 0.0 %] (1 of 3 runs); last cycle [1: 25.0 %, 2-3: 25.0 %, 4-10: 2.4 %, 11-100: 0.0 %, > 100: 47.6 %] "
        "(2 of 3 runs); 3.0 clusters cut off a run, 14.2 atoms each on average; 36.4 % of the atoms marked dead in "
        "moves (falls after a hop or step move)")
    one = _cut_off_run([[0, 4, 0, 12, 0], [np.nan] * 5], [[0, 2, 0, 1, 0], [np.nan] * 5], [2, np.nan])  # 2nd unfinished
    assert trends._cut_offs([one]) == (
        "atoms marked dead by the size (atoms) of the cluster cut off: all cycles [1: 0.0 %, 2-3: 25.0 %, 4-10: 0.0 %, "
        "11-100: 75.0 %, > 100: 0.0 %] (1 of 1 runs); 3.0 clusters cut off a run, 5.3 atoms each on average; "
        "12.5 % of the atoms marked dead in moves (falls after a hop or step move)")
    assert trends._cut_offs([c]) == "atoms marked dead by the size (atoms) of the cluster cut off: none cut off"


def test_the_size_bins_are_labelled_from_their_lower_edges(trends):
    assert trends._size_bins([1, 2, 4, 11, 101]) == (("1", 1, 1), ("2-3", 2, 3), ("4-10", 4, 10), ("11-100", 11, 100),
                                                     ("> 100", 101, np.inf))
    assert trends._size_bins(np.array([1.0, 5.0])) == (("1-4", 1, 4), ("> 4", 5, np.inf))


def test_the_large_cut_off_fraction_counts_clusters_of_four_atoms_and_more_per_atom_plated(trends):
    """Cycle 1 cuts off 4 atoms in pairs and a cluster of 12, cycle 2 three single atoms, a trimer
    and a cluster of 5 (4 is the smallest size counted, 3 the largest left out), cycle 3 plated 100
    atoms but did not finish (cut-offs NaN: left out of both sums); 100 atoms plated in each
    finished cycle: (12 + 5) / 200."""
    run = _cut_off_run([[0, 4, 0, 12, 0], [3, 3, 5, 0, 0], [np.nan] * 5],
                       [[0, 2, 0, 1, 0], [3, 1, 1, 0, 0], [np.nan] * 5], [0, 0, np.nan])
    run["plated_atoms"] = ("cycle", [100.0, 100.0, 100.0])
    assert trends.LARGE_CUT_OFF == 4
    assert trends.large_cut_off_fraction(run) == pytest.approx(17 / 200, rel=1e-15)
