"""kMC physics in plain Python (SI): lattice, site states, hop rates, deposition rates.

Lattice
    Simple cubic, spacing a = the Li nearest-neighbour distance (``atomistic.h5``), shape
    (nz, ny, nx), axis order (z, y, x), periodic in x and y; layer z = 0 is the inert substrate.
    Flat site index i = (z * ny + y) * nx + x. Each site is EMPTY, GLASSY (Li), CRYSTAL (Li) or
    SUBSTRATE; every site has 6 nearest neighbours.

Hops (bond counting)
    An atom with n occupied nearest neighbours (substrate included) hops to an empty neighbour
    site t that stays attached (t has an occupied neighbour other than the hopping atom, i.e.
    n(t) >= 2), each target at rate

        k(phase, n) = nu0 * exp(-(E_hop(phase) + n * E_bond) / (k_B T)).

    All hop rates are multiplied by one common factor ``hop_rate_scale`` <= 1 (the acceleration,
    :func:`hop_rate_scale`), which keeps every ratio between hop rates.

Mapping from the atomistic stage (at the bath temperature T; see docs/models.md)
    An adatom on a flat surface (n = 1) has 4 attached targets, so its tracer diffusion
    coefficient is D = a^2 * 4 k / (2 d) = a^2 k(1) (d = 2). Identifying it with D_surface and an
    atom next to a vacancy (n = 5) with D_bulk = a^2 k(5):

        E_bond = k_B T ln(D_surface / D_bulk) / 4,
        E_hop(crystal) = k_B T ln(nu0 a^2 / D_surface) - E_bond,
        E_hop(glassy) = E_hop(crystal) - glassy_barrier_reduction.

Deposition
    Column (x, y) receives atoms at rate F = j(x, y) a^2 / e (one Li+ reduced per electron).

Local heating (optional; seed 004: condensation heat makes the top of a fast-growing deposit hot)
    Steady one-dimensional conduction from the deposit to the thermostatted substrate: a site at
    height z (sites above the substrate) in column (x, y) is at

        T = T_bath + dT_top * (j(x, y) / j_heat) * min(z / L_heat, 1),

    rising linearly with height (heat released at the top flows down to the substrate) and with
    the local deposition rate (the heat flux), saturating above L_heat (beyond it heat leaves
    sideways). Each hop then runs at its own temperature, k(T) = k(T_bath) exp(-E (1/k_B T -
    1/k_B T_bath)) with E = E_hop(phase) + n E_bond: per-site continuous rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import ELEMENTARY_CHARGE, K_B_EV

EMPTY, GLASSY, CRYSTAL, SUBSTRATE = 0, 1, 2, 3
PHASES = (GLASSY, CRYSTAL)
MAX_NEIGHBOURS = 6


@dataclass(frozen=True)
class HopEnergetics:
    """Bond-counting energetics, eV, and attempt frequency, Hz."""

    attempt_frequency_Hz: float
    E_hop_crystal_eV: float
    E_hop_glassy_eV: float
    E_bond_eV: float

    def rate(self, phase: int, n: int, temperature_K: float) -> float:
        """Per-target hop rate k(phase, n) at ``temperature_K``, 1/s (unscaled)."""
        e_hop = self.E_hop_glassy_eV if phase == GLASSY else self.E_hop_crystal_eV
        return self.attempt_frequency_Hz * np.exp(-(e_hop + n * self.E_bond_eV) / (K_B_EV * temperature_K))


def energetics_from_diffusion(
    D_surface: float, D_bulk: float, lattice_spacing_m: float, temperature_K: float,
    attempt_frequency_Hz: float, glassy_barrier_reduction_eV: float,
) -> HopEnergetics:
    """Bond-counting energetics reproducing D_surface = a^2 k(1) and D_bulk = a^2 k(5) at T.

    Parameters
    ----------
    D_surface, D_bulk : float
        Li surface and bulk diffusion coefficients at ``temperature_K``, m^2/s (D_surface > D_bulk).
    lattice_spacing_m : float
        Lattice spacing a, m.
    temperature_K : float
        Temperature at which the mapping is made, K.
    attempt_frequency_Hz : float
        nu0, 1/s.
    glassy_barrier_reduction_eV : float
        E_hop(crystal) - E_hop(glassy), eV (>= 0: glassy Li is more mobile).
    """
    if not D_surface > D_bulk > 0:
        raise ValueError("need D_surface > D_bulk > 0")
    kt = K_B_EV * temperature_K
    e_bond = kt * np.log(D_surface / D_bulk) / 4.0
    e_hop_c = kt * np.log(attempt_frequency_Hz * lattice_spacing_m**2 / D_surface) - e_bond
    if e_hop_c <= 0:
        raise ValueError("attempt frequency too low for D_surface: the hop barrier would be negative")
    return HopEnergetics(attempt_frequency_Hz, float(e_hop_c), float(e_hop_c - glassy_barrier_reduction_eV), float(e_bond))


def rate_table(energetics: HopEnergetics, temperature_K: float, scale: float = 1.0) -> np.ndarray:
    """Per-target hop rates k[phase, n], shape (4, 7), 1/s, times ``scale``; zero for non-atoms."""
    table = np.zeros((4, MAX_NEIGHBOURS + 1))
    for phase in PHASES:
        for n in range(1, MAX_NEIGHBOURS):
            table[phase, n] = scale * energetics.rate(phase, n, temperature_K)
    return table


def hop_rate_scale(table: np.ndarray, deposition_rate_per_site: float, max_hop_to_deposition: float) -> float:
    """Common factor s <= 1 that brings the fastest per-target hop rate of ``table`` to at most
    ``max_hop_to_deposition`` times ``deposition_rate_per_site`` (s = 1 if already below).

    Evaluate it at fixed reference conditions (not each run's own) so that a scan over current
    density or temperature scales every run by the same factor."""
    fastest = float(table.max())
    cap = max_hop_to_deposition * deposition_rate_per_site
    return 1.0 if fastest <= cap else cap / fastest


@dataclass(frozen=True)
class LocalHeating:
    """Per-site temperatures of the local heating model (module docstring).

    Attributes
    ----------
    bath_temperature_K : float
        Substrate (bath) temperature, K.
    rise_K : ndarray, shape (ny, nx)
        Temperature rise at and above height ``length_sites`` in each column, K.
    length_sites : float
        Height above the substrate over which the temperature rises, sites (> 0).
    energetics : HopEnergetics
        Activation energies of the hops (their temperature dependence).
    """

    bath_temperature_K: float
    rise_K: np.ndarray
    length_sites: float
    energetics: HopEnergetics


def heating_rise(current_density_A_m2: np.ndarray, top_rise_K: float, reference_current_density_A_m2: float) -> np.ndarray:
    """Temperature rise at the top of each column, K: dT_top * j / j_heat (heat flux ~ deposition rate)."""
    return top_rise_K * np.asarray(current_density_A_m2, dtype=float) / reference_current_density_A_m2


def site_temperature(bath_temperature_K: float, rise_K: np.ndarray, z: np.ndarray, length_sites: float) -> np.ndarray:
    """T = T_bath + rise * min(z / L_heat, 1), K, for sites at height z (broadcast with ``rise_K``)."""
    return bath_temperature_K + np.asarray(rise_K) * np.minimum(np.asarray(z) / length_sites, 1.0)


def deposition_rates(current_density_A_m2: np.ndarray, lattice_spacing_m: float) -> np.ndarray:
    """Per-column deposition rate F = j a^2 / e, 1/s, same shape as the current density field."""
    return np.asarray(current_density_A_m2, dtype=float) * lattice_spacing_m**2 / ELEMENTARY_CHARGE
