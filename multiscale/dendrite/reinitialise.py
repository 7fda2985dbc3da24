"""Reinitialisation of the smoothed boundary: the equilibrium profile rebuilt around its psi = 1/2
contour, which stays where it is (docs/models.md §5.4).

The Faradaic sink |grad psi| j moves every level set of psi along its normal at its own local
rate. Where that rate varies across the profile (a flank, whose normal line crosses rows of
different i0) the profile distorts; the profile term G of :mod:`.sbm` relaxes it back to the
equilibrium shape and in doing so moves the psi = 1/2 contour to an average over the profile, a
smoothing at the scale w. This module restores the shape without the average: psi becomes
1 / (1 + exp(-d / w)) with d the signed distance to the present psi = 1/2 contour, the level-set
reinitialisation of Sussman, Smereka & Osher, J. Comput. Phys. 114, 146 (1994), done by direct
distance evaluation instead of their relaxation equation.

- The contour is that of the logit z = ln(psi / (1 - psi)), linear along any line through an
  equilibrium profile, so that the linear interpolation along the cell-centre edges (marching
  squares: Lorensen & Cline, SIGGRAPH '87) puts the contour of a planar equilibrium profile where it
  is, at any angle.
- d is the exact distance from each cell centre to that polygon's segments (periodic along y),
  with the sign of z.
- The metal is conserved: d is shifted by one constant s, chosen so that the changed cells keep
  their sum of psi (volume weighted; the shift moves the contour by s, within round-off of what the
  cells' inventories require). Cells outside ``active`` keep their psi.

Coordinates in um, arrays (ny, nx) with axis order (y, x), as in :mod:`.sbm`.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RectBivariateSpline
from scipy.spatial import cKDTree

#: Nearest segment midpoints searched for each cell's closest segment.
_NEIGHBOURS = 16
#: |logit psi| beyond which the traced field is clipped (psi within 4.5e-5 of 0 or 1).
_TRACE_CLIP = 10.0
#: psi this close to 0 or 1 is left as it is (27.6 w from the contour of an equilibrium profile).
_SATURATED = 1e-12
#: Subdivisions of a cell, each way, on which the contour is traced: its chords sag by
#: ~(h / REFINE)^2 kappa / 8 (um; 8e-4 um for h = 0.2 um and a radius of curvature of 0.4 um).
REFINE = 4


class RebuildError(RuntimeError):
    """No shift of the rebuilt profile conserves the metal: psi lies too far outside [0, 1]."""


def logit(psi: np.ndarray) -> np.ndarray:
    """ln(psi / (1 - psi)) (1), psi clipped into (1e-300, 1 - 1e-16): finite everywhere."""
    clipped = np.clip(psi, 1e-300, 1.0 - 1e-16)
    return np.log(clipped) - np.log1p(-clipped)


def contour_segments(z: np.ndarray, y: np.ndarray, x: np.ndarray, width: float) -> np.ndarray:
    """Segments of the zero contour of the cell-centred field ``z`` (marching squares on the cell
    centres, periodic along y: row ny - 1 joins row 0 at y[0] + width).

    Parameters
    ----------
    z : ndarray (ny, nx)
    y : ndarray (ny,)
        Cell-centre coordinates along the electrode (um).
    x : ndarray (nx,)
        Cell-centre coordinates normal to it (um; any spacing).
    width : float
        Period along y (um).

    Returns
    -------
    ndarray (n, 2, 2)
        The segments' end points, (y, x) in um; n = 0 where z has one sign.
    """
    z = np.asarray(z, dtype=float)
    nx = z.shape[1]
    if nx < 2:
        return np.zeros((0, 2, 2))
    y_next = np.append(y[1:], y[0] + width)
    corners = [(z[:, :-1], y, x[:-1]), (z[:, 1:], y, x[1:]),
               (np.roll(z, -1, axis=0)[:, 1:], y_next, x[1:]), (np.roll(z, -1, axis=0)[:, :-1], y_next, x[:-1])]
    values = [np.ravel(c[0]) for c in corners]
    points = [np.stack(np.broadcast_arrays(c[1][:, None], c[2][None, :]), axis=-1).reshape(-1, 2) for c in corners]
    # edge k joins corner k to corner k + 1 (bottom, right, top, left of each square)
    crossings, cuts = [], []
    for k in range(4):
        a, b = values[k], values[(k + 1) % 4]
        cut = (a >= 0.0) != (b >= 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(cut, a / np.where(cut, a - b, 1.0), 0.0)
        crossings.append(points[k] + t[:, None] * (points[(k + 1) % 4] - points[k]))
        cuts.append(cut)
    crossings, cuts = np.stack(crossings, axis=1), np.stack(cuts, axis=1)
    count = cuts.sum(axis=1)
    two = count == 2
    first_two = np.argsort(~cuts[two], axis=1, kind="stable")[:, :2]
    segments = [np.take_along_axis(crossings[two], first_two[:, :, None], axis=1)]
    four = count == 4
    if four.any():
        # a saddle: the corners of the centre's sign are joined through the square
        centre = sum(v[four] for v in values) / 4.0
        joined = (centre >= 0.0) == (values[0][four] >= 0.0)
        pairs = np.where(joined[:, None, None], np.array([[0, 1], [2, 3]]), np.array([[3, 0], [1, 2]]))
        quad = crossings[four]
        for p in range(2):
            segments.append(np.take_along_axis(quad, pairs[:, p, :, None], axis=1))
    return np.concatenate(segments, axis=0)


def refined_contour(z: np.ndarray, y: np.ndarray, x: np.ndarray, width: float, refine: int = REFINE) -> np.ndarray:
    """Segments of the zero contour of ``z`` traced on a grid ``refine`` times finer each way, on
    which z is the bicubic spline through the cell centres (periodic along y), over the columns
    that hold the contour. Arguments and return as :func:`contour_segments`."""
    ny, nx = z.shape
    positive = z >= 0.0
    holds = np.any(positive, axis=0) & np.any(~positive, axis=0)
    holds[:-1] |= np.any(positive[:, :-1] != positive[:, 1:], axis=0)
    if not holds.any() or ny < 4 or nx < 4 or refine == 1:
        return contour_segments(z, y, x, width)
    columns = np.nonzero(holds)[0]
    lo, hi = max(columns[0] - 2, 0), min(columns[-1] + 3, nx)
    pad = 3
    rows = np.arange(-pad, ny + pad)
    spline = RectBivariateSpline(y[rows % ny] + width * np.floor_divide(rows, ny), x, z[rows % ny], kx=3, ky=3)
    y_fine = y[0] + np.arange(ny * refine) * (width / (ny * refine))
    x_fine = np.concatenate([np.linspace(x[k], x[k + 1], refine, endpoint=False) for k in range(lo, hi - 1)]
                            + [x[hi - 1:hi]])
    return contour_segments(spline(y_fine, x_fine), y_fine, x_fine, width)


def segment_distance(points: np.ndarray, segments: np.ndarray, width: float) -> np.ndarray:
    """Distance from each point to the nearest segment, periodic along y (um).

    Parameters
    ----------
    points : ndarray (m, 2)
        (y, x) in um.
    segments : ndarray (n, 2, 2), n >= 1
        End points (y, x) in um, as :func:`contour_segments` returns them.
    width : float
        Period along y (um).

    Returns
    -------
    ndarray (m,)
    """
    shifts = np.array([[0.0, 0.0], [width, 0.0], [-width, 0.0]])
    images = (segments[None, :, :, :] + shifts[:, None, None, :]).reshape(-1, 2, 2)
    k = min(_NEIGHBOURS, len(images))
    _, nearest = cKDTree(images.mean(axis=1)).query(points, k=k)
    nearest = np.reshape(nearest, (len(points), k))
    start, end = images[nearest, 0], images[nearest, 1]
    along = end - start
    length2 = np.maximum(np.sum(along ** 2, axis=-1), 1e-300)
    t = np.clip(np.sum((points[:, None, :] - start) * along, axis=-1) / length2, 0.0, 1.0)
    foot = start + t[..., None] * along
    return np.sqrt(np.min(np.sum((points[:, None, :] - foot) ** 2, axis=-1), axis=1))


def reinitialised_profile(psi: np.ndarray, y: np.ndarray, x: np.ndarray, width: float, interface_width: float,
                          volumes: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """psi rebuilt as 1 / (1 + exp(-(d + s) / w)) around its psi = 1/2 contour, the metal conserved.

    Parameters
    ----------
    psi : ndarray (ny, nx)
        Electrolyte fraction (1; 1 in the electrolyte).
    y, x : ndarray (ny,), (nx,)
        Cell-centre coordinates (um).
    width : float
        Period along y (um).
    interface_width : float
        w (um).
    volumes : ndarray (ny, nx)
        Cell areas (um^2), the weights of the conserved sum.
    active : ndarray (ny, nx) of bool, optional
        Cells that may change (default all); of them, those within 1e-12 of 0 or 1 (beyond ~27 w of
        the contour) keep their psi.

    Returns
    -------
    ndarray (ny, nx)
        The new psi; ``psi`` itself (a copy) where there is no contour.

    Raises
    ------
    RebuildError
        If no shift conserves the metal to 1e-9 of the changed cells' area (their psi sum lies
        outside what the logistic can hold: psi far outside [0, 1]).
    """
    psi = np.asarray(psi, dtype=float)
    out = psi.copy()
    w = float(interface_width)
    z = w * logit(psi)
    # traced on z clipped to +-10 w: a cell far below 0 (psi <= 0 clips to z = -690 w) would make the
    # spline overshoot into false crossings next to it; the sign comes from z itself
    segments = refined_contour(np.clip(z, -_TRACE_CLIP * w, _TRACE_CLIP * w), y, x, width)
    if len(segments) == 0:
        return out
    # a cell within 1e-12 of 0 or 1 (and inside [0, 1]) is > 27 w from its contour: it stays
    saturated = ((psi >= 0.0) & (psi <= _SATURATED)) | ((psi >= 1.0 - _SATURATED) & (psi <= 1.0))
    near = ~saturated if active is None else np.asarray(active, dtype=bool) & ~saturated
    rows, columns = np.nonzero(near)
    points = np.stack([y[rows], x[columns]], axis=1)
    d = np.copysign(segment_distance(points, segments, width), z[rows, columns])
    weights = volumes[rows, columns]
    target = float(np.sum(weights * psi[rows, columns]))
    shift = 0.0
    for _ in range(60):  # Newton on the shift: the sum is increasing in it
        new = 0.5 * (1.0 + np.tanh(0.5 * (d + shift) / w))
        slope = float(np.sum(weights * new * (1.0 - new))) / w
        step = (target - float(np.sum(weights * new))) / slope if slope > 0.0 else 0.0
        shift += step
        if abs(step) <= 1e-15 * w:
            break
    rebuilt = 0.5 * (1.0 + np.tanh(0.5 * (d + shift) / w))
    residual = abs(float(np.sum(weights * rebuilt)) - target)
    if not residual <= 1e-9 * float(np.sum(weights)):  # psi far outside [0, 1] can ask more than the cells hold
        raise RebuildError(f"the rebuilt profile does not conserve the metal: {residual:.3g} um^2 off "
                         f"a sum of {target:.6g} um^2 over {len(weights)} cells")
    out[rows, columns] = rebuilt
    return out


__all__ = ["REFINE", "RebuildError", "contour_segments", "logit", "refined_contour", "reinitialised_profile", "segment_distance"]
