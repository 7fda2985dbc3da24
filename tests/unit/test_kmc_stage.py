"""The kMC stage through the pipeline: file contents, mass balance, resume, caching."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import multiscale
from multiscale.constants import ELEMENTARY_CHARGE
from multiscale.io import read_dataset, read_root_attrs
from multiscale.kmc import stage as kmc_stage
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_roundtrip

KMC = """
[kmc]
lateral_size_nm = 5.0
box_height_nm = 6.0
stop_thickness_ML = 4.0
record_interval_ML = 0.5
max_hop_to_deposition = 300.0
"""


HEATING = "heating_top_rise_K = 200.0\nheating_length_nm = 1.0\n"


@pytest.fixture
def kmc_params(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text(MINIMAL_TOML + KMC)
    return path


def _expected(params_path, run_dir):
    """Rerun the same simulation in-process (same seed) and build the datasets it must write."""
    params = multiscale.load_params(params_path)
    atomistic = run_dir / "atomistic.h5"
    setup = kmc_stage.setup_from(params, read_dataset(atomistic), read_dataset(atomistic, "diffusion"),
                                 read_dataset(atomistic, "dopt"))
    state = kmc_stage.KmcState.flat(setup.shape, setup.kmc_seed)
    state, frames, _ = kmc_stage.simulate(setup, 0, state, [])
    series, groups = kmc_stage.output_datasets(setup, state, frames)
    root = groups["/"].assign_coords(time=("time", [f["time"] for f in frames], {"units": "s"}), **series["coords"])
    for name in kmc_stage.SCALARS:
        root[name] = ("time", [float(f[name]) for f in frames], {"units": kmc_stage.UNITS[name]})
    root["height"] = (("time", "y", "x"), np.array([f["height"] for f in frames], dtype=np.float32), {"units": "m"})
    return {**groups, "/": root}


@pytest.mark.parametrize("heating", ["", HEATING])
def test_kmc_file_round_trips_and_is_reproducible(kmc_params, tmp_path, heating):
    kmc_params.write_text(MINIMAL_TOML + KMC + heating)
    run_dir = multiscale.run(kmc_params, out=tmp_path / "r")
    assert_roundtrip(run_dir / "kmc.h5", _expected(kmc_params, run_dir))
    attrs = read_root_attrs(run_dir / "kmc.h5")
    assert 0 < attrs["hop_rate_scale"] < 1 and attrs["max_hop_to_deposition"] == 300.0  # acceleration recorded
    assert (attrs["local_heating"] == "off") == (not heating)
    assert not (run_dir / "kmc.checkpoint.npz").exists()


def test_mass_balance_in_the_output(kmc_params, tmp_path):
    run_dir = multiscale.run(kmc_params, out=tmp_path / "r")
    ds = read_dataset(run_dir / "kmc.h5")
    np.testing.assert_array_equal(ds.atoms_on_lattice, ds.deposited_atoms)
    np.testing.assert_allclose(ds.charge_passed, ds.deposited_atoms * ELEMENTARY_CHARGE, rtol=1e-15)
    n = ds.sizes["x"] * ds.sizes["y"]
    assert ds.deposited_atoms[-1].item() == 4 * n  # stop_thickness_ML x columns


@pytest.mark.parametrize("heating", ["", HEATING])
def test_interrupted_run_resumes_bit_identical(kmc_params, tmp_path, monkeypatch, heating):
    kmc_params.write_text(MINIMAL_TOML + KMC + heating)
    straight = multiscale.run(kmc_params, out=tmp_path / "straight")
    kmc_params.write_text(MINIMAL_TOML + KMC + heating + "checkpoint_interval_s = 1e-9\n")  # checkpoint at every record
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


def test_changing_kmc_parameters_reruns_only_kmc(kmc_params, tmp_path):
    run_dir = multiscale.run(kmc_params, out=tmp_path / "r")
    before = {n: read_root_attrs(run_dir / f"{n}.h5")["created"] for n in ("atomistic", "kmc")}
    key = read_root_attrs(run_dir / "kmc.h5")["stage_cache_key"]
    kmc_params.write_text(MINIMAL_TOML + KMC.replace("4.0", "3.0"))
    multiscale.run(kmc_params, out=run_dir)
    assert read_root_attrs(run_dir / "atomistic.h5")["created"] == before["atomistic"]
    assert read_root_attrs(run_dir / "kmc.h5")["stage_cache_key"] != key


def test_open_run_includes_kmc(kmc_params, tmp_path):
    tree = multiscale.open_run(multiscale.run(kmc_params, out=tmp_path / "r"))
    assert set(tree.children) == {"atomistic", "kmc"}
    assert isinstance(tree["kmc/handoff"].to_dataset(), xr.Dataset)
    tree.close()
