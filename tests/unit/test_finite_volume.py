"""Finite-volume operators of the dendrite model (multiscale/dendrite/finite_volume.py) against
exact results: Gauss gradients of linear fields, the two-point Laplacian of a quadratic, and the
discrete divergence theorem."""

import numpy as np
import pytest

from multiscale.dendrite import finite_volume as fv


@pytest.fixture
def grid():
    return fv.StructuredGrid(np.array([0.1, 0.1, 0.15, 0.25, 0.4, 0.7]), 5, 0.2)


def centres(grid):
    x = np.cumsum(grid.spacing_x) - grid.spacing_x / 2
    y = (np.arange(grid.ny) + 0.5) * grid.spacing_y
    return np.broadcast_to(x, grid.shape), np.broadcast_to(y[:, None], grid.shape)


def test_gauss_gradient_of_a_linear_field_in_x_is_exact_inside(grid):
    """Linear interpolation to the faces is exact for a linear field on a graded grid; the boundary
    faces carry the cell value (no flux), so only the interior cells are exact."""
    x, _ = centres(grid)
    gx, gy = fv.cell_gradient(grid, 3.0 * x - 1.0)
    np.testing.assert_allclose(gx[:, 1:-1], 3.0, rtol=1e-12)
    np.testing.assert_allclose(gy, 0.0, atol=1e-12)


def test_gradient_along_y_of_a_periodic_mode(grid):
    """d/dy of cos(ky) by the Gauss (central) difference: sin(k h) / h times the exact slope."""
    _, y = centres(grid)
    k = 2 * np.pi / grid.width
    gx, gy = fv.cell_gradient(grid, np.cos(k * y))
    h = grid.spacing_y
    np.testing.assert_allclose(gy, -np.sin(k * h) / h * np.sin(k * y), atol=1e-12)
    normal, tangential = fv.face_gradient_y(grid, np.cos(k * y), gx)
    np.testing.assert_allclose(normal, (np.cos(k * (y + h)) - np.cos(k * y)) / h, atol=1e-12)
    np.testing.assert_allclose(tangential, 0.0, atol=1e-12)


def test_laplacian_of_a_quadratic_and_the_divergence_theorem(grid):
    """div grad x^2 = 2 at interior cells of a uniform stretch; the volume integral of any
    two-point Laplacian equals the boundary flux (here the fixed value on the right face)."""
    uniform = fv.StructuredGrid(np.full(8, 0.25), 3, 0.5)
    x, _ = centres(uniform)
    np.testing.assert_allclose(fv.laplacian(uniform, x ** 2)[:, 1:-1], 2.0, rtol=1e-12)
    rng = np.random.default_rng(3)
    v = rng.random(grid.shape)
    total = float(np.sum(grid.volumes * fv.laplacian(grid, v, right=2.0)))
    boundary = float(np.sum((2.0 - v[:, -1]) / grid.centre_distance[-1] * grid.spacing_y))
    assert total == pytest.approx(boundary, rel=1e-12)


def test_face_gradient_with_a_boundary_value(grid):
    x, _ = centres(grid)
    v = 3.0 * x
    normal, tangential = fv.face_gradient_x(grid, v, np.zeros(grid.shape), right=3.0 * grid.spacing_x.sum())
    np.testing.assert_allclose(normal[:, 1:], 3.0, rtol=1e-12)
    np.testing.assert_allclose(normal[:, 0], 0.0)  # no value on the collector's side: no flux
    np.testing.assert_allclose(tangential, 0.0)


def test_grid_rejects_bad_spacings():
    with pytest.raises(ValueError):
        fv.StructuredGrid(np.array([0.1, -0.1]), 2, 0.1)
    with pytest.raises(ValueError):
        fv.StructuredGrid(np.array([0.1, 0.1]), 0, 0.1)
