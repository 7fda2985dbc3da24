"""Figures: every figure of a run and of a scan is written and is not blank, states the run's
conditions, labels parameters in words, uses log scales for log-spaced values and fits a slide (issue 6)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import QuadMesh
from matplotlib.colors import LogNorm
from matplotlib.image import imread

import multiscale
from multiscale.analysis import plots
from multiscale.cli import main
from tests.conftest import MINIMAL_TOML
from tests.unit.test_dendrite_stage import DENDRITE
from tests.unit.test_kmc_stage import KMC

TABLES = KMC + DENDRITE + """
[complexion]
model = "oscillatory"
diagram_points = 5
transition_points = 30
film_delta_G_J_m3 = [1.0e7]

[coating]
material = "Li-Mg"
plating_time_s = 60.0
cells_along = 4
cells_across = 8
records = 3
measure_onset = false
"""


def assert_not_blank(path):
    """A PNG with content: more than 2 % of the pixels away from white, and some contrast."""
    image = imread(path)[..., :3]
    assert np.mean(np.any(image < 0.9, axis=-1)) > 0.02, path
    assert image.std() > 0.05, path


def width_px(path) -> int:
    return imread(path).shape[1]


SLIDE_PX = 1600  # widest figure that still reads on a slide at the saved dpi


def test_report_writes_every_run_figure(tmp_path, capsys):
    path = tmp_path / "all.toml"
    path.write_text(MINIMAL_TOML + TABLES)
    assert main(["run", str(path), "--out", str(tmp_path / "r")]) == 0  # `run` ends with the report
    names = {p.name for p in (tmp_path / "r" / "figures").glob("*.png")}
    assert names == {f"{stem}.png" for stem in ("kmc_deposit", "kmc_series", "dendrite", "coating_fractions",
                                                "complexion")}
    for name in names:
        assert_not_blank(tmp_path / "r" / "figures" / name)
        assert width_px(tmp_path / "r" / "figures" / name) <= SLIDE_PX, name
    assert not list((tmp_path / "r" / "figures").glob("*.tmp.png"))
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    tree = multiscale.open_run(tmp_path / "r")
    try:
        for stage, make in [("kmc", plots.kmc_deposit), ("kmc", plots.kmc_series), ("dendrite", plots.dendrite_snapshots),
                            ("coating", plots.coating_fractions), ("complexion", plots.complexion_curves)]:
            fig = make(tree[stage])
            assert "tiny: 300 K, 1 mA/cm², VLCD CV 0.5" in fig.get_suptitle(), (stage, fig.get_suptitle())
        diagram = plots.complexion_curves(tree["complexion"]).axes[1]
        assert diagram.get_xscale() == "log" and diagram.get_xlabel() == "film volume penalty ΔG (J/m³, log scale)"
    finally:
        tree.close()


def _params(**tables) -> str:
    electrode = {"temperature_K": 298.15, "current_density_mA_cm2": 1.0, "vlcd_cv": 0.8, "vlcd_mA2_cm4": None,
                 "vlcd_correlation_length_nm": 10.0, "vlcd_field": "lognormal", "hotspot_count": 2,
                 "hotspot_radius_nm": 1.5, "hotspot_current_fraction": 0.9}
    electrode.update(tables.pop("electrode", {}))
    return json.dumps({"name": "demo", "seed": 1, "electrode": electrode, **tables})


def _dendrite_tree(resolved_params: str) -> xr.DataTree:
    """A small phase-field file whose salt concentration range changes with time."""
    t, y, x = np.arange(4.0), np.linspace(0, 4e-6, 8), np.linspace(0, 8e-6, 16)
    front = 3e-6 + 2e-7 * t[:, None, None] * (1 + np.sin(y / 1e-6))[None, :, None]
    psi = (x[None, None, :] > front).astype(float)
    concentration = 1000.0 - 5.0 * (1 + t[:, None, None]) * (1 - x[None, None, :] / x[-1]) * (1 + 0 * y[None, :, None])
    ds = xr.Dataset({"psi": (("time", "y", "x"), psi), "concentration": (("time", "y", "x"), concentration),
                     "local_current_density": (("time", "y"), 10.0 * (1 + 0.5 * np.sin(y / 1e-6))[None, :] + 0 * t[:, None]),
                     "exchange_current_ratio": ("y", 1 + 0.5 * np.sin(y / 1e-6)), "mean_current_density": ("time", 10.0 + 0 * t),
                     "dendrite_length": ("time", 2e-7 * t), "interface_roughness": ("time", 1e-7 * t)},
                    coords={"time": t, "y": y, "x": x}, attrs={"stage": "dendrite", "resolved_params": resolved_params})
    return xr.DataTree(ds)


def test_dendrite_figure_states_both_currents_and_shares_its_colour_scale():
    fig = plots.dendrite_snapshots(_dendrite_tree(_params(dendrite={"current_density_mA_cm2": 2.0,
                                                                   "vlcd_correlation_length_um": 2.0})))
    assert fig.get_suptitle() == ("demo: 298.15 K, 1 mA/cm² (phase field at 2 mA/cm²), "
                                  "VLCD CV 0.8, correlation length 2 µm")
    limits = [c.get_clim() for a in fig.axes[:3] for c in a.collections if c.get_cmap().name == "viridis"]
    assert len(limits) == 3 and limits[0] == limits[1] == limits[2]  # one salt scale for every snapshot
    # the lowest salt drawn: in the electrolyte at the last time, next to the least advanced front
    # (the row y = 4 um, front at 3.15 um; the first electrolyte cell centre at 3.2 um), not in the metal
    x = np.linspace(0, 8e-6, 16)
    front = 3e-6 + 2e-7 * 3 * (1 + np.sin(4.0))
    assert limits[0][0] == pytest.approx(1000.0 - 5.0 * 4 * (1 - x[x > front][0] / x[-1]))
    assert fig.get_size_inches()[0] * 110 <= SLIDE_PX
    same = plots.dendrite_snapshots(_dendrite_tree(_params(dendrite={"current_density_mA_cm2": None}, kmc={})))
    assert "phase field" not in same.get_suptitle() and "correlation length 10 nm" in same.get_suptitle()


def test_run_conditions_of_a_coating_and_of_hotspots():
    coating = xr.DataTree(xr.Dataset(attrs={"stage": "coating", "resolved_params": _params(
        coating={"current_density_mA_cm2": 3.0, "vlcd_correlation_length_um": 4.0})}))
    assert plots.run_conditions(coating) == "demo: 298.15 K, 3 mA/cm², VLCD CV 0.8, correlation length 4 µm"
    hot = xr.DataTree(xr.Dataset(attrs={"stage": "kmc", "resolved_params": _params(
        electrode={"vlcd_field": "hotspots", "vlcd_cv": None})}))
    assert plots.run_conditions(hot) == ("demo: 298.15 K, 1 mA/cm², 2 hotspot(s) of radius 1.5 nm carrying "
                                         "90 % of the current")
    assert plots.run_conditions(xr.DataTree(xr.Dataset())) == ""


def test_run_conditions_name_the_kmc_length_only_in_a_run_that_has_the_kmc():
    """electrode.vlcd_correlation_length_nm is read by the kMC alone: an atomistic file's title
    gives it in a run with [kmc], and no length in a run without one (kmc = null, as written)."""
    def title(**tables):
        tree = xr.DataTree(xr.Dataset(attrs={"stage": "atomistic", "resolved_params": _params(**tables)}))
        return plots.run_conditions(tree)

    assert title(kmc={}) == "demo: 298.15 K, 1 mA/cm², VLCD CV 0.8, correlation length 10 nm"
    assert title(kmc=None, dendrite={"vlcd_correlation_length_um": 2.0}) == "demo: 298.15 K, 1 mA/cm², VLCD CV 0.8"


@pytest.mark.parametrize("key, label", [
    ("electrode.current_density_mA_cm2", "current density (mA/cm²)"),
    ("coating.thickness_um", "coating thickness (µm)"),
    ("coating.material", "coating material"),
    ("electrode.vlcd_cv", "VLCD coefficient of variation"),
    ("electrode.temperature_K", "temperature (K)"),
    ("vlcd_cv", "VLCD coefficient of variation"),
    ("dendrite.deposited_capacity_mAh_cm2", "phase-field deposited capacity (mAh/cm²)"),
    ("kmc.stop_time_s", "kMC stop time (s)"),
    ("complexion.delta_gamma_J_m2", "interface energy change Δγ (J/m²)"),
    ("coating.capacity_mol_m3", "coating Li capacity c_c (mol/m³)"),
])
def test_parameter_labels_are_words_and_units(key, label):
    assert plots.parameter_label(key) == label


def test_log_spacing_is_recognised():
    assert plots._log_spaced([0.1, 1.0, 10.0]) and plots._log_spaced([0.5, 1.0, 2.0, 4.0])
    assert not plots._log_spaced([0.05, 0.4, 0.8]) and not plots._log_spaced([1.0, 2.0, 3.0])
    assert not plots._log_spaced(["Li22Sn5", "Li-Mg", "LiZn"]) and not plots._log_spaced([-1.0, 1.0, 10.0])


def _scan_dataset(dims: dict[str, list]) -> xr.Dataset:
    shape = tuple(len(v) for v in dims.values())
    rng = np.random.default_rng(0)
    values = rng.random(shape)
    values.flat[0] = np.nan  # a failed point
    status = np.where(np.isnan(values), "failed", "done")
    coords = {k: (k, v, {"dotted_key": f"table.{k}"}) for k, v in dims.items()}
    return xr.Dataset({"status": (list(dims), status), "fraction_under": (list(dims), values, {"units": "1"})},
                      coords=coords)


@pytest.mark.parametrize("dims", [
    {"vlcd_cv": [0.05, 0.8]},
    {"current_density_mA_cm2": [0.5, 1.0, 2.0], "vlcd_cv": [0.05, 0.4, 0.8]},
    {"material": ["Li22Sn5", "Li-Mg"], "thickness_um": [0.1, 1.0], "current_density_mA_cm2": [0.1, 1.0, 10.0]},
])
def test_design_maps_have_one_panel_per_facet(tmp_path, dims):
    [(name, fig)] = plots.design_maps(_scan_dataset(dims))
    heatmaps = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    facets = len(next(iter(dims.values()))) if len(dims) == 3 else 1
    assert name == "fraction_under" and len(heatmaps) == facets
    path = plots._save(fig, tmp_path / "map.png")
    assert_not_blank(path)


def test_coating_design_map_fits_a_slide_with_one_log_colour_scale(tmp_path):
    dims = {"material": ["Li22Sn5", "Li3Bi", "LiZn", "LixAg", "Li-Mg"], "thickness_um": [0.1, 1.0, 10.0],
            "current_density_mA_cm2": [0.1, 1.0, 10.0]}
    ds = _scan_dataset(dims)
    for k in dims:
        ds[k].attrs["dotted_key"] = f"coating.{k}"
    values = 10.0 ** np.linspace(-1.5, 4.2, ds.fraction_under.size).reshape(ds.fraction_under.shape)
    ds["threshold_current_density"] = (list(dims), values * 10, {"units": "A m-2", "long_name": "F D c_c / L"})
    ds["porosity"] = (list(dims), np.linspace(0.05, 0.9, values.size).reshape(values.shape), {"units": "1"})
    maps = dict(plots.design_maps(ds))
    fig = maps["threshold_current_density"]
    heatmaps = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert len(heatmaps) == 5 and len({a.get_position().y0 for a in heatmaps}) == 2  # two rows, at most 3 per row
    [norm] = {m.norm for a in heatmaps for m in a.collections if isinstance(m, QuadMesh)}  # one for all panels
    assert isinstance(norm, LogNorm)
    assert norm.vmin == pytest.approx(10.0**-1.5) and norm.vmax == pytest.approx(10.0**4.2)
    assert heatmaps[0].get_xlabel() == "current density (mA/cm², log scale)"
    assert heatmaps[0].get_ylabel() == "coating thickness (µm, log scale)"
    assert heatmaps[4].get_title() == "coating material = Li-Mg"
    path = plots._save(fig, tmp_path / "map.png")
    assert_not_blank(path)
    assert width_px(path) <= SLIDE_PX
    porosity = maps["porosity"]  # 0.05 .. 0.9: less than two decades, linear
    [norm] = {m.norm for a in porosity.axes for m in a.collections if isinstance(m, QuadMesh)}
    assert not isinstance(norm, LogNorm) and (norm.vmin, norm.vmax) == pytest.approx((0.05, 0.9))
    ds["fraction_under"] = (list(dims), np.geomspace(1e-3, 1.0, values.size).reshape(values.shape), {"units": "1"})
    fraction = dict(plots.design_maps(ds))["fraction_under"]  # three decades, but a fraction: linear
    [norm] = {m.norm for a in fraction.axes for m in a.collections if isinstance(m, QuadMesh)}
    assert not isinstance(norm, LogNorm)


def test_linear_axes_are_not_called_log(tmp_path):
    [(_, fig)] = plots.design_maps(_scan_dataset({"current_density_mA_cm2": [0.5, 1.0, 2.0, 4.0],
                                                  "vlcd_cv": [0.05, 0.4, 0.8]}))
    a = fig.axes[0]
    assert a.get_xlabel() == "VLCD coefficient of variation"  # 0.05, 0.4, 0.8: not a constant ratio
    assert a.get_ylabel() == "table current density (mA/cm², log scale)"  # 0.5 .. 4, doubling


def test_hypercube_design_map_is_a_scatter_per_key(tmp_path):
    ds = xr.Dataset({"status": ("point", ["done"] * 4), "dendrite_length": ("point", [1e-9, 2e-9, 3e-9, 4e-9])},
                    coords={"point": np.arange(4), "vlcd_cv": ("point", [0.1, 0.3, 0.5, 0.7]),
                            "temperature_K": ("point", [280.0, 300.0, 320.0, 340.0])})
    [(_, fig)] = plots.design_maps(ds)
    assert len(fig.axes) == 2
    assert [a.get_xlabel() for a in fig.axes] == ["VLCD coefficient of variation", "temperature (K)"]
    assert_not_blank(plots._save(fig, tmp_path / "cube.png"))


def test_hypercube_log_sampled_key_gets_a_log_axis():
    rng = np.random.default_rng(3)
    strata = (rng.permutation(16) + rng.random(16)) / 16
    ds = xr.Dataset({"status": ("point", ["done"] * 16), "roughness_sigma": ("point", 1e-9 * (1 + strata), {"units": "m"})},
                    coords={"point": np.arange(16),
                            "current_density_mA_cm2": ("point", 0.2 * 25.0**strata,
                                                       {"dotted_key": "electrode.current_density_mA_cm2"}),
                            "vlcd_cv": ("point", 0.05 + 0.75 * rng.permutation(strata),
                                        {"dotted_key": "electrode.vlcd_cv"})})
    [(_, fig)] = plots.design_maps(ds)
    current, cv = fig.axes
    assert current.get_xscale() == "log" and current.get_xlabel() == "current density (mA/cm², log scale)"
    assert cv.get_xscale() == "linear" and cv.get_xlabel() == "VLCD coefficient of variation"
