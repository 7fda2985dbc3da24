"""Every shipped parameter file keeps running end to end: the scan files on reduced grids (the first
and last value of each axis, lighter points through ``[scan.set]``), through the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from multiscale.io import read_dataset
from multiscale.params import load_params
from tests.conftest import PARAMS_DIR

#: Lighter points for the suite: what each scan's base runs, shortened (the physics and the code path
#: are the shipped ones).
LIGHTER = {
    "scan_vlcd": {"kmc.lateral_size_nm": 6.0, "kmc.box_height_nm": 8.0, "kmc.stop_thickness_ML": 2.0,
                  "dendrite.width_um": 2.0, "dendrite.gap_um": 10.0, "dendrite.front_band_um": 3.0,
                  "dendrite.deposited_capacity_mAh_cm2": 0.002, "dendrite.records": 2},
    "scan_coating": {"coating.plating_time_s": 60.0, "coating.cells_along": 2, "coating.cells_across": 8},
    "scan_cycling": {"kmc.lateral_size_nm": 4.0, "kmc.box_height_nm": 6.0, "cycling.kmc_capacity_ML": 2.0,
                     "cycling.cycles": 2},
}


def _toml(value) -> str:
    return json.dumps(value) if not isinstance(value, bool) else ("true" if value else "false")


def _reduced(name: str, work) -> dict:
    """The shipped scan with the first and last value of each grid axis and lighter points."""
    data = tomllib.loads((PARAMS_DIR / f"{name}.toml").read_text())["scan"]
    base = data["base"]
    shutil.copy(PARAMS_DIR / base, work / base)
    grid = {key: [values[0], values[-1]] for key, values in data["grid"].items()}
    lines = ["[scan]", f"base = {_toml(base)}", "[scan.set]"]
    lines += [f"{_toml(k)} = {_toml(v)}" for k, v in {**data.get("set", {}), **LIGHTER[name]}.items()]
    lines += ["[scan.grid]"] + [f"{_toml(k)} = [{', '.join(_toml(v) for v in vs)}]" for k, vs in grid.items()]
    (work / f"{name}.toml").write_text("\n".join(lines) + "\n")
    return grid


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LIGHTER))
def test_shipped_scan_runs_on_a_reduced_grid(tmp_path, name):
    grid = _reduced(name, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "multiscale", "scan", f"{name}.toml", "--workers", "2"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    scan = read_dataset(tmp_path / "runs" / name / "scan.h5")
    assert scan.status.size == 2 ** len(grid) and np.all(scan.status.values == "done"), scan.status.values
    for key in grid:
        axis = key.split(".")[-1]
        assert scan[axis].attrs["dotted_key"] == key
    figures = sorted(p.name for p in (tmp_path / "runs" / name / "figures").glob("*.png"))
    assert figures, "no design map drawn"


def test_every_shipped_file_is_run_by_the_suite():
    """A new file in params/ fails here until a test runs it: the run files in tests/cli/test_run_shipped.py,
    the scan files (and their bases) above. Every run file also loads."""
    from tests.cli.test_run_shipped import COATING_AND_COMPLEXION, SHIPPED
    from tests.cli.test_run_shipped_cycling import CYCLING

    runs, scans, bases = set(), set(), set()
    for path in sorted(PARAMS_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        if "scan" in data:
            scans.add(path.stem)
            bases.add(data["scan"]["base"].removesuffix(".toml"))
        else:
            load_params(path)
            runs.add(path.stem)
    assert scans == set(LIGHTER), scans
    covered = set(SHIPPED) | set(COATING_AND_COMPLEXION) | set(CYCLING) | bases
    assert runs <= covered, runs - covered
