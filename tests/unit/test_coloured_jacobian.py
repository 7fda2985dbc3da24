"""Coloured complex-step Jacobians (multiscale/dendrite/coloured_jacobian.py) against the dense
Jacobian of the same function, column by column."""

import numpy as np
import pytest

from multiscale.dendrite.coloured_jacobian import ColouredJacobian, row_classes


def local_function(shape):
    """Two unknowns per cell, a 3 x 3 coupling in the first equation, a 5-point one in the second,
    and a third (auxiliary) equation reading one cell; nonlinear and periodic in y."""
    ny, nx = shape

    def f(x):
        u = x.reshape(ny, nx, 2)
        a, b = u[..., 0], u[..., 1]
        pad = np.pad(a, ((0, 0), (1, 1)), mode="edge")
        right, left = pad[:, 2:], pad[:, :-2]
        diag = np.roll(right, 1, axis=0) * np.roll(left, -1, axis=0)
        out = np.empty((ny, nx, 3), dtype=x.dtype)
        out[..., 0] = np.exp(0.3 * a) * diag + b ** 2
        out[..., 1] = np.roll(b, 1, axis=0) - 2 * b * a + np.roll(b, -1, axis=0) + np.sin(right)
        out[..., 2] = b ** 3
        return out.ravel()
    return f


@pytest.mark.parametrize("ny", [1, 6, 7, 8])
def test_coloured_jacobian_equals_the_dense_one(ny):
    """Reference: the dense complex-step Jacobian (one column per evaluation); tolerance 1e-13."""
    shape = (ny, 5)
    deps = {(0, 0): "nine", (0, 1): "cell", (1, 0): "five", (1, 1): "five", (2, 1): "cell"}
    jac = ColouredJacobian(shape, deps, n_unknowns=2, n_equations=3)
    f = local_function(shape)
    x = np.random.default_rng(ny).random(ny * 5 * 2)
    coloured = jac.evaluate(f, x).toarray()
    dense = np.empty_like(coloured)
    for j in range(x.size):
        shifted = x.astype(complex)
        shifted[j] += 1e-30j
        dense[:, j] = f(shifted).imag / 1e-30
    np.testing.assert_allclose(coloured, dense, rtol=1e-13, atol=1e-13)
    assert jac.n_colours <= 15 * 2


def test_row_classes_keep_a_periodic_distance_of_three():
    for ny in range(1, 20):
        classes = row_classes(ny)
        for y in range(ny):
            for d in (1, 2):
                if ny > d:
                    assert classes[y] != classes[(y + d) % ny] or (y + d) % ny == y
