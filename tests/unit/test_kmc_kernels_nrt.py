"""The kMC event loop runs without numba's runtime (no reference counting of array arguments;
``multiscale/kmc/_kernels.py`` module docstring). A kernel that does not state ``_nrt`` or
``error_model`` takes them from the first kernel whose compile reaches it, so each kernel the loop
reaches must state both."""

from __future__ import annotations

import ast
from pathlib import Path

from multiscale.kmc import _kernels as k
from tests.kernel_source import njit_functions, njit_options


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


def test_every_compiled_kernel_the_event_loop_reaches_states_no_runtime_and_the_numpy_error_model():
    defs = njit_functions(Path(k.__file__).read_text())
    reached = {"run_events"} | _reached(defs, "run_events")
    compiled = {name for name in reached if njit_options(defs[name]).get("inline") != "always"}
    # the traversal finds the loop's callees (a broken one would pass vacuously)
    assert {"change", "cuts_off", "dissolve", "sever", "kill", "exchange_site", "_reaches_collector"} <= compiled
    assert sorted(name for name in compiled if njit_options(defs[name]).get("_nrt", True)) == []
    assert sorted(name for name in compiled if njit_options(defs[name]).get("error_model") != "numpy") == []
