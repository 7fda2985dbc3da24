"""Open a run directory: every complete stage file as one ``xarray.DataTree``."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from ..errors import UserError
from ..io import is_complete, open_stage_tree, read_dataset
from ..stages import STAGES


def open_run(run_dir: str | Path) -> xr.DataTree:
    """Open the complete stage files of a run directory.

    Parameters
    ----------
    run_dir : path
        A directory written by ``multiscale run``.

    Returns
    -------
    xarray.DataTree
        One child per complete stage file (``tree["atomistic/diffusion"]``, ...), opened lazily.
        Incomplete or missing files are left out.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: not a directory")
    children = {
        stage.name: open_stage_tree(run_dir / stage.output)
        for stage in STAGES
        if is_complete(run_dir / stage.output)
    }
    if not children:
        raise UserError(f"{run_dir}: no complete stage file (*.h5 with complete = 1)")
    tree = xr.DataTree(children=children)  # holds copies of the children, without their files

    def close() -> None:
        for child in children.values():
            child.close()

    tree.set_close(close)
    tree.attrs["run_dir"] = str(run_dir.resolve())
    return tree


def open_scan(scan_dir: str | Path) -> xr.Dataset:
    """The aggregated results of a scan (``scan.h5``) as an in-memory ``xarray.Dataset``.

    Dimensions are the scan axes (or ``point`` for a Latin hypercube, with the sampled keys as
    coordinates along it); variables ``status``, ``error``, ``run_dir`` and the final observables
    of every point (NaN where a point failed or its stage did not run). ``run_dir`` is relative to
    ``scan_dir``: ``multiscale.open_run(Path(scan_dir) / ds.run_dir[i, j].item())`` opens a point.
    """
    path = Path(scan_dir) / "scan.h5"
    if not path.is_file():
        raise UserError(f"{scan_dir}: no scan.h5 (run python -m multiscale scan SCAN.toml first)")
    return read_dataset(path)
