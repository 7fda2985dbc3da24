"""Unit tests of the MD data readers."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.atomistic.readers import read_dopt_csv, read_lammps_log, read_msd_csv, read_msd_file
from multiscale.errors import DataFileError
from tests.synthetic_md import msd_series, write_lammps_log


def test_csv_units_and_grouping(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("temperature_K,time_fs,msd_nm2\n350,2000,0.5\n300,0,0\n300,1000,0.2\n350,0,0\n300,2000,0.4\n")
    series = read_msd_csv(path)
    assert [s.temperature_K for s in series] == [300.0, 350.0]
    np.testing.assert_allclose(series[0].time, [0, 1e-12, 2e-12])
    np.testing.assert_allclose(series[0].msd, [0, 0.2e-18, 0.4e-18])
    np.testing.assert_allclose(series[1].time, [0, 2e-12])  # sorted by time


def test_lammps_log_production_block(tmp_path):
    (T, t, msd), = msd_series([350.0], 1e-7, 0.2, 2, noise=0.0, seed=0, n_points=51)  # 20 ps spacing: whole steps
    path = write_lammps_log(tmp_path / "log.lammps", T, t, msd, timestep_ps=0.002)
    series = read_lammps_log(path)
    np.testing.assert_allclose(series.time, t, rtol=1e-9, atol=1e-18)
    np.testing.assert_allclose(series.msd, msd, rtol=1e-6)
    assert abs(series.temperature_K - 350.0) < 2.0
    assert read_msd_file(path)[0].temperature_K == series.temperature_K  # detected as a log


def test_lammps_real_units_and_default_timestep(tmp_path):
    path = tmp_path / "log.lammps"
    path.write_text("units real\nStep Temp c_msd[4]\n0 300 0\n10 300 1.0\n20 300 2.0\nLoop time of 1\n")
    series = read_lammps_log(path)
    np.testing.assert_allclose(series.time, [0, 10e-15, 20e-15])  # real: 1 fs default timestep
    np.testing.assert_allclose(series.msd, [0, 1e-20, 2e-20])


@pytest.mark.parametrize(
    "content, match",
    [
        ("units metal\nStep Temp PotEng\n0 300 1\nLoop time of 1\n", "no thermo block with an MSD column"),
        ("units lj\nStep Temp c_msd[4]\n0 1 0\n1 1 1\nLoop time of 1\n", "units style 'lj'"),
        ("units metal\nStep PotEng c_msd[4]\n0 1 0\n1 1 1\nLoop time of 1\n", "no 'Temp' column"),
        ("just some text\n", "no thermo block"),
    ],
)
def test_lammps_errors(tmp_path, content, match):
    path = tmp_path / "log.lammps"
    path.write_text(content)
    with pytest.raises(DataFileError, match=match):
        read_lammps_log(path)


@pytest.mark.parametrize(
    "content, match",
    [
        ("temperature_K,time_ps\n300,1\n", "exactly one MSD column"),
        ("time_ps,msd_A2\n1,1\n", "temperature_K"),
        ("temperature_K,time_ps,time_fs,msd_A2\n300,1,1,1\n", "exactly one time column"),
        ("temperature_K,time_ps,msd_A2\n300,1\n", ":2: expected 3 columns"),
        ("temperature_K,time_ps,msd_A2\n300,one,1\n", ":2: not a number"),
        ("temperature_K,time_ps,msd_A2\n300,1,inf\n", "inf or nan"),
        ("temperature_K,time_ps,msd_A2\n", "no data rows"),
        ("", "empty table"),
    ],
)
def test_csv_errors(tmp_path, content, match):
    path = tmp_path / "m.csv"
    path.write_text(content)
    with pytest.raises(DataFileError, match=match):
        read_msd_csv(path)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(DataFileError, match="binary"):
        read_msd_file(path)


def test_dopt_table(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("ensemble_size,bcc_fraction,incubation_time_ns\n800,0.6,2\n500,0,inf\n600,0.01,inf\n700,0.3,4\n")
    table = read_dopt_csv(path)
    np.testing.assert_array_equal(table.ensemble_size, [500, 600, 700, 800])
    np.testing.assert_array_equal(table.incubation_time, [np.inf, np.inf, 4e-9, 2e-9])


@pytest.mark.parametrize(
    "content, match",
    [
        ("ensemble_size,bcc_fraction\n500,0\n600,0\n700,1.5\n800,1\n", r"in \[0, 1\]"),
        ("ensemble_size,bcc_fraction\n500,0\n600,0\n", "at least 4 rows"),
        ("size,bcc_fraction\n500,0\n", "'ensemble_size'"),
        ("ensemble_size,bcc_fraction,incubation_time_ns\n500,0,-1\n600,0,1\n700,1,1\n800,1,1\n", "positive"),
    ],
)
def test_dopt_errors(tmp_path, content, match):
    path = tmp_path / "d.csv"
    path.write_text(content)
    with pytest.raises(DataFileError, match=match):
        read_dopt_csv(path)
