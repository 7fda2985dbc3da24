"""Benchmarks do not rot unseen: every script in benchmarks/ runs its ``--smoke`` mode (tiny sizes,
the benchmark's own code path) and prints its table. Nothing here looks at a timing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PARAMS_DIR

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
NUMBER = re.compile(r"\d\.\d|\de[+-]\d")

# script -> strings its printed figures must contain (a header and a data row)
CASES = {
    "acceleration_convergence": ["Ra (nm)", "±"],
    "cycling_interface_width": ["rough. plated (um)", "/ deposit std i0", "sharp (um)", "corr(stripped, plated)",
                                "max |grad psi| 4w", "contour plated", "contour stripped", "max |v| / G (1/um)",
                                "0.4"],
    "dendrite_trends": ["k_c (1/um)", "(Bt)^-1/4", "lambda_c(330 K) / lambda_c(280 K)"],
    "dopt_calibration": ["j (mA/cm2)", "2.50"],
    "kmc_cycling_trends": ["plating j (mA/cm2)", "VLCD CV", "Welch t", "reversible", "eta plating (mV)",
                           "VLCD CV, reversible", "exchange, revived", "revived / plated", "VLCD CV, revived",
                           "SEI passivation (s)", "max hop / dep., 10 ms", "lateral size (nm)", "CV real.",
                           "dead Li per cycle", "VLCD CV, 10 cycles",
                           "SEI passivation (s), 10 cycles", "max hop / dep., 10 cycles",
                           "records / half-cycle, 10 cycles", "dead Li after the last cycle",
                           "max hop / dep., 10 cycles, 10 ms", "dead Li clusters after the last cycle",
                           "of the cluster cut off", "plating j, SEI-coated", "VLCD CV, SEI-coated",
                           "cut-off Li, 10 cycles", "max hop / dep., 10 cycles, SEI-coated",
                           "lateral size (nm), 10 cycles, SEI-coated", "electronic contact, 10 cycles",
                           "max hop / dep., 10 cycles, SEI-coated, stranding moves refused",
                           "max hop / dep., 10 cycles, stranding moves refused", "marked dead in moves",
                           "max hop / dep., 10 cycles, dead Li that binds", "max hop / dep., the case",
                           "bond lift lambda, the case"],
    "kmc_butler_volmer": ["eta (kT/e)", "net / BV(i_ex)", "exchange current i_ex", "hops at 3000 x", "hops at 300 x",
                          "with dead Li tracked", "dense film", "lost / initial", "revived on contact",
                          "ever marked dead", "clusters cut off, all seeds", "SEI-coated (binds no Li)",
                          "joined across gaps of up to two spacings", "T (K)", "adatoms",
                          "moves that strand Li refused"],
    "kmc_throughput": ["events/s", "bond-counting classes", "per-site (heating on)", "stripping (dead Li on)",
                       "reversible (dead Li on)", "stripping, revived on contact", "stripping, passivation clock",
                       "stripping, SEI-coated", "stripping, narrow gap", "stripping, stranding refused",
                       "stripping, dead Li untracked",
                       "stripping, the defaults", "ns/deposit",
                       "trajectory fingerprints", "16^2 columns", "potentiostatic, non-uniform field",
                       "SEI-coated, dead Li seeded", "the defaults, dead Li seeded"],
    "lu_ordering": ["L+U nnz", "minimum degree", "nested dissection", "16x24"],
    "kmc_trends": ["roughness vs T (K)", "hotspot deposit shape", "roughness vs j (mA/cm2)", "crystalline fraction"],
    "phasefield_step": ["cells/s", "24x24", "fipy terms", "fipy LU", "ratio", "peak MB"],
    "pipeline": ["points/min", "speed-up"],
    "stage_file_read": ["streamed s", "committed s", "ratio", "netCDF-C s"],
}


def test_every_benchmark_script_has_a_smoke_test():
    assert sorted(p.stem for p in BENCHMARKS.glob("*.py") if not p.stem.startswith("_")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_smoke_mode_runs_and_prints_figures(name, tmp_path):
    result = subprocess.run([sys.executable, str(BENCHMARKS / f"{name}.py"), "--smoke"], cwd=tmp_path,
                            capture_output=True, encoding="utf-8", timeout=300,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})  # the tables print ± and ²
    assert result.returncode == 0, f"{name}.py --smoke exited {result.returncode}:\n{result.stderr[-3000:]}"
    for text in CASES[name]:
        assert text in result.stdout, f"{text!r} not in the output of {name}.py --smoke:\n{result.stdout}"
    assert NUMBER.search(result.stdout), result.stdout


def test_the_throughput_benchmark_times_the_rows_and_lattices_asked_for(tmp_path):
    """``--only``, ``--sides`` and ``--layers``: the stripping row alone, on the two lattices named."""
    result = subprocess.run([sys.executable, str(BENCHMARKS / "kmc_throughput.py"), "--smoke", "--only", "stripping",
                             "--sides", "20", "16", "--layers", "30"], cwd=tmp_path, capture_output=True,
                            encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split() for line in result.stdout.splitlines() if line.lstrip().startswith("stripping")]
    assert [row[4] for row in rows] == ["7.68e+03", "1.20e+04"], result.stdout  # 30 x 16^2 and 30 x 20^2 sites
    assert "bond-counting classes" not in result.stdout and "ns/deposit" not in result.stdout, result.stdout


@pytest.mark.parametrize("args, message", [
    (["--heated"], "--heated selects the heated row"),
    (["--heated", "--only", "stripping"], "--heated selects the heated row"),
    (["--fingerprint", "--sides", "20"], "--fingerprint times nothing"),
    (["--sides", "4"], "--sides: at least 5"),
    (["--layers", "8"], "--layers: at least 12"),
])
def test_the_throughput_benchmark_refuses_options_it_cannot_honour(args, message, tmp_path):
    """Each refused combination exits 2 with its one-line reason, before any timing."""
    result = subprocess.run([sys.executable, str(BENCHMARKS / "kmc_throughput.py"), *args], cwd=tmp_path,
                            capture_output=True, encoding="utf-8", timeout=120)
    assert result.returncode == 2 and message in result.stderr, (result.returncode, result.stderr[-2000:])
    assert result.stdout == "", result.stdout


def test_the_fingerprint_sees_the_refusal_of_stranding_moves_only_with_dead_li_seeded(tmp_path):
    """The "defaults" row differs from "SEI-coated" only by the refusal of moves that strand an
    atom. The unseeded rows never meet such a move (their films form little dead Li), so they hash
    alike and a change to the refusal would pass unseen; the seeded rows must hash apart (16^2
    columns, 3 calls of 3e4 events)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import kmc_throughput as kt; "
            "print(*(kt.fingerprint(16, False, m, 3, 30_000) for m in sys.argv[2:]))")
    modes = ["coated", "defaults", "coated_seeded", "defaults_seeded"]
    result = subprocess.run([sys.executable, "-c", code, str(BENCHMARKS), *modes], cwd=tmp_path, capture_output=True,
                            encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    coated, defaults, coated_seeded, defaults_seeded = result.stdout.split()
    assert coated == defaults and coated_seeded != defaults_seeded, result.stdout


def _table_rows(stdout: str) -> list[str]:
    """The printed rows without their last column (the wall time of a run)."""
    return [line.rsplit(None, 1)[0] for line in stdout.splitlines() if line.strip()]


def test_cycling_trends_give_the_same_table_in_a_pool_of_processes(tmp_path):
    """``--jobs 2`` runs a row's seeds in other processes: the same runs, the same table."""
    script = [sys.executable, str(BENCHMARKS / "kmc_cycling_trends.py"), "--smoke", "--only", "current,vlcd"]
    out = {}
    for jobs in ("1", "2"):
        result = subprocess.run(script + ["--jobs", jobs], cwd=tmp_path, capture_output=True, encoding="utf-8",
                                timeout=300, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        assert result.returncode == 0, result.stderr[-3000:]
        out[jobs] = _table_rows(result.stdout)
    assert out["1"] == out["2"]
    assert any("±" in row for row in out["2"])


def test_cycling_trends_refuse_a_bad_setting_in_one_line(tmp_path):
    script = [sys.executable, str(BENCHMARKS / "kmc_cycling_trends.py"), "--smoke", "--only", "current"]
    for setting, message in (("kmc.no_such_key=1", "--set: kmc.no_such_key: unknown key"),
                             ("kmc.dead_li", "--set 'kmc.dead_li': expected KEY=VALUE"),
                             ("seed=3", "--set seed: the seeds are --seeds and --first-seed")):
        result = subprocess.run(script + ["--set", setting], cwd=tmp_path, capture_output=True, encoding="utf-8",
                                timeout=300)
        assert result.returncode != 0
        assert result.stderr.strip().splitlines() == [f"kmc_cycling_trends.py: {message}"]


def test_cycling_trends_refuse_a_case_file_they_cannot_run_in_one_line(tmp_path):
    """``--case``: a missing file, and a file with a phase field (its cycles would run too)."""
    script = [sys.executable, str(BENCHMARKS / "kmc_cycling_trends.py"), "--smoke", "--only", "case_hops"]
    for case, message in ((tmp_path / "missing.toml", f"--case: {tmp_path / 'missing.toml'}: file not found"),
                          (PARAMS_DIR / "cycling.toml",
                           "--case: the file needs [kmc] and [cycling] tables and no [dendrite], [coating] or "
                           "[complexion]")):
        result = subprocess.run(script + ["--case", str(case)], cwd=tmp_path, capture_output=True, encoding="utf-8",
                                timeout=300)
        assert result.returncode != 0
        assert result.stderr.strip().splitlines() == [f"kmc_cycling_trends.py: {message}"]
