"""A planar (1D) cell of the smoothed-boundary model, shared by the unit and validation tests:
Li metal from x = 0 to the front at ``FRONT_UM``, electrolyte to a Li counter electrode ``gap_um``
beyond it."""

import numpy as np

from multiscale.dendrite.sbm import ElectrodepositionSystem, SbmNumerics, graded_spacing, logistic_profile

FRONT_UM = 2.0


def planar(cell, current, gap_um, width_um=0.1, moving=False, potential=None, growth=1.08, **numerics):
    """A 1D cell at ``current`` (A/m^2), or held at the counter electrode's ``potential`` (V); cells
    of w / 2 over the first 4 um, then growing by ``growth`` per cell."""
    h = width_um / 2
    dx = graded_spacing(h, 4.0, FRONT_UM + gap_um, growth)
    num = SbmNumerics(interface_width=width_um, move_interface=moving, tolerance=1e-6, absolute_tolerance=1e-10,
                      **numerics)
    system = ElectrodepositionSystem(cell, dx, 1, h, current, numerics=num, counter_potential_V=potential)
    x = np.cumsum(dx) - dx / 2
    system.initialise(logistic_profile(x - FRONT_UM, width_um)[None, :])
    return system
