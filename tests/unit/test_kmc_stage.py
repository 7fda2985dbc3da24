"""The kMC stage through the pipeline: file contents, mass balance, resume, caching."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import h5py
import numpy as np
import pytest

import multiscale
from multiscale.constants import ELEMENTARY_CHARGE, K_B_EV
from multiscale.errors import UserError
from multiscale.io import read_dataset, read_root_attrs
from multiscale.kmc import stage as kmc_stage
from multiscale.kmc.outputs import SCHEMA as KMC_SCHEMA
from multiscale.runner import CheckpointedRun
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_matches_schema

KMC = """
[kmc]
lateral_size_nm = 5.0
box_height_nm = 6.0
stop_thickness_ML = 4.0
record_interval_ML = 0.5
max_hop_to_deposition = 300.0
"""


HEATING = "heating_top_rise_K = 200.0\nheating_length_nm = 1.0\n"
LIFT = "hop_scaling_lambda = 1.0\n"


@pytest.fixture
def kmc_params(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text(MINIMAL_TOML + KMC)
    return path


@pytest.mark.parametrize("heating", ["", HEATING])
def test_kmc_file_round_trips_and_is_reproducible(kmc_params, tmp_path, heating):
    kmc_params.write_text(MINIMAL_TOML + KMC + heating)
    run_dir = multiscale.run(kmc_params, out=tmp_path / "r")
    assert_matches_schema(run_dir / "kmc.h5", KMC_SCHEMA)
    ds, handoff = read_dataset(run_dir / "kmc.h5"), read_dataset(run_dir / "kmc.h5", "handoff")
    # the handoff is the last record; records every 0.5 ML of the 4 ML asked, plus the start
    assert float(handoff.roughness_sigma) == ds.roughness_sigma.values[-1] > 0
    assert float(handoff.crystalline_fraction) == ds.crystalline_fraction.values[-1]
    assert handoff.attrs["deposit"] == "the last record"
    assert ds.sizes["time"] == 4.0 / 0.5 + 1 and np.all(np.diff(ds.time) > 0)
    assert ds.height.dtype == np.float32 and ds.roughness_sigma.dtype == np.float64  # the file format: 4-byte height maps
    ens = read_dataset(run_dir / "kmc.h5", "ensembles")
    np.testing.assert_array_equal(ens.time, ds.time)
    attrs = read_root_attrs(run_dir / "kmc.h5")
    # 5 nm / a = 17.9 -> 18 columns (a = Omega^(1/3) = 2.786 Å): the rounded box is reported
    assert json.loads(attrs["lattice_shape_zyx"])[1:] == [18, 18]
    assert attrs["lateral_size_m"] == pytest.approx(18 * attrs["lattice_spacing_m"], rel=1e-12)
    assert 0 < attrs["hop_rate_scale"] < 1 and attrs["max_hop_to_deposition"] == 300.0  # acceleration recorded
    assert (attrs["local_heating"] == "off") == (not heating)
    j = ds.current_density.values
    assert attrs["current_density_cv"] == pytest.approx(j.std() / j.mean(), rel=1e-12)
    # a 5 nm box holds half a 10 nm correlation length: it realises well below the nominal CV 0.5
    assert 0 < attrs["current_density_cv"] < 0.5
    assert not (run_dir / "kmc.checkpoint.npz").exists()


def test_mass_balance_in_the_output(kmc_params, tmp_path):
    run_dir = multiscale.run(kmc_params, out=tmp_path / "r")
    ds = read_dataset(run_dir / "kmc.h5")
    np.testing.assert_allclose(ds.charge_passed, ds.deposited_atoms * ELEMENTARY_CHARGE, rtol=1e-15)
    n = ds.sizes["x"] * ds.sizes["y"]
    assert ds.deposited_atoms[-1].item() == 4 * n  # stop_thickness_ML x columns


@pytest.mark.parametrize("extra", ["", HEATING, LIFT])
def test_interrupted_run_resumes_bit_identical(kmc_params, tmp_path, monkeypatch, extra):
    kmc_params.write_text(MINIMAL_TOML + KMC + extra)
    straight = multiscale.run(kmc_params, out=tmp_path / "straight")
    kmc_params.write_text(MINIMAL_TOML + KMC + extra + "checkpoint_interval_s = 1e-9\n")  # checkpoint at every record
    calls = {"n": 0}
    original = kmc_stage.record

    def record_then_interrupt(*args):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(kmc_stage, "record", record_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        multiscale.run(kmc_params, out=tmp_path / "resumed")
    assert (tmp_path / "resumed" / "kmc.checkpoint.npz").exists() and not (tmp_path / "resumed" / "kmc.h5").exists()
    monkeypatch.setattr(kmc_stage, "record", original)
    resumed = multiscale.run(kmc_params, out=tmp_path / "resumed")
    a, b = read_dataset(straight / "kmc.h5"), read_dataset(resumed / "kmc.h5")
    for name in ("height", "time", "events_hop", "roughness_sigma"):
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    np.testing.assert_array_equal(read_dataset(straight / "kmc.h5", "final").phase, read_dataset(resumed / "kmc.h5", "final").phase)


def test_the_bond_lift_keeps_the_adatom_hop_that_r_sets_and_is_recorded(kmc_params, tmp_path, monkeypatch):
    """With lambda = 1 every level move of a phase runs at its adatom's rate, so the common factor
    must drop by exp(-g) at the reference temperature (300 K) for the fastest hop to stay R times
    the deposition rate; g is the reference temperature's in a run at 270 K too (one factor per
    move for every run of a scan), and the engine the stage builds rejects with exp(-g dn)."""
    plain = read_root_attrs(multiscale.run(kmc_params, out=tmp_path / "plain") / "kmc.h5")
    built = []

    class Recorded(kmc_stage.Engine):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(kmc_stage, "Engine", Recorded)
    kmc_params.write_text(MINIMAL_TOML.replace("temperature_K = 300.0", "temperature_K = 270.0") + KMC + LIFT)
    run_dir = multiscale.run(kmc_params, out=tmp_path / "lifted")
    attrs = read_root_attrs(run_dir / "kmc.h5")
    assert plain["hop_scaling_lambda"] == 0.0 and plain["bond_lift"] == 0.0 and "bond lift" not in plain["acceleration"]
    g = attrs["E_bond_eV"] / (K_B_EV * 300.0) - attrs["S_bond_kB"]
    assert attrs["temperature_K"] == 270.0 and len(built) == 1
    np.testing.assert_allclose(built[0].uphill, np.exp(-g * np.arange(7)), rtol=1e-12)
    assert attrs["hop_scaling_lambda"] == 1.0 and attrs["bond_lift"] == pytest.approx(g, rel=1e-12)
    assert attrs["hop_rate_scale"] == pytest.approx(plain["hop_rate_scale"] * np.exp(-g), rel=1e-12)
    assert "bond lift" in attrs["acceleration"]


def test_changing_kmc_parameters_refuses_to_replace_then_force_reruns(kmc_params, tmp_path):
    run_dir = multiscale.run(kmc_params, out=tmp_path / "r")
    key = read_root_attrs(run_dir / "kmc.h5")["stage_cache_key"]
    kmc_params.write_text(MINIMAL_TOML + KMC.replace("4.0", "3.0"))
    with pytest.raises(UserError, match=r"kmc\.stop_thickness_ML differs.*kmc\.h5 would be replaced.*--force"):
        multiscale.run(kmc_params, out=run_dir)
    assert read_root_attrs(run_dir / "kmc.h5")["stage_cache_key"] == key  # untouched
    multiscale.run(kmc_params, out=run_dir, force=True)
    assert read_root_attrs(run_dir / "kmc.h5")["stage_cache_key"] != key


def test_a_lateral_size_below_eight_columns_is_refused(kmc_params, tmp_path):
    kmc_params.write_text(MINIMAL_TOML + KMC.replace("lateral_size_nm = 5.0", "lateral_size_nm = 0.0001"))
    with pytest.raises(UserError, match=r"kmc\.lateral_size_nm: 0\.0001 nm is 0 lattice columns"):
        multiscale.run(kmc_params, out=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_open_run_includes_kmc(kmc_params, tmp_path):
    tree = multiscale.open_run(multiscale.run(kmc_params, out=tmp_path / "r"))
    assert set(tree.children) == {"atomistic", "kmc"}
    for group in ("handoff", "surface_kinetics"):
        declared = {h.name for h in KMC_SCHEMA.handoffs() if h.group == group}
        assert declared and set(tree[f"kmc/{group}"].to_dataset().data_vars) >= declared
    tree.close()


def _interrupt_at_record(monkeypatch, n: int):
    calls = {"n": 0}
    original = kmc_stage.record

    def record_then_interrupt(*args):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(kmc_stage, "record", record_then_interrupt)
    return original


def test_records_past_the_last_checkpoint_are_cut_and_redone(kmc_params, tmp_path, monkeypatch):
    """The partial file holds records the checkpoint does not know (written after it): the resume cuts
    them and makes them again, to the same file as an uninterrupted run."""
    straight = multiscale.run(kmc_params, out=tmp_path / "straight")
    kmc_params.write_text(MINIMAL_TOML + KMC + "checkpoint_interval_s = 1e-9\n")
    saves = {"n": 0}
    original_save = CheckpointedRun._save

    def save_only_the_second(self, sim):
        saves["n"] += 1
        if saves["n"] == 2:
            original_save(self, sim)

    monkeypatch.setattr(CheckpointedRun, "_save", save_only_the_second)
    original = _interrupt_at_record(monkeypatch, 7)
    with pytest.raises(KeyboardInterrupt):
        multiscale.run(kmc_params, out=tmp_path / "resumed")
    partial = tmp_path / "resumed" / "kmc.partial.h5"
    with h5py.File(partial) as f:
        assert f["time"].shape[0] == 6  # 6 records on disk, the checkpoint knows 3
    monkeypatch.setattr(kmc_stage, "record", original)
    monkeypatch.setattr(CheckpointedRun, "_save", original_save)
    resumed = multiscale.run(kmc_params, out=tmp_path / "resumed")
    assert not partial.exists()
    for group in (None, "ensembles"):
        a, b = read_dataset(straight / "kmc.h5", group), read_dataset(resumed / "kmc.h5", group)
        for name in a.variables:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{group}/{name}")


def test_a_damaged_partial_file_starts_over_to_the_same_result(kmc_params, tmp_path, monkeypatch, caplog):
    """kill -9 in the middle of an HDF5 write can leave the partial file unreadable: the checkpoint is
    then not used, the stage starts over, and the result is the uninterrupted one."""
    straight = multiscale.run(kmc_params, out=tmp_path / "straight")
    kmc_params.write_text(MINIMAL_TOML + KMC + "checkpoint_interval_s = 1e-9\n")
    original = _interrupt_at_record(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        multiscale.run(kmc_params, out=tmp_path / "resumed")
    partial = tmp_path / "resumed" / "kmc.partial.h5"
    partial.write_bytes(partial.read_bytes()[:2000])  # cut mid-file
    monkeypatch.setattr(kmc_stage, "record", original)
    caplog.set_level(logging.WARNING, logger="multiscale")
    resumed = multiscale.run(kmc_params, out=tmp_path / "resumed")
    assert any("starting over" in r.getMessage() for r in caplog.records)
    a, b = read_dataset(straight / "kmc.h5"), read_dataset(resumed / "kmc.h5")
    for name in ("height", "time", "events_hop", "roughness_sigma"):
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_hotspot_run_writes_the_declared_morphology_group(tmp_path):
    """A localized deposit (seed 004's hotspots) adds the ``morphology`` group; the file matches the schema."""
    path = tmp_path / "h.toml"
    path.write_text(MINIMAL_TOML.replace("vlcd_cv = 0.5\n", 'vlcd_field = "hotspots"\nhotspot_radius_nm = 1.0\n')
                    + KMC.replace("stop_thickness_ML = 4.0", "stop_thickness_ML = 1.0"))
    run_dir = multiscale.run(path, out=tmp_path / "r")
    assert_matches_schema(run_dir / "kmc.h5", KMC_SCHEMA)
    morphology = read_dataset(run_dir / "kmc.h5", "morphology")
    assert morphology.sizes["hotspot"] == 1 and morphology["shape"].item() in ("needle", "mushroom", "hemisphere")


KILL_AFTER_CHECKPOINT = """
import os, signal, sys
from multiscale.runner import CheckpointedRun
original = CheckpointedRun._save
calls = [0]
def save_then_die(self, sim):
    original(self, sim)
    calls[0] += 1
    if calls[0] == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # no clean-up of any kind: the HDF5 file is left open
CheckpointedRun._save = save_then_die
from multiscale.cli import main
sys.exit(main(["run", sys.argv[1], "--out", sys.argv[2]]))
"""


def test_a_run_killed_with_sigkill_resumes_from_its_checkpoint_bit_identical(kmc_params, tmp_path, caplog):
    """kill -9 right after a checkpoint: the partial file reopens (it was flushed to disk with the
    checkpoint), the run resumes there rather than starting over, and ends as the uninterrupted run."""
    straight = multiscale.run(kmc_params, out=tmp_path / "straight")
    kmc_params.write_text(MINIMAL_TOML + KMC + "checkpoint_interval_s = 1e-9\n")
    script = tmp_path / "kill.py"
    script.write_text(KILL_AFTER_CHECKPOINT)
    proc = subprocess.run([sys.executable, str(script), str(kmc_params), str(tmp_path / "resumed")],
                          capture_output=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    assert (tmp_path / "resumed" / "kmc.checkpoint.npz").exists()
    caplog.set_level(logging.INFO, logger="multiscale")
    resumed = multiscale.run(kmc_params, out=tmp_path / "resumed")
    assert any("resuming from kmc.checkpoint.npz (4 records on disk)" in r.getMessage() for r in caplog.records)
    for group in (None, "ensembles"):
        a, b = read_dataset(straight / "kmc.h5", group), read_dataset(resumed / "kmc.h5", group)
        for name in a.variables:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{group}/{name}")
