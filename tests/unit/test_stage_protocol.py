"""The stage registry and every stage's declaration hold together (docs/architecture.md §2)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from multiscale import io as stage_io
from multiscale.errors import UserError
from multiscale.io import StageFileWriter, provenance_attrs
from multiscale.params import Params
from multiscale.stage import Attribute, Group, Handoff, Schema, Variable, read_handoff, read_handoffs
from multiscale.stages import BY_NAME, STAGES


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_declaration_is_complete(stage):
    assert callable(stage.impl.prepare) and callable(stage.impl.write)
    assert stage.schema.stage == stage.name
    assert stage.table in Params.model_fields  # the registry made the table a field of the file model
    for figure in stage.figures:
        assert callable(figure.resolve()), figure
    root = stage.schema.group("/")
    for o in stage.observables:  # an observable is a declared root variable or attribute
        (root.attribute if o.attribute else root.variable)(o.source)
        assert o.units == (root.attribute(o.source) if o.attribute else root.variable(o.source)).units
    for upstream in (*stage.upstream, *stage.optional_upstream):
        assert upstream in BY_NAME and STAGES.index(BY_NAME[upstream]) < STAGES.index(stage)


def test_every_series_variable_has_time_first_and_every_dimension_a_coordinate():
    for stage in STAGES:
        for group in stage.schema.groups:
            names = {v.name for v in group.variables}
            for var in group.variables:
                for dim in var.dims:
                    assert dim in names, f"{stage.name}.h5:{group.path}/{var.name}: no coordinate {dim!r} declared"
                if "time" in var.dims:
                    assert var.dims[0] == "time", f"{stage.name}.h5:{group.path}/{var.name}"


def test_observable_names_are_unique_across_stages():
    names = [o.name for s in STAGES for o in s.observables]
    assert len(names) == len(set(names))


def test_a_handoff_must_be_declared_as_one():
    schema = Schema("x", (Group("/", (Variable("a", (), "m", handoff=True), Variable("b", (), "m"))),))
    assert schema.handoff("/", "a").units == "m"
    with pytest.raises(KeyError, match="not declared as a handoff"):
        schema.handoff("/", "b")
    with pytest.raises(KeyError, match="declares no"):
        schema.handoff("/", "c")
    assert [h.name for h in schema.handoffs()] == ["a"]


def test_handoffs_are_read_with_each_group_opened_once(tmp_path, monkeypatch):
    """Several handoffs of one file: root and group variables, root and group attributes and a whole
    group come back in the order asked, each group read once; handoffs of two stages are refused,
    and so is a file not complete, with the user error naming it."""
    schema = Schema("up", (
        Group("/", (Variable("volume", (), "m3", handoff=True),), (Attribute("label", "", handoff=True),)),
        Group("fits", (Variable("D0", ("T",), "m2 s-1", handoff=True), Variable("Ea", (), "eV", handoff=True),
                       Variable("T", ("T",), "K")), (Attribute("source", "", handoff=True),)),
    ))
    fits = xr.Dataset({"D0": ("T", [1e-9, 2e-9], {"units": "m2 s-1"}), "Ea": ((), 0.25, {"units": "eV"})},
                      coords={"T": ("T", [250.0, 300.0], {"units": "K"})}, attrs={"source": "MD"})
    path = tmp_path / "up.h5"
    with StageFileWriter(path, provenance_attrs("a = 1\n", "0" * 64, "key", label="glassy")) as writer:
        writer.write_dataset(xr.Dataset({"volume": ((), 2.1e-29, {"units": "m3"})}))
        writer.write_dataset(fits, "fits")
    reads = []
    monkeypatch.setattr(stage_io, "read_dataset",
                        lambda p, group=None: reads.append(group) or stage_io.hdf5.read_dataset(p, group))
    asked = (schema.handoff("fits", "Ea"), schema.handoff("/", "label"), schema.handoff("/", "volume"),
             schema.handoff("fits", "source"), schema.handoff_group("fits"), schema.handoff("fits", "D0"))
    ea, label, volume, source, group, d0 = read_handoffs(path, asked)
    assert sorted(reads, key=str) == [None, "fits"]
    assert (float(ea), label, float(volume), source) == (0.25, "glassy", 2.1e-29, "MD")
    np.testing.assert_array_equal(d0.values, [1e-9, 2e-9])
    assert d0.attrs["units"] == "m2 s-1" and list(group.data_vars) == ["D0", "Ea"]
    assert float(read_handoff(path, schema.handoff("fits", "Ea"))) == 0.25
    other = Schema("down", (Group("/", (Variable("volume", (), "m3", handoff=True),)),))
    with pytest.raises(ValueError, match="one stage's file"):
        read_handoffs(path, (schema.handoff("/", "volume"), other.handoff("/", "volume")))
    path.rename(tmp_path / "moved.h5")
    with pytest.raises(UserError, match="up.h5: missing or incomplete"):
        read_handoffs(path, asked)


def test_every_declared_handoff_is_read_downstream():
    """A declared handoff that no downstream module takes (as itself, or as its whole group) is a stale
    declaration; a taken one that is not declared fails at import."""
    import multiscale.coupling as coupling
    import multiscale.kmc.stage as kmc_stage
    from multiscale.coating import stage as coating_stage

    taken = set()
    for module in (coupling, kmc_stage, coating_stage):
        taken |= {(h.stage, h.group, h.name) for h in vars(module).values() if isinstance(h, Handoff)}
    for stage in STAGES:
        for h in stage.schema.handoffs():
            assert (h.stage, h.group, h.name) in taken or (h.stage, h.group, "") in taken, f"{h} is read by nobody"
