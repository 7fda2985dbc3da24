"""multiscale: a multiscale simulator of lithium-metal electrodeposition.

Public API (stable, DESIGN §4)::

    params = multiscale.load_params("params/vlcd_high.toml")
    run_dir = multiscale.run(params)           # or run("params/vlcd_high.toml", out=..., force=...)
    tree = multiscale.open_run(run_dir)        # xarray.DataTree, one child per stage file
"""

__version__ = "0.1.0"

from .analysis import open_run  # noqa: E402
from .params import load_params  # noqa: E402
from .pipeline import run  # noqa: E402

__all__ = ["__version__", "load_params", "open_run", "run"]
