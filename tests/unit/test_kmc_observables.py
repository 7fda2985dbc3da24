"""kMC observables on hand-built states with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from multiscale.analysis import dead_li_clusters
from multiscale.fields import gaussian_random_field
from multiscale.kmc import model as m
from multiscale.kmc.engine import KmcState
from multiscale.kmc.observables import (
    cluster_sizes,
    correlation_length,
    crystalline_fraction,
    glassy_ensembles,
    height_map,
    porosity,
    roughness,
)

A = 3.0e-10


def _state(occ):
    return KmcState.from_occupancy(occ, 0)


def _base(nz=6, ny=4, nx=4):
    occ = np.zeros((nz, ny, nx), np.uint8)
    occ[0] = m.SUBSTRATE
    return occ


def test_heights_and_roughness():
    occ = _base()
    occ[1, :, :] = m.CRYSTAL
    occ[2:4, 0, 0] = m.GLASSY  # one column 3 high, the rest 1 high
    state = _state(occ)
    h = height_map(state, A)
    assert h[0, 0] == pytest.approx(3 * A) and h[1, 1] == pytest.approx(A)
    r = roughness(h / A)
    mean = (3 + 15) / 16
    assert r.Rmax == 2.0
    assert r.Ra == pytest.approx((abs(3 - mean) + 15 * abs(1 - mean)) / 16)
    assert r.sigma == pytest.approx(np.std([3] + [1] * 15))


def test_porosity_counts_voids_below_the_surface_only():
    occ = _base()
    occ[1:4] = m.CRYSTAL
    occ[2, 1, 1] = m.EMPTY  # one buried vacancy
    state = _state(occ)
    assert porosity(state) == pytest.approx(1 / (3 * 16))
    assert porosity(_state(_base())) == 0.0


def test_crystalline_fraction():
    occ = _base()
    occ[1] = m.CRYSTAL
    occ[2, 0, :] = m.GLASSY
    assert crystalline_fraction(_state(occ)) == pytest.approx(16 / 20)


def test_glassy_ensembles_are_periodic():
    occ = _base(nz=4, ny=5, nx=5)
    occ[1, 2, 0] = occ[1, 2, 4] = m.GLASSY  # joined across the x boundary
    occ[1, 0, 2] = m.GLASSY
    occ[2, 0, 2] = m.GLASSY  # a vertical pair
    occ[1, 4, 2] = m.GLASSY  # joins the pair across the y boundary
    occ[1, 2, 2] = m.CRYSTAL  # crystal is not part of a glassy ensemble
    labels, sizes = glassy_ensembles(_state(occ))
    assert sorted(sizes.tolist()) == [2, 3]
    assert labels[(1 * 5 + 2) * 5 + 2] == -1


def test_cluster_sizes_join_faces_across_the_periodic_sides_and_not_edges_corners_or_z():
    """A pair across the x boundary, a triple across the y boundary, a column of 4 along z, two
    sites touching only along an edge, two touching only at a corner (across the y boundary), and
    one site in the bottom plane under one in the top plane (z is not periodic): no two groups
    touch otherwise, even at an edge or a corner. Sizes in the order of their first sites in
    (z, y, x) order: 1, 1 (the corner's and the bottom site), 2, 4, 1, 3, 1, 1, 1; none when
    nothing is set."""
    mask = np.zeros((6, 5, 6), bool)
    mask[1, 0, 0] = mask[1, 0, 5] = True  # x = 0 and x = 5 are neighbours
    mask[3, 4, 3] = mask[3, 0, 3] = mask[3, 1, 3] = True  # y = 4, 0, 1: one triple
    mask[1:5, 3, 5] = True  # a column of 4
    mask[4, 1, 0] = mask[5, 1, 1] = True  # edge contact only
    mask[0, 0, 2] = mask[1, 4, 3] = True  # corner contact only (dz, dy, dx all 1, y across the boundary)
    mask[0, 2, 3] = mask[5, 2, 3] = True  # bottom and top plane of one column: not neighbours
    assert cluster_sizes(mask).tolist() == [1, 1, 2, 4, 1, 3, 1, 1, 1]
    assert cluster_sizes(np.zeros((3, 2, 2), bool)).size == 0


def test_dead_li_clusters_of_a_stage_file_count_dead_li_only_in_any_dimension_order():
    """A ``final`` group (phase: 3 collector, 1 glassy, 2 crystalline, 4 dead Li) with two dead atoms
    joined across the y boundary, a crystalline atom between them and one more dead atom touching
    only that one and the pair's edges: dead clusters 2 and 1 (live Li and the collector join
    nothing). Stored as (y, x, z) the answer is the same: read as (z, y, x) the pair would split."""
    phase = np.zeros((4, 3, 3), np.int8)
    phase[0] = 3
    phase[1, 0, 1] = 1
    phase[2, 0, 1] = phase[2, 2, 1] = 4
    phase[2, 1, 1] = 2
    phase[3, 1, 1] = 4
    final = xr.Dataset({"phase": (("z", "y", "x"), phase)})
    assert dead_li_clusters(final).tolist() == [2, 1]
    assert dead_li_clusters(final.transpose("y", "x", "z")).tolist() == [2, 1]


def test_correlation_length_of_a_gaussian_surface():
    """Reference: covariance exp(-r^2/2l^2) falls to 1/e at r = sqrt(2) l. Tolerance: 5 % on the
    mean over 8 seeds (128^2 maps, l = 4 cells)."""
    ell = [correlation_length(gaussian_random_field((128, 128), 1.0, 4.0, np.random.default_rng(s)), 1.0) for s in range(8)]
    assert np.mean(ell) == pytest.approx(np.sqrt(2) * 4.0, rel=0.05)
    assert correlation_length(np.ones((8, 8)), 1.0) == 0.0
