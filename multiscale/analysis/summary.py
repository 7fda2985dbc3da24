"""Final values of a run: the observables a scan aggregates and a user tabulates.

``summary(run_dir) -> dict`` maps observable name -> float (SI) for every complete stage file of
the run; stages that did not run are absent. Each stage declares its observables
(:class:`multiscale.stage.Observable`); :func:`observables` lists them all.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..io import is_complete, read_dataset, read_root_attrs
from ..stage import Observable
from ..stages import STAGES


def observables() -> dict[str, tuple[str, Observable]]:
    """name -> (stage name, observable) of every stage, in run order."""
    return {o.name: (stage.name, o) for stage in STAGES for o in stage.observables}


def summary(run_dir: str | Path) -> dict[str, float]:
    """Final observables of the complete stage files in ``run_dir`` (see :func:`observables`)."""
    run_dir = Path(run_dir)
    out: dict[str, float] = {}
    for stage in STAGES:
        path = run_dir / stage.output
        if not stage.observables or not is_complete(path):
            continue
        ds, attrs = read_dataset(path), read_root_attrs(path)
        for o in stage.observables:
            if o.when is not None and o.source not in (attrs if o.attribute else ds.variables):
                continue
            if o.attribute:
                out[o.name] = float(attrs[o.source])
            else:
                values = ds[o.source].values
                out[o.name] = float(values[-1]) if values.size else math.nan
    return out


def final_values(run_dir: str | Path):
    """:func:`summary` as a one-row-per-observable ``pandas.DataFrame`` with units and descriptions."""
    import pandas as pd

    known = observables()
    return pd.DataFrame(
        [{"observable": k, "value": v, "units": known[k][1].units, "stage": known[k][0],
          "description": known[k][1].description} for k, v in summary(run_dir).items()]
    ).set_index("observable")
