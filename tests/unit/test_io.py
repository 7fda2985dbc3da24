"""Unit tests of the HDF5 layer: round trips, streaming frames, atomicity, completeness."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5netcdf
import h5py
import numpy as np
import pytest
import xarray as xr

from multiscale.errors import UserError
from multiscale.io import StageFileWriter, atomic_write_text, is_complete, provenance_attrs, read_dataset, read_root_attrs
from multiscale.io import hdf5
from multiscale.io.hdf5 import READ_ENGINE, _fix_series_lengths, open_stage_tree
from tests.harness import assert_roundtrip

REPO = Path(__file__).resolve().parents[2]  # the package's checkout, put on the child processes' path
#: Tests that call netCDF-C themselves: netCDF4 has no wheel for Apple-silicon macOS before 14, where
#: the package reads through h5netcdf (pyproject.toml); everywhere else (CI included) they run.
needs_netcdf_c = pytest.mark.skipif(READ_ENGINE != "netcdf4", reason="netCDF4 is not installed on this platform")


def _attrs():
    return provenance_attrs("a = 1\n", "0" * 64, "key123", flag=True, nested={"a": [1, 2]})


def _sample() -> dict[str, xr.Dataset]:
    root = xr.Dataset({"lattice_constant": ((), 3.51e-10, {"units": "m"})})
    grid = xr.Dataset(
        {"D": ("temperature", np.array([1e-15, 2e-15, 4e-15]), {"units": "m2 s-1"}),
         "label": ("temperature", np.array(["cold", "room", "warm"], dtype=object))},
        coords={"temperature": ("temperature", [250.0, 300.0, 350.0], {"units": "K"})},
    )
    other = xr.Dataset(
        {"D_min": ("material", [1e-11, 2e-11], {"units": "m2 s-1"})},
        coords={"material": ("material", np.array(["Li22Sn5", "Li-Mg"], dtype=object))},
    )
    return {"/": root, "diffusion": grid, "deep/coatings": other}


def _static_file(path: Path) -> Path:
    """A committed file of :func:`_sample`'s groups at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with StageFileWriter(path, _attrs()) as writer:
        for group, ds in _sample().items():
            writer.write_dataset(ds, None if group == "/" else group)
    return path


def _assert_reads_sample(path: Path) -> None:
    """``read_dataset`` and ``open_stage_tree`` return :func:`_sample`'s groups of ``path``."""
    tree = open_stage_tree(path)
    try:
        for group, want in _sample().items():
            got = read_dataset(path, None if group == "/" else group)
            xr.testing.assert_identical(got.drop_attrs(deep=False), want)
            xr.testing.assert_identical(tree[group].to_dataset().load().drop_attrs(deep=False), want)
    finally:
        tree.close()


def test_static_groups_round_trip(tmp_path):
    path = _static_file(tmp_path / "stage.h5")
    assert_roundtrip(path, _sample())
    attrs = read_root_attrs(path)
    assert attrs["flag"] == 1 and attrs["nested"] == '{"a": [1, 2]}'  # no booleans, dicts as JSON
    assert not (tmp_path / "stage.h5.tmp").exists()


def test_streamed_frames_round_trip(tmp_path):
    path = tmp_path / "series.h5"
    rng = np.random.default_rng(3)
    heights = rng.random((4, 3, 5))
    x = xr.DataArray(np.arange(5) * 0.3e-9, dims="x", attrs={"units": "m"})
    y = xr.DataArray(np.arange(3) * 0.3e-9, dims="y", attrs={"units": "m"})
    with StageFileWriter(path, _attrs()) as writer:
        writer.define_series(
            None,
            {"time": (("time",), "f8", {"units": "s"}),
             "roughness_sigma": (("time",), "f8", {"units": "m"}),
             "height": (("time", "y", "x"), "f8", {"units": "m"})},
            sizes={"y": 3, "x": 5},
            coords={"x": x, "y": y},
        )
        for i in range(4):
            n = writer.append(None, {"time": 0.5 * i, "roughness_sigma": heights[i].std(), "height": heights[i]})
            writer.flush()
            assert n == i + 1
    expected = xr.Dataset(
        {"roughness_sigma": ("time", heights.std(axis=(1, 2)), {"units": "m"}),
         "height": (("time", "y", "x"), heights, {"units": "m"})},
        coords={"time": ("time", 0.5 * np.arange(4), {"units": "s"}), "x": x, "y": y},
    )
    assert_roundtrip(path, {"/": expected})


#: Series of the streaming tests below: a scalar and a profile along x (3 points) each frame.
SERIES = {"time": (("time",), "f8", {"units": "s"}), "sigma": (("time",), "f8", {"units": "m"}),
          "height": (("time", "x"), "f8", {"units": "m"})}
X = xr.DataArray(np.arange(3) * 0.3e-9, dims="x", attrs={"units": "m"})


def _stream(path, groups: dict, heights: np.ndarray) -> Path:
    """Stream ``groups`` (group -> frames) of :data:`SERIES` with the profiles ``heights`` (frames, 3)
    into ``path``, commit, and return a copy of the partial file as it was before the commit."""
    writer = StageFileWriter(path, _attrs())
    for group, frames in groups.items():
        writer.define_series(group, SERIES, sizes={"x": X.size}, coords={"x": X})
        for i in range(frames):
            writer.append(group, {"time": 0.5 * i, "sigma": heights[i].std(), "height": heights[i]})
    writer.flush()
    partial = path.with_name("partial_" + path.name)
    shutil.copy(writer.tmp, partial)
    writer.commit()
    return partial


def test_a_committed_file_holds_its_series_along_a_fixed_time_of_their_length(tmp_path):
    """Series stream along an unlimited ``time`` (a partial file can grow); on commit each group's
    ``time`` becomes fixed at its length, with its netCDF dimension id, its attributes and its
    attachment to every series kept, so readers size it without opening every series. A file
    without frames keeps its unlimited ``time`` (netCDF has no fixed dimension of length 0)."""
    heights = np.arange(12.0).reshape(4, 3)
    expected = xr.Dataset(
        {"sigma": ("time", heights.std(axis=1), {"units": "m"}), "height": (("time", "x"), heights, {"units": "m"})},
        coords={"time": ("time", 0.5 * np.arange(4), {"units": "s"}), "x": X})
    for name, groups, length in (("series.h5", {None: 4, "deep/series": 4}, 4), ("empty.h5", {None: 0}, 0)):
        path = tmp_path / name
        partial = _stream(path, groups, heights)
        with h5netcdf.File(partial, "r") as before_file, h5netcdf.File(path, "r") as after_file:
            for group in groups:
                old, new = (before_file, after_file) if group is None else (before_file[group], after_file[group])
                before, after = old.dimensions["time"], new.dimensions["time"]
                assert before.isunlimited()
                assert after.isunlimited() == (length == 0) and after.size == length
                assert after._dimid == before._dimid
                for var in SERIES:
                    assert new.variables[var].dimensions == old.variables[var].dimensions
        with h5py.File(path, "r") as raw:
            for group in groups:
                node = raw if group is None else raw[group]
                assert dict(node["time"].attrs)["units"] == "s"
                assert (node["time"].maxshape == node["time"].shape) == (length > 0)
                for var in ("sigma", "height"):
                    assert node[var].dims[0][0] == node["time"]
        want = expected.isel(time=slice(length))
        assert_roundtrip(path, {(group or "/"): want for group in groups})


@needs_netcdf_c
def test_netcdf_c_reads_a_committed_file_as_written(tmp_path):
    """The stage files are netCDF-4, not only HDF5 that h5netcdf reads: the netCDF-C library (through
    netCDF4-python) opens a committed file, sees each group's ``time`` fixed at the series' length
    with the series on it, and xarray's netcdf4 engine returns every group as written: series,
    static groups with text variables and text coordinates, and the root's provenance."""
    import netCDF4

    heights = np.arange(12.0).reshape(4, 3)
    path = tmp_path / "series.h5"
    _stream(path, {None: 4, "deep/series": 4}, heights)
    with netCDF4.Dataset(path) as root:
        for group in (root, root["deep/series"]):
            assert {name: (len(dim), dim.isunlimited()) for name, dim in group.dimensions.items()} == \
                {"time": (4, False), "x": (3, False)}
            assert {name: var.dimensions for name, var in group.variables.items()} == \
                {"time": ("time",), "x": ("x",), "sigma": ("time",), "height": ("time", "x")}
    series = xr.Dataset(
        {"sigma": ("time", heights.std(axis=1), {"units": "m"}), "height": (("time", "x"), heights, {"units": "m"})},
        coords={"time": ("time", 0.5 * np.arange(4), {"units": "s"}), "x": X})
    static = _static_file(tmp_path / "static.h5")
    expected = [(path, None, series), (path, "deep/series", series)]
    expected += [(static, None if group == "/" else group, ds) for group, ds in _sample().items()]
    for file, group, want in expected:
        with xr.open_dataset(file, engine="netcdf4", group=group) as ds:
            read = ds.load()
        if group is None:  # the root's provenance, as written
            assert read.attrs.pop("complete") == 1 and read.attrs.pop("nested") == '{"a": [1, 2]}'
            assert read.attrs.pop("flag") == 1 and read.attrs.pop("stage_cache_key") == "key123"
        xr.testing.assert_identical(read.drop_attrs(deep=False), want)


@needs_netcdf_c
def test_a_time_without_its_coordinate_variable_stays_unlimited(tmp_path):
    """A bare ``time`` dimension (no coordinate variable: no stage writes one, the schemas require it)
    is an HDF5 scale that netCDF does not show as a variable; the commit leaves it as it is rather
    than turn it into a ``time`` variable of meaningless values."""
    import netCDF4

    path = tmp_path / "bare.h5"
    with h5netcdf.File(path, "w") as handle:
        handle.dimensions["time"] = None
        sigma = handle.create_variable("sigma", ("time",), "f8")
        handle.resize_dimension("time", 3)
        sigma[:] = [1.0, 2.0, 3.0]
    with h5py.File(path, "r+") as handle:
        _fix_series_lengths(handle)
    with netCDF4.Dataset(path) as root:
        assert root.dimensions["time"].isunlimited() and len(root.dimensions["time"]) == 3
        assert list(root.variables) == ["sigma"]
        np.testing.assert_array_equal(root["sigma"][:], [1.0, 2.0, 3.0])


def test_a_stage_file_in_a_directory_whose_name_is_not_ascii_is_read(tmp_path):
    """A researcher's run directory may be named in any language: the files of one whose name is not
    ASCII are written and read (netCDF-C has failed to open such paths on Windows; there the
    reader falls back to h5netcdf, the test below)."""
    _assert_reads_sample(_static_file(tmp_path / "Läufe_λ_文件" / "stage.h5"))


@needs_netcdf_c
def test_a_file_netcdf_c_cannot_open_is_read_through_h5netcdf(tmp_path, monkeypatch, caplog):
    """When netCDF-C raises FileNotFoundError or PermissionError on a complete file (as on Windows
    for paths that are not ASCII), the reader opens it again through h5netcdf, returns the same
    datasets and says so once; when h5netcdf cannot open it either, its error is raised. Any other
    OSError (here a group the file lacks) is netCDF-C's, raised without a second open."""
    path = _static_file(tmp_path / "stage.h5")
    engines = []

    def failing(opener, refused, error):
        def open_(file, engine, **kwargs):
            engines.append(engine)
            if engine in refused:
                raise error(13, "refused", str(file))
            return opener(file, engine=engine, **kwargs)
        return open_

    monkeypatch.setattr(hdf5, "_fallback_logged", False)
    originals = {name: getattr(xr, name) for name in ("open_dataset", "open_datatree")}
    monkeypatch.setattr(xr, "open_dataset", failing(originals["open_dataset"], {"netcdf4"}, PermissionError))
    monkeypatch.setattr(xr, "open_datatree", failing(originals["open_datatree"], {"netcdf4"}, FileNotFoundError))
    with caplog.at_level(logging.WARNING, logger="multiscale"):
        _assert_reads_sample(path)
    assert engines[:2] == ["netcdf4", "h5netcdf"] and engines.count("netcdf4") == engines.count("h5netcdf") > 1
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [str(path)]  # once, naming the file
    engines.clear()
    monkeypatch.setattr(xr, "open_dataset", failing(originals["open_dataset"], set(), PermissionError))
    with pytest.raises(OSError, match="group not found"):
        read_dataset(path, "no/such/group")
    assert engines == ["netcdf4"]
    for name, error in (("open_dataset", PermissionError), ("open_datatree", FileNotFoundError)):
        monkeypatch.setattr(xr, name, failing(originals[name], {"netcdf4", "h5netcdf"}, error))
    with pytest.raises(PermissionError):
        read_dataset(path)
    with pytest.raises(FileNotFoundError):
        open_stage_tree(path)


def test_opens_go_one_at_a_time_across_threads(tmp_path, monkeypatch):
    """netCDF-C and HDF5 as the wheels build them are not thread-safe, and a scan's points can be
    threads of one Dask worker: the reader's opens do not overlap (an open held 20 ms overlaps
    with four threads started together when they are not serialised), and threads that read at
    once get the same datasets as one thread alone."""
    path = _static_file(tmp_path / "stage.h5")
    inside, most = [0], [0]
    count = threading.Lock()

    def watched(opener):
        def open_(*args, **kwargs):
            with count:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with count:
                inside[0] -= 1
            return opener(*args, **kwargs)
        return open_

    start = threading.Barrier(4)

    def read(k):
        start.wait()
        if k % 2:
            open_stage_tree(path).close()
        return read_dataset(path, "diffusion")

    for name in ("open_dataset", "open_datatree"):
        monkeypatch.setattr(xr, name, watched(getattr(xr, name)))
    with ThreadPoolExecutor(4) as pool:
        read_all = list(pool.map(read, range(4)))
    assert most[0] == 1
    monkeypatch.undo()
    alone = read_dataset(path, "diffusion")
    with ThreadPoolExecutor(4) as pool:
        read_all += list(pool.map(lambda _: read_dataset(path, "diffusion"), range(40)))
    for got in read_all:
        xr.testing.assert_identical(got, alone)


def test_without_netcdf4_the_files_are_read_through_h5netcdf(tmp_path):
    """netCDF4 has no wheel for Apple-silicon macOS before 14, so there it is not installed: the
    reader then uses h5netcdf (run in a process where ``import netCDF4`` fails) and returns the
    same datasets as this process's reader (netCDF-C where it is installed)."""
    path = _static_file(tmp_path / "stage.h5")
    script = (
        "import pickle, sys\n"
        "sys.modules['netCDF4'] = None  # import netCDF4 fails, as where it is not installed\n"
        "from multiscale.io import read_dataset\n"
        "from multiscale.io.hdf5 import READ_ENGINE, open_stage_tree\n"
        "path, out = sys.argv[1:]\n"
        "tree = open_stage_tree(path)\n"
        "groups = {g: read_dataset(path, None if g == '/' else g) for g in ('/', 'diffusion', 'deep/coatings')}\n"
        "trees = {g: tree[g].to_dataset().load() for g in groups}\n"
        "tree.close()\n"
        "with open(out, 'wb') as f:\n"
        "    pickle.dump((READ_ENGINE, groups, trees), f)\n")
    out = tmp_path / "read.pickle"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script, str(path), str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with open(out, "rb") as f:
        engine, groups, trees = pickle.load(f)
    assert engine == "h5netcdf"
    for group, got in groups.items():
        want = read_dataset(path, None if group == "/" else group)
        xr.testing.assert_identical(got, want)
        xr.testing.assert_identical(trees[group], want)


def test_frames_taken_up_after_a_reopen_continue_every_group_where_the_checkpoint_left_it(tmp_path):
    """Frames go to disk through each group's h5py datasets, found at a group's first append. The
    root and a group with a bare ``time`` (no coordinate variable: its scale must grow with the
    series), written in turn, are cut back by ``reopen`` to the records a checkpoint knows and
    streamed on, the root's frames under its two spellings in turn (None, "/"), and a
    series that ``write_dataset`` adds to the group on the way is grown and written with the rest;
    h5netcdf then sizes each ``time`` as the frames written, and every series holds the frames of
    the kept records followed by the new ones."""
    bare = {"sigma": SERIES["sigma"], "height": SERIES["height"]}
    path, partial = tmp_path / "series.h5", tmp_path / "series.partial.h5"
    writer = StageFileWriter(path, _attrs(), tmp=partial)
    writer.define_series(None, SERIES, sizes={"x": X.size}, coords={"x": X})
    writer.define_series("b", bare, sizes={"x": X.size}, coords={"x": X})

    def frame(group, i, scale):
        return {"sigma": scale * i, "height": np.full(3, np.sign(scale) * i)} | (
            {"time": 0.5 * i} if group in (None, "/") else {"late": -1.0 * i} if scale < 0 and i > 3 else {})

    for i in range(5):  # the frames after the third are lost with the process
        for group in (None, "b"):
            assert writer.append(group, frame(group, i, 10.0)) == i + 1
    writer.close()
    writer = StageFileWriter.reopen(path, partial, 3, [None, "b"], "key123")
    for i in range(3, 6):
        for group in (None if i % 2 else "/", "b"):
            assert writer.append(group, frame(group, i, -100.0)) == i + 1
        if i == 3:  # a series on time added after the group's first frames
            writer.write_dataset(xr.Dataset({"late": ("time", [0.0, -1.0, -2.0, -3.0])}), "b")
    writer.close()
    with h5netcdf.File(partial, "r") as handle:
        for node in (handle, handle["b"]):
            assert node.dimensions["time"].size == 6
            np.testing.assert_array_equal(node["sigma"][:], [0.0, 10.0, 20.0, -300.0, -400.0, -500.0])
            np.testing.assert_array_equal(node["height"][:, 0], [0.0, 1.0, 2.0, -3.0, -4.0, -5.0])
        np.testing.assert_array_equal(handle["time"][:], 0.5 * np.arange(6))
        np.testing.assert_array_equal(handle["b"]["late"][:], -np.arange(6.0))
        assert "time" not in handle["b"].variables
    with h5py.File(partial, "r") as raw:  # the scales themselves, which netCDF-C sizes the dimensions by
        assert raw["time"].shape == raw["b/time"].shape == (6,)


def test_a_committed_file_is_not_taken_up_as_a_partial_one(tmp_path):
    """``reopen`` refuses a file whose ``time`` was fixed at commit (as a power loss could bring one
    back beside its checkpoint) with the OSError on which the runner starts the stage over."""
    path = tmp_path / "series.h5"
    _stream(path, {None: 2}, np.ones((2, 3)))
    shutil.copy(path, tmp_path / "series.partial.h5")
    with pytest.raises(OSError, match="fixed"):
        StageFileWriter.reopen(path, tmp_path / "series.partial.h5", 2, [None], "key123")


def test_series_need_time_first(tmp_path):
    with pytest.raises(ValueError, match="time"):
        with StageFileWriter(tmp_path / "bad.h5", _attrs()) as writer:
            writer.define_series(None, {"h": (("x", "time"), "f8", {})}, sizes={"x": 2})
    assert not list(tmp_path.iterdir())  # aborted: no file, no .tmp


def test_file_claims_complete_only_after_commit(tmp_path):
    path = tmp_path / "stage.h5"
    writer = StageFileWriter(path, _attrs())
    writer.write_dataset(_sample()["diffusion"], "diffusion")
    writer.flush()
    assert not path.exists()
    assert read_root_attrs(writer.tmp)["complete"] == 0
    with pytest.raises(UserError, match="incomplete"):
        read_dataset(writer.tmp, "diffusion")
    writer.commit()
    assert is_complete(path)
    assert read_dataset(path, "diffusion")["D"].attrs["units"] == "m2 s-1"


def test_exception_inside_writer_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with StageFileWriter(tmp_path / "stage.h5", _attrs()) as writer:
            writer.write_dataset(_sample()["diffusion"], "diffusion")
            raise RuntimeError("simulated failure")
    assert not list(tmp_path.iterdir())


def test_missing_or_garbage_file_is_not_complete(tmp_path):
    assert not is_complete(tmp_path / "absent.h5")
    (tmp_path / "garbage.h5").write_bytes(b"not hdf5 at all")
    assert not is_complete(tmp_path / "garbage.h5")
    assert read_root_attrs(tmp_path / "garbage.h5") == {}


def test_atomic_write_text_replaces_whole_file(tmp_path):
    target = tmp_path / "params.toml"
    atomic_write_text(target, "a = 1\n")
    atomic_write_text(target, "b = 2\n")
    assert target.read_text() == "b = 2\n"
    assert not (tmp_path / "params.toml.tmp").exists()
