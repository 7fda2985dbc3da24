"""The stage protocol: what every stage of the chain declares, once (docs/architecture.md §2).

A stage is one :class:`Stage` object in its own package (``multiscale/<package>/__init__.py``).
It names its parameter table and that table's model, its upstream stages (required, and optional
ones with the rule that decides whether they are read), its output :class:`Schema` (groups,
variables, dimensions, units, and which fields are handoffs to other stages), its summary
:class:`Observable` values and its figures. The module that runs it (``prepare`` and ``write``)
is imported only when the stage runs, so validating a parameter file loads no numerical code.

The pipeline, ``run``/``check``, the summary, the report, ``open_run`` and the scans iterate the
registry :data:`multiscale.stages.STAGES`; nothing else lists the stages.

A downstream stage reads an upstream field through a :class:`Handoff` taken from the upstream
schema (``SCHEMA.handoff("handoff", "roughness_sigma")``): asking for a field that the schema does
not declare as a handoff fails when the downstream module is imported, and
:func:`read_handoff` (one) or :func:`read_handoffs` (several of one file) reads only what was
declared, from a complete file.

This module is pure declarations: no numpy, no HDF5 (reading goes through :mod:`multiscale.io`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Variable:
    """One declared variable of a stage file.

    Attributes
    ----------
    name : str
        Variable name in its group.
    dims : tuple of str
        Dimension names, in order (``()`` for a scalar).
    units : str
        CF/UDUNITS units ("1" dimensionless, "" for text and flag variables).
    description : str
        What it is.
    handoff : bool
        True when another stage reads it (through :meth:`Schema.handoff`).
    when : str or None
        The condition under which it is written; None: always.
    dtype : str
        Storage type when it is streamed as a series (``time`` first); other variables take
        their array's type.
    """

    name: str
    dims: tuple[str, ...]
    units: str
    description: str = ""
    handoff: bool = False
    when: str | None = None
    dtype: str = "f8"

    @property
    def attrs(self) -> dict[str, str]:
        """The CF attributes it is written with (``units`` unless text, ``long_name``)."""
        return {**({"units": self.units} if self.units else {}), **({"long_name": self.description} if self.description else {})}


@dataclass(frozen=True)
class Attribute:
    """One declared root (or group) attribute of a stage file; units as in :class:`Variable`."""

    name: str
    units: str
    description: str = ""
    handoff: bool = False
    when: str | None = None


@dataclass(frozen=True)
class Group:
    """A group of a stage file ("/" is the root) with its variables and attributes."""

    path: str
    variables: tuple[Variable, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    description: str = ""
    when: str | None = None

    def variable(self, name: str) -> Variable:
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(f"group {self.path!r} declares no variable {name!r}")

    def attribute(self, name: str) -> Attribute:
        for attr in self.attributes:
            if attr.name == name:
                return attr
        raise KeyError(f"group {self.path!r} declares no attribute {name!r}")


@dataclass(frozen=True)
class Handoff:
    """A field one stage hands to another: (stage, group, name, variable or attribute)."""

    stage: str
    group: str
    name: str
    kind: str  # "variable" | "attribute" | "group"
    units: str

    def __str__(self) -> str:
        where = "" if self.group == "/" else f"{self.group}/"
        return f"{self.stage}.h5:{where}{self.name}"


@dataclass(frozen=True)
class Schema:
    """The output schema of one stage file."""

    stage: str
    groups: tuple[Group, ...]

    def group(self, path: str) -> Group:
        for g in self.groups:
            if g.path == path:
                return g
        raise KeyError(f"{self.stage}.h5 declares no group {path!r}")

    def handoff(self, group: str, name: str) -> Handoff:
        """The declared handoff ``group/name``; raises ``KeyError`` for anything not declared as one."""
        g = self.group(group)
        for item, kind in [(v, "variable") for v in g.variables] + [(a, "attribute") for a in g.attributes]:
            if item.name == name:
                if not item.handoff:
                    raise KeyError(f"{self.stage}.h5:{group}/{name} is not declared as a handoff")
                return Handoff(self.stage, group, name, kind, item.units)
        raise KeyError(f"{self.stage}.h5 declares no {group}/{name}")

    def handoff_group(self, group: str) -> Handoff:
        """A whole group handed over (read as a dataset); the group must declare handoff variables."""
        if not any(v.handoff for v in self.group(group).variables):
            raise KeyError(f"{self.stage}.h5:{group} declares no handoff variable")
        return Handoff(self.stage, group, "", "group", "")

    def handoffs(self) -> list[Handoff]:
        """Every declared handoff of the file."""
        return [self.handoff(g.path, item.name) for g in self.groups
                for item in (*g.variables, *g.attributes) if item.handoff]


@dataclass(frozen=True)
class Observable:
    """A final value of a run that summaries and scans report.

    ``source`` is a variable of the root group (its last value along ``time``, or its value when
    it has no ``time``) or, with ``attribute=True``, a root attribute. With ``when``, runs that do
    not meet the condition have no such source, and no such value.
    """

    name: str
    source: str
    units: str
    description: str
    attribute: bool = False
    when: str | None = None  # the file has the source only then (as declared in its schema)


@dataclass(frozen=True)
class Figure:
    """A run figure ``figures/<stem>.png``, drawn by ``function(stage_tree) -> matplotlib Figure``:
    a function of :mod:`multiscale.analysis.plots` by name, or ``"package.module:function"`` (a
    stage's own figures module, imported only by the report). With ``group``, drawn only when the
    stage file has that group (a declared group with a ``when``)."""

    stem: str
    function: str
    group: str | None = None

    def resolve(self):
        """The drawing function."""
        module, _, name = self.function.rpartition(":")
        return getattr(import_module(module or "multiscale.analysis.plots"), name)


def no_charge_transfer(params) -> bool:
    """The default of :attr:`Stage.transfers_charge`: the stage reads no electrode kinetics."""
    return False


def reads_every_key(params) -> tuple:
    """The default of :attr:`Stage.unread`: the stage reads every key of its table."""
    return ()


@dataclass(frozen=True)
class Stage:
    """One stage of the chain (see the module docstring).

    Attributes
    ----------
    name : str
        Stage name; its file is ``<name>.h5``.
    table : str
        Its parameter table (``[kmc]``); the stage runs when the table is present, or always when
        ``always`` is set (the table then has defaults).
    params_model : type
        The pydantic model of the table.
    description : str
        One line for the parameter reference.
    module : str
        The module that runs the stage: it defines ``prepare(params)`` (every check of the user's
        input, before anything is written; returns what ``write`` needs), ``write(ctx, prepared)``
        and, optionally, ``data_files(params)`` (user files whose contents enter the cache key).
    cache_tables : tuple of str
        Top-level parameter keys that enter the cache key besides ``table``.
    upstream : tuple of str
        Stages whose files this stage always reads when they run.
    optional_upstream : dict
        Stage name -> ``needed(params) -> bool``: the stage gets that file (``ctx.inputs``) only when
        the rule says so. The cache key includes every upstream stage that runs, read or not (as it
        always has: existing run directories stay up to date).
    schema : Schema
        Its output file.
    observables, figures : tuples
        Summary values and run figures.
    always : bool
        Runs without its table (with the table's defaults).
    checks : tuple of callables
        ``check(params) -> str | None``: rules between this table and others (a message, or None).
    strips : bool
        Runs the ``[cycling]`` protocol (plates and strips) when that table is given.
    transfers_charge : callable
        ``transfers_charge(params) -> bool``: the stage reads the electrode's Butler-Volmer kinetics
        (``electrode.exchange_current_density_mA_cm2`` and the transfer coefficients).
    unread : callable
        ``unread(params) -> iterable of tables.Unread``: the keys of its table that this run of the
        stage does not read, each with why. A key among them that is set is refused; one at its
        default is marked by ``check``.
    """

    name: str
    table: str
    params_model: type
    description: str
    module: str
    schema: Schema
    cache_tables: tuple[str, ...] = ("seed", "electrode")
    upstream: tuple[str, ...] = ()
    optional_upstream: dict[str, Callable[[Any], bool]] = field(default_factory=dict)
    observables: tuple[Observable, ...] = ()
    figures: tuple[Figure, ...] = ()
    always: bool = False
    checks: tuple[Callable[[Any], str | None], ...] = ()
    strips: bool = False
    transfers_charge: Callable[[Any], bool] = no_charge_transfer
    unread: Callable[[Any], Iterable[Any]] = reads_every_key

    @property
    def output(self) -> str:
        return f"{self.name}.h5"

    def enabled(self, params) -> bool:
        return self.always or getattr(params, self.table) is not None

    def reads(self, params) -> tuple[str, ...]:
        """The upstream stages this run of the stage reads."""
        return self.upstream + tuple(name for name, needed in self.optional_upstream.items() if needed(params))

    @property
    def impl(self) -> ModuleType:
        """The module that runs the stage (imported on first use)."""
        return import_module(self.module)

    def prepare(self, params) -> Any:
        return self.impl.prepare(params)

    def write(self, ctx, prepared) -> None:
        self.impl.write(ctx, prepared)

    def data_files(self, params) -> list[str]:
        return list(getattr(self.impl, "data_files", lambda p: [])(params))


def read_handoffs(path: str | Path, handoffs: Iterable[Handoff]) -> list[Any]:
    """The values of declared handoffs of one complete stage file, each group read once.

    A group read costs tens of milliseconds on the shipped files (docs/performance.md), so a stage
    that takes several handoffs of one group reads them together.

    Parameters
    ----------
    path : path
        The upstream stage file (e.g. ``runs/x/atomistic.h5``).
    handoffs : iterable of Handoff
        Handoffs of that file's stage, from its schema (:meth:`Schema.handoff`,
        :meth:`Schema.handoff_group`).

    Returns
    -------
    list
        In the order asked: a DataArray for a variable, a Dataset for a group, the value for an
        attribute (numbers and str), in the file's units (the handoff's ``units``). Values from one
        group share that group's arrays: copy one before changing it in place.

    Raises
    ------
    UserError
        The file is missing or not complete.
    ValueError
        The handoffs belong to more than one stage.
    """
    from .io import complete_root_attrs, read_dataset

    handoffs = tuple(handoffs)
    if len({h.stage for h in handoffs}) > 1:
        raise ValueError(f"read_handoffs reads one stage's file; got handoffs of {sorted({h.stage for h in handoffs})}")
    root_attrs = complete_root_attrs(path)
    groups: dict[str, Any] = {}

    def group(name: str):
        if name not in groups:
            groups[name] = read_dataset(path, None if name == "/" else name)
        return groups[name]

    values = []
    for handoff in handoffs:
        if handoff.kind == "group":
            values.append(group(handoff.group))
        elif handoff.kind == "attribute" and handoff.group == "/":
            values.append(root_attrs[handoff.name])
        elif handoff.kind == "attribute":
            values.append(group(handoff.group).attrs[handoff.name])
        else:
            values.append(group(handoff.group)[handoff.name])
    return values


def read_handoff(path: str | Path, handoff: Handoff):
    """The value of one declared handoff in a complete stage file (:func:`read_handoffs`)."""
    return read_handoffs(path, [handoff])[0]
