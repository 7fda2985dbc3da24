"""The stage registry and every stage's declaration hold together (docs/architecture.md §2)."""

from __future__ import annotations

import pytest

from multiscale.params import Params
from multiscale.stage import Group, Schema, Variable
from multiscale.stages import BY_NAME, STAGES


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_declaration_is_complete(stage):
    assert callable(stage.impl.prepare) and callable(stage.impl.write)
    assert stage.schema.stage == stage.name and stage.output == f"{stage.name}.h5"
    assert stage.table in Params.model_fields and Params.model_fields[stage.table].annotation is not None
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


def test_handoffs_read_by_downstream_stages_are_declared():
    """The couplings' handoffs exist in their upstream schemas (import fails otherwise) and every
    declared handoff is read somewhere (no stale declaration)."""
    import multiscale.coupling as coupling
    import multiscale.kmc.stage as kmc_stage
    from multiscale.atomistic import outputs as atomistic
    from multiscale.coating import outputs as coating
    from multiscale.coating import stage as coating_stage
    from multiscale.complexion import outputs as complexion
    from multiscale.kmc import outputs as kmc

    used = set()
    for module in (coupling, kmc_stage, coating_stage):
        used |= {str(v) for v in vars(module).values() if type(v).__name__ == "Handoff"}
    declared_modules = (atomistic, kmc, coating, complexion)
    constants = {str(v) for m in declared_modules for v in vars(m).values() if type(v).__name__ == "Handoff"}
    assert constants and constants <= used, constants - used
