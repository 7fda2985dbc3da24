"""Anodic dissolution of the lattice's Li (stripping) in plain Python, SI (docs/models.md §4.8).

Dissolution is a hop into the electrolyte. An atom of ``phase`` with n occupied neighbours
(1 <= n <= 5: it has an empty neighbour) leaves as an ion at

    k_d(phase, n, eta) = F0 k(phase, n) / k(crystal, 3) exp(alpha_a e eta / k_B T),

with k the unaccelerated per-target hop rate of ``model`` (bond free energy n G_bond and the
phase's hop barrier: lower-coordinated atoms leave first, glassy atoms leave exp(dE / k_B T)
faster at equal n, dE = glassy_barrier_reduction_eV, the only difference between the phases) and
F0 = i0 a^2 / e the rate at which ions are reduced on one column at zero overpotential. The
prefactor comes from the kink (half-crystal, n = 3) equilibrium: taking a kink atom away or adding
one leaves the crystal's free energy unchanged, so at eta = 0 a kink atom dissolves as often as a
column receives an ion (Kossel crystal; Markov, Crystal Growth for Beginners, 3rd ed., ch. 1).
Every constant is fixed for a run: the temperature enters through the Boltzmann factors of k.
The rates are not multiplied by the hop acceleration ``hop_rate_scale``: like deposition,
dissolution runs at its physical rate.

Galvanostatic one-way stripping (``kmc.exchange = "one_way"``) at current density j: ions leave
at the fixed total rate R = j A / e (one electron an event, so the charge is exact) and each
dissolution takes an atom with probability k_d(phase, n, 0) / S, S = sum over the surface of
k_d(phase, n, 0). Redeposition during stripping (the cathodic branch) is not simulated: the
events are those of the anodic branch alone (the reversible exchange, ``"reversible"``, runs both
branches at the eta below, with C counted on the lattice: ``_kernels.exchange_split``). The
overpotential is the Butler-Volmer one at which the surface carries the net current,

    S x - C x^(-alpha_c / alpha_a) = R,   x = exp(alpha_a e eta / k_B T),   C = i0 A / e

(C: ions reduced on the electrode at eta = 0). eta < 0 when S > R + C: a surface rich in
low-coordinated atoms strips below the potential of the kink reference. As the Li runs out S falls
and eta rises; the cut-off eta_cut is reached when S falls below
(R + C x_cut^(-alpha_c / alpha_a)) / x_cut (:func:`strip_floor`).

Potentiostatic (the reversible exchange; the Butler-Volmer check): every atom dissolves at
k_d(phase, n, eta), and ions are reduced at F0 exp(-alpha_c e eta / k_B T) on every empty site with
1 <= n <= 5 occupied neighbours that touches live Li or the collector, whatever its n: the reverse of
the dissolution of an atom with the site's n, so at eta = 0 an atom with n bonds and its empty site
are in the ratio exp((n - 3) G_bond / k_B T) (detailed balance; the kink is the reference).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ..constants import ELEMENTARY_CHARGE, K_B_EV
from .model import CRYSTAL, MAX_NEIGHBOURS, PHASES, HopEnergetics

#: Occupied neighbours of a kink (half-crystal) site on the simple cubic lattice.
KINK_NEIGHBOURS = 3


def column_exchange_rate(exchange_current_density_A_m2: float, spacing_m: float) -> float:
    """F0 = i0 a^2 / e: ions reduced on one column at zero overpotential, 1/s."""
    return exchange_current_density_A_m2 * spacing_m**2 / ELEMENTARY_CHARGE


def dissolution_table(energetics: HopEnergetics, temperature_K: float, exchange_current_density_A_m2: float,
                      spacing_m: float) -> np.ndarray:
    """k_d[phase, n] at zero overpotential, shape (4, 7), 1/s; zero where an atom cannot dissolve
    (n = 0 or 6, non-Li rows)."""
    f0 = column_exchange_rate(exchange_current_density_A_m2, spacing_m)
    kink = energetics.rate(CRYSTAL, KINK_NEIGHBOURS, temperature_K)
    table = np.zeros((4, MAX_NEIGHBOURS + 1))
    for phase in PHASES:
        for n in range(1, MAX_NEIGHBOURS):
            table[phase, n] = f0 * energetics.rate(phase, n, temperature_K) / kink
    return table


def thermal_voltage(temperature_K: float) -> float:
    """k_B T / e, V."""
    return K_B_EV * temperature_K


def overpotential(strip_rate: float, dissolution_sum: float, exchange_rate: float, alpha_a: float, alpha_c: float,
                  temperature_K: float) -> float:
    """eta of a galvanostatic exchange, V: the root of S x - C x^(-alpha_c / alpha_a) = R (module
    docstring; R = ``strip_rate``, net dissolutions a second, < 0 when plating; S =
    ``dissolution_sum``, C = ``exchange_rate``, all 1/s); inf when R >= 0 and nothing can dissolve,
    -inf when R < 0 and nothing can be reduced (C = 0)."""
    if dissolution_sum <= 0.0 and strip_rate >= 0.0:
        return float("inf")
    if exchange_rate <= 0.0 and strip_rate <= 0.0:
        return float("-inf")
    if dissolution_sum <= 0.0:  # plating with nothing to dissolve: the cathodic branch alone carries R
        return -thermal_voltage(temperature_K) / alpha_c * float(np.log(-strip_rate / exchange_rate))
    r = alpha_c / alpha_a

    def net(y):  # y = ln x; increasing in y
        return dissolution_sum * np.exp(y) - exchange_rate * np.exp(-r * y) - strip_rate

    lo, hi = -1.0, 1.0
    while net(lo) > 0.0:
        lo *= 2.0
    while net(hi) < 0.0:
        hi *= 2.0
    y = brentq(net, lo, hi, xtol=1e-14, rtol=1e-12)
    return thermal_voltage(temperature_K) / alpha_a * float(y)


def strip_floor(strip_rate: float, exchange_rate: float, cutoff_V: float, alpha_a: float, alpha_c: float,
                temperature_K: float) -> float:
    """Summed surface dissolution rate (eta = 0) below which eta exceeds ``cutoff_V``, 1/s:
    (R + C x_cut^(-alpha_c / alpha_a)) / x_cut."""
    anodic, cathodic = butler_volmer_factors(cutoff_V, alpha_a, alpha_c, temperature_K)
    return (strip_rate + exchange_rate * cathodic) / anodic


def butler_volmer_factors(eta_V: float, alpha_a: float, alpha_c: float, temperature_K: float) -> tuple[float, float]:
    """(exp(alpha_a e eta / k_B T), exp(-alpha_c e eta / k_B T)): the anodic and cathodic factors."""
    f = eta_V / thermal_voltage(temperature_K)
    return float(np.exp(alpha_a * f)), float(np.exp(-alpha_c * f))
