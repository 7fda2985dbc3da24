"""The ``@njit`` functions of a kernel module's source, for static checks of how the kernels are
compiled (``tests/unit/test_kmc_kernels_nrt.py``, ``tests/unit/test_kmc_dissolution.py``)."""

from __future__ import annotations

import ast


def njit_functions(source: str) -> dict[str, ast.FunctionDef]:
    """The module-level functions of ``source`` decorated with ``njit``, by name."""
    return {node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
            and any("njit" in ast.unparse(d) for d in node.decorator_list)}


def njit_options(node: ast.FunctionDef) -> dict:
    """The keyword arguments (constants) of ``node``'s ``njit`` decorator; {} for a bare ``@njit``."""
    (decorator,) = [d for d in node.decorator_list if "njit" in ast.unparse(d)]
    return {kw.arg: ast.literal_eval(kw.value) for kw in getattr(decorator, "keywords", [])}
