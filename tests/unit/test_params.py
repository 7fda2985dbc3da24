"""Unit tests of parameter loading, resolution and the generated reference."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError
from hypothesis import strategies as st

from multiscale import load_params
from multiscale.cli import main
from multiscale.coating.params import CoatingParams
from multiscale.errors import ParamsError
from multiscale.materials import COATING_MATERIALS
from multiscale.params import Params, parse_toml, to_toml, validate_params
from multiscale.schema_docs import schema_markdown, table_models
from tests.conftest import MINIMAL_TOML, PARAMS_DIR, REPO


@pytest.mark.parametrize("name", ["vlcd_low.toml", "vlcd_high.toml"])
def test_shipped_files_are_valid(name):
    params = load_params(PARAMS_DIR / name)
    assert params.name == name.removesuffix(".toml")
    assert params.kmc is not None and params.dendrite is not None
    assert params.dendrite.current_density_mA_cm2 is None  # the phase field at the electrode's own current density


@pytest.mark.parametrize("path", sorted(PARAMS_DIR.rglob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_params_file_is_valid(path):
    """Parameter files validate; scan files (scan_*.toml with a [scan] table) validate with every point."""
    if path.name.startswith("scan_") and "[scan]" in path.read_text():
        from multiscale.scan import load_scan, points

        scan, base, _ = load_scan(path)
        assert points(scan, base, str(path))[1]
    else:
        load_params(path)


def test_vlcd_files_differ_only_in_spread():
    low, high = (load_params(PARAMS_DIR / f"vlcd_{k}.toml") for k in ("low", "high"))
    assert low.electrode.current_density_mA_cm2 == high.electrode.current_density_mA_cm2
    assert low.electrode.temperature_K == high.electrode.temperature_K
    assert low.atomistic == high.atomistic
    assert high.electrode.cv > 5 * low.electrode.cv


def test_resolved_toml_loads_back_to_the_same_params(minimal_params, tmp_path):
    params = load_params(minimal_params)
    resolved = tmp_path / "resolved.toml"
    resolved.write_text(to_toml(params))
    again = load_params(resolved)
    assert again == params
    assert "bulk_activation_energy_eV = 0.55" in resolved.read_text()  # defaults are spelled out


def test_name_defaults_to_file_stem(tmp_path):
    path = tmp_path / "my run.toml"
    path.write_text(MINIMAL_TOML.replace('name = "tiny"\n', ""))
    assert load_params(path).name == "my_run"


def test_int_accepted_where_float_expected(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(MINIMAL_TOML.replace("300.0", "300"))
    assert load_params(path).electrode.temperature_K == 300.0


def test_vlcd_variance_gives_cv(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(MINIMAL_TOML.replace("vlcd_cv = 0.5", "vlcd_mA2_cm4 = 0.25").replace("= 1.0", "= 2.0"))
    assert math.isclose(load_params(path).electrode.cv, 0.25)  # sqrt(0.25) / 2.0


def test_params_are_frozen(minimal_params):
    params = load_params(minimal_params)
    with pytest.raises(ValidationError, match="frozen"):
        params.electrode.temperature_K = 10.0


def test_relative_data_paths_resolve_against_the_file(tmp_path):
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "dopt.csv").write_text("ensemble_size,bcc_fraction\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    path = sub / "p.toml"
    path.write_text(MINIMAL_TOML + '\n[atomistic]\ndopt_table = "../md/dopt.csv"\n')
    assert load_params(path).atomistic.dopt_table == str((tmp_path / "md" / "dopt.csv").resolve())


def test_check_prints_resolved_parameters(minimal_params, capsys):
    assert main(["check", str(minimal_params)]) == 0
    out = capsys.readouterr().out
    assert parse_toml(out, "out") == json.loads(load_params(minimal_params).model_dump_json(exclude_none=True))
    assert not Path("runs").exists()


def test_check_marks_the_keys_the_run_does_not_read(capsys):
    """The shipped cycling file: the keys [cycling] replaces, the other cut-off's and the hotspots'
    are marked with why; the keys the run reads are not; each key left unset follows its table as a
    comment, with why it is not read or what it is; the text still loads back unchanged."""
    path = PARAMS_DIR / "cycling.toml"
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert parse_toml(out, "out") == json.loads(load_params(path).model_dump_json(exclude_none=True))
    tables, unset, table = {}, {}, "(top level)"
    for line in out.splitlines():
        if line.startswith("["):
            table = line.strip("[]")
        elif line.startswith("# "):
            key, why = line[2:].split(" (not set): ")
            unset[f"{table}.{key}"] = why
        elif " = " in line:
            tables[f"{table}.{line.split(' = ')[0]}"] = line
    marked = {key for key, line in tables.items() if "  # not read by this run: " in line}
    assert marked == {"electrode.hotspot_count", "electrode.hotspot_radius_nm", "electrode.hotspot_current_fraction",
                      "cycling.strip_cutoff_fraction", "kmc.stop_thickness_ML", "kmc.record_interval_ML",
                      "kmc.heating_reference_current_density_mA_cm2", "kmc.heating_length_nm",
                      "dendrite.deposited_capacity_mAh_cm2", "dendrite.records"}
    assert tables["kmc.stop_thickness_ML"].endswith(
        "# not read by this run: a cycling run stops after cycling.cycles cycles")
    assert "#" not in tables["cycling.strip_cutoff_mV"] and "#" not in tables["kmc.dopt_time_scale"]
    assert set(unset) == {"electrode.vlcd_mA2_cm4", "cycling.plating_current_density_mA_cm2",
                          "cycling.stripping_current_density_mA_cm2", "atomistic.surface_msd", "atomistic.bulk_msd",
                          "atomistic.dopt_table", "kmc.stop_time_s", "kmc.stop_events", "kmc.sei_passivation_time_s",
                          "dendrite.current_density_mA_cm2", "dendrite.cell_voltage_mV", "dendrite.stop_time_s",
                          "dendrite.anisotropy_strength", "dendrite.local_current_profile",
                          "dendrite.initial_roughness_um"}
    not_read = {key for key, why in unset.items() if why.startswith("not read by this run: ")}
    assert not_read == {"kmc.stop_time_s", "kmc.stop_events", "dendrite.current_density_mA_cm2", "dendrite.stop_time_s"}
    assert unset["electrode.vlcd_mA2_cm4"] == ("Variance of the local current density (VLCD), (mA/cm^2)^2; "
                                               "alternative to ``vlcd_cv``.")
    assert "#" not in to_toml(load_params(path))  # a run's own params.toml: no notes, no unset keys


def _another_value(model, key):
    """A valid value of ``model.key`` other than its default (the rules' keys: literals, bools,
    counts, the coating's material, and positive numbers whose half lies within their bounds)."""
    from typing import Literal, get_args, get_origin

    field = model.model_fields[key]
    kind = field.annotation
    if get_origin(kind) is not Literal:
        kind = next(arg for arg in (get_args(kind) or (kind,)) if arg is not type(None))
    if get_origin(kind) is Literal:
        return next(choice for choice in get_args(kind) if choice != field.default)
    if kind is bool:
        return not field.default
    if kind is int:
        return 1 if field.default is None else field.default + 1
    if kind is str:
        assert (model, key) == (CoatingParams, "material"), f"no other value known for {model.__name__}.{key}"
        return next(name for name in COATING_MATERIALS if name != field.default)
    return field.default / 2 if field.default else 1.0


def _unread_cases():
    """Runs whose declarations together take every branch of every ``unread`` rule."""
    from multiscale.params import with_overrides

    shipped = {path.name: load_params(path) for path in sorted(PARAMS_DIR.rglob("*.toml"))
               if "[scan]" not in path.read_text()}
    extra = [("cycling.toml", {"cycling.strip_cutoff": "capacity"}),
             ("complexion.toml", {"complexion.model": "dispersion", "complexion.monolayer_thickness_nm": 0.3}),
             ("complexion.toml", {"complexion.base": "dispersion"}),
             ("coating_li22sn5.toml", {"coating.thickness_from_complexion": True, "complexion.model": "exponential"}),
             ("coating_li22sn5.toml", {"coating.diffusivity_m2_s": 1e-14}),
             ("vlcd_high.toml", {"dendrite.anisotropy_strength": 0.01})]
    without_kmc = shipped["cycling.toml"].model_dump(mode="python", exclude_none=True)
    del without_kmc["kmc"]
    return list(shipped.items()) + [(f"{name} with {overrides}", with_overrides(shipped[name], overrides))
                                    for name, overrides in extra] + [("cycling.toml without [kmc]",
                                                                      validate_params(without_kmc))]


def test_a_key_the_run_does_not_read_is_refused_when_set():
    """Every key that ``check`` would mark, set to another valid value, is refused with its
    declaration's message (the marker and the refusal read one declaration); a typo'd key in a
    declaration fails here (``model_fields``). The cases reach every key of every rule's branches."""
    from multiscale.params import unread_keys, with_overrides

    reached = set()
    for name, params in _unread_cases():
        for key in unread_keys(params):
            reached.add(key.dotted)
            value = _another_value(type(getattr(params, key.table)), key.key)
            with pytest.raises(ParamsError) as exc:
                with_overrides(params, {key.dotted: value})
            assert str(exc.value) == f"<overrides>: {key.message()}", (name, key.dotted, value)
    kmc_stops = ("stop_thickness_ML", "stop_time_s", "stop_events", "record_interval_ML")
    stripping = ("exchange", "dead_li", "electronic_contact", "stranding_moves", "sei_passivation_time_s")
    kmc_models = ("dopt_time_scale", "dopt_packing_exponent", "dopt_reference_current_density_mA_cm2",
                  "heating_reference_current_density_mA_cm2", "heating_length_nm")
    oscillation = ("base", "oscillation_amplitude", "oscillation_decay_length_nm", "oscillation_phase_rad",
                   "oscillation_period_nm", "xi_nm", "h0_nm")
    electrode = ("exchange_current_density_mA_cm2", "anodic_transfer_coefficient", "cathodic_transfer_coefficient",
                 "hotspot_count", "hotspot_radius_nm", "hotspot_current_fraction", "vlcd_correlation_length_nm")
    assert reached == ({f"electrode.{key}" for key in electrode}
                       | {f"kmc.{key}" for key in kmc_stops + stripping + kmc_models}
                       | {f"complexion.{key}" for key in oscillation}
                       | {"cycling.strip_cutoff_fraction", "cycling.strip_cutoff_mV", "cycling.kmc_capacity_ML",
                          "cycling.dendrite_capacity_mAh_cm2", "coating.thickness_um", "coating.diffusivity_estimate",
                          "coating.material",
                          "dendrite.current_density_mA_cm2", "dendrite.deposited_capacity_mAh_cm2",
                          "dendrite.stop_time_s", "dendrite.records", "dendrite.max_anisotropy_strength"})


def test_schema_command_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "electrode" in schema["required"]
    assert schema["$defs"]["ElectrodeParams"]["additionalProperties"] is False


def test_docs_params_md_is_current():
    """docs/params.md must equal `python -m multiscale schema --markdown`."""
    text = (REPO / "docs" / "params.md").read_text()
    assert text == schema_markdown(), "docs/params.md is stale: python -m multiscale schema --markdown > docs/params.md"


def test_every_key_is_documented():
    """Every key of every table reachable from the parameters (optional and nested tables too:
    ``check`` prints an unset key's description) has a description, and docs/params.md names it."""
    doc = schema_markdown()
    models = [model for _, model in table_models(Params)]
    assert {"KmcParams", "DendriteParams", "CyclingParams", "MsdSource"} <= {m.__name__ for m in models}
    for model in models:
        for key, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{key} has no description"
            assert f"`{key}`" in doc


def test_check_lists_the_unset_keys_of_a_nested_table(tmp_path):
    """A key left unset in a table within a table (``atomistic.surface_msd``) follows that table."""
    from multiscale.params import checked_toml

    (tmp_path / "s.csv").write_text("temperature_K,time_ps,msd_A2\n")
    path = tmp_path / "p.toml"
    path.write_text(MINIMAL_TOML + '[atomistic]\nsurface_msd = { files = ["s.csv"], dimensions = 2 }\n')
    lines = checked_toml(load_params(path)).splitlines()
    following = lines[lines.index("[atomistic.surface_msd]") + 1:]
    following = following[:next((i for i, line in enumerate(following) if not line or line.startswith("[")),
                                len(following))]
    assert "# lammps_msd_column (not set): Thermo column holding the MSD in LAMMPS logs (default: the " \
           "``c_*msd*[4]`` column)." in following


# ------------------------------------------------------------------ fuzzing

toml_scalars = st.one_of(
    st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=8), st.lists(st.floats(-1e3, 1e3), max_size=3),
)
keys = st.sampled_from(["name", "seed", "electrode", "atomistic", "kmc", "temperature_K", "current_density_mA_cm2",
                        "vlcd_cv", "vlcd_mA2_cm4", "temperatures_K", "dopt_table", "surface_msd", "files",
                        "dimensions", "coating_materials", "x"]) | st.text(min_size=1, max_size=6)
documents = st.recursive(toml_scalars, lambda inner: st.dictionaries(keys, inner, max_size=5), max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(keys, documents, max_size=6))
def test_fuzz_structures_give_only_clean_errors(data):
    """Any parsed structure either validates or raises ParamsError with one line per problem."""
    try:
        validate_params(data, "fuzz.toml")
    except ParamsError as exc:
        assert exc.lines and all(line.startswith("fuzz.toml: ") for line in exc.lines)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), cut=st.integers(0, len(MINIMAL_TOML)), insert=st.text(max_size=5))
def test_fuzz_text_gives_only_clean_errors(tmp_path_factory, text, cut, insert):
    """Mutated and random files: load_params raises ParamsError or succeeds, never anything else."""
    path = tmp_path_factory.mktemp("fuzz") / "f.toml"
    for content in (text, MINIMAL_TOML[:cut] + insert + MINIMAL_TOML[cut:]):
        path.write_bytes(content.encode("utf-8", "replace"))
        try:
            load_params(path)
        except ParamsError as exc:
            assert exc.lines and all(line.startswith(str(path)) for line in exc.lines)


def test_with_overrides(minimal_params):
    from multiscale.params import with_overrides

    params = load_params(minimal_params)
    changed = with_overrides(params, {"seed": 7, "electrode.temperature_K": 350.0, "kmc.stop_thickness_ML": 2.0})
    assert changed.seed == 7 and changed.electrode.temperature_K == 350.0 and changed.kmc.stop_thickness_ML == 2.0
    assert changed.electrode.vlcd_cv == params.electrode.vlcd_cv and params.seed == 1  # the original is untouched
    with pytest.raises(ParamsError, match="electrode.temprature_K: unknown key; did you mean 'temperature_K'"):
        with_overrides(params, {"electrode.temprature_K": 350.0})
    with pytest.raises(ParamsError, match="electrode.temperature_K"):
        with_overrides(params, {"electrode.temperature_K": -1.0})
