"""kMC physics in plain Python: the diffusion mapping, the acceleration, the local heating law."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.constants import K_B_EV
from multiscale.kmc import model as m

A = 2.786e-10  # m
LAWS = dict(D0_surface=5.6e-7, Ea_surface_eV=0.286, D0_bulk=1.52e-5, Ea_bulk_eV=0.55)


def _energetics(**over):
    return m.energetics_from_arrhenius(**{**LAWS, **over}, lattice_spacing_m=A, glassy_barrier_reduction_eV=0.05,
                                       schwoebel_barrier_eV=0.0)


@pytest.mark.parametrize("T", [200.0, 300.0, 450.0])
def test_energetics_reproduce_both_arrhenius_laws_at_every_temperature(T):
    """One set of constants, derived once: a^2 k(1) is the adatom law and f c_v a^2 k(5) the bulk
    law at every temperature (not only where they were mapped)."""
    en = _energetics()
    kt = K_B_EV * T
    assert en.surface_diffusivity(A, T) == pytest.approx(LAWS["D0_surface"] * np.exp(-LAWS["Ea_surface_eV"] / kt), rel=1e-9)
    assert en.bulk_diffusivity(A, T) == pytest.approx(LAWS["D0_bulk"] * np.exp(-LAWS["Ea_bulk_eV"] / kt), rel=1e-9)
    assert en.E_hop_crystal_eV - en.E_hop_glassy_eV == pytest.approx(0.05)


def test_rates_obey_detailed_balance_with_the_bond_free_energy():
    """k(n_i) / k(n_f) = exp(-(n_i - n_f) (E_bond - T S_bond) / k_B T) for a hop and its reverse."""
    en = _energetics()
    for T in (250.0, 400.0):
        g = en.E_bond_eV - T * K_B_EV * en.S_bond_kB
        for ni, nf in ((1, 3), (5, 2), (4, 4)):
            ratio = en.rate(m.CRYSTAL, ni, T) / en.rate(m.CRYSTAL, nf, T)
            assert ratio == pytest.approx(np.exp(-(ni - nf) * g / (K_B_EV * T)), rel=1e-12)


def test_energetics_refuse_laws_without_a_lattice_gas():
    with pytest.raises(ValueError, match="must exceed"):
        _energetics(Ea_surface_eV=0.6)  # surface slower to activate than bulk: no bond
    with pytest.raises(ValueError, match="no barrier"):
        _energetics(Ea_surface_eV=0.04)  # the glassy adatom would hop without a barrier


def test_acceleration_is_a_common_factor():
    en = _energetics()
    table = m.rate_table(en, 300.0)
    scale = m.hop_rate_scale(table, 10.0, 1e3)
    scaled = m.rate_table(en, 300.0, scale)
    assert scaled.max() == pytest.approx(1e4)
    nz = table > 0
    np.testing.assert_allclose(scaled[nz] / table[nz], scale)  # every ratio between hops kept
    assert m.hop_rate_scale(table, 1e20, 1e3) == 1.0  # never speeds hops up


def test_bond_lift_is_lambda_times_the_bond_free_energy_and_its_acceptance_undoes_it():
    """lambda g, g = E_bond / k_B T - S_bond (the exponent of detailed balance per bond); the lifted
    attempt rate times the acceptance of a move that loses bonds gives s(n_i, n_f) k(n_i) with
    s = exp(lift min(n_i, n_f)) (symmetric), and lambda = 0 gives the unlifted table."""
    en = _energetics()
    T = 300.0
    g = en.E_bond_eV / (K_B_EV * T) - en.S_bond_kB
    assert m.bond_lift(en, T, 0.0) == 0.0
    assert m.bond_lift(en, T, 0.5) == pytest.approx(0.5 * g, rel=1e-14)
    lift = m.bond_lift(en, T, 1.0)
    for n in range(1, 6):
        assert m.rate_table(en, T, 0.3, 0.0)[m.GLASSY, n] == pytest.approx(0.3 * en.rate(m.GLASSY, n, T), rel=1e-14)
        assert m.rate_table(en, T, 0.3, lift)[m.CRYSTAL, n] == pytest.approx(
            0.3 * en.rate(m.CRYSTAL, n, T) * np.exp(n * g), rel=1e-12)
    table, accept = m.rate_table(en, T, 1.0, lift), m.uphill_acceptance(lift)
    assert accept[0] == 1.0 and accept[3] == pytest.approx(np.exp(-3 * g), rel=1e-14)
    for ni, nf in ((5, 1), (4, 2), (3, 3), (2, 5)):
        forward = table[m.CRYSTAL, ni] * accept[max(ni - nf, 0)]
        reverse = table[m.CRYSTAL, nf] * accept[max(nf - ni, 0)]
        assert forward / en.rate(m.CRYSTAL, ni, T) == pytest.approx(np.exp(g * min(ni, nf)), rel=1e-12)
        assert forward / reverse == pytest.approx(en.rate(m.CRYSTAL, ni, T) / en.rate(m.CRYSTAL, nf, T), rel=1e-12)


def test_bond_lift_refuses_lambda_outside_the_unit_interval_and_a_bond_with_no_free_energy():
    en = _energetics()
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="hop_scaling_lambda"):
            m.bond_lift(en, 300.0, bad)
    hot = 1.01 * en.E_bond_eV / (K_B_EV * en.S_bond_kB)  # above it E_bond - T S_bond < 0
    assert m.bond_lift(en, hot, 0.0) == 0.0
    with pytest.raises(ValueError, match="bond free energy"):
        m.bond_lift(en, hot, 0.5)
    with pytest.raises(ValueError, match="lift"):
        m.uphill_acceptance(-1.0)


def test_local_heating_law():
    """T = T_bath + dT_top (j / j_heat) min(z / L, 1): linear in height up to L, linear in j."""
    rise = m.heating_rise(np.array([0.0, 5.0, 20.0]), 100.0, 10.0)
    np.testing.assert_allclose(rise, [0.0, 50.0, 200.0])
    T = m.site_temperature(300.0, rise[:, None], np.array([0, 1, 2, 4, 40])[None, :], 4.0)
    np.testing.assert_allclose(T[1], [300.0, 312.5, 325.0, 350.0, 350.0])
    np.testing.assert_allclose(T[0], 300.0)
