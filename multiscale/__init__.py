"""multiscale: a multiscale simulator of lithium-metal electrodeposition.

Public API (stable, docs/architecture.md §1)::

    params = multiscale.load_params("params/vlcd_high.toml")
    run_dir = multiscale.run(params)           # or run("params/vlcd_high.toml", out=..., force=...)
    tree = multiscale.open_run(run_dir)        # xarray.DataTree, one child per stage file
    scan = multiscale.open_scan(scan_dir)      # xarray.Dataset over the scan axes

The names are imported on first use, so the command line answers bad input without loading
xarray and SciPy.
"""

from importlib import import_module

__version__ = "0.3.7"

_API = {"load_params": "multiscale.params", "run": "multiscale.pipeline", "open_run": "multiscale.analysis",
        "open_scan": "multiscale.analysis", "run_scan": "multiscale.scan"}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    if not name.startswith("_"):  # a submodule, imported on first use (multiscale.analysis.final_values)
        try:
            return import_module(f"multiscale.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"multiscale.{name}":
                raise
    raise AttributeError(f"module 'multiscale' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
