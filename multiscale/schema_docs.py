"""The parameter reference: the JSON schema of parameter files and docs/params.md, generated from
the table models (:class:`multiscale.params.Params`) and the scan file model."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel

from .params import Params, _toml_value
from .scan_params import ScanFile


def json_schema() -> dict[str, Any]:
    """The JSON schema of a parameter file."""
    return Params.model_json_schema()


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(annotation))  # not "|": it would split the table cell
    if origin is tuple:
        return f"array of {_type_name(get_args(annotation)[0])}"
    if origin is Annotated:
        return _type_name(get_args(annotation)[0])
    if get_args(annotation) and type(None) in get_args(annotation):
        return " or ".join(_type_name(a) for a in get_args(annotation) if a is not type(None)) + " (optional)"
    if origin is dict:
        return "table (free form)"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    return getattr(annotation, "__name__", str(annotation))


def _constraints(field) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="), ("min_length", "min length"), ("pattern", "pattern")):
            if getattr(meta, attr, None) is not None:
                parts.append(f"{sym} {getattr(meta, attr)}")
    return ", ".join(parts)


def _default(field) -> str:
    if field.is_required():
        return "required"
    value = field.default
    if isinstance(value, BaseModel):
        return "(table defaults)"
    if isinstance(value, dict):
        return "`{}`" if not value else "(table)"
    return "—" if value is None else f"`{_toml_value(value)}`"


def schema_markdown() -> str:
    """docs/params.md: every table and key with type, default, constraints and description."""
    out = [
        "# Parameter reference",
        "",
        "Generated from the pydantic models (`multiscale/tables.py`, each stage's `params.py`, `multiscale/scan_params.py`) by",
        "`python -m multiscale schema --markdown > docs/params.md`; a test fails when it is stale.",
        "Units are in the key names. Relative data paths are resolved against the parameter file's folder.",
    ]
    out += _tables_markdown(Params)
    out += ["", "# Scan files", "",
            "A scan file (`python -m multiscale scan SCAN.toml`, docs/tutorial.md §4) holds one `[scan]` table.",
            "Grid and hypercube keys are dotted keys of the base parameter file, quoted in TOML."]
    out += _tables_markdown(ScanFile)
    return "\n".join(out) + "\n"


def table_models(root: type[BaseModel]) -> list[tuple[str, type[BaseModel]]]:
    """``root`` (titled "(top level)") and every table model below it (optional and nested ones),
    breadth first, each with its dotted name."""
    found: list[tuple[str, type[BaseModel]]] = []
    queue: list[tuple[str, type[BaseModel]]] = [("(top level)", root)]
    while queue:
        title, model = queue.pop(0)
        found.append((title, model))
        for key, field in model.model_fields.items():
            subs = [a for a in (get_args(field.annotation) or (field.annotation,)) if isinstance(a, type) and issubclass(a, BaseModel)]
            if subs:
                queue.append(((f"{title}." if title != "(top level)" else "") + key, subs[0]))
    return found


def _tables_markdown(root: type[BaseModel]) -> list[str]:
    """The key tables of ``root`` and of every table below it."""
    out: list[str] = []
    for title, model in table_models(root):
        if model is ScanFile:
            continue
        out += ["", f"## `{title}`" if title != "(top level)" else "## Top level", ""]
        doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        out += [doc, "", "| key | type | default | constraints | description |", "|---|---|---|---|---|"]
        for key, field in model.model_fields.items():
            desc = (field.description or "").replace("\n", " ").replace("|", "\\|")
            out.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {_constraints(field)} | {desc} |")
    return out
