"""Bad input: every malformed parameter file exits 2 with one line naming the key, no traceback,
and nothing is written (docs/architecture.md §6)."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from multiscale import cli
from multiscale.cli import main

VALID = """\
name = "bad"
[electrode]
temperature_K = 300.0
current_density_mA_cm2 = 1.0
vlcd_cv = 0.5
"""

# (id, file content (str or bytes), substrings the single error line must contain)
CASES = [
    ("syntax", VALID + "oops = \n", [":6:", "TOML syntax error"]),
    ("unknown_table", VALID + "[kcm]\nsteps = 1\n", ["kcm", "unknown table", "did you mean 'kmc'"]),
    ("unknown_key", VALID + "colour = 'red'\n", ["electrode.colour", "unknown key"]),
    ("typo_key", VALID.replace("temperature_K", "temprature_K"),
     ["electrode.temprature_K", "did you mean 'temperature_K'"]),
    ("wrong_type", VALID.replace("vlcd_cv = 0.5", "vlcd_cv = [0.5]"), ["electrode.vlcd_cv", "valid number"]),
    ("number_as_string", VALID.replace("300.0", '"300.0"'), ["electrode.temperature_K", "valid number", "'300.0'"]),
    ("bool_as_number", VALID.replace("vlcd_cv = 0.5", "vlcd_cv = true"), ["electrode.vlcd_cv", "valid number"]),
    ("zero_temperature", VALID.replace("300.0", "0.0"), ["electrode.temperature_K", "greater than 0"]),
    ("negative_temperature", VALID.replace("300.0", "-5.0"), ["electrode.temperature_K", "greater than 0"]),
    ("liquid_li", VALID.replace("300.0", "500.0"), ["electrode.temperature_K", "less than or equal to 454"]),
    ("negative_current", VALID.replace("= 1.0", "= -1.0"), ["electrode.current_density_mA_cm2", "greater than 0"]),
    ("negative_vlcd", VALID.replace("vlcd_cv = 0.5", "vlcd_cv = -0.1"), ["electrode.vlcd_cv", "greater than or equal to 0"]),
    ("negative_vlcd_variance", VALID.replace("vlcd_cv = 0.5", "vlcd_mA2_cm4 = -2.0"), ["electrode.vlcd_mA2_cm4"]),
    ("both_spreads", VALID + "vlcd_mA2_cm4 = 0.1\n", ["electrode", "not both"]),
    ("nan", VALID.replace("300.0", "nan"), ["electrode.temperature_K", "finite"]),
    ("missing_table", 'name = "x"\n[atomistic]\n', ["electrode", "required table is missing"]),
    ("missing_key", VALID.replace("current_density_mA_cm2 = 1.0\n", ""), ["electrode.current_density_mA_cm2", "required key is missing"]),
    ("unknown_coating", VALID + '[atomistic]\ncoating_materials = ["Li22Sn5", "LiZm"]\n',
     ["atomistic.coating_materials", "unknown coating material 'LiZm'", "did you mean 'LiZn'"]),
    ("missing_md_file", VALID + '[atomistic]\nsurface_msd = { files = ["md/nope.csv"], dimensions = 2 }\n',
     ["atomistic.surface_msd.files", "data file not found", "nope.csv"]),
    ("missing_dopt_file", VALID + '[atomistic]\ndopt_table = "dopt.csv"\n', ["atomistic.dopt_table", "data file not found"]),
    ("bad_dimensions", VALID + '[atomistic]\nbulk_msd = { files = ["tiny.toml"], dimensions = 4 }\n',
     ["atomistic.bulk_msd.dimensions"]),
    ("unsorted_temperatures", VALID + "[atomistic]\ntemperatures_K = [300.0, 250.0]\n",
     ["atomistic.temperatures_K", "strictly increasing"]),
    ("bad_name", VALID.replace('"bad"', '"../escape"'), ["name", "pattern"]),
    ("empty_file", "", ["electrode", "required table is missing"]),
    ("binary_garbage", bytes(range(256)) * 4, ["not a UTF-8 text file"]),
    ("nul_bytes", "name = 'x'\x00\x00\n", ["not a text file"]),
    ("duplicate_key", VALID + "temperature_K = 310.0\n", [":6:", "key 'electrode.temperature_K' is defined twice"]),
    ("duplicate_table", VALID + "[electrode]\n", ["table [electrode] is defined twice"]),
    ("kmc_no_stop", VALID + "[kmc]\nstop_thickness_ML = 0\n", ["kmc.stop_thickness_ML", "greater than 0"]),
    ("kmc_no_stop_at_all", VALID + "[kmc]\nstop_thickness_ML = -1.0\n", ["kmc.stop_thickness_ML"]),
    ("kmc_box_too_low", VALID + "[kmc]\nbox_height_nm = 2.0\nstop_thickness_ML = 20.0\n", ["kmc", "box_height_nm = 2 holds"]),
    ("kmc_bad_arrival", VALID + '[kmc]\narrival = "from_above"\n', ["kmc.arrival", "'ballistic' or 'column_top'"]),
    ("kmc_events_float", VALID + "[kmc]\nstop_events = 1.5\n", ["kmc.stop_events", "valid integer"]),
    ("cycling_no_stage", VALID + "[cycling]\ncycles = 2\n", ["cycling: no stage of this run strips", "[kmc]"]),
    ("cycling_zero_cycles", VALID + "[kmc]\n[cycling]\ncycles = 0\n", ["cycling.cycles", "greater than or equal to 1"]),
    ("cycling_typo", VALID + "[kmc]\n[cycling]\ncycle = 2\n", ["cycling.cycle", "did you mean 'cycles'"]),
    ("cycling_fraction", VALID + '[kmc]\n[cycling]\nstrip_cutoff = "capacity"\nstrip_cutoff_fraction = 1.5\n',
     ["cycling.strip_cutoff_fraction", "less than or equal to 1"]),
    ("cycling_bad_cutoff", VALID + '[kmc]\n[cycling]\nstrip_cutoff = "voltage"\n', ["cycling.strip_cutoff", "'potential' or 'capacity'"]),
    ("cycling_with_stop", VALID + "[kmc]\nstop_thickness_ML = 4.0\n[cycling]\n", ["kmc.stop_thickness_ML", "cycling.cycles"]),
    ("cycling_with_heating", VALID + "[kmc]\nheating_top_rise_K = 10.0\n[cycling]\n", ["kmc.heating_top_rise_K"]),
    ("cycling_initial_li", VALID + "[kmc]\ninitial_crystal_layers = 3\n[cycling]\n", ["kmc.initial_crystal_layers", "Li||Cu"]),
    ("cycling_box_too_low", VALID + "[kmc]\nbox_height_nm = 4.0\n[cycling]\nkmc_capacity_ML = 20.0\n",
     ["cycling.kmc_capacity_ML", "kmc.box_height_nm"]),
    ("cycling_sets_dendrite_records", VALID + "[dendrite]\nrecords = 4\n[cycling]\n", ["dendrite.records", "[cycling] sets it"]),
    ("reinitialise_steepness_below_the_discrete_profile", VALID + "[dendrite]\nreinitialise_steepness = 1.02\n",
     ["dendrite.reinitialise_steepness", "greater than or equal to 1.05"]),
    ("cycling_with_record_interval", VALID + "[kmc]\nrecord_interval_ML = 1.0\n[cycling]\n",
     ["kmc.record_interval_ML", "records_per_half_cycle"]),
    ("cycling_unused_cutoff", VALID + '[kmc]\n[cycling]\nstrip_cutoff = "capacity"\nstrip_cutoff_mV = 300.0\n',
     ["cycling.strip_cutoff_mV", "not used"]),
    ("cycling_unused_cutoff_dendrite", VALID + '[dendrite]\n[cycling]\nstrip_cutoff_fraction = 0.5\n',
     ["cycling.strip_cutoff_fraction", "not used"]),
    ("kinetics_in_a_stage_table", VALID + "[kmc]\nexchange_current_density_mA_cm2 = 2.0\n[dendrite]\n[cycling]\n",
     ["kmc.exchange_current_density_mA_cm2", "set electrode.exchange_current_density_mA_cm2 instead"]),
    ("kinetics_in_the_dendrite_table", VALID + "[dendrite]\ncathodic_transfer_coefficient = 0.3\n",
     ["dendrite.cathodic_transfer_coefficient", "set electrode.cathodic_transfer_coefficient instead"]),
    ("stranding_refused_across_gaps", VALID + '[kmc]\nelectronic_contact = "narrow_gap"\nstranding_moves = "refused"\n'
     "[cycling]\n", ["kmc.stranding_moves", "faces"]),
    ("stranding_without_cycling", VALID + '[kmc]\nstranding_moves = "allowed"\n',
     ["kmc.stranding_moves", "used only when stripping"]),
    ("revival_with_stranding_refused_by_default", VALID + '[kmc]\ndead_li = "revived_on_contact"\n[cycling]\n',
     ["kmc.dead_li", 'needs kmc.stranding_moves = "allowed"', 'the default "refused"']),
    ("narrow_gap_with_stranding_refused_by_default", VALID + '[kmc]\ndead_li = "stays_dead"\n'
     'electronic_contact = "narrow_gap"\n[cycling]\n',
     ["kmc.electronic_contact", 'needs kmc.stranding_moves = "allowed"', 'the default "refused"']),
    ("stranding_refused_with_revival", VALID + '[kmc]\ndead_li = "revived_on_contact"\nstranding_moves = "refused"\n'
     "[cycling]\n", ["kmc.stranding_moves", "not revived"]),
    ("kinetics_typo_in_a_stage_table", VALID + "[kmc]\nexchange_current_density_mA_cm = 2.0\n[cycling]\n",
     ["kmc.exchange_current_density_mA_cm", "unknown key", "did you mean 'electrode.exchange_current_density_mA_cm2'"]),
    ("cycling_kmc_capacity_without_kmc", VALID + "[dendrite]\n[cycling]\nkmc_capacity_ML = 12.0\n",
     ["cycling.kmc_capacity_ML", "[kmc]"]),
    ("cycling_dendrite_capacity_without_dendrite", VALID + "[kmc]\n[cycling]\ndendrite_capacity_mAh_cm2 = 0.5\n",
     ["cycling.dendrite_capacity_mAh_cm2", "[dendrite]"]),
    ("kinetics_nothing_reads", VALID + "anodic_transfer_coefficient = 0.4\n[kmc]\n",
     ["electrode.anodic_transfer_coefficient", "no stage of this run transfers charge", "[kmc] stage while cycling"]),
    ("cycling_negative_rest", VALID + "[kmc]\n[cycling]\nrest_s = -1.0\n", ["cycling.rest_s", "greater than or equal to 0"]),
    ("reversible_with_rests", VALID.replace("vlcd_cv = 0.5", "vlcd_cv = 0.0") + '[kmc]\nexchange = "reversible"\n'
     "[cycling]\nrest_s = 1.0\n", ["cycling.rest_s", "kmc.exchange"]),
    ("exchange_without_cycling", VALID + '[kmc]\nexchange = "reversible"\n', ["kmc.exchange", "[cycling]"]),
    ("exchange_typo", VALID + '[kmc]\nexchange = "two_way"\n[cycling]\n', ["kmc.exchange", "'one_way' or 'reversible'"]),
    ("dead_li_without_cycling", VALID + '[kmc]\ndead_li = "revived_on_contact"\n', ["kmc.dead_li", "[cycling]"]),
    ("dead_li_typo", VALID + '[kmc]\ndead_li = "revived"\n[cycling]\n',
     ["kmc.dead_li", "'stays_dead', 'revived_on_contact' or 'sei_coated'"]),
    ("passivation_clock_without_revival", VALID + '[kmc]\nsei_passivation_time_s = 1e-3\n[cycling]\n',
     ["kmc.sei_passivation_time_s", 'kmc.dead_li = "revived_on_contact" and kmc.stranding_moves = "allowed"']),
    ("passivation_clock_with_sei_coated_dead_li",
     VALID + '[kmc]\ndead_li = "sei_coated"\nsei_passivation_time_s = 1e-3\n[cycling]\n',
     ["kmc.sei_passivation_time_s", 'kmc.dead_li = "revived_on_contact"']),
    ("passivation_clock_not_positive", VALID + '[kmc]\ndead_li = "revived_on_contact"\nsei_passivation_time_s = 0.0\n'
     "[cycling]\n", ["kmc.sei_passivation_time_s", "greater than 0"]),
    ("passivation_clock_without_cycling", VALID + '[kmc]\nsei_passivation_time_s = 1e-3\n',
     ["kmc.sei_passivation_time_s", "[cycling]"]),
    ("narrow_gap_with_revival", VALID + '[kmc]\ndead_li = "revived_on_contact"\nelectronic_contact = "narrow_gap"\n'
     "[cycling]\n", ["kmc.electronic_contact", 'kmc.dead_li = "stays_dead"', 'kmc.stranding_moves = "allowed"']),
    ("narrow_gap_with_sei_coated_dead_li", VALID + '[kmc]\ndead_li = "sei_coated"\nelectronic_contact = "narrow_gap"\n'
     "[cycling]\n", ["kmc.electronic_contact", 'kmc.dead_li = "stays_dead"']),
    ("electronic_contact_without_cycling", VALID + '[kmc]\nelectronic_contact = "narrow_gap"\n',
     ["kmc.electronic_contact", "[cycling]"]),
    ("electronic_contact_typo", VALID + '[kmc]\nelectronic_contact = "gap"\n[cycling]\n',
     ["kmc.electronic_contact", "'faces' or 'narrow_gap'"]),
    ("coating_thickness_without_complexion", VALID + "[coating]\nthickness_from_complexion = true\n",
     ["coating.thickness_from_complexion", "[complexion]"]),
    ("coating_material_not_tabulated",
     VALID + '[atomistic]\ncoating_materials = ["Li22Sn5"]\n[coating]\nmaterial = "LiZn"\n',
     ["coating.material", "'LiZn' is not in atomistic.coating_materials"]),
    ("coating_material_with_an_explicit_diffusivity",
     VALID + '[coating]\nmaterial = "LiZn"\ndiffusivity_m2_s = 1e-14\n',
     ["coating.material", "coating.diffusivity_m2_s gives the diffusivity", "remove it"]),
    ("dendrite_current_from_no_coating", VALID + '[dendrite]\nlocal_current_source = "coating"\n',
     ["dendrite.local_current_source", "[coating]"]),
    ("hotspots_of_a_lognormal_field", VALID + "hotspot_count = 3\n[kmc]\n",
     ["electrode.hotspot_count", 'vlcd_field = "hotspots"', "remove it"]),
    ("kmc_correlation_length_without_kmc", VALID + "vlcd_correlation_length_nm = 5.0\n[dendrite]\n",
     ["electrode.vlcd_correlation_length_nm", "[kmc] stage only", "dendrite.vlcd_correlation_length_um"]),
    ("coating_thickness_with_the_complexions", VALID + "[complexion]\n[coating]\nthickness_from_complexion = true\n"
     "thickness_um = 2.0\n", ["coating.thickness_um", "h_EQ", "remove it"]),
    ("dopt_constant_without_dopt", VALID + "[kmc]\ndopt = false\ndopt_time_scale = 1e12\n",
     ["kmc.dopt_time_scale", "kmc.dopt = true"]),
    ("oscillation_of_the_exponential_form", VALID + "[complexion]\noscillation_amplitude = 0.5\n",
     ["complexion.oscillation_amplitude", 'complexion.model = "oscillatory"', '"exponential"']),
    ("anisotropy_cap_without_kmc", VALID + "[dendrite]\nmax_anisotropy_strength = 0.02\n",
     ["dendrite.max_anisotropy_strength", "[kmc] stage"]),
    ("potentiostatic_phase_field_cycled", VALID + '[dendrite]\ncontrol = "potentiostatic"\ncell_voltage_mV = -50.0\n'
     "stop_time_s = 10.0\n[cycling]\n", ["dendrite.control", "[cycling] is galvanostatic"]),
]


@pytest.mark.parametrize("content, needles", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_exits_2_with_one_line(tmp_path, capsys, content, needles):
    (tmp_path / "tiny.toml").write_text(VALID)  # a real file other cases may point at
    path = tmp_path / "params.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["run", str(path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(str(path)), lines[0]
    assert "(top level)" not in lines[0]  # a rule across tables names the key it blames, not the file's root
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert "Traceback" not in captured.err + captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_several_problems_give_one_line_each(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(VALID.replace("300.0", "-1.0").replace("= 1.0", "= -1.0") + "extra = 1\n")
    assert main(["check", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert {l.split(": ")[1] for l in lines} == {
        "electrode.temperature_K", "electrode.current_density_mA_cm2", "electrode.extra"}


def test_missing_params_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "absent.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_real_process_prints_no_traceback(tmp_path):
    """The same through `python -m multiscale` in a fresh interpreter."""
    path = tmp_path / "p.toml"
    path.write_text(VALID.replace("temperature_K", "temprature_K"))
    proc = subprocess.run([sys.executable, "-m", "multiscale", "run", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "did you mean 'temperature_K'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists()


def test_a_second_command_in_one_process_logs_once_to_its_own_stderr(monkeypatch, capsys):
    """Each command logs to the stderr of its own call: the handler of an earlier call (whose
    stream a test harness may have closed) is replaced, not kept beside the new one."""
    logger = logging.getLogger("multiscale")
    monkeypatch.setattr(logger, "handlers", [h for h in logger.handlers if h.get_name() != "multiscale-cli"])
    cli._stderr_logging()
    cli._stderr_logging()
    assert [h.get_name() for h in logger.handlers].count("multiscale-cli") == 1
    logger.info("one line")
    assert capsys.readouterr().err == "multiscale: one line\n"


def test_hotspots_with_a_cv_is_inconsistent(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(VALID.replace("vlcd_cv = 0.5", 'vlcd_cv = 0.5\nvlcd_field = "hotspots"'))
    assert main(["check", str(path)]) == 2
    line = capsys.readouterr().err.strip()
    assert line.count("\n") == 0 and "electrode" in line and "hotspot" in line


@pytest.mark.parametrize(
    "extra, needle",
    [
        ("[kmc]\nlateral_size_nm = 2000.0\nbox_height_nm = 2000.0\n", "larger than"),
        ("[kmc]\nlateral_size_nm = 1500.0\nbox_height_nm = 4.0\nstop_thickness_ML = 1.0\n", "kmc.lateral_size_nm: 5384 x 5384 columns"),
        ('vlcd_field = "hotspots"\nhotspot_count = 4\nhotspot_radius_nm = 0.05\n[kmc]\n', "electrode.hotspot_radius_nm"),
    ],
)
def test_kmc_setups_that_cannot_run_exit_2_before_writing(tmp_path, capsys, extra, needle):
    path = tmp_path / "p.toml"
    text = VALID.replace("vlcd_cv = 0.5\n", "") if "hotspots" in extra else VALID
    path.write_text(text.replace("[electrode]\n", "[electrode]\n" + extra.split("[kmc]")[0]) + "[kmc]" + extra.split("[kmc]")[1])
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and needle in err and err.startswith(f"{path}: "), err
    assert not (tmp_path / "out").exists()
