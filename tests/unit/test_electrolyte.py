"""The binary electrolyte's property model (multiscale/dendrite/electrolyte.py).

Reference: the Valoen & Reimers (J. Electrochem. Soc. 152, A882 (2005)) fits as transcribed here
independently of the module, from PyBaMM's ``lipf6_Valoen2005`` and MPET's ``valoen_reimers``
(the two agree digit for digit; docs/models.md §5.1), and the order of magnitude every LiPF6
carbonate electrolyte has at 1 M and room temperature (D ~ 3e-10 m^2/s, kappa ~ 1 S/m).
"""

import math

import numpy as np
import pytest

from multiscale.dendrite.electrolyte import Electrolyte, constant_from


def reference(c_molar, T):
    d_cm2 = 10 ** (-4.43 - 54 / (T - 229 - 5 * c_molar) - 0.22 * c_molar)
    kappa_mS = c_molar * ((-10.5 + 0.074 * T - 6.96e-5 * T * T) + c_molar * (0.668 - 0.0178 * T + 2.8e-5 * T * T)
                          + c_molar * c_molar * (0.494 - 8.86e-4 * T)) ** 2
    tdf = (0.601 - 0.24 * math.sqrt(c_molar) + 0.982 * (1 - 0.0052 * (T - 294)) * c_molar ** 1.5) / (1 - 0.38)
    return d_cm2 * 1e-4, kappa_mS * 0.1, tdf


@pytest.mark.parametrize("c_molar", [0.1, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("T", [263.0, 298.15, 333.0])
def test_valoen_reimers_matches_the_transcribed_fits(c_molar, T):
    e = Electrolyte()
    d, kappa, tdf = reference(c_molar, T)
    c = 1000.0 * c_molar
    assert e.diffusivity(c, T) == pytest.approx(d, rel=1e-12)
    assert e.conductivity(c, T) == pytest.approx(kappa, rel=1e-12)
    assert e.activity_factor(c, T) == pytest.approx(tdf, rel=1e-12)
    assert e.diffusion_potential_factor(c, T) == pytest.approx(2 * 0.62 * tdf, rel=1e-12)


def test_one_molar_values_are_those_of_a_carbonate_electrolyte():
    e = Electrolyte()
    assert 3.0e-10 < e.diffusivity(1000.0, 298.15) < 3.5e-10
    assert 1.0 < e.conductivity(1000.0, 298.15) < 1.4
    assert e.conductivity(0.0, 298.15) == 0.0  # no salt, no conduction


def test_temperature_outside_the_fits_is_refused():
    with pytest.raises(ValueError, match="263-333 K"):
        Electrolyte().check_temperature(350.0)
    Electrolyte("constant").check_temperature(350.0)


def test_constant_model_and_freezing_a_point():
    e = Electrolyte()
    frozen = constant_from(e, 1000.0, 298.15)
    c = np.array([10.0, 1000.0, 2500.0])
    assert np.all(frozen.diffusivity(c, 320.0) == e.diffusivity(1000.0, 298.15))
    assert np.all(frozen.conductivity(c, 320.0) == e.conductivity(1000.0, 298.15))
    assert np.all(frozen.activity_factor(c, 320.0) == e.activity_factor(1000.0, 298.15))


@pytest.mark.parametrize("kwargs", [{"name": "nyman"}, {"transference_number": 1.0}, {"transference_number": 0.0}])
def test_bad_models_are_refused(kwargs):
    with pytest.raises(ValueError):
        Electrolyte(**kwargs)
