"""The complexion and coating stages through the pipeline: files, round trips, coupling, errors."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

import multiscale
from multiscale.analysis import plots
from multiscale.coating.outputs import SCHEMA as COATING_SCHEMA
from multiscale.complexion.outputs import SCHEMA as COMPLEXION_SCHEMA
from multiscale.errors import ParamsError
from multiscale.io import read_dataset, read_root_attrs
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_matches_schema

COMPLEXION = """
[complexion]
model = "{model}"
delta_gamma_J_m2 = -0.5
delta_G_J_m3 = 5.0e7
diagram_points = 5
transition_points = 40
film_delta_G_J_m3 = [1.0e7]
"""

COATING = """
[coating]
material = "Li-Mg"
thickness_um = 1.0
plating_time_s = 120.0
cells_along = 6
cells_across = 8
records = 3
measure_onset = false
"""


def _write(tmp_path, text, name="p.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("model", ["oscillatory", "exponential"])
def test_complexion_file_round_trips_and_holds_the_minimum(tmp_path, model):
    params = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + COMPLEXION.format(model=model)))
    run_dir = multiscale.run(params, out=tmp_path / "r")
    assert_matches_schema(run_dir / "complexion.h5", COMPLEXION_SCHEMA)
    root = read_root_attrs(run_dir / "complexion.h5")
    point = read_dataset(run_dir / "complexion.h5")
    # h_EQ is the global minimum of the Phi(h) written to the file (on its grid, to one grid step)
    h, phi = point.h.values, point.interface_potential.values
    assert root["equilibrium_thickness_m"] == pytest.approx(h[np.argmin(phi)], abs=h[1] - h[0])
    transitions = read_dataset(run_dir / "complexion.h5", "transitions")
    if model == "exponential":  # closed form recorded; a single exponential has no transition
        assert root["closed_form_thickness_m"] == pytest.approx(0.5e-9 * math.log(0.5 / (0.5e-9 * 5e7)))
        assert transitions.sizes["transition"] == 0
    else:
        assert transitions.sizes["transition"] >= 3


def test_coating_run_conserves_li_and_reports_the_threshold(tmp_path):
    params = multiscale.load_params(_write(tmp_path, MINIMAL_TOML + COATING))
    run_dir = multiscale.run(params, out=tmp_path / "r")
    ds = read_dataset(run_dir / "coating.h5")
    assert ds.sizes == {"time": 4, "y": 6, "x": 8}
    attrs = read_root_attrs(run_dir / "coating.h5")
    d = math.sqrt(1e-15 * 1e-12)  # Li-Mg Table I range 1e-11 - 1e-8 cm2/s, geometric mean
    assert attrs["diffusivity_m2_s"] == pytest.approx(d, rel=1e-9)
    assert attrs["threshold_current_density_A_m2"] == pytest.approx(96485.33212 * d * 1000.0 / 1e-6, rel=1e-6)
    charge = ds.charge_passed[-1].item() / 96485.33212
    assert charge == pytest.approx(10.0 * 120.0 / 96485.33212, rel=1e-9)  # 1 mA/cm2 for 120 s
    parts = ds.li_plated_under[-1] + ds.li_plated_on_top[-1] + ds.li_in_coating[-1]
    assert parts.item() == pytest.approx(charge, rel=1e-9)
    assert ds.fraction_under[-1].item() < 0.5  # 1 mA/cm2 is 3.3 x this coating's threshold
    assert np.all(ds.concentration.values <= 1000.0 * (1 + 1e-6))  # never above saturation
    assert_matches_schema(run_dir / "coating.h5", COATING_SCHEMA)


def test_coating_thickness_from_the_complexion(tmp_path):
    text = MINIMAL_TOML + COMPLEXION.format(model="exponential") + COATING.replace(
        "thickness_um = 1.0", "thickness_from_complexion = true")
    run_dir = multiscale.run(multiscale.load_params(_write(tmp_path, text)), out=tmp_path / "r")
    h = read_root_attrs(run_dir / "complexion.h5")["equilibrium_thickness_m"]
    attrs = read_root_attrs(run_dir / "coating.h5")
    assert attrs["thickness_m"] == h and "complexion.h5 h_EQ" in attrs["thickness_source"]


def test_an_explicit_diffusivity_is_not_labelled_with_the_default_material(tmp_path):
    """With ``diffusivity_m2_s`` the material is not read: the file names the coating "explicit" and
    the figure by its diffusivity (both named the default Li22Sn5, whose Table I diffusivity the run
    did not use)."""
    text = MINIMAL_TOML + COATING.replace('material = "Li-Mg"', "diffusivity_m2_s = 2.0e-14")
    run_dir = multiscale.run(multiscale.load_params(_write(tmp_path, text)), out=tmp_path / "r")
    attrs = read_root_attrs(run_dir / "coating.h5")
    assert attrs["material"] == "explicit" and attrs["diffusivity_m2_s"] == 2.0e-14
    assert attrs["diffusivity_source"] == "explicit: coating.diffusivity_m2_s = 2e-14"
    tree = multiscale.open_run(run_dir)
    try:
        figure = plots.coating_fractions(tree["coating"])
        assert figure.axes[0].get_title().startswith("coating of D = 2e-14 m²/s, 1 µm:")
        plt.close(figure)
    finally:
        tree.close()


@pytest.mark.parametrize("table, message", [
    ("[coating]\nmaterial = \"Li22Sn6\"\n", "did you mean 'Li22Sn5'"),
    ("[coating]\nthickness_from_complexion = true\n", "needs a [complexion] table"),
    ("[coating]\nthicknes_um = 1.0\n", "coating.thicknes_um"),
    ("[complexion]\nmodel = \"cubic\"\n", "complexion.model"),
    ("[complexion]\ndiagram_delta_G_J_m3 = [1e9, 1e6]\n", "increasing"),
])
def test_bad_tables_are_refused(tmp_path, table, message):
    with pytest.raises(ParamsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        multiscale.load_params(_write(tmp_path, MINIMAL_TOML + table))


def test_dendrites_grow_from_the_current_plating_on_top_of_the_coating(tmp_path):
    """local_current_source = "coating": the dendrite run's mean current is the coating's on-top
    current and its i0 profile along the electrode the on-top profile (resampled to the grid)."""
    dendrite = "\n[dendrite]\nlocal_current_source = \"coating\"\nwidth_um = 4.0\ngap_um = 10.0\n" \
               "front_band_um = 3.0\ndeposited_capacity_mAh_cm2 = 0.001\nrecords = 2\n"
    coating = COATING.replace("cells_along = 6", "cells_along = 40").replace("plating_time_s = 120.0", "plating_time_s = 60.0") \
        + "width_um = 4.0\n"
    text = MINIMAL_TOML.replace("vlcd_cv = 0.5", "vlcd_cv = 0.8") + coating + dendrite
    run_dir = multiscale.run(multiscale.load_params(_write(tmp_path, text)), out=tmp_path / "r")
    on_top = read_dataset(run_dir / "coating.h5").on_top_current_density[-1].values
    ds = read_dataset(run_dir / "dendrite.h5")
    assert ds.attrs["local_current_source"].startswith("coating.h5")
    assert ds.attrs["control"].startswith(f"current: {on_top.mean():g} A/m2")
    ratio = ds.exchange_current_ratio.values  # 40 dendrite rows on 40 coating rows of the same width: the same profile
    np.testing.assert_allclose(ratio, on_top / on_top.mean(), rtol=1e-12)


def test_no_current_on_top_is_a_clear_error(tmp_path):
    dendrite = "\n[dendrite]\nlocal_current_source = \"coating\"\nwidth_um = 4.0\ngap_um = 10.0\n" \
               "front_band_um = 3.0\ndeposited_capacity_mAh_cm2 = 0.001\n"
    text = MINIMAL_TOML + COATING.replace('material = "Li-Mg"', 'material = "Li22Sn5"') + dendrite
    with pytest.raises(multiscale.errors.UserError, match="no Li plates on top of the coating"):
        multiscale.run(multiscale.load_params(_write(tmp_path, text)), out=tmp_path / "r")
