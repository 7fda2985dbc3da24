"""Finite-volume operators on the dendrite model's structured grid, as pure numpy functions.

The grid is rectangular, axis order (y, x): ``nx`` cells normal to the electrode with sizes
``spacing_x`` (um, may grow away from the front), ``ny`` cells of size ``spacing_y`` along it,
periodic in y (with ny = 1 every y difference is zero: a 1D problem). Cell arrays are
``(ny, nx)``. x faces are ``(ny, nx + 1)`` (face i is the left face of cell i; face 0 is the
collector's side, face nx the counter electrode's); y faces are ``(ny, nx)`` (face j lies between
rows j and j + 1, the last one wrapping to row 0).

The discretisation is FiPy's for a two-point flux (S. Patankar, *Numerical Heat Transfer and
Fluid Flow*, 1980; FiPy's manual, "Numerical Schemes"): face values interpolated linearly between
the two cell centres, cell gradients by Gauss's theorem from those face values, the face gradient's
normal component the two-point difference, its tangential component the mean of the two cells'
gradients. Boundary x faces carry the adjacent cell's value (no flux) unless a value is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class StructuredGrid:
    """Cell sizes (um) of the rectangular grid; the derived geometry is computed once.

    Attributes
    ----------
    spacing_x : ndarray (nx,)
        Cell sizes normal to the electrode (um).
    ny : int
        Cells along the electrode.
    spacing_y : float
        Cell size along the electrode (um).
    """

    spacing_x: np.ndarray
    ny: int
    spacing_y: float
    centre_distance: np.ndarray = field(init=False, repr=False)  # (nx + 1,): centre to centre, half a cell at the ends
    weight: np.ndarray = field(init=False, repr=False)  # (nx - 1,): interpolation weight of the right cell

    def __post_init__(self):
        dx = np.asarray(self.spacing_x, dtype=float)
        if dx.ndim != 1 or dx.size < 2 or np.any(dx <= 0) or int(self.ny) < 1 or not self.spacing_y > 0:
            raise ValueError("need >= 2 positive x spacings, ny >= 1 and a positive y spacing")
        object.__setattr__(self, "spacing_x", dx)
        object.__setattr__(self, "ny", int(self.ny))
        object.__setattr__(self, "spacing_y", float(self.spacing_y))
        distance = np.concatenate([[0.5 * dx[0]], 0.5 * (dx[:-1] + dx[1:]), [0.5 * dx[-1]]])
        object.__setattr__(self, "centre_distance", distance)
        object.__setattr__(self, "weight", 0.5 * dx[:-1] / distance[1:-1])

    @property
    def shape(self) -> tuple[int, int]:
        return self.ny, self.spacing_x.size

    @property
    def volumes(self) -> np.ndarray:
        """Cell areas (um^2 per um of depth), (ny, nx)."""
        return np.broadcast_to(self.spacing_x * self.spacing_y, self.shape)

    @property
    def width(self) -> float:
        """Length along the electrode (um)."""
        return self.ny * self.spacing_y


def face_values_x(grid: StructuredGrid, v: np.ndarray, right: float | None = None) -> np.ndarray:
    """Values on the x faces (ny, nx + 1): linear between centres; the boundary faces carry the
    adjacent cell's value, or ``right`` on the counter electrode's side when given."""
    inner = v[:, :-1] + grid.weight * (v[:, 1:] - v[:, :-1])
    last = v[:, -1:] if right is None else np.full((v.shape[0], 1), float(right))
    return np.concatenate([v[:, :1], inner, last], axis=1)


def face_values_y(v: np.ndarray) -> np.ndarray:
    """Values on the y faces (ny, nx): the mean of rows j and j + 1 (periodic)."""
    return 0.5 * (v + np.roll(v, -1, axis=0))


def cell_gradient(grid: StructuredGrid, v: np.ndarray, right: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gauss gradient on the cells, (d/dx, d/dy) each (ny, nx): face values times face normals,
    summed over the faces and divided by the cell's area."""
    fx = face_values_x(grid, v, right)
    fy = face_values_y(v)
    return np.diff(fx, axis=1) / grid.spacing_x, (fy - np.roll(fy, 1, axis=0)) / grid.spacing_y


def normal_gradient_x(grid: StructuredGrid, v: np.ndarray, right: float | None = None) -> np.ndarray:
    """d/dx on the x faces (ny, nx + 1): the two-point difference; zero on a boundary face
    without a value (no flux), (right - v) over half a cell on the counter electrode's side."""
    last = np.zeros((v.shape[0], 1)) if right is None else (right - v[:, -1:]) / grid.centre_distance[-1]
    return np.concatenate([np.zeros((v.shape[0], 1)), np.diff(v, axis=1) / grid.centre_distance[1:-1], last], axis=1)


def normal_gradient_y(grid: StructuredGrid, v: np.ndarray) -> np.ndarray:
    """d/dy on the y faces (ny, nx): the two-point difference (periodic)."""
    return (np.roll(v, -1, axis=0) - v) / grid.spacing_y


def face_gradient_x(grid: StructuredGrid, v: np.ndarray, gradient_y: np.ndarray,
                    right: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gradient on the x faces, (normal d/dx, tangential d/dy) each (ny, nx + 1).

    ``gradient_y``: the cells' d/dy (from :func:`cell_gradient`). The normal component is the
    two-point difference (zero on a boundary face without a value), the tangential one the mean
    of the two cells' (the adjacent cell's on a boundary face)."""
    normal = normal_gradient_x(grid, v, right)
    tangential = np.concatenate([gradient_y[:, :1], 0.5 * (gradient_y[:, :-1] + gradient_y[:, 1:]), gradient_y[:, -1:]],
                                axis=1)
    return normal, tangential


def face_gradient_y(grid: StructuredGrid, v: np.ndarray, gradient_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient on the y faces, (normal d/dy, tangential d/dx) each (ny, nx); ``gradient_x`` the
    cells' d/dx."""
    return (normal_gradient_y(grid, v),
            0.5 * (gradient_x + np.roll(gradient_x, -1, axis=0)))


def divergence(grid: StructuredGrid, flux_x: np.ndarray, flux_y: np.ndarray) -> np.ndarray:
    """Net outflow per area, (ny, nx): ``flux_x`` (ny, nx + 1) the x component on the x faces,
    ``flux_y`` (ny, nx) the y component on the y faces."""
    return np.diff(flux_x, axis=1) / grid.spacing_x + (flux_y - np.roll(flux_y, 1, axis=0)) / grid.spacing_y


def laplacian(grid: StructuredGrid, v: np.ndarray, right: float | None = None) -> np.ndarray:
    """div(grad v) with the two-point normal gradient."""
    return divergence(grid, normal_gradient_x(grid, v, right), normal_gradient_y(grid, v))


__all__ = ["StructuredGrid", "cell_gradient", "divergence", "face_gradient_x", "face_gradient_y", "face_values_x",
           "face_values_y", "laplacian", "normal_gradient_x", "normal_gradient_y"]
