"""Stripping and dead metal in the smoothed-boundary model (docs/models.md §5.4; rows of
docs/validation.md, "Phase field: stripping and dead metal").

All runs are in the lab frame (the window stays; ``SbmNumerics.moving_frame`` False) with dead
metal tracked, at 300 K, i0 = 1 mA/cm^2 (10 A/m^2), alpha_a = alpha_c = 1/2, the Valoen-Reimers
electrolyte at 1 M and a 50 um gap to the counter electrode.
"""

import numpy as np
import pytest

from multiscale.constants import FARADAY
from multiscale.dendrite.dead_metal import dead_cells, metal_regions
from multiscale.dendrite.sbm import Cell, ElectrodepositionSystem, SbmNumerics, graded_spacing, logistic_profile

I0_A_M2 = 10.0
W_UM = 0.2


def _system(distance, ny, current_A_m2, band_um, dt_max=30.0):
    """A lab-frame system whose initial psi is the logistic profile of ``distance(x, y)`` (um, + into
    the electrolyte) on a fine band of ``band_um`` (cells of w / 2), then a graded gap of 50 um."""
    h = W_UM / 2
    spacing = graded_spacing(h, band_um, band_um + 50.0, 1.2)
    cell = Cell(temperature_K=300.0, exchange_current_density_A_m2=I0_A_M2)
    numerics = SbmNumerics(interface_width=W_UM, dt_initial=0.1, dt_max=dt_max, moving_frame=False)
    system = ElectrodepositionSystem(cell, spacing, ny, h, current_A_m2, numerics=numerics, track_dead=True)
    x = np.cumsum(spacing) - spacing / 2
    y = (np.arange(ny) + 0.5) * h
    X, Y = np.meshgrid(x, y)
    system.initialise(logistic_profile(distance(X, Y), W_UM))
    return system, X, Y


def _bv_overpotential(current_A_m2, c):
    """eta (RT/F) with i = i0 c^(1/2) [exp(-eta/2) - exp(eta/2)] (+ plates): closed form."""
    return -2.0 * np.arcsinh(current_A_m2 / (2.0 * I0_A_M2 * np.sqrt(c)))


@pytest.mark.parametrize("current_A_m2", [-1.0, -10.0, -50.0, 10.0])
def test_a_flat_front_strips_and_plates_at_the_butler_volmer_overpotential(current_A_m2):
    """Reference: Butler-Volmer, eta = -2 asinh(i / (2 i0 c^(1/2))) with i0 = 1 mA/cm^2 and c the salt
    at the front; the model's eta is -Phi_l in the metal (where no current flows, Phi_l and c hold
    their values at the interface). Stripping at 0.1, 1 and 5 mA/cm^2 (0.1-3.3 RT/F) and plating at
    1 mA/cm^2, after 20 s. Tolerance 1 % of eta (the reaction is spread over the diffuse interface,
    across which Phi_l drops by ~ i w / kappa). Also checked: the Li balance, charge / F = metal
    gained + dissolved Li gained, to 1e-9 of the Li inventory (|charge| / F plus the dissolved Li:
    the round-off of the sums)."""
    system, _, _ = _system(lambda x, y: x - 2.0, 4, current_A_m2, 4.0, dt_max=5.0)
    dissolved = system.dissolved_li()
    system.advance(20.0)
    phi, c = (system.value(name).reshape(system.shape)[:, 0].mean() for name in ("phi", "c"))
    expected = _bv_overpotential(current_A_m2, c)
    assert abs(-phi / expected - 1.0) < 0.01, (-phi, expected)
    charge = current_A_m2 * 20.0 / FARADAY
    assert abs(system.plated_li() + system.dissolved_li() - dissolved - charge) < 1e-9 * (abs(charge) + dissolved)


def _disc(X, Y, front, centre, radius):
    return np.minimum(X - front, np.hypot(X - centre[0], Y - centre[1]) - radius)


def _psi(system):
    return system.value("psi").reshape(system.shape)


def test_a_dead_disc_holds_its_metal_while_the_electrode_strips():
    """A disc of radius 0.8 um, 1.6 um (8 w) in front of the electrode, with no metal path to it: it
    is dead from the start. Stripping at 5 mA/cm^2 for 15 s takes the whole charge from the
    electrode (metal lost + salt gained = charge / F, to 1e-9) and nothing from the disc: every
    cell of the dead region keeps its psi (to 1e-9). Without the inert rule an unresolved disc
    shrinks into the live metal through the profile term, about 2 % per 30 s at R = 4 w even at
    zero current (docs/models.md §5.4)."""
    current = -50.0
    system, _, _ = _system(lambda x, y: _disc(x, y, 1.5, (3.9, 1.6), 0.8), 32, current, 5.0)
    dead = dead_cells(_psi(system))
    held, dissolved = _psi(system)[dead], system.dissolved_li()
    assert (_psi(system)[dead] < 0.5).sum() > 150  # the disc's metal cells (pi R^2 / h^2 = 201)
    system.advance(15.0)
    assert len(np.unique(metal_regions(_psi(system)))) - 1 == 2
    assert np.max(np.abs(_psi(system)[dead] - held)) < 1e-9
    charge = current * 15.0 / FARADAY
    assert abs(system.plated_li() + system.dissolved_li() - dissolved - charge) < 1e-9 * abs(charge)


def test_a_neck_that_dissolves_leaves_the_metal_beyond_it_dead():
    """A disc (R = 0.8 um) joined to the electrode by a bridge 1.2 um (6 w) wide and 1.6 um long.
    At zero current such a bridge stands (30 s, by hand); stripping at 5 mA/cm^2 thins it until it
    is cut (30-40 s, by hand; the test allows 80 s, twice that: no closed form gives the cut time, as
    the current divides between the electrode, the bridge and the disc; the last stage, below ~4 w, is the profile term's: a 0.8 um bridge is cut in
    8 s even at zero current, docs/models.md §5.4). From then on the metal beyond the cut is one
    dead region whose cells keep their psi (to 1e-9) while the electrode strips on. Expected dead
    metal, the integral of 1 - psi over the dead cells: at least the disc, pi R^2 (to 5 %), at
    most the disc plus the bridge (1.2 x 1.6 um^2)."""
    current = -50.0

    def shape(x, y):
        bridge = np.maximum(np.abs(y - 1.6) - 0.6, np.maximum(1.5 - x, x - 3.9))
        return np.minimum(_disc(x, y, 1.5, (3.9, 1.6), 0.8), bridge)

    system, _, _ = _system(shape, 32, current, 5.0)
    assert not dead_cells(_psi(system)).any()
    for _ in range(8):
        system.advance(system.time + 10.0)
        if dead_cells(_psi(system)).any():
            break
    dead = dead_cells(_psi(system))
    assert dead.any(), "the neck was not cut in 80 s"
    held = _psi(system)[dead]
    system.advance(system.time + 10.0)
    assert np.max(np.abs(_psi(system)[dead] - held)) < 1e-9
    assert len(np.unique(metal_regions(_psi(system)))) - 1 == 2
    volumes = system._volumes.reshape(system.shape)
    metal = system._areal(float(np.sum(volumes * (1 - _psi(system)) * dead))) / system.cell.volume_ratio
    per_um2 = 1e-12 / system.cell.molar_volume_m3_mol / (system.width * 1e-6)  # mol/m^2 of electrode per um^2
    assert 0.95 * np.pi * 0.8 ** 2 * per_um2 < metal < (np.pi * 0.8 ** 2 + 1.2 * 1.6) * per_um2, (metal, per_um2)
