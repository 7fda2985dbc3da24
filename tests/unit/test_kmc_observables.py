"""kMC observables on hand-built states with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.fields import gaussian_random_field
from multiscale.kmc import model as m
from multiscale.kmc.engine import KmcState
from multiscale.kmc.observables import (
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


def test_correlation_length_of_a_gaussian_surface():
    """Reference: covariance exp(-r^2/2l^2) falls to 1/e at r = sqrt(2) l. Tolerance: 5 % on the
    mean over 8 seeds (128^2 maps, l = 4 cells)."""
    ell = [correlation_length(gaussian_random_field((128, 128), 1.0, 4.0, np.random.default_rng(s)), 1.0) for s in range(8)]
    assert np.mean(ell) == pytest.approx(np.sqrt(2) * 4.0, rel=0.05)
    assert correlation_length(np.ones((8, 8)), 1.0) == 0.0
