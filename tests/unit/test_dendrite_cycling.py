"""Plating-stripping cycles of the phase field through the pipeline (docs/models.md §5.4): the
protocol, the charge balance at every record, the potential cut-off, resume, conflicting keys."""

from __future__ import annotations

import numpy as np
import pytest

import multiscale
from multiscale.cli import main
from multiscale.constants import FARADAY, GAS_CONSTANT
from multiscale.dendrite import sbm
from multiscale.dendrite.dead_metal import dead_cells
from multiscale.dendrite import stage as dendrite_stage
from multiscale.dendrite.outputs import SCHEMA as DENDRITE_SCHEMA
from multiscale.dendrite.newton import DivergenceError
from multiscale.dendrite.reinitialise import RebuildError
from multiscale.dendrite.sbm import ElectrodepositionSystem
from multiscale.errors import UserError
from multiscale.io import read_dataset, read_root_attrs
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_matches_schema

# 2 um of electrode, a 3 um band of 0.1 um cells, 10 um gap; 0.005 mAh/cm^2 (180 C/m^2, 24 nm) per
# half-cycle at 1 mA/cm^2: 18 s each, 2 cycles in a few seconds
CYCLING = """
[dendrite]
width_um = 2.0
gap_um = 10.0
front_band_um = 3.0

[cycling]
cycles = 2
dendrite_capacity_mAh_cm2 = 0.005
records_per_half_cycle = 2
"""


def _run(tmp_path, text, name="r"):
    path = tmp_path / f"{name}.toml"
    path.write_text(MINIMAL_TOML + text)
    return multiscale.run(path, out=tmp_path / name)


def test_cycles_strip_what_they_plate_and_the_charge_balances_at_every_record(tmp_path):
    """Reference: Faraday (180 C/m^2 a half-cycle); with a Li reservoir and a 0.5 V cut-off that the
    ~25 mV of stripping never reaches, each cycle strips its plated charge (CE 1 to 1e-12: this checks
    the protocol's charge accounting, which a Li reservoir makes exact) and
    nothing is cut off (no overhangs: dead Li 0). The Li balance at every record: charge / F =
    metal gained + dissolved Li gained, to 1e-9 of the charge moved."""
    run_dir = _run(tmp_path, CYCLING)
    assert_matches_schema(run_dir / "dendrite.h5", DENDRITE_SCHEMA)
    cyc = read_dataset(run_dir / "dendrite.h5", "cycling")
    assert cyc.sizes["cycle"] == 2 and cyc.psi_plated.dims == ("cycle", "y", "x")
    np.testing.assert_allclose(cyc.charge_plated, 180.0, rtol=1e-12)
    np.testing.assert_allclose(cyc.coulombic_efficiency, 1.0, rtol=1e-12)
    assert np.all(cyc.strip_end == 2) and np.all(cyc.dead_li == 0) and np.all(cyc.dead_fraction == 0)
    assert np.all(cyc.profile_rebuilds == 0)  # dendrite.reinitialise_steepness unset
    # Butler-Volmer at the bulk salt, 2 asinh(1/2) RT/F = 24.9 mV at 300 K; 2 % for the electrolyte's
    # ohmic and concentration drops over the 10 um gap after 18 s (measured +0.9 %)
    np.testing.assert_allclose(cyc.end_potential, 2 * np.arcsinh(0.5) * GAS_CONSTANT * 300.0 / FARADAY, rtol=0.02)
    ds = read_dataset(run_dir / "dendrite.h5")
    np.testing.assert_array_equal(ds.half_cycle, [0, 0, 0, 2, 2, 0, 0, 2, 2])
    np.testing.assert_array_equal(ds.cycle, [1, 1, 1, 1, 1, 2, 2, 2, 2])
    assert np.all(np.sign(ds.electrode_potential[1:]) == np.where(ds.half_cycle[1:] == 0, -1, 1))
    np.testing.assert_allclose(ds.charge_passed, [0, 90, 180, 90, 0, 90, 180, 90, 0], atol=1e-9)
    passed = ds.charge_passed.values / FARADAY
    np.testing.assert_allclose(ds.li_deposited + ds.dissolved_li_change, passed, rtol=0, atol=1e-9 * 720 / FARADAY)
    attrs = read_root_attrs(run_dir / "dendrite.h5")
    assert attrs["stop_reason"] == "2 cycles done" and attrs["mean_coulombic_efficiency"] == pytest.approx(1.0, rel=1e-12)
    assert attrs["final_li_balance_relative_error"] < 1e-9


# a disc of R = 0.8 um at (3.9, 1.6) um, joined to an electrode front at x = 1.5 um by a bridge 0.8 um (4 w)
# wide and 1.6 um long, on a 3.2 um wide electrode (32 rows) and a 6 um band
assert "width_um = 2.0" in CYCLING and "front_band_um = 3.0" in CYCLING
NECK = CYCLING.replace("width_um = 2.0", "width_um = 3.2").replace("front_band_um = 3.0", "front_band_um = 6.0")
DISC_UM, BRIDGE_UM = (3.9, 1.6, 0.8), (0.8, 1.6)  # (x, y, R), (width, length between electrode and disc)


def _start_on_a_disc(self, bridged=True):
    """``Run.start`` with the initial profile of :data:`NECK`'s electrode and disc, joined by the
    bridge or (``bridged`` False) not."""
    s = self.setup
    x = np.cumsum(s.spacing_x) - s.spacing_x / 2
    X, Y = np.meshgrid(x, (np.arange(s.ny) + 0.5) * s.spacing_y)
    (xc, yc, radius), (width, _) = DISC_UM, BRIDGE_UM
    distance = np.minimum(X - 1.5, np.hypot(X - xc, Y - yc) - radius)
    if bridged:  # into the disc: 1.6 um between
        distance = np.minimum(distance, np.maximum(np.abs(Y - yc) - width / 2, np.maximum(1.5 - X, X - xc)))
    self.system.initialise(sbm.logistic_profile(distance, s.numerics.interface_width))
    self.dissolved0 = self.system.dissolved_li()
    self.record_rows = self.system.front_rows()
    return self._record()


def test_a_cut_off_disc_is_counted_as_dead_li_through_the_cycles(tmp_path, monkeypatch):
    """The cycling outputs with dead metal in the run. A disc joined to the electrode by a 4 w bridge,
    which the profile term pinches off in the first plating (a bridge this thin is cut in ~8 s at
    zero current, docs/models.md §5.4; here before the first record, 9 s: the test is of the
    bookkeeping, not of the cut). References:
    - the Li balance at every record, charge / F = metal gained (dead metal included) + dissolved Li
      gained, to 1e-9 of the charge moved; the cycles strip what they plate (Li reservoir);
    - the dead metal after the first cycle, from the geometry: at least the disc (0.95 pi R^2, the
      logistic profile's area to 5 %), at most the disc and the bridge, as a dense layer over the
      electrode's width; the file's ``dead_li_thickness`` / ``dead_li`` is the molar volume of Li,
      M / rho = 6.941 g/mol / 0.534 g/cm^3 = 13.0 cm^3/mol (0.5 %: three figures);
    - the cells of dead metal (psi < 1/2) are the same at every record after the first and keep their
      psi exactly (inert); the second cycle cuts nothing off, so what it adds to the dead Li is only the live
      front's diffuse cells that become nearer to dead metal than to live metal and so are counted
      (and held) as dead (measured: 0.020 um^2, 1.0 % of pi R^2). Bound: the tail of one interface width
      across the bridge's cut, 0.8 x 0.2 um^2, 8 % of pi R^2;
    - the derived columns: dead Li formed = the change of the dead Li, and dead fraction = dead Li
      formed x F / charge plated."""
    monkeypatch.setattr(dendrite_stage.Run, "start", _start_on_a_disc)
    run_dir = _run(tmp_path, NECK)
    ds = read_dataset(run_dir / "dendrite.h5")
    np.testing.assert_allclose(ds.li_deposited + ds.dissolved_li_change, ds.charge_passed / FARADAY,
                               rtol=0, atol=1e-9 * 720 / FARADAY)
    assert ds.dead_li[0] == 0 and np.all(ds.dead_li[1:] > 0)
    cyc = read_dataset(run_dir / "dendrite.h5", "cycling")
    np.testing.assert_allclose(cyc.coulombic_efficiency, 1.0, rtol=1e-12)
    (_, _, radius), (width, length) = DISC_UM, BRIDGE_UM
    dead_area_um2 = cyc.dead_li_thickness.values * 1e6 * 3.2
    assert 0.95 * np.pi * radius ** 2 < dead_area_um2[0] < np.pi * radius ** 2 + width * length, dead_area_um2
    np.testing.assert_allclose(cyc.dead_li_thickness / cyc.dead_li, 6.941e-3 / 534.0, rtol=0.005)
    psi = ds.psi.values
    dead_metal = dead_cells(psi[1]) & (psi[1] < 0.5)
    for p in psi[2:]:
        np.testing.assert_array_equal(dead_cells(p) & (p < 0.5), dead_metal)
        np.testing.assert_array_equal(p[dead_metal], psi[1][dead_metal])
    assert 0 <= dead_area_um2[1] - dead_area_um2[0] < width * 0.2, dead_area_um2
    np.testing.assert_allclose(cyc.dead_li_formed, [cyc.dead_li[0], cyc.dead_li[1] - cyc.dead_li[0]], rtol=1e-12)
    np.testing.assert_allclose(cyc.dead_fraction, cyc.dead_li_formed * FARADAY / cyc.charge_plated, rtol=1e-12)


def test_metal_cut_off_before_the_first_cycle_is_not_counted_as_formed_in_it(tmp_path, monkeypatch):
    """The disc of :data:`NECK` with no bridge: dead from the start, 1.6 um (8 w) from the live front,
    which moves 24 nm a half-cycle. Reference: the cycles cut nothing off, so the dead Li formed in
    each is 0 and the dead Li after each is that of the first record (the dead cells keep their psi
    exactly: to 1e-12 of it), while that is at least the disc (0.95 pi R^2 as a dense layer over
    the electrode's width, the logistic profile's area to 5 %)."""
    monkeypatch.setattr(dendrite_stage.Run, "start", lambda self: _start_on_a_disc(self, bridged=False))
    run_dir = _run(tmp_path, NECK)
    ds = read_dataset(run_dir / "dendrite.h5")
    cyc = read_dataset(run_dir / "dendrite.h5", "cycling")
    radius = DISC_UM[2]
    assert float(cyc.dead_li_thickness[0]) * 1e6 * 3.2 > 0.95 * np.pi * radius ** 2
    np.testing.assert_allclose(cyc.dead_li, float(ds.dead_li[0]), rtol=1e-12)
    np.testing.assert_allclose(cyc.dead_li_formed, 0.0, atol=1e-12 * float(ds.dead_li[0]))
    np.testing.assert_allclose(cyc.dead_fraction, 0.0, atol=1e-12)


def test_a_step_rejected_right_after_a_current_switch_keeps_the_new_current(tmp_path, monkeypatch):
    """The first step after every current switch is rejected once (a forced defect; at a reversal
    Newton often fails there). The retried step starts from the step's start, which must hold the
    new half-cycle's current: reference, the protocol's 180 C/m^2 plated and stripped each cycle
    (a strip that restarted at the plating current would plate instead)."""
    original = ElectrodepositionSystem.check_step
    seen = {"current": None, "forced": 0}

    def reject_first_after_switch(self, dt):
        if self.current_A_m2 != seen["current"]:
            seen["current"] = self.current_A_m2
            seen["forced"] += 1
            return "a forced rejection"
        return original(self, dt)

    monkeypatch.setattr(ElectrodepositionSystem, "check_step", reject_first_after_switch)
    cyc = read_dataset(_run(tmp_path, CYCLING) / "dendrite.h5", "cycling")
    assert seen["forced"] == 4  # +, -, +, - : the first step and each of the 3 switches
    np.testing.assert_allclose(cyc.charge_plated, 180.0, rtol=1e-12)
    np.testing.assert_allclose(cyc.charge_stripped, 180.0, rtol=1e-12)


def test_the_potential_cut_off_ends_stripping_early(tmp_path):
    """A 5 mV cut-off, below the ~25 mV that stripping at 1 mA/cm^2 needs: each stripping half-cycle
    ends after its first step, by the cut-off, with a Coulombic efficiency below 1."""
    run_dir = _run(tmp_path, CYCLING + 'strip_cutoff_mV = 5.0\n')
    cyc = read_dataset(run_dir / "dendrite.h5", "cycling")
    assert np.all(cyc.strip_end == 1) and np.all(cyc.end_potential > 0.005)
    assert np.all((cyc.coulombic_efficiency > 0) & (cyc.coulombic_efficiency < 0.1))


# a small G with the profile rebuilt where its steepest gradient leaves 1/1.05-1.05 of the equilibrium
# one, 10x the half-cycle (0.24 um): its steepest gradient falls to 0.95 of it in the first plating
REINITIALISED = CYCLING.replace("front_band_um = 3.0", "front_band_um = 3.0\nprofile_mobility_um2_s = 1e-5\n"
                                "reinitialise_steepness = 1.05").replace("dendrite_capacity_mAh_cm2 = 0.005",
                                                                         "dendrite_capacity_mAh_cm2 = 0.05")


def _count_rebuilds(monkeypatch) -> dict:
    """Count the profile's rebuilds from here on: {"n": count}."""
    rebuilds = {"n": 0}
    rebuild = ElectrodepositionSystem._reinitialise

    def counted(self, cells):
        rebuilds["n"] += 1
        return rebuild(self, cells)

    monkeypatch.setattr(ElectrodepositionSystem, "_reinitialise", counted)
    return rebuilds


@pytest.mark.parametrize("text", [CYCLING, REINITIALISED], ids=["as shipped", "profile reinitialised"])
def test_an_interrupted_cycling_run_resumes_identically(tmp_path, monkeypatch, text):
    """Interrupted in the first stripping half-cycle (the 4th record) with a checkpoint at every
    record: the resumed run's records equal the uninterrupted run's, bit for bit (with the
    profile reinitialised too: the rebuild is decided from the state at a step's start)."""
    straight = _run(tmp_path, text, "straight")
    path = tmp_path / "resumed.toml"
    path.write_text(MINIMAL_TOML + text.replace("[cycling]", "checkpoint_interval_s = 1e-9\n\n[cycling]"))
    calls = {"n": 0}
    original = dendrite_stage.Run._record

    def record_then_interrupt(self):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(dendrite_stage.Run, "_record", record_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        multiscale.run(path, out=tmp_path / "resumed")
    assert (tmp_path / "resumed" / "dendrite.checkpoint.npz").exists()
    monkeypatch.setattr(dendrite_stage.Run, "_record", original)
    rebuilds = _count_rebuilds(monkeypatch)
    resumed = multiscale.run(path, out=tmp_path / "resumed")
    assert (rebuilds["n"] > 0) == (text is REINITIALISED)  # the resumed part rebuilds too
    for group in (None, "cycling"):
        a, b = read_dataset(straight / "dendrite.h5", group), read_dataset(resumed / "dendrite.h5", group)
        for name in a.data_vars:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{group}/{name}")


def test_a_reinitialised_profile_keeps_the_li_balance_at_every_record(tmp_path, monkeypatch):
    """With G = 1e-5 um^2/s the profile broadens and is rebuilt (counted here: it must happen) around
    its psi = 1/2 contour, the metal and the salt inventory conserved. Reference: the Li balance as in
    the first test, charge / F = metal gained + dissolved Li gained at every record, to 1e-9 of the
    charge moved (7200 C/m^2 over the two cycles); the cycles strip what they plate."""
    rebuilds = _count_rebuilds(monkeypatch)
    run_dir = _run(tmp_path, REINITIALISED)
    assert rebuilds["n"] > 0
    ds = read_dataset(run_dir / "dendrite.h5")
    passed = ds.charge_passed.values / FARADAY
    np.testing.assert_allclose(ds.li_deposited + ds.dissolved_li_change, passed, rtol=0, atol=1e-9 * 7200 / FARADAY)
    cyc = read_dataset(run_dir / "dendrite.h5", "cycling")
    np.testing.assert_allclose(cyc.coulombic_efficiency, 1.0, rtol=1e-12)
    assert read_root_attrs(run_dir / "dendrite.h5")["final_li_balance_relative_error"] < 1e-9
    assert cyc.profile_rebuilds.sum() == rebuilds["n"]  # the file counts the rebuilds counted here


def test_a_rebuild_that_cannot_conserve_the_metal_ends_the_run_with_one_line(tmp_path, monkeypatch, capsys):
    """The rebuild refuses rather than lose metal (:class:`RebuildError`, forced here at the first
    rebuild): the command exits 2 with one line that names what to change, no traceback, and keeps
    the last good state."""
    def refuse(*args, **kwargs):
        raise RebuildError("the rebuilt profile does not conserve the metal: forced by the test")

    monkeypatch.setattr(sbm, "reinitialised_profile", refuse)
    path = tmp_path / "r.toml"
    path.write_text(MINIMAL_TOML + REINITIALISED)
    code = main(["run", str(path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("dendrite: the phase-field run diverged") and "forced by the test" in last, last
    assert "dendrite.reinitialise_steepness" in last and "Sand" not in last, last
    assert "Traceback" not in captured.err + captured.out
    assert (tmp_path / "out" / "dendrite.diverged.npz").exists()
    assert not (tmp_path / "out" / "dendrite.h5").exists()


@pytest.mark.parametrize("text", [CYCLING, CYCLING.split("[cycling]")[0]], ids=["cycling", "plating"])
def test_a_collapsed_time_step_ends_the_run_with_one_line(tmp_path, monkeypatch, capsys, text):
    """A collapsed time step (:class:`DivergenceError`, forced here at the first accepted step) of
    either run: exit 2, one line with the limiting-current advice, the last good state kept."""
    def collapse(self, dt):
        raise DivergenceError("the time step fell below its floor: forced by the test")

    monkeypatch.setattr(ElectrodepositionSystem, "_accepted", collapse)
    path = tmp_path / "r.toml"
    path.write_text(MINIMAL_TOML + text)
    code = main(["run", str(path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("dendrite: the phase-field run diverged") and "forced by the test" in last, last
    assert "Sand's time" in last and "dendrite.gap_um" in last and "reinitialise" not in last, last
    assert "Traceback" not in captured.err + captured.out
    assert (tmp_path / "out" / "dendrite.diverged.npz").exists()


@pytest.mark.parametrize("extra, key", [
    ('control = "potentiostatic"\ncell_voltage_mV = -50.0\nstop_time_s = 30.0\n', "dendrite.control"),
    ("deposited_capacity_mAh_cm2 = 0.1\n", "dendrite.deposited_capacity_mAh_cm2"),
    ("records = 4\n", "dendrite.records"),
    ("current_density_mA_cm2 = 2.0\n", "dendrite.current_density_mA_cm2"),
])
def test_keys_that_cycling_sets_are_refused(tmp_path, extra, key):
    path = tmp_path / "bad.toml"
    path.write_text(MINIMAL_TOML + CYCLING.replace("[cycling]", extra + "\n[cycling]"))
    with pytest.raises(UserError, match=key):
        multiscale.run(path, out=tmp_path / "bad")
    assert not (tmp_path / "bad" / "dendrite.h5").exists()


def test_the_band_must_hold_a_half_cycle(tmp_path):
    path = tmp_path / "narrow.toml"
    path.write_text(MINIMAL_TOML + CYCLING.replace("dendrite_capacity_mAh_cm2 = 0.005", "dendrite_capacity_mAh_cm2 = 1.0"))
    with pytest.raises(UserError, match="dendrite.front_band_um: a half-cycle plates 4.85 um"):
        multiscale.run(path, out=tmp_path / "narrow")


def test_a_front_that_leaves_the_band_in_the_first_plating_stops_the_run_with_its_balance(tmp_path):
    """A rough front (i0 CV 0.8, 0.5 um correlation) plating 0.06 mAh/cm^2 (0.29 um) on a band that holds 0.3 um of
    mean deposit: the fastest rows reach the band's margin before the first half-cycle ends. The run
    stops there (stop reason: the front's position), leaves the cycle NaN, and its Li balance is
    relative to the charge passed (to 1e-9 of it), not to the finished cycles' charge, which is 0."""
    path = tmp_path / "rough.toml"
    path.write_text(MINIMAL_TOML.replace("vlcd_cv = 0.5", "vlcd_cv = 0.8")
                    + CYCLING.replace("dendrite_capacity_mAh_cm2 = 0.005", "dendrite_capacity_mAh_cm2 = 0.06")
                    .replace("front_band_um = 3.0", "front_band_um = 3.0\nvlcd_correlation_length_um = 0.5"))
    run_dir = multiscale.run(path, out=tmp_path / "rough")
    attrs = read_root_attrs(run_dir / "dendrite.h5")
    assert "left the fine band" in attrs["stop_reason"]
    assert np.all(np.isnan(read_dataset(run_dir / "dendrite.h5", "cycling").coulombic_efficiency))
    assert attrs["final_li_balance_relative_error"] < 1e-9


def test_a_capacity_cut_off_rests_and_split_currents_set_the_half_cycles(tmp_path):
    """The protocol's other branches: stripping to half the plated charge (``strip_cutoff =
    "capacity"``, fraction 0.5), rests of 2 s, plating at 0.5 and stripping at 2 mA/cm^2 (the
    electrode's current is 1 mA/cm^2). References (Faraday): 180 C/m^2 plated in 36 s, 90 C/m^2
    stripped in 4.5 s, CE 0.5 (1e-12, the protocol's
    charge accounting); each rest adds one record 2 s after the half-cycle it follows, with the
    charge unchanged; records every half of the plated charge."""
    text = CYCLING + """rest_s = 2.0
strip_cutoff = "capacity"
strip_cutoff_fraction = 0.5
plating_current_density_mA_cm2 = 0.5
stripping_current_density_mA_cm2 = 2.0
"""
    run_dir = _run(tmp_path, text)
    cyc = read_dataset(run_dir / "dendrite.h5", "cycling")
    np.testing.assert_allclose(cyc.charge_plated, 180.0, rtol=1e-12)
    np.testing.assert_allclose(cyc.charge_stripped, 90.0, rtol=1e-12)
    np.testing.assert_allclose(cyc.coulombic_efficiency, 0.5, rtol=1e-12)
    np.testing.assert_allclose(cyc.plating_time, 36.0, rtol=1e-9)
    np.testing.assert_allclose(cyc.stripping_time, 4.5, rtol=1e-9)
    assert np.all(cyc.strip_end == 2)
    ds = read_dataset(run_dir / "dendrite.h5")
    # records every half of the plated charge: stripping's one, at 90 C/m^2, is its end
    np.testing.assert_array_equal(ds.half_cycle, [0, 0, 0, 1, 2, 3] + [0, 0, 1, 2, 3])
    rests = np.flatnonzero(np.isin(ds.half_cycle.values, (1, 3)))
    np.testing.assert_allclose(ds.time.values[rests] - ds.time.values[rests - 1], 2.0, rtol=1e-12)
    np.testing.assert_allclose(ds.charge_passed.values[rests], ds.charge_passed.values[rests - 1], atol=1e-9)
    # the metal left by each half-stripped cycle stays: the second cycle ends 90 C/m^2 above the first
    np.testing.assert_allclose(ds.charge_passed.values[rests[[1, 3]]], [90.0, 180.0], atol=1e-9)
