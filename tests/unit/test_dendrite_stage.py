"""The dendrite stage through the pipeline: file contents, Li balance, current control, resume, coupling."""

from __future__ import annotations

import math

import numpy as np
import pytest

import multiscale
from multiscale.constants import FARADAY
from multiscale.dendrite import stage as dendrite_stage
from multiscale.dendrite.outputs import SCHEMA as DENDRITE_SCHEMA
from multiscale.errors import UserError
from multiscale.io import read_dataset, read_root_attrs
from multiscale.runner import Stop, StopReason
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_matches_schema

# 4 x 8 um at 0.25 um cells: 16 x 32 cells, ~5 s
DENDRITE = """
[dendrite]
width_um = 4.0
length_um = 8.0
front_position_um = 3.0
deposited_thickness_um = 0.05
records = 4
"""


@pytest.fixture
def dendrite_params(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(MINIMAL_TOML + DENDRITE)
    return path


def test_file_has_the_promised_variables_in_si_and_round_trips(dendrite_params, tmp_path):
    run_dir = multiscale.run(dendrite_params, out=tmp_path / "r")
    ds = read_dataset(run_dir / "dendrite.h5")
    assert ds.sizes == {"time": 5, "y": 16, "x": 32}
    assert ds.x.attrs["units"] == "m" and ds.x[-1] == pytest.approx(7.875e-6)
    for name in ("xi", "concentration", "potential"):
        assert ds[name].dims == ("time", "y", "x") and ds[name].dtype == np.float32  # 4-byte snapshots
    assert ds.local_current_density.dims == ("time", "y")
    assert ds.concentration.attrs["units"] == "mol m-3" and ds.potential.attrs["units"] == "V"
    assert float(ds.concentration[-1, 0, -1]) == pytest.approx(1000.0, rel=0.05)  # half a cell from the 1 M reservoir
    attrs = read_root_attrs(run_dir / "dendrite.h5")
    assert attrs["fipy_solver_suite"] == "scipy"
    # the Faraday time of 50 nm ends the run, or the deposit gets there a step earlier
    assert attrs["stop_reason"] in ("deposited_thickness_um reached", "end of the plating time (Faraday)")
    assert not (run_dir / "dendrite.checkpoint.npz").exists()
    assert_matches_schema(run_dir / "dendrite.h5", DENDRITE_SCHEMA)


def test_li_deposited_equals_charge_passed_over_faraday(dendrite_params, tmp_path):
    """Conservation, checked: Li+ in through the reservoir = metal plated + dissolved Li+ gained."""
    ds = read_dataset(multiscale.run(dendrite_params, out=tmp_path / "r") / "dendrite.h5")
    passed = ds.charge_passed.values / FARADAY
    assert passed[-1] > 0
    np.testing.assert_allclose(ds.li_deposited + ds.dissolved_li_change, passed, rtol=1e-5, atol=1e-12 * passed[-1])
    assert float(ds.li_deposited[-1]) == pytest.approx(0.05e-6 * 7.64e4, rel=0.02)  # 50 nm of metal


def test_current_control_holds_the_mean_current_density(dendrite_params, tmp_path):
    ds = read_dataset(multiscale.run(dendrite_params, out=tmp_path / "r") / "dendrite.h5")
    np.testing.assert_allclose(ds.mean_current_density[1:], 10.0, rtol=0.05)  # 1 mA/cm^2
    # Faraday: 50 nm of Li at 10 A/m^2 take 36.9 s
    assert float(ds.time[-1]) == pytest.approx(0.05e-6 * FARADAY * 7.64e4 / 10.0, rel=0.02)


def test_interrupted_run_resumes_identically(dendrite_params, tmp_path, monkeypatch):
    straight = multiscale.run(dendrite_params, out=tmp_path / "straight")
    dendrite_params.write_text(MINIMAL_TOML + DENDRITE + "checkpoint_interval_s = 1e-9\n")
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
    for name in ("time", "xi", "concentration", "potential", "charge_passed", "collector_potential",
                 "local_current_density"):
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_kmc_handoff_sets_anisotropy_and_initial_roughness(tmp_path):
    """Crystalline fraction f -> delta = max_anisotropy_strength f; the kMC heights (sigma, correlation
    length l) averaged over patches of the phase-field correlation length L: sigma l / L, capped so
    that 3 sigma stays 6 interface widths off the collector."""
    table = DENDRITE.replace("front_position_um = 3.0", "front_position_um = 6.0").replace("length_um = 8.0", "length_um = 10.0")
    params = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + table))
    setup = dendrite_stage.setup_from(params, _handoff(sigma=0.2e-9, corr=2.0e-9, crystalline=0.4))
    assert setup.physical.anisotropy_strength == pytest.approx(0.05 * 0.4)
    assert np.std(setup.initial_front) == pytest.approx(0.2e-3 * 2.0e-3 / 4.0, rel=1e-6)  # um: 0.2 nm x 2 nm / 4 um
    assert np.mean(setup.initial_front) == pytest.approx(6.0, rel=1e-12)
    rougher = dendrite_stage.setup_from(params, _handoff(sigma=0.6e-9, corr=5.0e-9, crystalline=0.4))
    assert np.std(rougher.initial_front) > np.std(setup.initial_front)  # the kMC order is kept
    tiny_patches = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + table + "vlcd_correlation_length_um = 1e-6\n"))
    capped = dendrite_stage.setup_from(tiny_patches, _handoff(sigma=1e-9, corr=2.0e-9, crystalline=0.4))
    assert np.std(capped.initial_front) == pytest.approx((6.0 - 6 * 0.5) / 3, rel=1e-9)
    assert "capped" in capped.roughness_source
    flat = dendrite_stage.setup_from(params, None)
    assert flat.physical.anisotropy_strength == 0 and np.ptp(flat.initial_front) == 0


def test_vlcd_modulation_has_mean_one_and_the_electrode_spread(tmp_path):
    params = multiscale.load_params(_write(tmp_path, MINIMAL_TOML.replace("vlcd_cv = 0.5", "vlcd_cv = 0.8")
                                           + DENDRITE.replace("width_um = 4.0", "width_um = 32.0")))
    m = dendrite_stage.setup_from(params, None).modulation
    assert m.mean() == pytest.approx(1.0, rel=1e-12) and np.all(m > 0)
    assert np.std(m) == pytest.approx(0.8, rel=0.35)  # log-normal of a standardised sample
    explicit = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + DENDRITE + "local_current_profile = [1.0, 3.0]\n"))
    m = dendrite_stage.setup_from(explicit, None).modulation
    # linear periodic interpolation of [1, 3] at cell centres (i + 1/2) / 16: extremes 1.125 and 2.875
    assert m.mean() == pytest.approx(1.0) and m.max() / m.min() == pytest.approx(2.875 / 1.125, rel=1e-12)


def test_current_control_converges_on_an_exponential_law():
    """Target 10 with current = exp(-1.5 psi) and a slope estimate of 1: the error shrinks by |1 - 0.8 x 1.5|
    per step and the potential settles at -ln(10) / 1.5."""
    control = dendrite_stage.CurrentControl(10.0)
    psi = 0.0
    for _ in range(40):
        psi = control.update(psi, math.exp(-1.5 * psi))
    assert psi == pytest.approx(-math.log(10.0) / 1.5, abs=1e-6)


@pytest.mark.parametrize("extra, key", [
    ("control = \"potential\"\n", "dendrite"),
    ("front_position_um = 7.0\n", "dendrite"),
    ("records = 1\n", "dendrite.records"),
])
def test_bad_dendrite_tables_name_the_key(tmp_path, extra, key):
    text = MINIMAL_TOML + DENDRITE.replace("front_position_um = 3.0\n", "") + extra
    with pytest.raises(UserError, match=key):
        multiscale.load_params(_write(tmp_path, text))


def test_front_too_close_to_the_collector_is_refused_before_anything_is_written(tmp_path):
    path = _write(tmp_path, MINIMAL_TOML + DENDRITE.replace("front_position_um = 3.0", "front_position_um = 1.0"))
    with pytest.raises(UserError, match="front_position_um"):
        multiscale.run(path, out=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def _write(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def _handoff(sigma, corr, crystalline):
    from multiscale.coupling import KmcHandoff
    return KmcHandoff(sigma, corr, crystalline, 1e-30, 0.1e-30, 2.5, 0.2)


def test_stop_reason_names_the_limit_that_ends_the_run(tmp_path):
    """Galvanostatic: the Faraday time of the deposit when it comes first, else stop_time_s;
    potentiostatic: stop_time_s (a deposit cap there is a stop test, not an end time)."""
    def reason(table: str) -> str:
        return str(dendrite_stage.setup_from(multiscale.load_params(_write(tmp_path, MINIMAL_TOML + table)), None).end_reason)

    assert reason(DENDRITE) == "end of the plating time (Faraday)"
    assert reason(DENDRITE + "stop_time_s = 1.0\n") == "stop_time_s reached"
    assert reason(DENDRITE + 'control = "potential"\napplied_potential_V = -0.05\nstop_time_s = 1.0\n') == "stop_time_s reached"


def test_a_galvanostatic_run_short_of_its_deposit_says_so():
    faraday = Stop(StopReason.FARADAY_TIME)
    assert dendrite_stage.checked_reason(faraday, 0.98, 1.0) == (faraday, False)
    stop, short = dendrite_stage.checked_reason(faraday, 0.018, 1.0)
    assert short and stop.reason is StopReason.FARADAY_TIME and "only 0.018 of the 1 um asked" in str(stop)
    timed = Stop(StopReason.TIME)
    assert dendrite_stage.checked_reason(timed, 0.0, math.inf) == (timed, False)
