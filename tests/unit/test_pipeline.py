"""Pipeline: cache keys, skipping, --force, the lock, interrupted writes, logs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

import multiscale
from multiscale.cli import main
from multiscale.errors import RunLockedError
from multiscale.io import RunLock, is_complete, read_root_attrs
from multiscale.pipeline import cache_keys
from tests.conftest import MINIMAL_TOML


def _key(run_dir):
    return read_root_attrs(run_dir / "atomistic.h5")["stage_cache_key"]


def _created(run_dir):
    return read_root_attrs(run_dir / "atomistic.h5")["created"], (run_dir / "atomistic.h5").stat().st_mtime_ns


def test_unchanged_parameters_skip_the_stage(minimal_params, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="multiscale")
    run_dir = multiscale.run(minimal_params, out=tmp_path / "r")
    first = _created(run_dir)
    caplog.clear()
    multiscale.run(minimal_params, out=tmp_path / "r")
    assert _created(run_dir) == first
    assert any("atomistic: up to date" in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)
    assert "skipped" in (run_dir / "run.log").read_text()


def test_changed_parameters_rerun(minimal_params, tmp_path):
    run_dir = multiscale.run(minimal_params, out=tmp_path / "r")
    old_key, old = _key(run_dir), _created(run_dir)
    minimal_params.write_text(MINIMAL_TOML + "\n[atomistic]\nbulk_activation_energy_eV = 0.5\n")
    # a complete file of other parameters is not replaced silently: exit 2, the key named, nothing touched
    assert main(["run", str(minimal_params), "--out", str(tmp_path / "r")]) == 2
    assert _key(run_dir) == old_key and _created(run_dir) == old
    multiscale.run(minimal_params, out=tmp_path / "r", force=True)
    assert _key(run_dir) != old_key and _created(run_dir) != old


def test_parameters_the_stage_does_not_read_do_not_rerun_it(minimal_params, tmp_path):
    run_dir = multiscale.run(minimal_params, out=tmp_path / "r")
    old = _created(run_dir)
    minimal_params.write_text(MINIMAL_TOML.replace("vlcd_cv = 0.5", "vlcd_cv = 0.9"))
    multiscale.run(minimal_params, out=tmp_path / "r")
    assert _created(run_dir) == old


def test_changed_data_file_changes_the_key(tmp_path):
    table = tmp_path / "dopt.csv"
    table.write_text("ensemble_size,bcc_fraction\n500,0\n600,0.05\n700,0.5\n800,0.9\n900,0.95\n")
    params_path = tmp_path / "p.toml"
    params_path.write_text(MINIMAL_TOML + '\n[atomistic]\ndopt_table = "dopt.csv"\n')
    before = cache_keys(multiscale.load_params(params_path))["atomistic"]
    table.write_text("ensemble_size,bcc_fraction\n500,0\n600,0.01\n700,0.4\n800,0.9\n900,0.95\n")
    assert cache_keys(multiscale.load_params(params_path))["atomistic"] != before


def test_the_electrodes_kinetics_enter_the_keys_of_the_stages_that_read_them_only(tmp_path):
    """i0 re-runs the phase field, and the kMC only while it cycles (then it strips by Butler-Volmer);
    the atomistic and coating stages never read it."""
    chain = "[kmc]\nlateral_size_nm = 5.0\n[dendrite]\n[coating]\n"
    i0 = "exchange_current_density_mA_cm2 = 2.0\n"

    def keys(text):
        path = tmp_path / "p.toml"
        path.write_text(text)
        return cache_keys(multiscale.load_params(path))

    plating, plating_i0 = keys(MINIMAL_TOML + chain), keys(MINIMAL_TOML + i0 + chain)
    assert [s for s in plating if plating[s] != plating_i0[s]] == ["dendrite"]
    cycling, cycling_i0 = keys(MINIMAL_TOML + chain + "[cycling]\n"), keys(MINIMAL_TOML + i0 + chain + "[cycling]\n")
    assert [s for s in cycling if cycling[s] != cycling_i0[s]] == ["kmc", "dendrite"]


def test_force_reruns(minimal_params, tmp_path):
    run_dir = multiscale.run(minimal_params, out=tmp_path / "r")
    old = _created(run_dir)
    assert main(["run", str(minimal_params), "--out", str(run_dir), "--force"]) == 0
    assert _created(run_dir) != old and _key(run_dir)


def test_run_directory_contents(minimal_params, tmp_path):
    run_dir = multiscale.run(minimal_params)
    assert run_dir == multiscale.pipeline.Path("runs") / "tiny"
    assert multiscale.load_params(run_dir / "params.toml") == multiscale.load_params(minimal_params)
    log = (run_dir / "run.log").read_text()
    assert "atomistic: done" in log and "stages: 1/1" in log  # periodic progress line without a terminal
    attrs = read_root_attrs(run_dir / "atomistic.h5")
    assert attrs["input_toml"] == minimal_params.read_text()
    assert multiscale.load_params(minimal_params).model_dump_json() == attrs["resolved_params"]


def test_second_writer_is_locked_out(minimal_params, tmp_path, capsys):
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    with RunLock(run_dir):
        with pytest.raises(RunLockedError, match=f"pid {os.getpid()}"):
            multiscale.run(minimal_params, out=run_dir)
        assert main(["run", str(minimal_params), "--out", str(run_dir)]) == 2
        assert "another run" in capsys.readouterr().err
    assert not (run_dir / "atomistic.h5").exists()
    multiscale.run(minimal_params, out=run_dir)  # released: runs
    assert is_complete(run_dir / "atomistic.h5")


KILL_SCRIPT = """
import os, signal, sys
import multiscale.io.hdf5 as hdf5
original = hdf5.StageFileWriter.write_dataset
def write_then_die(self, ds, group=None):
    original(self, ds, group)
    if group == "dopt":
        self.flush()
        os.kill(os.getpid(), signal.SIGKILL)
hdf5.StageFileWriter.write_dataset = write_then_die
from multiscale.cli import main
sys.exit(main(["run", sys.argv[1], "--out", sys.argv[2]]))
"""


def test_run_killed_mid_write_leaves_no_complete_file(minimal_params, tmp_path):
    run_dir = tmp_path / "r"
    script = tmp_path / "kill.py"
    script.write_text(textwrap.dedent(KILL_SCRIPT))
    proc = subprocess.run([sys.executable, str(script), str(minimal_params), str(run_dir)], capture_output=True, timeout=120)
    assert proc.returncode == -9
    h5_files = list(run_dir.glob("*.h5*"))
    assert h5_files, "the killed run should have been mid-write"
    assert not (run_dir / "atomistic.h5").exists()
    assert not any(is_complete(p) for p in h5_files)
    # the lock died with the process; a rerun cleans up and completes
    multiscale.run(minimal_params, out=run_dir)
    assert is_complete(run_dir / "atomistic.h5") and not list(run_dir.glob("*.tmp"))
