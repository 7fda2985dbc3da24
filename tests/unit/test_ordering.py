"""Nested-dissection order of the dendrite model's grid (multiscale/dendrite/ordering.py)."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from multiscale.dendrite.ordering import nested_dissection, unknown_order
from multiscale.dendrite.sbm import OrderedLU


def grid_matrix(ny, nx, rng, per_cell=1):
    """A random nonsymmetric, diagonally dominant matrix with the 3 x 3 stencil of a grid periodic
    in y (per_cell unknowns per cell, fully coupled within the stencil), cell-major."""
    cells = np.arange(ny * nx).reshape(ny, nx)
    yy, xx = np.divmod(cells, nx)
    rows, cols = [], []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            x2 = xx + dx
            inside = (x2 >= 0) & (x2 < nx)
            rows.append(cells[inside])
            cols.append((((yy + dy) % ny) * nx + x2)[inside])
    r, c = np.concatenate(rows), np.concatenate(cols)
    block = np.arange(per_cell)
    r, c = (np.broadcast_to(a, (r.size, per_cell, per_cell)).ravel() for a in
            (per_cell * r[:, None, None] + block[None, :, None], per_cell * c[:, None, None] + block[None, None, :]))
    n = ny * nx * per_cell
    matrix = sp.csr_matrix((rng.uniform(-1.0, 0.0, r.size), (r, c)), shape=(n, n))
    matrix.sum_duplicates()
    return (matrix + sp.diags(np.asarray(abs(matrix).sum(axis=1)).ravel() + 1.0)).tocsc()


@pytest.mark.parametrize("shape", [(1, 9), (3, 5), (3, 40), (4, 4), (7, 14), (64, 33), (33, 64)])
def test_the_order_is_a_permutation_of_the_cells(shape):
    order = nested_dissection(*shape)
    assert np.array_equal(np.sort(order), np.arange(shape[0] * shape[1]))
    full = unknown_order(*shape, per_cell=4, extra=2)
    assert np.array_equal(np.sort(full), np.arange(4 * shape[0] * shape[1] + 2))
    assert list(full[-2:]) == [4 * shape[0] * shape[1], 4 * shape[0] * shape[1] + 1]  # the border last


def minimum_degree_fill(matrix):
    """Nonzeros in L + U with SuperLU's minimum-degree order of A + A^T (diagonal pivots)."""
    lu = splu(matrix, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    return lu.L.nnz + lu.U.nnz


@pytest.mark.parametrize("n", [64, 128])
def test_fill_is_within_georges_bound_and_close_to_minimum_degree(n):
    """George (SIAM J. Numer. Anal. 10, 345 (1973)): nested dissection of the n x n nine-point grid
    leaves 31/4 n^2 log2 n + O(n^2) nonzeros in L; reference: L + U within twice that, and within
    5 % of a general minimum-degree order's (measured 1.5-1.8 % above it). An order that ignored
    the periodic seam, or cut it with one row instead of two, leaves 13-27 % more than minimum
    degree (measured at 64^2 and 128^2); the rows in their natural order leave 2.7-4.7x the bound."""
    matrix = grid_matrix(n, n, np.random.default_rng(n))
    nnz = OrderedLU(matrix, nested_dissection(n, n)).nnz
    assert nnz <= 2 * 31 / 4 * n * n * np.log2(n)
    assert nnz <= 1.05 * minimum_degree_fill(matrix)
    natural = splu(matrix, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    assert natural.L.nnz + natural.U.nnz > 2 * 2 * 31 / 4 * n * n * np.log2(n)


def test_unknowns_of_a_cell_stay_together():
    """With 4 coupled unknowns per cell (the model's layout, cell-major) the order keeps each cell's
    unknowns together: reference, within 10 % of the minimum-degree fill (measured 2.4 % above it at
    32^2); numbering them unknown by unknown instead leaves 14x."""
    n = 32
    matrix = grid_matrix(n, n, np.random.default_rng(3), per_cell=4)
    order = unknown_order(n, n, per_cell=4, extra=0)
    assert np.array_equal(order[:4], 4 * nested_dissection(n, n)[0] + np.arange(4))
    assert OrderedLU(matrix, order).nnz <= 1.10 * minimum_degree_fill(matrix)


def test_ordered_lu_solves_the_unpermuted_system():
    """x = OrderedLU(A, order).solve(b) satisfies A x = b (4 unknowns per cell and one dense
    border row and column, as the model's Jacobian) to 1e-12 relative."""
    rng = np.random.default_rng(5)
    ny, nx = 12, 10
    grid = grid_matrix(ny, nx, rng, per_cell=4)
    n = grid.shape[0]
    border_column, border_row = rng.normal(size=(n, 1)), rng.normal(size=(1, n))
    matrix = sp.bmat([[grid, border_column], [border_row, [[float(n)]]]], format="csc")
    b = rng.normal(size=n + 1)
    x = OrderedLU(matrix, unknown_order(ny, nx, per_cell=4, extra=1)).solve(b)
    assert np.linalg.norm(matrix @ x - b) <= 1e-12 * np.linalg.norm(b)
