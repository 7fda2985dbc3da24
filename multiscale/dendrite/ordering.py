"""Nested-dissection elimination order for the dendrite model's structured grid.

The Jacobian of a residual whose cells couple only to their 3 x 3 neighbourhood (the dendrite
model's, :mod:`.coloured_jacobian`) has the graph of the grid. A line of cells across the grid
separates it into two halves that do not couple; eliminating both halves first and the line last
confines the fill to the halves and the line, and applied recursively this is George's nested
dissection (A. George, SIAM J. Numer. Anal. 10, 345 (1973)): O(N log N) nonzeros in the LU
factors and O(N^1.5) operations for N cells, asymptotically optimal for 2D grids. A general
minimum-degree order does not see the geometry: on the model's Jacobian at 256^2 cells it leaves
19 % more fill and factorises 2.6x slower, and a 512^2 run with it was stopped at 11.4 GB still in
its warm-up; at the stage's 80 x 119 cells it leaves 8 % less fill (docs/performance.md,
``benchmarks/lu_ordering.py``).

The grid is periodic in y (:mod:`.finite_volume`): columns cut the cylinder into narrower
cylinders while a column (ny cells) is the shorter separator, then two rows (0 and ny // 2) cut
each into two rectangles, which are bisected across their longer side down to boxes of ``leaf``
cells, eliminated row by row.
"""

from __future__ import annotations

import numpy as np


def _box(y0: int, y1: int, x0: int, x1: int, nx: int) -> np.ndarray:
    """The cells of [y0, y1) x [x0, x1), row by row."""
    return (np.arange(y0, y1)[:, None] * nx + np.arange(x0, x1)[None, :]).ravel()


def _dissect(y0: int, y1: int, x0: int, x1: int, nx: int, leaf: int, order: list) -> None:
    """Append the cells of the box [y0, y1) x [x0, x1) (not periodic) to ``order`` in nested-
    dissection order."""
    height, width = y1 - y0, x1 - x0
    if height <= 0 or width <= 0:
        return
    if height * width <= leaf or (height <= 2 and width <= 2):
        order.extend(_box(y0, y1, x0, x1, nx))
        return
    if height >= width:
        middle = (y0 + y1) // 2
        _dissect(y0, middle, x0, x1, nx, leaf, order)
        _dissect(middle + 1, y1, x0, x1, nx, leaf, order)
        order.extend(middle * nx + np.arange(x0, x1))
    else:
        middle = (x0 + x1) // 2
        _dissect(y0, y1, x0, middle, nx, leaf, order)
        _dissect(y0, y1, middle + 1, x1, nx, leaf, order)
        order.extend(np.arange(y0, y1) * nx + middle)


def _dissect_periodic(ny: int, x0: int, x1: int, nx: int, leaf: int, order: list) -> None:
    """Append the cells of the band [0, ny) x [x0, x1), periodic in y, to ``order``: a column cuts
    it into two periodic bands (a separator of ny cells) while that is shorter than the two rows
    (0 and ny // 2) that cut it into two rectangles."""
    width = x1 - x0
    if width <= 0:
        return
    if ny * width <= leaf or (ny < 4 and width < 3):
        order.extend(_box(0, ny, x0, x1, nx))
    elif (ny <= 2 * width or ny < 4) and width >= 3:  # below 4 rows every row touches every other
        middle = (x0 + x1) // 2
        _dissect_periodic(ny, x0, middle, nx, leaf, order)
        _dissect_periodic(ny, middle + 1, x1, nx, leaf, order)
        order.extend(np.arange(ny) * nx + middle)
    else:
        half = ny // 2
        _dissect(1, half, x0, x1, nx, leaf, order)
        _dissect(half + 1, ny, x0, x1, nx, leaf, order)
        order.extend(np.arange(x0, x1))
        order.extend(half * nx + np.arange(x0, x1))


def nested_dissection(ny: int, nx: int, leaf: int = 16) -> np.ndarray:
    """Elimination order of the cells of an (ny, nx) grid periodic in y.

    Parameters
    ----------
    ny, nx : int
        Cells along the electrode (periodic) and normal to it.
    leaf : int
        Boxes of at most this many cells are not dissected further.

    Returns
    -------
    ndarray (ny * nx,) of int
        Cell indices (y nx + x) in the order they are to be eliminated: ``order[k]`` is the k-th.
    """
    if ny < 1 or nx < 1 or leaf < 1:
        raise ValueError(f"need ny, nx, leaf >= 1, got {ny}, {nx}, {leaf}")
    order: list = []
    _dissect_periodic(ny, 0, nx, nx, leaf, order)
    return np.asarray(order, dtype=np.int64)


def unknown_order(ny: int, nx: int, per_cell: int, extra: int) -> np.ndarray:
    """Elimination order of the unknowns of a cell-major vector.

    Parameters
    ----------
    ny, nx : int
        The grid (:func:`nested_dissection`).
    per_cell : int
        Unknowns per cell, numbered cell-major: index = cell * per_cell + k.
    extra : int
        Global unknowns after the grid's (bordered rows and columns), eliminated last.

    Returns
    -------
    ndarray (ny * nx * per_cell + extra,) of int
        The unknowns in elimination order: each cell's together, cells in nested-dissection order.
    """
    cells = nested_dissection(ny, nx)
    grid = (per_cell * cells[:, None] + np.arange(per_cell)[None, :]).ravel()
    return np.concatenate([grid, ny * nx * per_cell + np.arange(extra)])


__all__ = ["nested_dissection", "unknown_order"]
