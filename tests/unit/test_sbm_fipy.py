"""The two formulations of the smoothed-boundary model solve the same discrete equations in 1D:
the tuned one (multiscale/dendrite/sbm.py: residual, complex-step Jacobian, GMRES) and the FiPy
one (multiscale/dendrite/sbm_fipy.py: FiPy terms, Picard-Newton sweeps). In 1D their
discretisations coincide (no tangential fluxes), so the converged states agree to the solver
tolerance, not to the discretisation error."""

import numpy as np
import pytest

from multiscale.dendrite.sbm import Cell, ElectrodepositionSystem, SbmNumerics, graded_spacing, logistic_profile
from multiscale.dendrite.sbm_fipy import FipyElectrodepositionSystem


def moving_front(cls):
    dx = graded_spacing(0.05, 4.0, 27.0, 1.08)
    numerics = SbmNumerics(tolerance=1e-8, absolute_tolerance=1e-12, dt_initial=0.5, dt_max=0.5, growth=1.0)
    system = cls(Cell(), dx, 1, 0.05, 50.0, numerics=numerics)  # 5 mA/cm^2, Valoen-Reimers, moving front
    x = np.cumsum(dx) - dx / 2
    system.initialise(logistic_profile(x - 2.0, 0.1)[None, :])
    system.advance(1.0)
    return system.fields()


def test_tuned_and_fipy_formulations_agree_in_1d():
    """Reference: the FiPy formulation; tolerance 1e-8 of each field's largest value (measured
    3e-10 for c, 6e-10 for Phi_l, 2e-11 for psi after one step)."""
    tuned, fipy = moving_front(ElectrodepositionSystem), moving_front(FipyElectrodepositionSystem)
    for name in ("psi", "concentration", "potential"):
        assert np.abs(tuned[name] - fipy[name]).max() <= 1e-8 * np.abs(fipy[name]).max(), name


def test_the_fipy_formulation_refuses_a_reinitialised_profile():
    """The rebuild of the profile (docs/models.md §5.4) is in the tuned formulation only: the FiPy
    one says so rather than running without it."""
    with pytest.raises(ValueError, match="reinitialise_steepness"):
        FipyElectrodepositionSystem(Cell(), np.full(8, 0.1), 1, 0.1, 10.0,
                                    numerics=SbmNumerics(reinitialise_steepness=1.25))
