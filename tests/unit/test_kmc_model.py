"""kMC physics in plain Python: the diffusion mapping, the acceleration, the local heating law."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.kmc import model as m

A = 3.04e-10  # m


def test_energetics_reproduce_surface_and_bulk_diffusion():
    """By construction D_surface = a^2 k(1) and D_bulk = a^2 k(5) at the mapping temperature."""
    en = m.energetics_from_diffusion(7.65e-12, 7.65e-15, A, 300.0, 1e13, 0.05)
    assert A**2 * en.rate(m.CRYSTAL, 1, 300.0) == pytest.approx(7.65e-12, rel=1e-12)
    assert A**2 * en.rate(m.CRYSTAL, 5, 300.0) == pytest.approx(7.65e-15, rel=1e-12)
    assert en.E_hop_crystal_eV - en.E_hop_glassy_eV == pytest.approx(0.05)
    with pytest.raises(ValueError):
        m.energetics_from_diffusion(1e-15, 1e-12, A, 300.0, 1e13, 0.05)  # surface slower than bulk


def test_acceleration_is_a_common_factor():
    en = m.energetics_from_diffusion(7.65e-12, 7.65e-15, A, 300.0, 1e13, 0.05)
    table = m.rate_table(en, 300.0)
    scale = m.hop_rate_scale(table, 10.0, 1e3)
    scaled = m.rate_table(en, 300.0, scale)
    assert scaled.max() == pytest.approx(1e4)
    nz = table > 0
    np.testing.assert_allclose(scaled[nz] / table[nz], scale)  # every ratio between hops kept
    assert m.hop_rate_scale(table, 1e20, 1e3) == 1.0  # never speeds hops up


def test_local_heating_law():
    """T = T_bath + dT_top (j / j_heat) min(z / L, 1): linear in height up to L, linear in j."""
    rise = m.heating_rise(np.array([0.0, 5.0, 20.0]), 100.0, 10.0)
    np.testing.assert_allclose(rise, [0.0, 50.0, 200.0])
    T = m.site_temperature(300.0, rise[:, None], np.array([0, 1, 2, 4, 40])[None, :], 4.0)
    np.testing.assert_allclose(T[1], [300.0, 312.5, 325.0, 350.0, 350.0])
    np.testing.assert_allclose(T[0], 300.0)
