"""Observables of a kMC state (plain NumPy on the state arrays; SI lengths).

Heights: h(x, y) = (highest occupied z of the column) x a, measured from the substrate surface
(z = 0 is the substrate), shape (ny, nx), m. Roughness follows seed 000 (Fig. 6):

- Ra   = mean |h - <h>|       (average roughness)
- Rmax = max h - min h        (maximum roughness)
- sigma = std h               (standard deviation)

Porosity: empty sites below the column tops over all sites below the column tops (z >= 1).
Crystalline fraction: crystalline Li atoms over all Li atoms.
Glassy ensembles: connected clusters of glassy atoms (6-connectivity, periodic in x, y).
Cluster sizes of any set of sites (e.g. the dead Li of a stage file's ``final`` lattice): the same
connectivity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fields import periodic_distance_squared
from . import _kernels as k
from .engine import KmcState
from .model import CRYSTAL, EMPTY, GLASSY


def height_map(state: KmcState, spacing_m: float) -> np.ndarray:
    """Deposit height of every column, (ny, nx), m."""
    nz, ny, nx = state.shape
    return state.top.reshape(ny, nx).astype(float) * spacing_m


@dataclass(frozen=True)
class Roughness:
    """Seed 000 roughness parameters of a height map, m."""

    Ra: float
    Rmax: float
    sigma: float


def roughness(heights: np.ndarray) -> Roughness:
    """Ra, Rmax, sigma of a height map (any units; returned in the same)."""
    h = np.asarray(heights, dtype=float)
    dev = h - h.mean()
    return Roughness(float(np.abs(dev).mean()), float(h.max() - h.min()), float(dev.std()))


def porosity(state: KmcState) -> float:
    """Fraction of empty sites below the column tops (0 for a dense deposit)."""
    nz, ny, nx = state.shape
    occ = state.occupancy
    below = np.arange(nz)[:, None, None] <= state.top.reshape(1, ny, nx)
    below[0] = False  # the substrate layer is not deposit
    total = int(below.sum())
    return float(np.count_nonzero((occ == EMPTY) & below) / total) if total else 0.0


def crystalline_fraction(state: KmcState) -> float:
    """Crystalline Li atoms / all Li atoms (0 with no atoms)."""
    n_c = int(np.count_nonzero(state.occ == CRYSTAL))
    n = n_c + int(np.count_nonzero(state.occ == GLASSY))
    return n_c / n if n else 0.0


def glassy_ensembles(state: KmcState) -> tuple[np.ndarray, np.ndarray]:
    """Connected glassy clusters: (labels int32[N], -1 off-cluster; sizes int64[n_clusters])."""
    nz, ny, nx = state.shape
    labels, n = k.label_clusters(state.occ, GLASSY, k.lateral_grid(nx, ny), nz)
    sizes = np.bincount(labels[labels >= 0], minlength=n).astype(np.int64)
    return labels, sizes


def cluster_sizes(mask: np.ndarray) -> np.ndarray:
    """Sizes of the connected clusters of the True sites of a lattice ``mask`` (nz, ny, nx), bool:
    6-connectivity, periodic in x and y as the kMC lattice (e.g. ``final.phase == DEAD_FLAG`` of a
    stage file: the dead-Li clusters). Returns int64[n_clusters], atoms, ordered by each cluster's
    first site in (z, y, x) order."""
    nz, ny, nx = mask.shape
    flags = np.asarray(mask, dtype=bool).astype(np.uint8).ravel()  # any truthy value is a site of the set
    labels, n = k.label_clusters(flags, 1, k.lateral_grid(nx, ny), nz)
    return np.bincount(labels[labels >= 0], minlength=n).astype(np.int64)


def correlation_length(heights: np.ndarray, spacing_m: float) -> float:
    """Lateral correlation length of a height map, m: the lag where the radially averaged height
    autocorrelation first falls below 1/e (0 for a flat map)."""
    h = np.asarray(heights, dtype=float) - np.mean(heights)
    if not np.any(h):
        return 0.0
    corr = np.fft.ifft2(np.abs(np.fft.fft2(h)) ** 2).real
    corr /= corr[0, 0]
    r = np.rint(np.sqrt(periodic_distance_squared(h.shape))).astype(int)
    radial = np.bincount(r.ravel(), corr.ravel()) / np.bincount(r.ravel())
    below = np.flatnonzero(radial < np.exp(-1.0))
    if below.size == 0:
        return float(radial.size * spacing_m)
    i = below[0]
    # linear interpolation between lags i-1 and i
    frac = (radial[i - 1] - np.exp(-1.0)) / (radial[i - 1] - radial[i])
    return float((i - 1 + frac) * spacing_m)


#: Shape rule of a localized deposit (assumption, docs/models.md §4.4): mushroom when its top is
#: wider than its base by this factor; otherwise needle when taller than ``NEEDLE_ASPECT`` base
#: widths, hemisphere when not.
MUSHROOM_TOP_RATIO = 1.2
NEEDLE_ASPECT = 1.5


@dataclass(frozen=True)
class Morphology:
    """Shape of the deposit grown on one hotspot (lengths in m)."""

    height: float
    bottom_width: float
    top_width: float
    aspect_ratio: float
    shape: str  # "needle", "mushroom", "hemisphere" or "none"


def _slab_width(mask: np.ndarray, z_lo: int, z_hi: int, spacing_m: float) -> float:
    """Equivalent diameter 2 sqrt(A / pi) of the columns holding deposit in layers z_lo..z_hi, m."""
    area = np.count_nonzero(mask[z_lo : z_hi + 1].any(axis=0))
    return 2.0 * np.sqrt(area / np.pi) * spacing_m


def deposit_morphology(state: KmcState, centre: tuple[int, int], radius: float, background: int, spacing_m: float) -> Morphology:
    """Measure the deposit within ``radius`` columns of ``centre`` (y, x) above ``background`` layers.

    Height H = highest deposit layer - background; bottom and top widths are the equivalent
    diameters of the lowest and highest quarter (at least one layer) of the deposit.
    """
    disc = periodic_distance_squared(state.shape[1:], centre) <= radius**2
    occ = state.occupancy
    li = (occ == GLASSY) | (occ == CRYSTAL)
    mask = li & disc[None, :, :]
    mask[: background + 1] = False
    layers = np.flatnonzero(mask.any(axis=(1, 2)))
    if layers.size == 0:
        return Morphology(0.0, 0.0, 0.0, 0.0, "none")
    top = int(layers.max())
    h = top - background
    quarter = max(1, h // 4)
    bottom_w = _slab_width(mask, background + 1, background + quarter, spacing_m)
    top_w = _slab_width(mask, top - quarter + 1, top, spacing_m)
    aspect = h * spacing_m / bottom_w
    if top_w > MUSHROOM_TOP_RATIO * bottom_w:
        shape = "mushroom"
    elif aspect > NEEDLE_ASPECT:
        shape = "needle"
    else:
        shape = "hemisphere"
    return Morphology(h * spacing_m, bottom_w, top_w, aspect, shape)
