"""The dendrite stage through the pipeline: file contents, Li balance, resume, the chain's inputs."""

from __future__ import annotations

import numpy as np
import pytest

import multiscale
from multiscale.constants import FARADAY
from multiscale.dendrite import stage as dendrite_stage
from multiscale.dendrite.outputs import SCHEMA as DENDRITE_SCHEMA
from multiscale.errors import UserError
from multiscale.io import read_dataset, read_root_attrs
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_matches_schema

# 2 um of electrode, a 3 um fine band (20 x 30 cells of 0.1 um), a 10 um gap; 0.005 mAh/cm^2 at
# 1 mA/cm^2 (18 s, 24 nm of Li): a few seconds
DENDRITE = """
[dendrite]
width_um = 2.0
gap_um = 10.0
front_band_um = 3.0
deposited_capacity_mAh_cm2 = 0.005
records = 4
"""
# held at -50 mV: ~21 A/m^2 at the start (planar Butler-Volmer, i0 = 10 A/m^2), the 180 C/m^2 in ~9 s
POTENTIOSTATIC = DENDRITE + """control = "potentiostatic"
cell_voltage_mV = -50.0
stop_time_s = 30.0
"""


@pytest.fixture
def dendrite_params(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(MINIMAL_TOML + DENDRITE)
    return path


@pytest.fixture
def finished(dendrite_params, tmp_path):
    return multiscale.run(dendrite_params, out=tmp_path / "r")


def test_file_has_the_promised_variables_in_si(finished):
    ds = read_dataset(finished / "dendrite.h5")
    assert ds.sizes["time"] == 5 and ds.sizes["y"] == 20
    assert ds.x.attrs["units"] == "m" and 9e-6 < float(ds.x[-1]) < 11.5e-6  # the last centre; the grid ends at band / 2 + gap
    assert np.all(np.diff(ds.x) > 0) and float(ds.x[1] - ds.x[0]) == pytest.approx(0.1e-6)
    for name in ("psi", "concentration", "potential"):
        assert ds[name].dims == ("time", "y", "x") and ds[name].dtype == np.float32  # 4-byte snapshots
    assert ds.local_current_density.dims == ("time", "y")
    assert ds.concentration.attrs["units"] == "mol m-3" and ds.potential.attrs["units"] == "V"
    attrs = read_root_attrs(finished / "dendrite.h5")
    assert attrs["stop_reason"] == "end of the plating time (Faraday)"
    assert attrs["temperature_K"] == 300.0 and attrs["surface_diffusion_source"].startswith("atomistic.h5")
    assert attrs["gap_m"] == pytest.approx(10e-6)
    assert not (finished / "dendrite.checkpoint.npz").exists()
    assert_matches_schema(finished / "dendrite.h5", DENDRITE_SCHEMA)


def test_li_balance_and_faraday(finished):
    """Conservation, checked at every record: charge / F = Li plated + change of dissolved Li (1e-8
    of the charge); 0.005 mAh/cm^2 = 180 C/m^2: 10 A/m^2 for 18 s."""
    ds = read_dataset(finished / "dendrite.h5")
    passed = ds.charge_passed.values / FARADAY
    assert float(ds.charge_passed[-1]) == pytest.approx(180.0, rel=1e-12)
    np.testing.assert_allclose(ds.li_deposited + ds.dissolved_li_change, passed, rtol=0, atol=1e-8 * passed[-1])
    # after the start (a guess, not a solution) the Faradaic current is the applied one: the current equation sums to it
    np.testing.assert_allclose(ds.mean_current_density[1:], 10.0, rtol=1e-6)
    assert float(ds.min_concentration.min()) > 900 and float(ds.max_concentration.max()) < 1100


@pytest.mark.parametrize("table", [DENDRITE, POTENTIOSTATIC], ids=["galvanostatic", "potentiostatic"])
def test_interrupted_run_resumes_identically(table, tmp_path, monkeypatch):
    dendrite_params = tmp_path / "d.toml"
    dendrite_params.write_text(MINIMAL_TOML + table)
    straight = multiscale.run(dendrite_params, out=tmp_path / "straight")
    dendrite_params.write_text(MINIMAL_TOML + table + "checkpoint_interval_s = 1e-9\n")
    calls = {"n": 0}
    original = dendrite_stage.Run._record

    def record_then_interrupt(self):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(dendrite_stage.Run, "_record", record_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        multiscale.run(dendrite_params, out=tmp_path / "resumed")
    assert (tmp_path / "resumed" / "dendrite.checkpoint.npz").exists()
    assert not (tmp_path / "resumed" / "dendrite.h5").exists()
    monkeypatch.setattr(dendrite_stage.Run, "_record", original)
    resumed = multiscale.run(dendrite_params, out=tmp_path / "resumed")
    a, b = read_dataset(straight / "dendrite.h5"), read_dataset(resumed / "dendrite.h5")
    for name in ("time", "psi", "concentration", "potential", "charge_passed", "counter_potential",
                 "counter_current_density", "tip_velocity", "local_current_density", "li_balance_error"):
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_potentiostatic_run_holds_the_voltage_and_stops_at_the_capacity(tmp_path):
    """References: the set cell voltage (the counter electrode's electrolyte potential is held at
    50 mV, to 1e-9 V at every record: the solver's tolerance); the charge balance (1e-8, as
    galvanostatic); the capacity stop, at the first step past 180 C/m^2 (steps of < 2 s at ~20 A/m^2:
    < 40 C/m^2 over)."""
    path = _write(tmp_path, MINIMAL_TOML + POTENTIOSTATIC)
    out = multiscale.run(path, out=tmp_path / "r")
    ds = read_dataset(out / "dendrite.h5")
    attrs = read_root_attrs(out / "dendrite.h5")
    assert attrs["stop_reason"].startswith("deposited capacity reached")
    assert attrs["control"].startswith("potential")
    np.testing.assert_allclose(ds.counter_potential, 0.05, rtol=0, atol=1e-9)
    assert 180.0 <= float(ds.charge_passed[-1]) < 220.0 and float(ds.time[-1]) < 30.0
    current = ds.counter_current_density.values[1:]
    assert np.all((current > 10.0) & (current < 30.0))
    np.testing.assert_allclose(ds.mean_current_density[1:], current, rtol=1e-6)
    passed = ds.charge_passed.values / FARADAY
    np.testing.assert_allclose(ds.li_deposited + ds.dissolved_li_change, passed, rtol=0, atol=1e-8 * passed[-1])


def _write(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def _handoff(sigma, corr, crystalline, b=2e-30):
    from multiscale.coupling import KmcHandoff
    return KmcHandoff(sigma, corr, crystalline, b, 0.1 * b, 3.5, 0.3)


@pytest.fixture
def atomistic_file(tmp_path):
    """A complete atomistic.h5 of the defaults (the dendrite stage reads D_surface(T) from it)."""
    path = _write(tmp_path, MINIMAL_TOML)
    return multiscale.run(path, out=tmp_path / "a") / "atomistic.h5"


def test_chain_sets_b_anisotropy_and_initial_roughness(tmp_path, atomistic_file):
    """B: the kMC's measured value when the kMC ran, else D_s nu gamma Omega^2 / (k_B T) from the
    atomistic laws (recomputed here from the file's D0, Ea and atomic volume); crystalline fraction f
    -> delta = max_anisotropy_strength f; the kMC heights (sigma, correlation length l) averaged over
    patches of the phase-field correlation length L: sigma l / L, capped at (band / 2 - 6 w) / 3
    (the random profiles are interpolated from 16 points per correlation length: std within 15 %)."""
    import xarray as xr
    from multiscale.constants import BOLTZMANN, ELEMENTARY_CHARGE

    params = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + DENDRITE))
    with_kmc = dendrite_stage.setup_from(params, _handoff(sigma=0.2e-9, corr=2.0e-9, crystalline=0.4), atomistic_file)
    assert with_kmc.cell.surface_diffusion_B_m4_s == 2e-30
    assert with_kmc.cell.anisotropy_strength == pytest.approx(0.05 * 0.4)
    assert np.std(with_kmc.initial_front) == pytest.approx(0.2e-3 * 2.0e-3 / 2.0, rel=0.15)  # um, interpolated field
    assert np.mean(with_kmc.initial_front) == pytest.approx(1.5, abs=1e-4)
    capped = dendrite_stage.setup_from(params, _handoff(sigma=1e-6, corr=2.0e-6, crystalline=0.4), atomistic_file)
    assert np.std(capped.initial_front) == pytest.approx((1.5 - 6 * 0.2) / 3, rel=0.15)
    assert "capped" in capped.sources["initial_roughness_source"]
    flat = dendrite_stage.setup_from(params, None, atomistic_file)
    assert flat.cell.anisotropy_strength == 0 and np.ptp(flat.initial_front) == 0
    with xr.open_dataset(atomistic_file, engine="h5netcdf", group="diffusion") as diff:
        d0, ea = float(diff.D0_surface), float(diff.Ea_surface)
    with xr.open_dataset(atomistic_file, engine="h5netcdf") as root:
        volume = float(root.atomic_volume)
    kt = BOLTZMANN * 300.0
    expected = d0 * np.exp(-ea * ELEMENTARY_CHARGE / kt) * volume ** (-2 / 3) * 0.5 * volume ** 2 / kt
    assert flat.cell.surface_diffusion_B_m4_s == pytest.approx(expected, rel=1e-12)
    warmer = multiscale.load_params(_write(tmp_path, MINIMAL_TOML.replace("300.0", "330.0") + DENDRITE))
    warm = dendrite_stage.setup_from(warmer, None, atomistic_file)
    assert warm.cell.surface_diffusion_B_m4_s > flat.cell.surface_diffusion_B_m4_s  # temperature reaches B
    assert warm.cell.temperature_K == 330.0


def test_both_stages_that_strip_read_the_electrodes_butler_volmer_kinetics(tmp_path, atomistic_file):
    """One electrode, one set of kinetics: electrode.exchange_current_density_mA_cm2 and the
    transfer coefficients reach the phase field's cell and the kMC's cycling (its exchange rate
    per column is i0 a^2 / e, so it doubles with i0)."""
    from multiscale.kmc import stage as kmc_stage

    chain = "[kmc]\nlateral_size_nm = 5.0\n[dendrite]\nwidth_um = 2.0\ngap_um = 10.0\nfront_band_um = 3.0\n[cycling]\n"
    kinetics = ("exchange_current_density_mA_cm2 = 2.0\nanodic_transfer_coefficient = 0.3\n"
                "cathodic_transfer_coefficient = 0.6\n")
    default = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + chain))
    params = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + kinetics + chain))
    cell = dendrite_stage.setup_from(params, None, atomistic_file).cell
    assert cell.exchange_current_density_A_m2 == pytest.approx(20.0, rel=1e-12)  # 2 mA/cm^2
    assert (cell.anodic_transfer_coefficient, cell.cathodic_transfer_coefficient) == (0.3, 0.6)
    inputs = kmc_stage.AtomisticInputs.read(atomistic_file)
    given, reference = (kmc_stage.setup_from(p, inputs).cycling for p in (params, default))
    assert (given.alpha_a, given.alpha_c) == (0.3, 0.6) and (reference.alpha_a, reference.alpha_c) == (0.5, 0.5)
    assert given.exchange_rate == pytest.approx(2.0 * reference.exchange_rate, rel=1e-12)
    kmc_cycling = "[kmc]\nlateral_size_nm = 5.0\n[cycling]\n"
    kmc_alone = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + kinetics + kmc_cycling))
    assert (kmc_stage.setup_from(kmc_alone, inputs).cycling.alpha_a, kmc_alone.dendrite) == (0.3, None)
    plating = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + kinetics + DENDRITE))  # the phase field alone
    cell = dendrite_stage.setup_from(plating, None, atomistic_file).cell
    assert cell.exchange_current_density_A_m2 == pytest.approx(20.0, rel=1e-12)


def test_vlcd_modulation_has_mean_one_the_electrode_spread_and_does_not_depend_on_the_grid(tmp_path, atomistic_file):
    text = MINIMAL_TOML.replace("vlcd_cv = 0.5", "vlcd_cv = 0.8") + DENDRITE.replace("width_um = 2.0", "width_um = 32.0")
    coarse = dendrite_stage.setup_from(multiscale.load_params(_write(tmp_path, text)), None, atomistic_file)
    m = coarse.modulation
    assert m.mean() == pytest.approx(1.0, rel=1e-12) and np.all(m > 0)
    assert np.std(m) == pytest.approx(0.8, rel=0.35)  # log-normal of a standardised sample
    fine = dendrite_stage.setup_from(multiscale.load_params(_write(tmp_path, text + "interface_width_um = 0.1\n")),
                                     None, atomistic_file)
    # the same field on a grid twice as fine: its pairs of cells average to the coarse cell (smooth field)
    np.testing.assert_allclose(0.5 * (fine.modulation[0::2] + fine.modulation[1::2]), m, rtol=0.02)
    explicit = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + DENDRITE + "local_current_profile = [1.0, 3.0]\n"))
    m = dendrite_stage.setup_from(explicit, None, atomistic_file).modulation
    # linear periodic interpolation of [1, 3] at cell centres (i + 1/2) / 20: extremes 1.1 and 2.9
    assert m.mean() == pytest.approx(1.0) and m.max() / m.min() == pytest.approx(2.9 / 1.1, rel=1e-9)


@pytest.mark.parametrize("extra, key", [
    ("records = 1\n", "dendrite.records"),
    ("gap_um = 1.0\n", "dendrite.gap_um"),
    ("current_density_mA_cm2 = 1000.0\n", "dendrite.current_density_mA_cm2"),
    ("electrolyte = \"water\"\n", "dendrite.electrolyte"),
    ("cell_voltage_mV = 10.0\n", "dendrite.cell_voltage_mV"),
    ("cell_voltage_mV = -10.0\n", "dendrite"),  # galvanostatic
    ("control = \"potentiostatic\"\ncell_voltage_mV = -10.0\n", "dendrite"),  # no stop_time_s
    ("control = \"potentiostatic\"\nstop_time_s = 5.0\n", "dendrite"),  # no cell_voltage_mV
    ("control = \"potentiostatic\"\ncell_voltage_mV = -10.0\nstop_time_s = 5.0\ncurrent_density_mA_cm2 = 1.0\n",
     "dendrite"),
])
def test_bad_dendrite_tables_name_the_key(tmp_path, extra, key):
    with pytest.raises(UserError, match=key):
        multiscale.load_params(_write(tmp_path, MINIMAL_TOML + DENDRITE + extra))


@pytest.mark.parametrize("text, key", [
    (MINIMAL_TOML.replace("300.0", "350.0") + DENDRITE, "electrode.temperature_K"),
    (MINIMAL_TOML + DENDRITE.replace("front_band_um = 3.0", "front_band_um = 20.0"), "dendrite.front_band_um"),
    (MINIMAL_TOML + DENDRITE.replace("front_band_um = 3.0", "front_band_um = 2.0"), "dendrite.front_band_um"),
    (MINIMAL_TOML + DENDRITE.replace("gap_um = 10.0", "gap_um = 5000.0") + "grid_growth = 1.0\n",
     "dendrite.gap_um"),  # 20 x 50015 cells in all
    (MINIMAL_TOML + DENDRITE + "anisotropy_mode = 6\n[kmc]\n", "dendrite.max_anisotropy_strength"),  # 0.05 >= 1/35
    (MINIMAL_TOML + DENDRITE + "anisotropy_mode = 6\nanisotropy_strength = 0.03\n", "dendrite.anisotropy_strength"),
])
def test_inconsistent_tables_are_refused_before_anything_is_written(tmp_path, text, key):
    with pytest.raises(UserError, match=key):
        multiscale.run(_write(tmp_path, text), out=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_stop_reason_names_the_limit_that_ends_the_run(tmp_path, atomistic_file):
    def reason(table: str) -> str:
        params = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + table))
        return str(dendrite_stage.setup_from(params, None, atomistic_file).end_reason)

    assert reason(DENDRITE) == "end of the plating time (Faraday)"
    assert reason(DENDRITE + "stop_time_s = 1.0\n") == "stop_time_s reached"
