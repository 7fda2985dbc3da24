"""Dead metal on the phase-field grid (multiscale.dendrite.dead_metal): which regions reach the
collector's side x = 0, with y periodic."""

import numpy as np

from multiscale.dendrite.dead_metal import dead_cells, live_weights, metal_regions


def _grid(ny=12, nx=16):
    psi = np.ones((ny, nx))
    psi[:, :3] = 0.0  # the electrode's metal along x = 0
    return psi


def test_an_island_away_from_the_collector_is_dead_and_a_connected_one_is_not():
    psi = _grid()
    psi[5:7, 9:12] = 0.0  # island, electrolyte between it and the electrode
    psi[1:3, 3:8] = 0.0  # a finger from the electrode
    assert len(np.unique(metal_regions(psi))) - 1 == 2
    dead = dead_cells(psi)
    assert dead[5:7, 9:12].all()
    assert not dead[1:3, 3:8].any() and not dead[:, :3].any()
    weights = live_weights(psi)
    assert weights[5, 10] == 0.0 and weights[1, 5] == 1.0


def test_the_periodic_seam_joins_regions_across_y():
    """An island cut by the seam (rows 0 and ny - 1) is one region, and one joined to the electrode
    only across the seam is live."""
    psi = _grid()
    psi[0, 8:10] = psi[-1, 8:10] = 0.0
    labels = metal_regions(psi)
    assert labels[0, 8] == labels[-1, 8] != labels[5, 0]
    assert dead_cells(psi)[0, 8]
    psi[-1, 3:8] = 0.0  # a finger from the electrode along the last row, meeting the island's lower half
    assert not dead_cells(psi)[0, 8]


def test_electrolyte_cells_belong_to_the_nearest_metal():
    """The dead island's interface (electrolyte cells nearer to it than to live metal) is dead; the
    electrode's is not; nearest is counted across the seam."""
    psi = _grid()
    psi[0, 10:12] = 0.0
    dead = dead_cells(psi)
    assert dead[-1, 10] and dead[1, 11] and dead[0, 13]
    assert not dead[6, 4] and not dead[0, 4]


def test_no_dead_metal_gives_no_weights():
    assert live_weights(_grid()) is None
    assert live_weights(np.ones((4, 8))) is None  # no metal at all
