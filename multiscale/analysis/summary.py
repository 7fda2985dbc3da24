"""Final values of a run: the observables a scan aggregates and a user tabulates.

``summary(run_dir) -> dict`` maps observable name -> float (SI) for every complete stage file of
the run; stages that did not run are absent. :data:`OBSERVABLES` lists each name with its stage,
where it comes from and its units.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..io import is_complete, read_dataset, read_root_attrs

#: name -> (stage, source: a variable's last value or ``attr:NAME``, units, description)
OBSERVABLES: dict[str, tuple[str, str, str, str]] = {
    "roughness_sigma": ("kmc", "roughness_sigma", "m", "kMC rms roughness at the end"),
    "porosity": ("kmc", "porosity", "1", "kMC porosity at the end"),
    "crystalline_fraction": ("kmc", "crystalline_fraction", "1", "kMC crystalline fraction at the end"),
    "dendrite_length": ("dendrite", "dendrite_length", "m", "phase-field tip minus trough at the end"),
    "interface_roughness": ("dendrite", "interface_roughness", "m", "phase-field front std at the end"),
    "equilibrium_thickness": ("complexion", "attr:equilibrium_thickness_m", "m", "complexion h_EQ"),
    "fraction_under": ("coating", "fraction_under", "1", "Li plated under the coating / charge"),
    "fraction_on_top": ("coating", "fraction_on_top", "1", "Li plated on top of the coating / charge"),
    "threshold_current_density": ("coating", "attr:threshold_current_density_A_m2", "A m-2", "F D c_c / L"),
}


def summary(run_dir: str | Path) -> dict[str, float]:
    """Final observables of the complete stage files in ``run_dir`` (see :data:`OBSERVABLES`)."""
    run_dir = Path(run_dir)
    out: dict[str, float] = {}
    cache: dict[str, object] = {}
    for name, (stage, source, _, _) in OBSERVABLES.items():
        path = run_dir / f"{stage}.h5"
        if stage not in cache:
            cache[stage] = (read_dataset(path), read_root_attrs(path)) if is_complete(path) else None
        if cache[stage] is None:
            continue
        ds, attrs = cache[stage]
        if source.startswith("attr:"):
            out[name] = float(attrs[source[5:]])
        else:
            values = ds[source].values
            out[name] = float(values[-1]) if values.size else math.nan
    return out


def final_values(run_dir: str | Path):
    """:func:`summary` as a one-row-per-observable ``pandas.DataFrame`` with units and descriptions."""
    import pandas as pd

    values = summary(run_dir)
    return pd.DataFrame(
        [{"observable": k, "value": v, "units": OBSERVABLES[k][2], "stage": OBSERVABLES[k][0],
          "description": OBSERVABLES[k][3]} for k, v in values.items()]
    ).set_index("observable")
