"""Sparse Jacobians of local grid residuals by coloured complex-step differences.

A residual on a structured (ny, nx) grid with ``nv`` unknowns per cell, in which each cell's
equations depend only on the unknowns of its 3 x 3 neighbourhood, has a Jacobian whose columns
split into groups with disjoint row patterns: cells whose 3 x 3 neighbourhoods do not overlap.
One residual evaluation per group then gives every column of the group at once (Curtis, Powell &
Reid, J. Inst. Math. Appl. 13, 117 (1974); PETSc's ``MatFDColoring``); the differences are complex
steps, exact to round-off (:meth:`ColouredJacobian.evaluate`). On a grid periodic in y the
groups are (y mod 3, x mod 3) with one or two extra y classes when 3 does not divide ny, so
9 to 15 groups per unknown.

Unknowns are numbered cell-major: index = (y nx + x) nv + v.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Neighbourhoods a dependency may span: offsets (dy, dx).
STENCILS = {
    "cell": ((0, 0),),
    "five": ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)),
    "nine": tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)),
}


def row_classes(ny: int) -> np.ndarray:
    """Colour class of each row y (periodic) such that two rows of a class are >= 3 apart."""
    full = 3 * (ny // 3)
    classes = np.arange(ny) % 3
    classes[full:] = 3 + np.arange(ny - full)
    return classes


class ColouredJacobian:
    """The sparsity pattern and colouring of a grid residual, built once.

    Parameters
    ----------
    shape : (ny, nx)
    dependencies : dict
        (equation index, unknown index) -> stencil name in :data:`STENCILS`; pairs not named do not
        depend on each other. Equation indices may exceed the unknowns (extra rows, e.g. an
        auxiliary per-cell quantity whose Jacobian is wanted too).
    n_unknowns : int
        Unknowns per cell.
    n_equations : int
        Equations per cell (rows per cell), >= ``n_unknowns``.
    """

    def __init__(self, shape: tuple[int, int], dependencies: dict, n_unknowns: int, n_equations: int):
        ny, nx = shape
        self.shape = shape
        self.n_unknowns, self.n_equations = n_unknowns, n_equations
        cells = np.arange(ny * nx).reshape(ny, nx)
        yy, xx = np.divmod(cells, nx)
        rows, cols = [], []
        for (equation, unknown), stencil in dependencies.items():
            for dy, dx in STENCILS[stencil]:
                x2 = xx + dx
                inside = (x2 >= 0) & (x2 < nx)
                neighbour = ((yy + dy) % ny) * nx + np.clip(x2, 0, nx - 1)
                rows.append((cells[inside] * n_equations + equation))
                cols.append((neighbour[inside] * n_unknowns + unknown))
        pattern = sp.coo_matrix((np.ones(sum(r.size for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
                                shape=(ny * nx * n_equations, ny * nx * n_unknowns)).tocsr()
        pattern.sum_duplicates()
        coo = pattern.tocoo()
        self.rows, self.cols = coo.row, coo.col
        self.n_rows = ny * nx * n_equations
        cell_class = (row_classes(ny)[:, None] * 3 + np.arange(nx)[None, :] % 3).ravel()
        n_cell_classes = int(cell_class.max()) + 1
        column_colour = (cell_class[:, None] * n_unknowns + np.arange(n_unknowns)[None, :]).ravel()
        self.column_colour = column_colour
        self.n_colours = n_cell_classes * n_unknowns
        order = np.argsort(column_colour[self.cols], kind="stable")
        bounds = np.searchsorted(column_colour[self.cols][order], np.arange(self.n_colours + 1))
        self._entries = [order[bounds[k]:bounds[k + 1]] for k in range(self.n_colours)]
        self._columns = [np.flatnonzero(column_colour == k) for k in range(self.n_colours)]

    @property
    def n_entries(self) -> int:
        return self.rows.size

    def evaluate(self, function, x: np.ndarray, step: float = 1e-30) -> sp.csr_matrix:
        """The Jacobian of ``function`` at ``x`` (flat, cell-major, real) as a CSR matrix.

        Complex-step differences: J e = Im f(x + i h e) / h, exact to round-off for a residual
        that is analytic in its arguments (Squire & Trapp, SIAM Rev. 40, 110 (1998); Martins,
        Sturdza & Alonso, ACM Trans. Math. Softw. 29, 245 (2003)), with no cancellation and so no
        step-size trade-off; ``function`` must accept complex arrays.
        """
        values = np.empty(self.rows.size)
        for colour in range(self.n_colours):
            columns, entries = self._columns[colour], self._entries[colour]
            shifted = x.astype(complex)
            shifted[columns] += 1j * step
            change = function(shifted).imag / step
            values[entries] = change[self.rows[entries]]
        return sp.csr_matrix((values, (self.rows, self.cols)), shape=(self.n_rows, x.size))


__all__ = ["STENCILS", "ColouredJacobian", "row_classes"]
