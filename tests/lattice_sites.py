"""Sites of a kMC lattice counted from its occupancy alone, in numpy: references for the kernels'
incremental bookkeeping."""

from __future__ import annotations

import numpy as np

from multiscale.kmc import model as m


def exchange_sites(occ: np.ndarray, sei_coated: bool = False) -> np.ndarray:
    """Flat indices of the sites the reversible exchange reduces ions on, from the occupancy alone:
    empty, 1 to 5 occupied neighbours (the substrate and dead Li count, SEI-coated dead Li does
    not, with ``sei_coated``; above the box is empty), and on the collector (z = 1) or next to live Li."""
    nz, ny, nx = occ.shape
    padded = np.zeros((nz + 1, ny, nx), np.uint8)
    padded[:nz] = occ
    occupied = (padded != m.EMPTY).astype(int)
    if sei_coated:
        occupied[1:] &= padded[1:] != m.SUBSTRATE  # dead Li: SUBSTRATE above the substrate layer
    live = np.isin(padded, [m.GLASSY, m.CRYSTAL])
    live[0] = False  # the substrate layer
    n, touch = np.zeros(occ.shape, int), np.zeros(occ.shape, bool)
    for axis, shift in ((1, 1), (1, -1), (2, 1), (2, -1)):
        n += np.roll(occupied[:nz], shift, axis)
        touch |= np.roll(live[:nz], shift, axis)
    n[1:] += occupied[: nz - 1] + occupied[2:]
    touch[1:] |= live[: nz - 1] | live[2:]
    z = np.arange(nz)[:, None, None]
    ok = (occ == m.EMPTY) & (z >= 1) & (n >= 1) & (n <= 5) & ((z == 1) | touch)
    return np.flatnonzero(ok)
