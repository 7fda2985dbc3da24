"""Local current density fields j(x, y), shared by the kMC and phase-field stages.

Contract: a field is a float64 array of shape (ny, nx), axis order (y, x), on a periodic grid of
spacing ``spacing_m`` (m), values in A/m^2. Every generator returns a field whose sample mean is
exactly the requested mean current density (the applied current is a constraint, not a
statistic); the spread is then statistical.

- :func:`lognormal_field`: j = j_mean * exp(s g - s^2/2) / <...>, g a periodic Gaussian random
  field with unit variance and covariance exp(-r^2 / (2 l^2)) (l = correlation length),
  s^2 = ln(1 + CV^2), so that E[j] = j_mean and CV[j] = CV for an unbounded domain. The
  Gaussian field is sampled exactly on the periodic grid by circulant embedding (FFT).
- :func:`hotspot_field`: a uniform background plus a few discs carrying a given fraction of the
  current: the localized sources of seed 004's inhomogeneous deposition.
- :func:`coarse_grain`: conservative remapping (area-weighted overlaps) onto another periodic grid
  of the same physical size; preserves the mean exactly.
- :func:`standard_profile`, :func:`lognormal_profile`: 1D profiles along the electrode of the 2D
  phase-field models (standardised sample: a narrow electrode still carries the requested spread).
- :func:`vlcd`: the variance of the local current density, (CV * mean)^2 in (A/m^2)^2.
"""

from __future__ import annotations

import numpy as np


def _check_shape(shape) -> tuple[int, int]:
    ny, nx = (int(n) for n in shape)
    if ny < 1 or nx < 1:
        raise ValueError(f"field shape must be positive, got {shape}")
    return ny, nx


def periodic_distance_squared(shape, centre=(0.0, 0.0), spacing: float = 1.0) -> np.ndarray:
    """Squared minimum-image distance of every grid point of a periodic (ny, nx) grid from
    ``centre`` (y, x), in units of ``spacing`` squared (grid point (i, j) sits at (i, j) x spacing)."""
    ny, nx = _check_shape(shape)
    dy = np.abs(np.arange(ny) * spacing - centre[0]) % (ny * spacing)
    dx = np.abs(np.arange(nx) * spacing - centre[1]) % (nx * spacing)
    dy = np.minimum(dy, ny * spacing - dy)
    dx = np.minimum(dx, nx * spacing - dx)
    return dy[:, None] ** 2 + dx[None, :] ** 2


def gaussian_random_field(shape, spacing_m: float, correlation_length_m: float, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-variance periodic Gaussian field with covariance exp(-r^2/(2 l^2)).

    Parameters
    ----------
    shape : (ny, nx)
        Grid size.
    spacing_m : float
        Grid spacing, m.
    correlation_length_m : float
        l, m.
    rng : numpy.random.Generator
        Random stream.

    Returns
    -------
    ndarray, shape (ny, nx)
        The field (dimensionless). Its covariance is the minimum-image Gaussian, exact when the
        domain is several correlation lengths wide.
    """
    ny, nx = _check_shape(shape)
    if spacing_m <= 0 or correlation_length_m <= 0:
        raise ValueError("spacing and correlation length must be positive")
    cov = np.exp(-periodic_distance_squared((ny, nx), spacing=spacing_m) / (2.0 * correlation_length_m**2))
    spectrum = np.clip(np.fft.fft2(cov).real, 0.0, None)  # circulant embedding: eigenvalues of the covariance
    noise = np.fft.fft2(rng.standard_normal((ny, nx)))
    field = np.fft.ifft2(np.sqrt(spectrum) * noise).real
    return field / np.sqrt(cov[0, 0])


def lognormal_field(shape, spacing_m: float, mean: float, cv: float, correlation_length_m: float, seed: int) -> np.ndarray:
    """Log-normal local current density with exact sample mean ``mean``.

    Parameters
    ----------
    shape : (ny, nx)
        Grid size.
    spacing_m : float
        Grid spacing, m.
    mean : float
        Mean current density (any unit; returned in the same unit), > 0.
    cv : float
        Coefficient of variation, >= 0 (0 gives a uniform field).
    correlation_length_m : float
        Correlation length of the underlying Gaussian field, m.
    seed : int
        Seed of the random stream.
    """
    ny, nx = _check_shape(shape)
    if mean <= 0 or cv < 0:
        raise ValueError("mean must be positive and cv non-negative")
    if cv == 0:
        return np.full((ny, nx), float(mean))
    g = gaussian_random_field((ny, nx), spacing_m, correlation_length_m, np.random.default_rng(seed))
    s = np.sqrt(np.log1p(cv**2))
    field = np.exp(s * g)
    return field * (mean / field.mean())


def standard_profile(n: int, spacing_m: float, correlation_length_m: float, seed: int) -> np.ndarray:
    """A periodic Gaussian profile (n,) with zero sample mean and unit sample standard deviation.

    One row of an isotropic 2D Gaussian field (:func:`gaussian_random_field`) has the same
    correlation function; standardising the sample makes a narrow electrode (a few correlation
    lengths) still carry the spread asked for. Used along the electrode of the 2D phase-field models.
    """
    row = gaussian_random_field((n, n), spacing_m, correlation_length_m, np.random.default_rng(seed))[0]
    row = row - row.mean()
    std = row.std()
    return row / std if std > 0 else np.zeros(n)


def lognormal_profile(n: int, spacing_m: float, cv: float, correlation_length_m: float, seed: int) -> np.ndarray:
    """j(y) / mean(j) along an electrode (n,): log-normal of CV ``cv`` on :func:`standard_profile`, mean exactly 1."""
    if cv < 0:
        raise ValueError("cv must be non-negative")
    if cv == 0:
        return np.ones(n)
    values = np.exp(np.sqrt(np.log1p(cv ** 2)) * standard_profile(n, spacing_m, correlation_length_m, seed))
    return values / values.mean()


def hotspot_field(shape, spacing_m: float, mean: float, centres_m, radius_m: float, hotspot_fraction: float) -> np.ndarray:
    """Uniform background plus discs (hotspots) that carry ``hotspot_fraction`` of the current.

    Parameters
    ----------
    shape : (ny, nx)
        Grid size.
    spacing_m : float
        Grid spacing, m.
    mean : float
        Mean current density over the whole field, > 0.
    centres_m : sequence of (x, y)
        Hotspot centres, m (periodic images are used).
    radius_m : float
        Hotspot radius, m; each disc must contain at least one grid point.
    hotspot_fraction : float
        Fraction of the total current through the hotspots, in [0, 1]; 1 means no background.
    """
    ny, nx = _check_shape(shape)
    if not 0.0 <= hotspot_fraction <= 1.0:
        raise ValueError("hotspot_fraction must lie in [0, 1]")
    inside = np.zeros((ny, nx), dtype=bool)
    for cx, cy in centres_m:
        inside |= periodic_distance_squared((ny, nx), (cy, cx), spacing_m) <= radius_m**2
    n_in = int(inside.sum())
    if n_in == 0 and hotspot_fraction > 0:
        raise ValueError("no grid point lies inside a hotspot: increase radius_m")
    if n_in == inside.size and hotspot_fraction < 1:
        raise ValueError("the hotspots cover the whole field")
    total = mean * inside.size
    field = np.empty((ny, nx))
    field[inside] = hotspot_fraction * total / max(n_in, 1)
    field[~inside] = (1.0 - hotspot_fraction) * total / max(inside.size - n_in, 1)
    return field


def hotspot_centres(count: int, width_m: float, height_m: float) -> list[tuple[float, float]]:
    """``count`` hotspot centres (x, y), m, on a regular grid of ceil(sqrt(count)) columns, each in
    the middle of its cell of a width_m x height_m periodic domain."""
    if count < 1:
        raise ValueError("count must be at least 1")
    n_x = int(np.ceil(np.sqrt(count)))
    n_y = int(np.ceil(count / n_x))
    return [((i % n_x + 0.5) * width_m / n_x, (i // n_x + 0.5) * height_m / n_y) for i in range(count)]


def _overlap_matrix(n_new: int, n_old: int) -> np.ndarray:
    """Fraction of each old cell inside each new cell, rows normalised (same physical length)."""
    edges_new = np.linspace(0.0, 1.0, n_new + 1)
    edges_old = np.linspace(0.0, 1.0, n_old + 1)
    lo = np.maximum(edges_new[:-1, None], edges_old[None, :-1])
    hi = np.minimum(edges_new[1:, None], edges_old[None, 1:])
    overlap = np.clip(hi - lo, 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def coarse_grain(field: np.ndarray, shape) -> np.ndarray:
    """Area-weighted average of ``field`` (ny, nx) onto a grid of ``shape`` over the same domain.

    Conservative: the mean is preserved exactly. Refining (a larger shape) copies values.
    A shape of (1, n) gives the x-profile averaged over y, (n, 1) the y-profile.
    """
    ny, nx = _check_shape(shape)
    field = np.asarray(field, dtype=float)
    return _overlap_matrix(ny, field.shape[0]) @ field @ _overlap_matrix(nx, field.shape[1]).T


def vlcd(field: np.ndarray) -> float:
    """Variance of the local current density of ``field`` (units of field squared)."""
    return float(np.var(field))


def correlation_function(field: np.ndarray) -> np.ndarray:
    """Periodic autocorrelation of ``field`` (ny, nx), normalised to 1 at zero lag (FFT)."""
    f = np.asarray(field, dtype=float) - np.mean(field)
    power = np.abs(np.fft.fft2(f)) ** 2
    corr = np.fft.ifft2(power).real
    return corr / corr[0, 0]
