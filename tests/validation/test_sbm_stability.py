"""Linear stability of a plating front in the smoothed-boundary model against the analytic dispersion
relation of docs/models.md §5.1 (derived there; quasi-steady, constant properties, a Li counter
electrode where the current enters uniformly):

    omega(k) = (Omega/F) k [Lambda j0 - K_D gamma Omega k^2 / (F R_ct)] / [K_D k + Lambda coth(k L)] - B k^4

with K_D = F D / (1 - t+), 1/R_ct = dj/dPhi of Butler-Volmer at the front, P' = F D / ((1 - t+) kappa)
+ chi RT / (F c_s) and Lambda = a_a j0 / c_s + P' / R_ct.

Operating point where the growth is measurable within seconds (a check of the model, not a battery
condition): 50 um gap, j0 = 800 A/m^2 (0.4 of this cell's limiting current), i0 = 1e4 A/m^2,
gamma = 0.5 J/m^2, B = 5e-30 m^4/s. The planar steady state is computed in 1D, then a
perturbation k A = 0.02 is added and its growth read from each backward-Euler step
(a'/a = 1 / (1 - omega dt)).
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from multiscale.constants import FARADAY, GAS_CONSTANT
from multiscale.dendrite.electrolyte import Electrolyte
from multiscale.dendrite.sbm import Cell, ElectrodepositionSystem, SbmNumerics, graded_spacing, logistic_profile

from .sbm_modes import mode_growth_rates

D, T_PLUS, KAPPA = 3.2e-10, 0.38, 1.19
CELL = Cell(electrolyte=Electrolyte("constant", T_PLUS, D, KAPPA, 1.0), exchange_current_density_A_m2=1e4)
J0, GAP_UM, FRONT_UM, WIDTH_UM = 800.0, 50.0, 2.0, 0.1
H = WIDTH_UM / 2
DX = graded_spacing(H, 5.0, FRONT_UM + GAP_UM, 1.08)
X = np.cumsum(DX) - DX / 2


def analytic_growth_rate(wavelength_um):
    f = FARADAY / (GAS_CONSTANT * CELL.temperature_K)
    t_minus = 1 - T_PLUS
    c_s = 1000.0 - J0 * t_minus / (FARADAY * D) * GAP_UM * 1e-6 / 2
    eta = brentq(lambda q: 1e4 * math.sqrt(c_s / 1000) * (math.exp(-0.5 * f * q) - math.exp(0.5 * f * q)) - J0, -2, 0)
    inverse_rct = f * 1e4 * math.sqrt(c_s / 1000) * 0.5 * (math.exp(-0.5 * f * eta) + math.exp(0.5 * f * eta))
    k_d = FARADAY * D / t_minus
    p_slope = FARADAY * D / (t_minus * KAPPA) + 2 * t_minus / (f * c_s)
    lam = 0.5 * J0 / c_s + p_slope * inverse_rct
    omega, gamma, b = CELL.molar_volume_m3_mol, CELL.interface_energy_J_m2, CELL.surface_diffusion_B_m4_s
    k, gap = 2 * math.pi / (wavelength_um * 1e-6), GAP_UM * 1e-6
    return ((omega / FARADAY) * k * (lam * J0 - k_d * gamma * omega * k * k * inverse_rct / FARADAY)
            / (k_d * k + lam / math.tanh(k * gap)) - b * k ** 4)


@pytest.fixture(scope="module")
def steady_base():
    base = ElectrodepositionSystem(CELL, DX, 1, H, J0, numerics=SbmNumerics(interface_width=WIDTH_UM, dt_initial=1e-3,
                                                                             dt_max=2.0))
    base.initialise(logistic_profile(X - FRONT_UM, WIDTH_UM)[None, :])
    base.advance(40.0)  # 5 L^2 / D
    return base.state()


def measured_growth_rate(base, wavelength_um, steps=6):
    ny = int(round(wavelength_um / H))
    k = 2 * math.pi / wavelength_um
    system = ElectrodepositionSystem(CELL, DX, ny, H, J0, numerics=SbmNumerics(interface_width=WIDTH_UM, dt_max=1e9,
                                                                               max_change=1.0))
    y = (np.arange(ny) + 0.5) * H
    front = FRONT_UM + 0.02 / k * np.cos(k * y)
    system.initialise(logistic_profile(X[None, :] - front[:, None], WIDTH_UM))
    system.set_state({**system.state(), "c": np.tile(base["c"], ny), "phi": np.tile(base["phi"], ny)})
    system.mark_step_start()
    dt = 0.1 / abs(analytic_growth_rate(wavelength_um))

    return mode_growth_rates(system, dt, steps)


@pytest.mark.slow
def test_growth_rate_follows_the_dispersion_relation(steady_base):
    """Reference: omega(k) above at lambda = 2, 5, 10 um (0.028-0.040 1/s, all growing); tolerance 10 %
    on the growth rate of each step after the first (the first carries the start's relaxation)."""
    for wavelength in (2.0, 5.0, 10.0):
        rates = measured_growth_rate(steady_base, wavelength)[1:]
        assert np.all(np.abs(rates / analytic_growth_rate(wavelength) - 1) < 0.10), (wavelength, rates)
