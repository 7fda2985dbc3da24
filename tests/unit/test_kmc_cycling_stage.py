"""The kMC cycling protocol through the pipeline: file contents, charge balance, resume."""

from __future__ import annotations

import numpy as np
import pytest

import multiscale
from multiscale.analysis.summary import summary
from multiscale.constants import ELEMENTARY_CHARGE, K_B_EV
from multiscale.io import read_dataset, read_root_attrs
from multiscale.kmc import _kernels as k
from multiscale.kmc import cycling as kmc_cycling
from multiscale.kmc import stage as kmc_stage
from multiscale.kmc.engine import Engine
from multiscale.kmc.outputs import SCHEMA as KMC_SCHEMA
from multiscale.kmc.params import hop_acceleration
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_matches_schema
from tests.unit.test_kmc_stage import _interrupt_at_record

CYCLING = """
[kmc]
lateral_size_nm = 5.0
box_height_nm = 6.0
max_hop_to_deposition = 300.0

[cycling]
cycles = 2
kmc_capacity_ML = 4.0
records_per_half_cycle = 2
rest_s = 0.05
"""


@pytest.fixture
def cycling_params(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(MINIMAL_TOML + CYCLING)
    return path


def test_a_cycling_run_writes_the_declared_file_and_balances_its_charge(cycling_params, tmp_path):
    run_dir = multiscale.run(cycling_params, out=tmp_path / "r")
    assert_matches_schema(run_dir / "kmc.h5", KMC_SCHEMA)
    ds, cyc = read_dataset(run_dir / "kmc.h5"), read_dataset(run_dir / "kmc.h5", "cycling")
    # plated - stripped = live + dead Li, at every record, exactly (atoms)
    np.testing.assert_array_equal(ds.atoms_on_lattice + ds.dead_atoms, ds.deposited_atoms - ds.dissolved_atoms)
    columns = ds.sizes["x"] * ds.sizes["y"]
    assert cyc.sizes["cycle"] == 2 and np.all(cyc.plated_atoms == 4 * columns)
    # a potential cut-off strips every live atom: what a cycle did not return is dead Li
    assert np.all(cyc.residual_atoms == 0) and np.all(cyc.strip_end == 1)
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms, cyc.dead_atoms)
    assert int(ds.dead_atoms[-1]) == int(cyc.dead_atoms.sum())
    # dead for good: a cycle's dead atoms are the atoms it cut off, whatever the clusters' sizes
    np.testing.assert_array_equal(cyc.cut_off_atoms.sum("cut_off_size"), cyc.dead_atoms)
    assert np.all(cyc.cut_offs <= cyc.cut_off_atoms) and list(cyc.cut_off_size.values) == [1, 2, 4, 11, 101]
    # every half-cycle in order, rests included; records carry their cycle
    assert list(np.unique(ds.half_cycle[1:])) == [0, 1, 2, 3] and list(np.unique(ds.cycle)) == [1, 2]
    stripping = ds.half_cycle.values == 2
    assert np.all(np.isnan(ds.overpotential.values[~stripping]))
    assert np.all(np.diff(ds.time) > 0)
    attrs = read_root_attrs(run_dir / "kmc.h5")
    assert attrs["stop_reason"] == "2 cycles done" and "2 cycles" in attrs["cycling"]
    # the default rules: cut-off Li SEI-coated, moves that would strand an atom on it refused, and
    # the cycling run's own hop acceleration
    assert "SEI-coated" in attrs["cycling"] and "where no Li path reaches refused" in attrs["cycling"]
    assert int(cyc.dead_atoms.sum()) > 0 and not cyc.dead_atoms_after_moves.any()
    assert attrs["max_hop_to_deposition"] == 300.0
    values = summary(run_dir)
    assert values["coulombic_efficiency"] == pytest.approx(float(cyc.coulombic_efficiency.mean()), rel=1e-12)
    assert values["dead_li_fraction"] == pytest.approx(float(cyc.dead_fraction.mean()), rel=1e-12)
    plated_fraction = float(cyc.crystalline_fraction_plated.mean())
    assert values["crystalline_fraction_plated"] == pytest.approx(plated_fraction, rel=1e-12)
    assert values["roughness_sigma_plated"] == pytest.approx(float(cyc.roughness_sigma_plated.mean()), rel=1e-12)
    assert np.all(np.isfinite(cyc.height_plated)) and np.all(np.isfinite(cyc.height_stripped))


def _run_balanced(text, tmp_path):
    """Run ``text``; check the file against its declaration and the charge balance at every record
    (plated - stripped = live + dead Li, exactly, in atoms); return the run directory, the root
    dataset and the ``cycling`` group."""
    path = tmp_path / "r.toml"
    path.write_text(text)
    run_dir = multiscale.run(path, out=tmp_path / "r")
    assert_matches_schema(run_dir / "kmc.h5", KMC_SCHEMA)
    ds, cyc = read_dataset(run_dir / "kmc.h5"), read_dataset(run_dir / "kmc.h5", "cycling")
    np.testing.assert_array_equal(ds.atoms_on_lattice + ds.dead_atoms, ds.deposited_atoms - ds.dissolved_atoms)
    return run_dir, ds, cyc


REVERSIBLE = MINIMAL_TOML + CYCLING.replace(
    "max_hop_to_deposition = 300.0", 'max_hop_to_deposition = 300.0\nexchange = "reversible"').replace("rest_s = 0.05\n", "")


def test_a_reversible_cycling_run_counts_net_charge_and_balances_it(tmp_path):
    """kmc.exchange = "reversible": both branches run in every half-cycle, so there are dissolutions
    while plating and reductions while stripping; the cycle's plated and stripped atoms are net
    counts, the charge balance holds at every record, a potential cut-off leaves no live Li, and
    the overpotential is recorded in both half-cycles (< 0 plating). The VLCD field (CV 0.5) scales
    both branches (the weighted path)."""
    _, ds, cyc = _run_balanced(REVERSIBLE, tmp_path)
    columns = ds.sizes["x"] * ds.sizes["y"]
    assert np.all(cyc.plated_atoms == 4 * columns) and np.all(cyc.residual_atoms == 0)
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms, cyc.dead_atoms)
    first_plating = ds.half_cycle.values[:3] == 0
    assert int(ds.dissolved_atoms[2]) > 0 and first_plating.all()  # dissolutions while plating
    stripping = np.flatnonzero(ds.half_cycle.values == 2)
    assert np.all(np.diff(ds.deposited_atoms.values[stripping]) > 0)  # reductions while stripping
    eta = ds.overpotential.values
    plating = (ds.half_cycle.values == 0) & (np.arange(eta.size) > 0)
    assert np.all(eta[plating] < 0) and np.isfinite(eta[plating]).all()
    assert list(np.unique(ds.half_cycle[1:])) == [0, 2]


REVIVED = REVERSIBLE.replace('exchange = "reversible"', 'exchange = "reversible"\ndead_li = "revived_on_contact"\n'
                                                        'stranding_moves = "allowed"')


def test_a_run_that_revives_dead_li_on_contact_balances_its_charge_net(tmp_path):
    """kmc.dead_li = "revived_on_contact" (reversible exchange): dead Li forms and some is revived
    (the root series ``revived_atoms`` rises from 0); the charge balance holds at every record with
    the dead Li left on the lattice; a cycle's dead atoms are net of those revived, so plated -
    stripped = dead atoms still holds per cycle; the attribute names the rule."""
    run_dir, ds, cyc = _run_balanced(REVIVED, tmp_path)
    revived = ds.revived_atoms.values
    assert revived[0] == 0 and np.all(np.diff(revived) >= 0) and revived[-1] > 0
    assert np.all(cyc.residual_atoms == 0) and int(cyc.dead_atoms.sum()) == 0  # the clock's test below needs 0
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms, cyc.dead_atoms)
    assert "cut-off Li revived on contact" in read_root_attrs(run_dir / "kmc.h5")["cycling"]


def _spy_on_engines(monkeypatch, keyword):
    """The value of ``keyword`` in every ``Engine`` the cycling run builds, in a list that fills as
    it runs."""
    seen = []

    def engine(*args, **kwargs):
        seen.append(kwargs[keyword])
        return Engine(*args, **kwargs)

    monkeypatch.setattr(kmc_cycling, "Engine", engine)
    return seen


SEI_COATED = MINIMAL_TOML + CYCLING.replace("max_hop_to_deposition = 300.0",
                                            'max_hop_to_deposition = 300.0\ndead_li = "sei_coated"')


def test_a_run_with_sei_coated_dead_li_balances_its_charge_and_names_the_rule(tmp_path, monkeypatch):
    """kmc.dead_li = "sei_coated" (one-way exchange; the default, written out, with stranding moves
    refused by default): every engine the cycling run builds coats
    its dead Li; the charge balance holds at every record and per cycle (plated - stripped = dead
    atoms), every cut-off atom stays dead (the cycles' cut-off atoms = the dead Li at the end), and
    the attribute names the rule."""
    coated = _spy_on_engines(monkeypatch, "sei_coated")
    run_dir, ds, cyc = _run_balanced(SEI_COATED, tmp_path)
    assert coated and all(coated)
    assert int(ds.dead_atoms[-1]) > 0 and int(ds.revived_atoms[-1]) == 0
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms - cyc.residual_atoms, cyc.dead_atoms)
    assert int(cyc.cut_off_atoms.sum()) == int(ds.dead_atoms[-1])
    assert "cut-off Li stays dead, SEI-coated (binds no Li)" in read_root_attrs(run_dir / "kmc.h5")["cycling"]


def test_a_cycling_run_with_the_bond_lift_hands_every_engine_its_acceptance(tmp_path, monkeypatch):
    """kmc.hop_scaling_lambda = 1: every engine the cycling run builds rejects moves that lose dn
    bonds with exp(-g dn), g = E_bond / k_B T - S_bond / k_B at the 300 K reference (the rates alone,
    without it, would break detailed balance); the charge balances at every record and per cycle."""
    seen = _spy_on_engines(monkeypatch, "uphill_acceptance")
    run_dir, ds, cyc = _run_balanced(MINIMAL_TOML + CYCLING.replace(
        "max_hop_to_deposition = 300.0", "max_hop_to_deposition = 300.0\nhop_scaling_lambda = 1.0"), tmp_path)
    attrs = read_root_attrs(run_dir / "kmc.h5")
    g = attrs["E_bond_eV"] / (K_B_EV * 300.0) - attrs["S_bond_kB"]
    assert seen and all(np.allclose(u, np.exp(-g * np.arange(7)), rtol=1e-12, atol=0.0) for u in seen)
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms - cyc.residual_atoms, cyc.dead_atoms)
    assert attrs["bond_lift"] == pytest.approx(g, rel=1e-12) and ds.refused_moves.values[-1] > 0


def test_refused_stranding_moves_leave_no_dead_li_after_moves(tmp_path, monkeypatch):
    """The SEI-coated run at 4000x hops over 4 cycles (seed 1, where falls after moves left 2 of
    its dead atoms, checked first), with kmc.stranding_moves = "refused": every engine refuses
    them, no atom is marked dead in a move in any cycle, the charge balances at every record and
    per cycle, and the attribute says so."""
    case = SEI_COATED.replace("max_hop_to_deposition = 300.0", "max_hop_to_deposition = 4000.0").replace(
        "cycles = 2", "cycles = 4").replace('dead_li = "sei_coated"',
                                            'dead_li = "sei_coated"\nstranding_moves = "allowed"')
    (tmp_path / "allowed").mkdir()
    (tmp_path / "refused").mkdir()
    _, _, allowed = _run_balanced(case, tmp_path / "allowed")
    assert int(allowed.dead_atoms_after_moves.sum()) > 0
    refusing = _spy_on_engines(monkeypatch, "refuse_stranding")
    run_dir, _, cyc = _run_balanced(case.replace('stranding_moves = "allowed"', 'stranding_moves = "refused"'),
                                    tmp_path / "refused")
    assert refusing and all(refusing)
    assert int(cyc.dead_atoms.sum()) > 0 and not cyc.dead_atoms_after_moves.any()
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms - cyc.residual_atoms, cyc.dead_atoms)
    attrs = read_root_attrs(run_dir / "kmc.h5")
    assert "moves that would leave an atom to fall where no Li path reaches refused" in attrs["cycling"]


NARROW_GAP = MINIMAL_TOML + CYCLING.replace("max_hop_to_deposition = 300.0",
                                            'max_hop_to_deposition = 300.0\nelectronic_contact = "narrow_gap"\n'
                                            'dead_li = "stays_dead"\nstranding_moves = "allowed"')


def test_a_run_joining_li_across_narrow_gaps_balances_its_charge_and_names_the_rule(tmp_path, monkeypatch):
    """kmc.electronic_contact = "narrow_gap" (cut-off Li stays dead): every engine the cycling run
    builds joins Li across narrow gaps; the charge balances at every record and per cycle, and the
    attribute says so."""
    joined = _spy_on_engines(monkeypatch, "narrow_gap")
    run_dir, ds, cyc = _run_balanced(NARROW_GAP, tmp_path)
    assert joined and all(joined)
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms - cyc.residual_atoms, cyc.dead_atoms)
    attrs = read_root_attrs(run_dir / "kmc.h5")
    assert "joined to live Li across gaps of up to two lattice spacings" in attrs["cycling"]


PASSIVATED = REVIVED.replace('dead_li = "revived_on_contact"',
                             'dead_li = "revived_on_contact"\nsei_passivation_time_s = 3e-3')


def test_a_passivation_clock_leaves_dead_li_that_revival_alone_would_not(tmp_path):
    """kmc.sei_passivation_time_s = 3 ms on the run above: some cut-off Li is revived in time, some
    passivates first and stays dead (the run without the clock ends with none: asserted above), and
    the charge balances net at every record and per cycle; the attribute states the clock."""
    run_dir, ds, cyc = _run_balanced(PASSIVATED, tmp_path)
    assert ds.revived_atoms.values[-1] > 0 and ds.dead_atoms.values[-1] > 0
    assert np.all(cyc.residual_atoms == 0)
    # every atom ever cut off is either revived or still dead (the cycles' counts add up to the run's)
    assert int(cyc.cut_off_atoms.sum()) == int(ds.revived_atoms[-1] + ds.dead_atoms[-1])
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms, cyc.dead_atoms)
    assert "within 0.003 s of being cut off" in read_root_attrs(run_dir / "kmc.h5")["cycling"]


def test_a_plating_run_has_no_cycling_output(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(MINIMAL_TOML + "[kmc]\nlateral_size_nm = 5.0\nbox_height_nm = 6.0\nstop_thickness_ML = 1.0\n")
    run_dir = multiscale.run(path, out=tmp_path / "r")
    ds = read_dataset(run_dir / "kmc.h5")
    assert "cycle" not in ds.variables and "overpotential" not in ds.variables
    assert "coulombic_efficiency" not in summary(run_dir)
    assert read_root_attrs(run_dir / "kmc.h5")["max_hop_to_deposition"] == 1000.0  # the plating default


def test_an_unset_hop_acceleration_is_the_plating_or_the_cycling_default(tmp_path):
    """kmc.max_hop_to_deposition unset: 1000 for plating, 4000 with [cycling] (whose dead Li needs
    faster hops, docs/models.md §4.8); a value given is kept either way."""
    kmc = "[kmc]\nlateral_size_nm = 5.0\nbox_height_nm = 6.0\n"
    for extra, expected in (("", 1000.0), ("[cycling]\n", 4000.0),
                            ("max_hop_to_deposition = 300.0\n[cycling]\n", 300.0),
                            ("max_hop_to_deposition = 8000.0\n", 8000.0)):
        path = tmp_path / "p.toml"
        path.write_text(MINIMAL_TOML + kmc + extra)
        assert hop_acceleration(multiscale.load_params(path)) == expected, extra


# records: 1 start, 2-3 plating, 4 rest, 5-6 stripping, 7 rest (cycle 1), 8-13 cycle 2; a checkpoint at every
# record, so an interrupt at record n resumes from record n - 1: mid-plating (3), after the rest (5),
# mid-stripping (6), at the end of cycle 1 (8). The reversible exchange (no rests: records 1 start, 2-3
# plating, 4-5 stripping) keeps no state beyond the lattice (its eligible sites are recounted at every
# call): from record 4, mid-stripping (5).
@pytest.mark.parametrize("exchange, interrupt_at", [("one_way", 3), ("one_way", 5), ("one_way", 6), ("one_way", 8),
                                                    ("reversible", 5), ("revived", 5), ("passivated", 5)])
def test_an_interrupted_cycling_run_resumes_bit_identical(tmp_path, monkeypatch, exchange, interrupt_at):
    text = {"one_way": MINIMAL_TOML + CYCLING, "reversible": REVERSIBLE, "revived": REVIVED,
            "passivated": PASSIVATED}[exchange]
    path = tmp_path / "c.toml"
    path.write_text(text)
    straight = multiscale.run(path, out=tmp_path / "straight")
    path.write_text(text.replace("[cycling]", "checkpoint_interval_s = 1e-9\n\n[cycling]"))
    original = _interrupt_at_record(monkeypatch, interrupt_at)
    with pytest.raises(KeyboardInterrupt):
        multiscale.run(path, out=tmp_path / "resumed")
    assert (tmp_path / "resumed" / "kmc.checkpoint.npz").exists()
    monkeypatch.setattr(kmc_stage, "record", original)
    resumed = multiscale.run(path, out=tmp_path / "resumed")
    for group in (None, "cycling", "final", "handoff"):
        a, b = read_dataset(straight / "kmc.h5", group), read_dataset(resumed / "kmc.h5", group)
        for name in a.variables:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{group}/{name}")
    assert read_dataset(resumed / "kmc.h5", "handoff").attrs == read_dataset(straight / "kmc.h5", "handoff").attrs


def test_how_often_a_cycle_is_recorded_does_not_change_its_dead_li(tmp_path):
    """Records are observations: with DOPT off (its nucleation is applied at records, docs/models.md
    §4.5) a run with 2 and with 8 records per half-cycle gives the same cycles (charges, dead
    atoms, height maps; the clocks can differ in the last bits, as the rate sums are redone at
    each call while stripping). Before
    moves that strand Li were refused, a labelling at each record turned Li that a hop had
    stranded for a moment into dead Li, and these two differed (docs/validation.md)."""
    cycles = []
    for records in (2, 8):
        path = tmp_path / f"r{records}.toml"
        path.write_text(MINIMAL_TOML + CYCLING.replace("records_per_half_cycle = 2", f"records_per_half_cycle = {records}")
                        .replace("max_hop_to_deposition = 300.0", "max_hop_to_deposition = 300.0\ndopt = false"))
        run_dir = multiscale.run(path, out=tmp_path / f"run{records}")
        cycles.append(read_dataset(run_dir / "kmc.h5", "cycling"))
        assert int(read_dataset(run_dir / "kmc.h5").refused_moves[-1]) > 0  # the rule acted
    for name in ("plated_atoms", "stripped_atoms", "dead_atoms", "height_plated", "height_stripped"):
        np.testing.assert_array_equal(cycles[0][name], cycles[1][name], err_msg=name)


def test_a_cycling_run_hands_the_phase_field_its_first_plated_deposit(cycling_params, tmp_path):
    """The ``handoff`` group of a cycling run describes the deposit after cycle 1's plating, as the
    ``cycling`` group records it, not the stripped electrode of the last record (docs/models.md §8)."""
    run_dir = multiscale.run(cycling_params, out=tmp_path / "r")
    ds, cyc = read_dataset(run_dir / "kmc.h5"), read_dataset(run_dir / "kmc.h5", "cycling")
    handoff = read_dataset(run_dir / "kmc.h5", "handoff")
    a = float(ds.x[1] - ds.x[0])
    plated = cyc.height_plated.isel(cycle=0).values
    assert handoff.roughness_sigma.item() == cyc.roughness_sigma_plated.values[0]
    assert handoff.crystalline_fraction.item() == cyc.crystalline_fraction_plated.values[0]
    assert handoff.correlation_length.item() == kmc_stage.correlation_length(plated, a)
    assert "cycle 1's plated deposit" in handoff.attrs["deposit"]
    # the growth rate over cycle 1's plating from its atoms and porosity: N a^3 / (A (1 - p) t), A the box's
    # area; 1 % for the mean of the current octiles' means (324 columns in 8 bins of 40 or 41)
    columns = ds.sizes["x"] * ds.sizes["y"]
    dense = cyc.plated_atoms.values[0] * a / columns / cyc.plating_time.values[0]
    rate = float(handoff.growth_rate.mean())
    assert rate == pytest.approx(dense / (1 - cyc.porosity_plated.values[0]), rel=0.01)
    # the last record is a stripped electrode: no live Li, the dead Li's tops left
    assert int(ds.atoms_on_lattice[-1]) == 0
    assert handoff.roughness_sigma.item() != pytest.approx(float(ds.roughness_sigma[-1]), rel=1e-3)


def test_a_run_that_passivates_in_its_first_plating_hands_over_its_last_record(cycling_params, tmp_path,
                                                                                monkeypatch):
    """A first plating that ends early: the kernel's passivated status (dead Li over the whole
    collector, tests/unit/test_kmc_dissolution.py) is returned for the plating's first record (of
    two), as a run that passivates there would see it. The run stops passivated with that record;
    cycle 1's log holds the atoms plated so far (fewer than the half-cycle's 4 ML) and nothing later;
    ``handoff`` is made of the last record (its roughness) and says so, not cycle 1's plated
    deposit, which never completed."""
    original, plating_calls = Engine.advance, []

    def advance(self, **kwargs):
        status = original(self, **kwargs)
        if "max_deposits" in kwargs:
            plating_calls.append(status)
            if len(plating_calls) == 1:
                return k.ST_PASSIVATED
        return status

    monkeypatch.setattr(Engine, "advance", advance)
    run_dir = multiscale.run(cycling_params, out=tmp_path / "r")
    ds, cyc = read_dataset(run_dir / "kmc.h5"), read_dataset(run_dir / "kmc.h5", "cycling")
    handoff = read_dataset(run_dir / "kmc.h5", "handoff")
    assert len(plating_calls) == 1
    assert "dead Li covers the electrode" in read_root_attrs(run_dir / "kmc.h5")["stop_reason"]
    assert ds.sizes["time"] == 2  # the start and the plating's first record
    plated = cyc.plated_atoms.values
    assert plated[0] == int(ds.deposited_atoms[-1] - ds.deposited_atoms[0])
    assert 0 < plated[0] < 4 * ds.sizes["x"] * ds.sizes["y"] and np.isnan(plated[1])
    assert np.isnan(cyc.stripped_atoms.values).all()
    assert handoff.attrs["deposit"] == "the last record"
    assert handoff.roughness_sigma.item() == float(ds.roughness_sigma[-1])


def test_a_capacity_cut_off_rests_and_split_currents_set_the_kmc_half_cycles(tmp_path):
    """The kMC protocol's other branches: stripping to half the plated atoms (``strip_cutoff =
    "capacity"``, fraction 0.5), rests of 0.05 s, plating at 0.5 and stripping at 2 mA/cm^2 (the
    electrode's current is 1 mA/cm^2).
    References: each cycle strips ceil(P / 2) of its P plated atoms (exact) and ends by the capacity;
    a rest's record lies exactly 0.05 s after the half-cycle it follows, with no charge passed; the
    half-cycles' lengths against Faraday, N e / (j A): plating and one-way stripping at a fixed total
    rate are Poisson processes, so N events take a Gamma time of relative standard deviation
    1 / sqrt(N); bound 4 standard deviations (N = 1296 and 648: 11 % and 16 %), in each of 2 cycles."""
    text = MINIMAL_TOML + CYCLING.replace("cycles = 2", """cycles = 2
strip_cutoff = "capacity"
strip_cutoff_fraction = 0.5
plating_current_density_mA_cm2 = 0.5
stripping_current_density_mA_cm2 = 2.0""")
    run_dir, ds, cyc = _run_balanced(text, tmp_path)
    plated = cyc.plated_atoms.values
    np.testing.assert_array_equal(cyc.stripped_atoms.values, np.ceil(0.5 * plated))
    assert np.all(cyc.strip_end == kmc_cycling.END_CAPACITY)
    rests = np.flatnonzero(np.isin(ds.half_cycle.values, (1, 3)))
    assert len(rests) == 4
    np.testing.assert_allclose(ds.time.values[rests] - ds.time.values[rests - 1], 0.05, rtol=1e-9)
    np.testing.assert_array_equal(ds.deposited_atoms.values[rests], ds.deposited_atoms.values[rests - 1])
    np.testing.assert_array_equal(ds.dissolved_atoms.values[rests], ds.dissolved_atoms.values[rests - 1])
    area = ds.sizes["x"] * ds.sizes["y"] * float(ds.x[1] - ds.x[0]) ** 2  # m^2
    halves = ((plated, cyc.plating_time.values, 5.0), (cyc.stripped_atoms.values, cyc.stripping_time.values, 20.0))
    for n, t, j in halves:  # A/m^2
        expected = n * ELEMENTARY_CHARGE / (j * area)
        assert np.all(np.abs(t / expected - 1) < 4 / np.sqrt(n)), (t, expected)
