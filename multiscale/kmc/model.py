"""kMC physics in plain Python (SI): lattice, site states, move rates, deposition rates.

Lattice
    Simple cubic with spacing a = Omega^(1/3), Omega = Li's atomic volume (``atomistic.h5``), so
    that a dense deposit of N atoms on an area A is N Omega / A thick. Shape (nz, ny, nx), axis
    order (z, y, x), periodic in x and y; layer z = 0 is the inert substrate. Flat site index
    i = (z * ny + y) * nx + x. Each site is EMPTY, GLASSY (Li), CRYSTAL (Li) or SUBSTRATE; every
    site has 6 nearest neighbours.

Moves (bond counting with a bond free energy)
    An atom with n occupied nearest neighbours (substrate included) hops to an empty neighbour
    site t that stays attached (t has an occupied neighbour other than the hopping atom), or
    makes a step move over an edge (``_kernels`` docstring: down from an edge, or up onto one), at

        k(phase, n) = nu0 exp(n S_bond / k_B) exp(-(E_hop(phase) + n E_bond) / (k_B T))

    per target, a step move times exp(-E_ES / (k_B T)). G_bond = E_bond - T S_bond is the free
    energy of a bond (S_bond: its vibrational entropy), so the rates obey detailed balance with
    the lattice-gas free energy -G_bond x (bonds). Every constant is fixed for a run; T enters
    only through the Boltzmann factors. All rates are multiplied by one common factor
    ``hop_rate_scale`` <= 1 (the acceleration, :func:`hop_rate_scale`), and, with the bond-lift
    scaling (:func:`bond_lift`), a move from n_i to n_f bonds by exp(lambda g min(n_i, n_f)),
    symmetric, so that the equilibrium stays the lattice gas's.

Mapping from the atomistic Arrhenius laws (once, whatever the run temperature; docs/models.md §4.2)
    Surface: a lone adatom on a flat film (n = 1) has 4 targets, so D_surface = a^2 k(1):
        Ea_surface = E_hop + E_bond,            D0_surface = a^2 nu0 exp(S_bond / k_B).
    Bulk: the lattice gas's own vacancies. Making a vacancy moves an atom from the bulk (6 bonds)
    to a kink site (3 bonds), so c_v = exp(3 S_bond / k_B) exp(-3 E_bond / k_B T); an atom next to
    a vacancy (n = 5) exchanges with it at k(5); the tracer correlation factor of the simple cubic
    lattice is f = 0.6531 (Compaan & Haven, Trans. Faraday Soc. 52, 786 (1956)). So
    D_bulk = f c_v a^2 k(5):
        Ea_bulk = E_hop + 8 E_bond,             D0_bulk = f a^2 nu0 exp(8 S_bond / k_B).
    Hence E_bond = (Ea_bulk - Ea_surface) / 7, E_hop(crystal) = Ea_surface - E_bond,
    S_bond = k_B ln(D0_bulk / (f D0_surface)) / 7, nu0 = D0_surface / (a^2 exp(S_bond / k_B)),
    E_hop(glassy) = E_hop(crystal) - glassy_barrier_reduction.

Deposition
    Column (x, y) receives atoms at rate F = j(x, y) a^2 / e (one Li+ reduced per electron).

Local heating (optional; seed 004: condensation heat makes the top of a fast-growing deposit hot)
    Steady one-dimensional conduction from the deposit to the thermostatted substrate: a site at
    height z (sites above the substrate) in column (x, y) is at

        T = T_bath + dT_top * (j(x, y) / j_heat) * min(z / L_heat, 1),

    rising linearly with height (heat released at the top flows down to the substrate) and with
    the local deposition rate (the heat flux), saturating above L_heat (beyond it heat leaves
    sideways). Each move then runs at its own temperature, k(T) = k(T_bath) exp(-E (1/k_B T -
    1/k_B T_bath)) with E = E_hop(phase) + n E_bond (+ E_ES for a step move): per-site rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import ELEMENTARY_CHARGE, K_B_EV

EMPTY, GLASSY, CRYSTAL, SUBSTRATE = 0, 1, 2, 3
PHASES = (GLASSY, CRYSTAL)
MAX_NEIGHBOURS = 6


#: Tracer correlation factor of vacancy diffusion on the simple cubic lattice (Compaan & Haven,
#: Trans. Faraday Soc. 52, 786 (1956)).
SC_CORRELATION_FACTOR = 0.6531
#: Bonds broken to make a vacancy on the simple cubic lattice: 6 in the bulk, 3 regained at a kink.
VACANCY_BONDS = 3
#: Bonds in the bulk activation energy: the 5 of an atom next to a vacancy plus the vacancy's formation.
BULK_ACTIVATION_BONDS = 5 + VACANCY_BONDS


@dataclass(frozen=True)
class HopEnergetics:
    """Constants of the move rates (module docstring): energies in eV, the bond entropy in k_B,
    the attempt frequency nu0 in Hz."""

    attempt_frequency_Hz: float
    E_hop_crystal_eV: float
    E_hop_glassy_eV: float
    E_bond_eV: float
    S_bond_kB: float
    E_ES_eV: float

    def activation_energy(self, phase: int, n: int) -> float:
        """E_hop(phase) + n E_bond, eV: the barrier of a hop from a site with n occupied neighbours."""
        return (self.E_hop_glassy_eV if phase == GLASSY else self.E_hop_crystal_eV) + n * self.E_bond_eV

    def rate(self, phase: int, n: int, temperature_K: float) -> float:
        """Per-target hop rate k(phase, n) at ``temperature_K``, 1/s (unscaled)."""
        return float(self.attempt_frequency_Hz * np.exp(n * self.S_bond_kB)
                     * np.exp(-self.activation_energy(phase, n) / (K_B_EV * temperature_K)))

    def step_factor(self, temperature_K: float) -> float:
        """exp(-E_ES / k_B T): a step move over an edge relative to a hop of the same atom."""
        return float(np.exp(-self.E_ES_eV / (K_B_EV * temperature_K)))

    def vacancy_fraction(self, temperature_K: float) -> float:
        """Equilibrium vacancy site fraction of the lattice gas, c_v = exp(3 S_bond) exp(-3 E_bond / k_B T)."""
        return float(np.exp(VACANCY_BONDS * (self.S_bond_kB - self.E_bond_eV / (K_B_EV * temperature_K))))

    def adatom_fraction(self, temperature_K: float) -> float:
        """Equilibrium adatom coverage of a flat terrace: moving a kink atom (3 bonds) onto the
        terrace (1 bond) costs 2 bond free energies, exp(2 S_bond) exp(-2 E_bond / k_B T)."""
        return float(np.exp(2 * (self.S_bond_kB - self.E_bond_eV / (K_B_EV * temperature_K))))

    def surface_diffusivity(self, spacing_m: float, temperature_K: float) -> float:
        """Tracer diffusion coefficient of a crystalline adatom on a flat film, a^2 k(1), m^2/s."""
        return spacing_m**2 * self.rate(CRYSTAL, 1, temperature_K)

    def bulk_diffusivity(self, spacing_m: float, temperature_K: float) -> float:
        """Tracer diffusion coefficient of crystalline Li with its equilibrium vacancies, f c_v a^2 k(5), m^2/s."""
        return SC_CORRELATION_FACTOR * self.vacancy_fraction(temperature_K) * spacing_m**2 * self.rate(CRYSTAL, 5, temperature_K)


def energetics_from_arrhenius(
    D0_surface: float, Ea_surface_eV: float, D0_bulk: float, Ea_bulk_eV: float, lattice_spacing_m: float,
    glassy_barrier_reduction_eV: float, schwoebel_barrier_eV: float,
) -> HopEnergetics:
    """The constants that reproduce the surface and bulk Arrhenius laws at every temperature.

    Parameters
    ----------
    D0_surface, Ea_surface_eV : float
        Adatom (surface) diffusion prefactor, m^2/s, and activation energy, eV.
    D0_bulk, Ea_bulk_eV : float
        Bulk self-diffusion prefactor, m^2/s, and activation energy, eV (Ea_bulk > Ea_surface).
    lattice_spacing_m : float
        Lattice spacing a, m.
    glassy_barrier_reduction_eV : float
        E_hop(crystal) - E_hop(glassy), eV (>= 0: glassy Li is more mobile).
    schwoebel_barrier_eV : float
        Extra barrier E_ES of a step move over an edge, eV (>= 0).

    Raises
    ------
    ValueError
        When the laws give no positive bond energy, or a glassy adatom a barrier <= 0.
    """
    if not (D0_surface > 0 and D0_bulk > 0):
        raise ValueError("the diffusion prefactors must be positive")
    e_bond = (Ea_bulk_eV - Ea_surface_eV) / (BULK_ACTIVATION_BONDS - 1)  # the adatom's activation has 1 bond
    if e_bond <= 0:
        raise ValueError(f"Ea_bulk ({Ea_bulk_eV:g} eV) must exceed Ea_surface ({Ea_surface_eV:g} eV): the bond energy "
                         "(Ea_bulk - Ea_surface) / 7 would not be positive")
    e_hop = Ea_surface_eV - e_bond
    if Ea_surface_eV - glassy_barrier_reduction_eV <= 0:
        raise ValueError(f"glassy_barrier_reduction_eV = {glassy_barrier_reduction_eV:g} eV leaves a glassy adatom no barrier "
                         f"(Ea_surface = {Ea_surface_eV:g} eV)")
    if schwoebel_barrier_eV < 0:
        raise ValueError("the Ehrlich-Schwoebel barrier must be >= 0")
    s_bond = np.log(D0_bulk / (SC_CORRELATION_FACTOR * D0_surface)) / (BULK_ACTIVATION_BONDS - 1)
    nu0 = D0_surface / (lattice_spacing_m**2 * np.exp(s_bond))
    return HopEnergetics(float(nu0), float(e_hop), float(e_hop - glassy_barrier_reduction_eV), float(e_bond),
                         float(s_bond), float(schwoebel_barrier_eV))


def rate_table(energetics: HopEnergetics, temperature_K: float, scale: float = 1.0, lift: float = 0.0) -> np.ndarray:
    """Per-target hop attempt rates k[phase, n] exp(lift n), shape (4, 7), 1/s, times ``scale``;
    zero for non-atoms. ``lift`` = lambda g of the bond-lift scaling (:func:`bond_lift`; 0: none)."""
    table = np.zeros((4, MAX_NEIGHBOURS + 1))
    for phase in PHASES:
        for n in range(1, MAX_NEIGHBOURS):
            table[phase, n] = scale * energetics.rate(phase, n, temperature_K) * np.exp(lift * n)
    return table


def bond_lift(energetics: HopEnergetics, temperature_K: float, hop_scaling_lambda: float) -> float:
    """lambda g, g = E_bond / k_B T - S_bond / k_B at ``temperature_K``: the exponent per bond of
    the bond-lift scaling.

    A move from a site with n_i bonds to one where the atom has n_f runs at
    s0 exp(lambda g min(n_i, n_f)) k(phase, n_i): a factor symmetric in n_i and n_f, so each move
    and its reverse are scaled alike and the equilibrium is the lattice gas's (detailed balance
    holds for any symmetric factor; k(n_i) / k(n_f) = exp(-g (n_i - n_f)) at the run's temperature).
    The kernel proposes every move at the bound exp(lambda g n_i) (:func:`rate_table` with ``lift``)
    and accepts one that loses bonds with :func:`uphill_acceptance`. The stage takes g at the
    acceleration's reference temperature, as the common factor s, so that every run of a scan
    scales each move by the same factor (and lambda = 1 is Metropolis dynamics at that
    temperature); one g for all sites, since a lift at each site's own temperature would scale a
    move and its reverse differently. docs/models.md §4.2.

    Raises
    ------
    ValueError
        When ``hop_scaling_lambda`` is outside [0, 1], or it is > 0 and the bond free energy
        g k_B T is not positive at ``temperature_K`` (losing a bond would not be uphill).
    """
    if not 0.0 <= hop_scaling_lambda <= 1.0:
        raise ValueError(f"hop_scaling_lambda must be in [0, 1], got {hop_scaling_lambda}")
    g = energetics.E_bond_eV / (K_B_EV * temperature_K) - energetics.S_bond_kB
    if hop_scaling_lambda > 0.0 and g <= 0.0:
        raise ValueError(f"the bond free energy E_bond - T S_bond is {g * K_B_EV * temperature_K:.4g} eV at "
                         f"{temperature_K:g} K: the bond-lift scaling needs it > 0")
    return float(hop_scaling_lambda * g)


def uphill_acceptance(lift: float) -> np.ndarray:
    """Acceptance of a proposed move that loses dn = n_i - n_f bonds, exp(-lift dn), float64[7]
    indexed by dn (1 at dn = 0; moves that gain bonds are always accepted). ``lift`` from :func:`bond_lift`.

    Raises
    ------
    ValueError
        When ``lift`` < 0.
    """
    if lift < 0.0:
        raise ValueError(f"lift must be >= 0, got {lift}")
    return np.exp(-lift * np.arange(MAX_NEIGHBOURS + 1))


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
