"""Morphology observables of a phase-field deposit (pure numpy, any length unit).

Input: the order parameter ``xi`` as an (ny, nx) array, y along the electrode (periodic), x
normal to it with the current collector at x = 0; ``spacing`` is the cell size. Lengths come
out in the unit of ``spacing``.
"""

from __future__ import annotations

import numpy as np


def front_position(xi: np.ndarray, spacing: float) -> np.ndarray:
    """Farthest xi = 1/2 crossing of each row (ny,), linearly interpolated between cell centres.

    The farthest crossing, not the first: a finger that overhangs its root still counts by its
    tip. A row with no metal gives 0; a row entirely metal gives the domain length.
    """
    ny, nx = xi.shape
    x = (np.arange(nx) + 0.5) * spacing
    out = np.zeros(ny)
    for row in range(ny):
        metal = np.nonzero(xi[row] >= 0.5)[0]
        if metal.size == 0:
            continue
        i = metal[-1]
        if i == nx - 1:
            out[row] = nx * spacing
            continue
        a, b = xi[row, i], xi[row, i + 1]
        out[row] = x[i] + spacing * (a - 0.5) / (a - b)
    return out


def dendrite_length(front: np.ndarray) -> float:
    """Tip minus trough of the front: how far the longest protrusion stands out."""
    return float(np.max(front) - np.min(front))


def interface_roughness(front: np.ndarray) -> float:
    """Standard deviation of the front position along the electrode."""
    return float(np.std(front))


def interface_length_ratio(xi: np.ndarray, spacing: float) -> float:
    """Interface length per electrode width, int |grad xi| dA / width (1 for a flat front).

    Across an equilibrium interface int |d xi / dn| dn = 1, so the area integral of |grad xi|
    is the length of the xi = 1/2 contour. Central differences, periodic in y, one-sided at
    the x edges.
    """
    gy = (np.roll(xi, -1, axis=0) - np.roll(xi, 1, axis=0)) / (2.0 * spacing)
    gx = np.gradient(xi, spacing, axis=1)
    width = xi.shape[0] * spacing
    return float(np.sum(np.hypot(gx, gy)) * spacing ** 2 / width)


def row_thickness(xi: np.ndarray, spacing: float) -> np.ndarray:
    """Metal per unit width in each row, sum_x xi dx (ny,): a row's deposit thickness."""
    return np.sum(xi, axis=1) * spacing


__all__ = ["front_position", "dendrite_length", "interface_roughness", "interface_length_ratio", "row_thickness"]
