"""Figures: every figure of a run and of a scan is written and is not blank (issue 6)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from matplotlib.image import imread

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


def test_report_writes_every_run_figure(tmp_path, capsys):
    path = tmp_path / "all.toml"
    path.write_text(MINIMAL_TOML + TABLES)
    assert main(["run", str(path), "--out", str(tmp_path / "r")]) == 0  # `run` ends with the report
    names = {p.name for p in (tmp_path / "r" / "figures").glob("*.png")}
    expected = {f"{stem}.png" for makers in plots.RUN_FIGURES.values() for stem, _ in makers}
    assert names == expected
    for name in names:
        assert_not_blank(tmp_path / "r" / "figures" / name)
    assert not list((tmp_path / "r" / "figures").glob("*.tmp.png"))
    assert main(["report", str(tmp_path / "nowhere")]) == 2


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


def test_hypercube_design_map_is_a_scatter_per_key(tmp_path):
    ds = xr.Dataset({"status": ("point", ["done"] * 4), "dendrite_length": ("point", [1e-9, 2e-9, 3e-9, 4e-9])},
                    coords={"point": np.arange(4), "vlcd_cv": ("point", [0.1, 0.3, 0.5, 0.7]),
                            "temperature_K": ("point", [280.0, 300.0, 320.0, 340.0])})
    [(_, fig)] = plots.design_maps(ds)
    assert len(fig.axes) == 2
    assert_not_blank(plots._save(fig, tmp_path / "cube.png"))
