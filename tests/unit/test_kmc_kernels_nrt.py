"""The kMC event loop runs without numba's runtime (no reference counting of array arguments;
``multiscale/kmc/_kernels.py`` module docstring). A kernel that does not state ``_nrt`` takes the
flag of the first kernel whose compile reaches it, so each kernel the loop reaches must state it."""

from __future__ import annotations

import ast
from pathlib import Path

from multiscale.kmc import _kernels as k


def _kernels() -> dict[str, ast.FunctionDef]:
    """The ``@njit`` functions of ``_kernels.py`` by name."""
    tree = ast.parse(Path(k.__file__).read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)
            and any("njit" in ast.unparse(d) for d in node.decorator_list)}


def _keywords(node: ast.FunctionDef) -> dict:
    """The ``njit`` decorator's keyword arguments (constants)."""
    (decorator,) = [d for d in node.decorator_list if "njit" in ast.unparse(d)]
    return {kw.arg: ast.literal_eval(kw.value) for kw in getattr(decorator, "keywords", [])}


def _reached(defs: dict[str, ast.FunctionDef], start: str) -> set[str]:
    """Kernels that ``start`` calls, directly or through others, by name."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        for call in ast.walk(defs[name]):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in defs \
                    and call.func.id not in seen:
                seen.add(call.func.id)
                todo.append(call.func.id)
    return seen


def test_every_compiled_kernel_the_event_loop_reaches_runs_without_the_runtime():
    defs = _kernels()
    assert "_event_loop" in _reached(defs, "run_events")
    reached = {"_event_loop"} | _reached(defs, "_event_loop")
    compiled = {name for name in reached if _keywords(defs[name]).get("inline") != "always"}
    # the traversal finds the loop's callees (a broken one would pass vacuously)
    assert {"change", "cuts_off", "dissolve", "sever", "kill", "exchange_site", "_reaches_collector"} <= compiled
    assert sorted(name for name in compiled if _keywords(defs[name]).get("_nrt", True)) == []
