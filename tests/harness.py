"""The one round-trip harness every HDF5 writer's tests go through.

``assert_roundtrip(path, expected)`` opens ``path`` the two ways docs/architecture.md §4 promises —
``xr.open_datatree(path, engine=e)`` and ``xr.open_dataset(path, engine=e, group=g)`` for every
expected group — with each of xarray's two netCDF-4 engines ``e`` (h5netcdf, and netCDF-C's
``netcdf4``, which :mod:`multiscale.io` reads with), checks that the two engines return identical
trees, and checks, for every expected group, that values, dimensions,
coordinates and ``units`` attributes survived, that each group carries the coordinates of its
own dimensions, and that the root has the provenance attributes with ``complete`` = 1.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from multiscale.io.hdf5 import READ_ENGINE

PROVENANCE = ("Conventions", "source", "input_toml", "input_sha256", "stage_cache_key", "package_versions", "created", "complete")


def _values_equal(a: xr.DataArray, b: xr.DataArray) -> None:
    if a.dtype.kind in "OUS":
        assert [str(v) for v in a.values.ravel()] == [str(v) for v in b.values.ravel()], a.name
    else:
        np.testing.assert_array_equal(a.values, b.values, err_msg=str(a.name))


#: xarray's engines that open a stage file: h5netcdf, and the one :mod:`multiscale.io` reads with
#: (netCDF-C's where netCDF4 is installed).
ENGINES = tuple(dict.fromkeys(("h5netcdf", READ_ENGINE)))


def assert_roundtrip(path, expected: dict[str, xr.Dataset]) -> None:
    """Check a written file against the datasets it should contain (group "/" is the root)."""
    trees = []
    for engine in ENGINES:
        with xr.open_datatree(path, engine=engine) as opened:
            tree = opened.load()
        trees.append(tree)
        root = tree.attrs
        for key in PROVENANCE:
            assert key in root, f"{engine}: root attribute {key!r} missing"
        assert int(root["complete"]) == 1
        json.loads(root["package_versions"])
        for group, want in expected.items():
            node = tree if group == "/" else tree[group]
            got_tree = node.to_dataset()
            with xr.open_dataset(path, engine=engine, group=None if group == "/" else group) as got:
                for name, var in want.variables.items():
                    for got_ds in (got, got_tree):
                        assert name in got_ds.variables, f"{engine}: {group}: {name} missing"
                        assert got_ds[name].dims == var.dims, f"{engine}: {group}: {name} dims"
                        _values_equal(got_ds[name], xr.DataArray(var))
                        if "units" in var.attrs:
                            assert got_ds[name].attrs.get("units") == var.attrs["units"], \
                                f"{engine}: {group}: {name} units"
                for dim in got.dims:
                    assert dim in got.coords, \
                        f"{engine}: {group}: dimension {dim!r} has no coordinate in its own group"
    for tree in trees[1:]:
        xr.testing.assert_identical(tree, trees[0])


def assert_matches_schema(path, schema) -> None:
    """Check a stage file against its stage's declared schema (:class:`multiscale.stage.Schema`):
    every group and variable it writes is declared, with the declared dimensions and units; every
    declared variable without a ``when`` condition is there; every declared root attribute without a
    ``when`` condition is set; every dimension has its coordinate in its own group."""
    tree = xr.open_datatree(path, engine="h5netcdf")
    try:
        declared = {g.path: g for g in schema.groups}
        written = ["/"] + [node.path.lstrip("/") for node in tree.subtree if node.path != "/"]
        for group in written:
            assert group in declared, f"{path}: group {group!r} is not declared"
            ds = xr.open_dataset(path, engine="h5netcdf", group=None if group == "/" else group)
            ds.close()  # metadata only: names, dims and attributes stay readable
            spec = declared[group]
            names = {v.name: v for v in spec.variables}
            for name, var in ds.variables.items():
                assert name in names, f"{path}:{group}: variable {name!r} is not declared"
                want = names[name]
                assert var.dims == want.dims, f"{path}:{group}/{name}: dims {var.dims} != declared {want.dims}"
                assert var.attrs.get("units", "") == want.units, f"{path}:{group}/{name}: units {var.attrs.get('units')!r} != {want.units!r}"
            for want in spec.variables:
                if want.when is None:
                    assert want.name in ds.variables, f"{path}:{group}: declared variable {want.name!r} missing"
            if group != "/":
                for want in spec.attributes:
                    if want.when is None:
                        assert want.name in ds.attrs, f"{path}:{group}: declared attribute {want.name!r} missing"
            for dim in ds.dims:
                assert dim in ds.coords, f"{path}:{group}: dimension {dim!r} has no coordinate"
        for want in declared["/"].attributes:
            if want.when is None:
                assert want.name in tree.attrs, f"{path}: declared attribute {want.name!r} missing"
        for group, spec in declared.items():
            if spec.when is None:
                assert group in written, f"{path}: declared group {group!r} missing"
    finally:
        tree.close()
