"""The atomistic stage: curated values, the file it writes, and the user's own MD data."""

from __future__ import annotations

import math

import numpy as np
import pytest

import multiscale
from multiscale.atomistic import database as db
from multiscale.atomistic.outputs import SCHEMA as ATOMISTIC_SCHEMA
from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.cli import main
from multiscale.constants import BOLTZMANN, M2_S_PER_CM2_S, PLANCK
from multiscale.io import read_dataset
from tests.conftest import MINIMAL_TOML
from tests.harness import assert_matches_schema
from tests.synthetic_md import msd_series, write_lammps_log, write_msd_csv


def test_curated_values_come_from_the_seeds():
    groups = build_datasets(AtomisticParams(temperatures_K=(298.15, 450.0)))
    diff = groups["diffusion"]
    # seed 002 Table I: bulk Li self-diffusion 7.65e-11 cm^2/s at 25 C
    assert diff.D_bulk.sel(temperature=298.15).item() == pytest.approx(7.65e-11 * M2_S_PER_CM2_S, rel=1e-12)
    # seed 004: surface ~1e3 x bulk
    assert diff.D_ratio_surface_bulk.sel(temperature=450.0).item() == pytest.approx(1e3, rel=1e-12)
    assert groups["dopt"].critical_ensemble_size.item() == 700.0
    frac = groups["dopt"].bcc_fraction
    assert frac.sel(ensemble_size=600).item() < 0.02 and frac.sel(ensemble_size=800).item() > 0.98
    assert np.all(np.isinf(groups["dopt"].incubation_time.where(groups["dopt"].ensemble_size < 700, drop=True)))
    li22sn5 = groups["coatings"].sel(material="Li22Sn5")
    assert (li22sn5.D_min.item(), li22sn5.D_max.item()) == pytest.approx((1.9e-11, 5.9e-11))
    assert groups["/"].density.item() == pytest.approx(534, rel=0.01)  # bcc Li, a = 3.51 A
    assert len(groups["records"].record) == len(db.RECORDS)


def test_every_record_names_a_source_and_units():
    for rec in db.RECORDS:
        assert rec.source and rec.units and rec.uncertainty and rec.conditions, rec.name


def test_written_file_matches_its_schema_and_the_bcc_li_values(minimal_params, tmp_path):
    """The file against the declared schema; the Li scalars against bcc Li with a = 3.51 A (seed 004)."""
    run_dir = multiscale.run(minimal_params, out=tmp_path / "run")
    assert_matches_schema(run_dir / "atomistic.h5", ATOMISTIC_SCHEMA)
    root = read_dataset(run_dir / "atomistic.h5")
    assert root.nearest_neighbour_distance.item() == pytest.approx(3.51e-10 * math.sqrt(3) / 2, rel=1e-15)
    assert root.density.item() == pytest.approx(534.0, rel=0.01)  # Li at room temperature, kg/m^3
    diff = read_dataset(run_dir / "atomistic.h5", "diffusion")
    # the curated adatom law: seed 004's ratio 10^3 at 450 K, prefactor k_B theta_D / h x Omega^(2/3)
    assert diff.D_ratio_surface_bulk.sel(temperature=450.0).item() == pytest.approx(1000.0, rel=1e-9)
    assert diff.D0_surface.item() == pytest.approx(BOLTZMANN * 344.0 / PLANCK * root.atomic_volume.item() ** (2 / 3), rel=1e-3)
    assert 0 < diff.Ea_surface.item() < diff.Ea_bulk.item()  # its own, lower activation energy
    assert np.all(np.diff(diff.D_ratio_surface_bulk) < 0)  # so the ratio falls with temperature


def test_user_md_data_flow_downstream(tmp_path):
    """Surface MSD (CSV), bulk MSD (LAMMPS logs) and a DOPT table replace the curated values."""
    md = tmp_path / "md"
    md.mkdir()
    surf = msd_series([200.0, 250.0, 300.0, 350.0, 400.0], 2e-7, 0.25, 2, noise=0.02, seed=7)
    write_msd_csv(md / "surface.csv", surf)
    bulk = msd_series([300.0, 350.0, 400.0, 450.0], 3e-5, 0.55, 3, noise=0.01, seed=8, n_points=101)
    logs = [write_lammps_log(md / f"log.{int(T)}.lammps", T, t, m) for T, t, m in bulk]
    sizes = np.arange(500, 1501, 100)
    dopt = ["ensemble_size,bcc_fraction"] + [f"{n},{0.7 / (1 + np.exp(-(n - 900) / 50)):.6f}" for n in sizes]
    (md / "dopt.csv").write_text("\n".join(dopt) + "\n")
    files = ", ".join(f'"md/{p.name}"' for p in logs)
    params = tmp_path / "mine.toml"
    params.write_text(MINIMAL_TOML + f"""
[atomistic]
surface_msd = {{ files = ["md/surface.csv"], dimensions = 2 }}
bulk_msd = {{ files = [{files}], dimensions = 3 }}
dopt_table = "md/dopt.csv"
""")
    run_dir = multiscale.run(params, out=tmp_path / "run")
    diff = read_dataset(run_dir / "atomistic.h5", "diffusion")
    assert diff.Ea_surface.item() == pytest.approx(0.25, rel=0.02)
    assert diff.D0_surface.item() == pytest.approx(2e-7, rel=0.05)
    assert diff.Ea_bulk.item() == pytest.approx(0.55, rel=0.02)
    assert diff.md_temperature_bulk.size == 4 and "log.300.lammps" in diff.attrs["bulk_source"]
    assert diff.D_bulk_md.sel(md_temperature_bulk=400.0, method="nearest").item() == pytest.approx(
        3e-5 * np.exp(-0.55 / (8.617333262e-5 * 400.0)), rel=0.03)
    dopt_ds = read_dataset(run_dir / "atomistic.h5", "dopt")
    assert dopt_ds.critical_ensemble_size.item() == pytest.approx(900, rel=0.01)
    assert "dopt.csv" in dopt_ds.attrs["source"]


def test_unfittable_md_data_exits_2_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "flat.csv").write_text("temperature_K,time_ps,msd_A2\n" + "".join(
        f"{T},{t},{5.0 - t}\n" for T in (300, 400) for t in range(10)))  # shrinking MSD: D < 0
    params = tmp_path / "p.toml"
    params.write_text(MINIMAL_TOML + '\n[atomistic]\nsurface_msd = { files = ["flat.csv"], dimensions = 2 }\n')
    assert main(["run", str(params), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "atomistic.surface_msd" in err[0] and "positive" in err[0]
    assert not (tmp_path / "out").exists()


def test_a_surface_law_without_a_positive_barrier_is_refused():
    """A ratio so large at its temperature that the adatom law would need Ea <= 0: one line naming the key."""
    from multiscale.errors import UserError

    with pytest.raises(UserError, match="atomistic.surface_to_bulk_diffusivity_ratio"):
        build_datasets(AtomisticParams(surface_to_bulk_diffusivity_ratio=1e9))
