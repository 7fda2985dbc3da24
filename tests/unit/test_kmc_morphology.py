"""Morphology of localized deposits on hand-built shapes, and hotspot placement."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.fields import hotspot_centres
from multiscale.kmc import model as m
from multiscale.kmc.engine import KmcState
from multiscale.kmc.observables import deposit_morphology

A = 3.0e-10
N = 32


def _state(fill):
    occ = np.zeros((24, N, N), np.uint8)
    occ[0] = m.SUBSTRATE
    occ[1:3] = m.CRYSTAL  # a 2-layer background film
    z, y, x = np.meshgrid(np.arange(24), np.arange(N) - 16, np.arange(N) - 16, indexing="ij")
    occ[fill(z, y, x) & (z >= 3) & (z < 23)] = m.GLASSY
    return KmcState.from_occupancy(occ, 0)


SHAPES = {
    "needle": lambda z, y, x: (np.abs(y) <= 1) & (np.abs(x) <= 1) & (z < 18),
    "mushroom": lambda z, y, x: ((np.abs(y) <= 1) & (np.abs(x) <= 1) & (z < 12)) | ((y**2 + x**2 <= 25) & (z >= 12) & (z < 15)),
    "hemisphere": lambda z, y, x: y**2 + x**2 + (z - 2.5) ** 2 <= 49,
}


@pytest.mark.parametrize("shape", SHAPES)
def test_shapes_are_classified(shape):
    morph = deposit_morphology(_state(SHAPES[shape]), (16, 16), radius=10, background=2, spacing_m=A)
    assert morph.shape == shape, morph


def test_needle_dimensions():
    morph = deposit_morphology(_state(SHAPES["needle"]), (16, 16), radius=10, background=2, spacing_m=A)
    assert morph.height == pytest.approx(15 * A)  # layers 3..17
    assert morph.bottom_width == pytest.approx(2 * np.sqrt(9 / np.pi) * A)  # 3 x 3 columns
    assert morph.top_width == pytest.approx(morph.bottom_width)


def test_no_deposit():
    morph = deposit_morphology(_state(lambda z, y, x: np.zeros_like(z, bool)), (16, 16), 10, 2, A)
    assert morph.shape == "none" and morph.height == 0.0


def test_hotspot_centres_on_a_grid():
    assert hotspot_centres(1, 10.0, 10.0) == [(5.0, 5.0)]
    assert hotspot_centres(4, 8.0, 8.0) == [(2.0, 2.0), (6.0, 2.0), (2.0, 6.0), (6.0, 6.0)]
    assert len(hotspot_centres(3, 9.0, 9.0)) == 3
