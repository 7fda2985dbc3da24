"""Physical constants and lithium data, SI units.

CODATA 2018 exact values for the defining constants; lithium data with their sources.
Energies used by the rate models are quoted in eV (``K_B_EV``) because every activation
energy in the Li literature is; conversions go through ``ELEMENTARY_CHARGE``.
"""

AVOGADRO = 6.02214076e23  # 1/mol, exact
ELEMENTARY_CHARGE = 1.602176634e-19  # C, exact
BOLTZMANN = 1.380649e-23  # J/K, exact
FARADAY = AVOGADRO * ELEMENTARY_CHARGE  # C/mol
GAS_CONSTANT = AVOGADRO * BOLTZMANN  # J/(mol K)
K_B_EV = BOLTZMANN / ELEMENTARY_CHARGE  # eV/K

#: Molar mass of natural Li, kg/mol (IUPAC standard atomic weight 6.94).
LI_MOLAR_MASS = 6.94e-3
#: bcc Li lattice constant, m (seed 004, Experimental Section: 3.51 Å).
LI_LATTICE_CONSTANT = 3.51e-10
#: Li atomic volume a^3 / 2 (two atoms per bcc cubic cell), m^3.
LI_ATOMIC_VOLUME = LI_LATTICE_CONSTANT**3 / 2
#: Spacing of the simple cubic kMC lattice, Omega^(1/3), m: one site per Li atomic volume (docs/models.md §4.2).
LI_KMC_SPACING = LI_ATOMIC_VOLUME ** (1.0 / 3.0)
PLANCK = 6.62607015e-34  # J s, exact

# Unit factors, named by direction: a value in the unit on the right times the factor is SI
# (``x_nm * M_PER_NM`` is metres; ``x_m / M_PER_NM`` is nanometres).
M_PER_NM = 1.0e-9  # m per nm
M_PER_UM = 1.0e-6  # m per um
A_M2_PER_MA_CM2 = 10.0  # A/m^2 per mA/cm^2
C_M2_PER_MAH_CM2 = 3600.0 * A_M2_PER_MA_CM2  # C/m^2 per mAh/cm^2
M2_S_PER_CM2_S = 1.0e-4  # m^2/s per cm^2/s
V_PER_MV = 1.0e-3  # V per mV
