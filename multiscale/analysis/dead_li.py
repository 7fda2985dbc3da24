"""Dead Li of a kMC run read from its stage file: how it divides into clusters (docs/models.md §4.8)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..kmc.outputs import DEAD_FLAG


def dead_li_clusters(final: xr.Dataset) -> np.ndarray:
    """Sizes of the dead-Li clusters of a kMC run, atoms, int64[n_clusters].

    ``final`` is the stage file's ``final`` group (``phase`` (z, y, x): 4 is dead Li). Clusters are
    6-connected and periodic in x and y, as the lattice
    (:func:`multiscale.kmc.observables.cluster_sizes`), ordered by their first site in (z, y, x).
    """
    from ..kmc.observables import cluster_sizes  # imports the numba kernels: only when asked for

    return cluster_sizes(final.phase.transpose("z", "y", "x").values == DEAD_FLAG)
