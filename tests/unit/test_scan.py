"""Parameter scans: design, aggregation into scan.h5, reruns, failures, executors, bad input."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import multiscale
from multiscale.cli import main
from multiscale.errors import ParamsError
from multiscale.io import read_root_attrs
from multiscale.params import load_params, with_overrides
from multiscale.complexion import model as cx
from multiscale._blas import THREAD_VARIABLES
from multiscale.scan import _PoolExecutor, latin_hypercube, load_scan, point_key, points, run_scan
from tests.harness import assert_roundtrip
from tests.unit.test_plots import assert_not_blank

BASE = """
name = "cx"
[electrode]
temperature_K = 300.0
current_density_mA_cm2 = 1.0
[complexion]
model = "exponential"
xi_nm = 0.5
diagram_points = 3
transition_points = 20
film_delta_G_J_m3 = [1.0e7]
"""

GRID = """
[scan]
base = "base.toml"
[scan.grid]
"complexion.delta_gamma_J_m2" = [-0.5, -0.1]
"complexion.delta_G_J_m3" = [1.0e6, 1.0e8, 1.0e9]
[scan.executor]
workers = 2
"""


def _files(tmp_path, scan=GRID, base=BASE):
    (tmp_path / "base.toml").write_text(base)
    (tmp_path / "scan.toml").write_text(scan)
    return tmp_path / "scan.toml"


def test_grid_scan_aggregates_every_point_and_a_rerun_runs_nothing(tmp_path, caplog):
    path = _files(tmp_path)
    scan_dir = run_scan(path, out=tmp_path / "s")
    ds = multiscale.open_scan(scan_dir)
    assert ds.equilibrium_thickness.dims == ("delta_gamma_J_m2", "delta_G_J_m3")
    np.testing.assert_array_equal(ds.delta_G_J_m3, [1e6, 1e8, 1e9])
    assert ds.delta_G_J_m3.attrs["dotted_key"] == "complexion.delta_G_J_m3"
    assert (ds.status == "done").all()
    for i, dg in enumerate((-0.5, -0.1)):
        for j, dG in enumerate((1e6, 1e8, 1e9)):  # each point's h_EQ is the closed form at its own parameters
            assert ds.equilibrium_thickness[i, j].item() == pytest.approx(cx.equilibrium_thickness(dg, dG, xi=0.5e-9), rel=1e-12)
            point = multiscale.open_run(scan_dir / ds.run_dir[i, j].item())
            assert point["complexion"].attrs["equilibrium_thickness_m"] == ds.equilibrium_thickness[i, j].item()
    assert_roundtrip(scan_dir / "scan.h5", {"/": ds})
    assert main(["report", str(scan_dir)]) == 0
    assert_not_blank(scan_dir / "figures" / "scan_equilibrium_thickness.png")
    stamps = {p: p.stat().st_mtime_ns for p in (scan_dir / "points").glob("*/complexion.h5")}
    assert len(stamps) == 6
    caplog.set_level("INFO", logger="multiscale")
    run_scan(path, out=tmp_path / "s")
    assert "6 done, 0 to run" in caplog.text
    assert stamps == {p: p.stat().st_mtime_ns for p in (scan_dir / "points").glob("*/complexion.h5")}


def test_a_failing_point_is_recorded_and_the_scan_goes_on(tmp_path):
    """A coating whose thickness comes from the complexion fails where h_EQ = 0 (a clean interface:
    no coating to make); the other point runs and the failed one is retried on the next scan."""
    base = BASE + """
[coating]
material = "Li22Sn5"
thickness_from_complexion = true
plating_time_s = 10.0
cells_along = 1
cells_across = 8
records = 2
measure_onset = false
"""
    scan = GRID.replace('"complexion.delta_gamma_J_m2" = [-0.5, -0.1]\n', "").replace("[1.0e6, 1.0e8, 1.0e9]", "[1.0e6, 1.0e10]")
    scan_dir = run_scan(_files(tmp_path, scan, base), out=tmp_path / "s")
    ds = multiscale.open_scan(scan_dir)
    assert list(ds.status.values) == ["done", "failed"]
    assert "no finite self-limiting coating" in ds.error[1].item()
    assert math.isnan(ds.fraction_under[1].item()) and ds.fraction_under[0].item() > 0.9
    assert (scan_dir / ds.run_dir[1].item() / "error.txt").is_file()


def test_dask_local_cluster_runs_the_same_scan(tmp_path):
    pytest.importorskip("dask.distributed")
    path = _files(tmp_path, GRID.replace("workers = 2", 'workers = 2\nkind = "dask"'))
    ds = multiscale.open_scan(run_scan(path, out=tmp_path / "s"))
    assert (ds.status == "done").all() and np.isfinite(ds.equilibrium_thickness).all()
    assert read_root_attrs(tmp_path / "s" / "scan.h5")["complete"] == 1


def test_pool_workers_run_one_blas_thread_unless_the_caller_chose(monkeypatch):
    """Two workers on two cores with a BLAS thread per core each ran the phase field 3x slower
    (docs/performance.md): the pool's workers start with 1, a value the caller set is kept, and
    the caller's environment is as it was after the pool."""
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    with _PoolExecutor(1) as pool:  # os.getenv: unpickling it in the worker imports nothing that could set them
        seen = {name: pool.submit(os.getenv, name).result(timeout=120) for name in THREAD_VARIABLES}
    assert seen == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "3"}
    assert {name: os.environ.get(name) for name in THREAD_VARIABLES} == {
        "OPENBLAS_NUM_THREADS": None, "OMP_NUM_THREADS": None, "MKL_NUM_THREADS": "3"}


def test_latin_hypercube_hits_every_stratum_once():
    values = latin_hypercube(10, {"a": (0.0, 1.0), "b": (1e-3, 1e1)}, log_keys=("b",), seed=3)
    assert sorted(np.floor(values["a"] * 10).astype(int)) == list(range(10))
    assert sorted(np.floor((np.log10(values["b"]) + 3) / 4 * 10).astype(int)) == list(range(10))


def test_hypercube_points_lie_in_their_ranges(tmp_path):
    scan_text = ('[scan]\nbase = "base.toml"\n[scan.hypercube]\ncount = 5\nseed = 2\n'
                 '[scan.hypercube.ranges]\n"complexion.delta_G_J_m3" = [1.0e6, 1.0e9]\n')
    scan, base, _ = load_scan(_files(tmp_path, scan_text))
    keys, pts = points(scan, base, "scan.toml")
    values = [p.params.complexion.delta_G_J_m3 for p in pts]
    assert keys == ["complexion.delta_G_J_m3"] and len(set(values)) == 5 and all(1e6 <= v <= 1e9 for v in values)


def test_point_key_depends_on_the_parameters_not_the_name(tmp_path):
    (tmp_path / "base.toml").write_text(BASE)
    base = load_params(tmp_path / "base.toml")
    renamed = base.model_copy(update={"name": "other"})
    assert point_key(base) == point_key(renamed)
    assert point_key(base) != point_key(with_overrides(base, {"complexion.xi_nm": 0.6}))


@pytest.mark.parametrize("scan, message", [
    (GRID.replace("[scan.grid]", "[scan.grd]"), "scan.grd: unknown table; did you mean 'grid'"),
    (GRID.replace('base = "base.toml"', 'base = "missing.toml"'), "scan.base: file not found"),
    (GRID.replace("complexion.delta_G_J_m3", "complexion.delta_G"), "complexion.delta_G: unknown key"),
    (GRID.replace("[1.0e6, 1.0e8, 1.0e9]", "[1.0e6, -1.0]"), "complexion.delta_G_J_m3: Input should be greater"),
    ('[scan]\nbase = "base.toml"\n', "either \\[scan.grid\\] or \\[scan.hypercube\\]"),
])
def test_bad_scan_files_are_refused_before_anything_runs(tmp_path, capsys, scan, message):
    path = _files(tmp_path, scan)
    with pytest.raises(ParamsError, match=message):
        scan_table, base, _ = load_scan(path)
        points(scan_table, base, str(path))
    assert main(["scan", str(path), "--out", str(tmp_path / "s")]) == 2
    assert str(path) in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
