"""The phase field's sharp-interface reference under charge-transfer control: a Huygens front
(docs/models.md §5.4).

When the electrolyte is laterally uniform along the front (one overpotential; the ohmic and
concentration drops vary across the gap, not along the electrode) and surface diffusion and the
interface energy are negligible, every point of the metal surface moves along its normal at a
speed proportional to the local exchange current density i0(y), and the galvanostatic current
fixes the mean. The front x = h(y) stays a graph (i0 depends on y only, so the arrival time of
the front grows with x) and obeys the Hamilton-Jacobi equation

    dh/dt = s c(t) a(y) (1 + (dh/dy)^2)^(1/2),   c(t) such that mean_y(dh/dt) = s v,

with a = i0 / mean(i0), s = +1 plating and -1 stripping, and v = Omega I / F the dense metal's
thickness rate. Its viscosity solution is the minimum-time (Fermat) construction: the front at a
time is the set of points that a path from the initial front reaches first at the local speed
c a (Huygens' wavelets where a is uniform). This is what the phase field's psi equation, whose
Faradaic sink |grad psi| j moves every level set along its normal, should approach as the
interface width w and the profile mobility G -> 0 in that regime; it is the reference for what a
diffuse interface smooths away.

Discretisation: first-order Godunov upwind flux for the Hamiltonian (Bardi & Osher, SIAM J. Math.
Anal. 22, 344 (1991); Osher & Shu, SIAM J. Numer. Anal. 28, 907 (1991)), explicit steps of the
mean displacement. Units: lengths in any one unit (um in the benchmark), the same for every
argument. Pure functions of NumPy arrays.
"""

from __future__ import annotations

import numpy as np

#: Courant number of the explicit steps: the largest local displacement per step, in cells.
COURANT = 0.4


def godunov_rate(height: np.ndarray, speed: np.ndarray, spacing: float, sign: int) -> np.ndarray:
    """Normal-growth rate s a (1 + q^2)^(1/2) of each point, q the upwind slope (Godunov).

    Parameters
    ----------
    height : ndarray (n,)
        Front position h at n equally spaced points, periodic.
    speed : ndarray (n,)
        Relative normal speed a >= 0 at the same points (1).
    spacing : float
        Distance between the points.
    sign : int
        +1 the front advances (plating: h grows), -1 it recedes (stripping).

    Returns
    -------
    ndarray (n,)
        d h / d tau, with tau the time in which a point of speed 1 on a flat front moves by 1.
    """
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}")
    behind = (height - np.roll(height, 1)) / spacing
    ahead = (np.roll(height, -1) - height) / spacing
    small, large = np.minimum(behind**2, ahead**2), np.maximum(behind**2, ahead**2)
    # Godunov: advancing, the largest a (1 + p^2)^(1/2) over the slopes p between the two one-sided
    # ones where they increase (h convex: a valley fills in at its steeper side's rate), the smallest
    # where they decrease (a peak grows along its normal, p = 0); receding, the reverse.
    peak, valley = (behind >= 0) & (ahead <= 0), (behind <= 0) & (ahead >= 0)
    if sign > 0:
        slope2 = np.where(behind <= ahead, large, np.where(peak, 0.0, small))
    else:
        slope2 = np.where(behind <= ahead, np.where(valley, 0.0, small), large)
    return sign * speed * np.sqrt(1.0 + slope2)


def advance(height: np.ndarray, speed: np.ndarray, spacing: float, distance: float, sign: int) -> np.ndarray:
    """Move the front by a mean displacement ``distance`` at a fixed total current (galvanostatic).

    Parameters
    ----------
    height : ndarray (n,)
        Initial front position h, periodic (not modified).
    speed : ndarray (n,)
        Relative normal speed a = i0 / mean(i0) at the same points (1), > 0.
    spacing : float
        Distance between the points.
    distance : float
        Mean displacement, >= 0: the dense metal plated (sign +1) or stripped (sign -1).
    sign : int
        +1 plating, -1 stripping.

    Returns
    -------
    ndarray (n,)
        The front after the half-cycle; its mean moved by exactly ``sign * distance``.
    """
    speed = np.asarray(speed, dtype=float)
    if speed.shape != np.shape(height) or np.any(~np.isfinite(speed)) or np.any(speed <= 0):
        raise ValueError("speed must be positive and finite, one value per point of height")
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}")
    if not (np.isfinite(distance) and distance >= 0 and np.isfinite(spacing) and spacing > 0):
        raise ValueError(f"need a finite distance >= 0 and spacing > 0, got {distance!r}, {spacing!r}")
    h, moved = np.array(height, dtype=float), 0.0
    while moved < distance:
        rate = godunov_rate(h, speed, spacing, sign)
        rate /= abs(rate.mean())  # the galvanostatic constraint: the mean moves at one unit per unit
        step = min(COURANT * spacing / np.abs(rate).max(), distance - moved)
        h += rate * step
        moved += step
    return h


def charge_transfer_cycle(exchange_ratio: np.ndarray, width: float, deposit: float, initial: np.ndarray | None = None,
                          points: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """One plating and stripping cycle of the sharp front under charge-transfer control.

    Parameters
    ----------
    exchange_ratio : ndarray (ny,)
        i0(y) / mean(i0) at ny cell centres (y = (j + 1/2) width / ny), periodic; interpolated
        linearly to ``points`` points.
    width : float
        Electrode width (period in y).
    deposit : float
        Dense metal plated, then stripped (the same charge: Coulombic efficiency 1).
    initial : ndarray (ny,), optional
        Initial front position at the same cell centres (default flat).
    points : int
        Points of the solution along y.

    Returns
    -------
    plated, stripped : ndarray (points,)
        Front position after plating and after stripping, at y = (k + 1/2) width / points.
    """
    exchange_ratio = np.asarray(exchange_ratio, dtype=float)
    centres = (np.arange(exchange_ratio.size) + 0.5) * width / exchange_ratio.size
    y = (np.arange(points) + 0.5) * width / points
    speed = np.interp(y, centres, exchange_ratio, period=width)
    start = np.zeros(points) if initial is None else np.interp(y, centres, np.asarray(initial, dtype=float),
                                                               period=width)
    plated = advance(start, speed, width / points, deposit, +1)
    return plated, advance(plated, speed, width / points, deposit, -1)
