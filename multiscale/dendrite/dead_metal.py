"""Metal connected to the current collector, and dead metal that is not (docs/models.md §5.4).

Pure functions of the electrolyte fraction ``psi`` on the stage's grid, axis order (y, x): x = 0
is the collector's side of the window (the electrode's metal continues beyond it), y is periodic.
Metal is psi < 1/2; two metal cells are joined when they share a face. A metal region that
touches no cell of the first column (x = 0) is dead: it has lost its electronic path to the
collector.

The Faradaic reaction lives in the diffuse interface around each metal region, on both sides of
psi = 1/2, so the electrolyte cells are attributed to the metal cell nearest to them: a cell
whose nearest metal cell is dead belongs to a dead region (it exchanges no current and its
metal fraction 1 - psi counts as dead).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: psi below which a cell is metal.
METAL_THRESHOLD = 0.5


def metal_regions(psi: np.ndarray) -> np.ndarray:
    """Labels of the face-connected metal regions, periodic along y.

    Parameters
    ----------
    psi : ndarray (ny, nx)
        Electrolyte fraction (1).

    Returns
    -------
    ndarray (ny, nx) of int
        0 in the electrolyte, 1 ... n on the metal regions (a region that wraps around y has one label).
    """
    labels, n = ndimage.label(np.asarray(psi) < METAL_THRESHOLD)
    if n == 0:
        return labels
    parent = np.arange(n + 1)

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(labels[0], labels[-1]):  # the periodic seam: row 0 touches row ny - 1
        if a and b:
            ra, rb = root(int(a)), root(int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([root(a) for a in range(n + 1)])
    return roots[labels]


def dead_cells(psi: np.ndarray) -> np.ndarray:
    """Cells that belong to dead metal: metal cells of regions without a cell in the first column,
    and the electrolyte cells whose nearest metal cell is one of them (the dead regions' interfaces).

    Parameters
    ----------
    psi : ndarray (ny, nx)
        Electrolyte fraction (1) on the fine band's square cells (distances are counted in cells).

    Returns
    -------
    ndarray (ny, nx) of bool
    """
    labels = metal_regions(psi)
    live = np.unique(labels[:, 0])
    dead_metal = (labels > 0) & ~np.isin(labels, live)
    if not dead_metal.any():
        return dead_metal
    ny = labels.shape[0]
    # nearest metal cell of every cell, with the grid repeated once on each side along y (periodic)
    tiled = np.concatenate([labels, labels, labels], axis=0)
    nearest = ndimage.distance_transform_edt(tiled == 0, return_distances=False, return_indices=True)
    rows, columns = nearest[0][ny:2 * ny], nearest[1][ny:2 * ny]
    return dead_metal[rows % ny, columns]


def live_weights(psi: np.ndarray) -> np.ndarray | None:
    """Weight of each cell's Faradaic reaction: 0 on dead metal and its interface (:func:`dead_cells`),
    1 elsewhere; None when no metal is dead (every weight 1).

    Parameters
    ----------
    psi : ndarray (ny, nx)

    Returns
    -------
    ndarray (ny, nx) of float, or None
    """
    dead = dead_cells(psi)
    return None if not dead.any() else np.where(dead, 0.0, 1.0)


__all__ = ["METAL_THRESHOLD", "dead_cells", "live_weights", "metal_regions"]
