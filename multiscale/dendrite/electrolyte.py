"""Transport properties of a binary 1:1 Li-salt electrolyte (pure functions, SI units).

Concentrated-solution theory for a 1:1 salt (Newman & Thomas-Alyea, *Electrochemical Systems*,
3rd ed., Wiley 2004, ch. 12) needs four functions of the salt concentration c (mol/m^3) and the
temperature T (K): the salt diffusivity D (m^2/s), the conductivity kappa (S/m), the cation
transference number t+ (1) and the thermodynamic factor 1 + dln f+-/dln c (1). The current law
uses them through chi = 2 (1 - t+)(1 + dln f+-/dln c) (docs/models.md §5.1).

Two data sets:

``valoen_reimers``
    LiPF6 in PC/EC/DMC, Valoen & Reimers, J. Electrochem. Soc. 152, A882 (2005),
    doi:10.1149/1.1872737: D, kappa and the thermodynamic factor as fits in (c, T), t+ = 0.38.
    The coefficients were read from two public implementations that agree digit for digit
    (PyBaMM's ``lipf6_Valoen2005`` and MPET's ``valoen_reimers``), not from the paper itself
    (docs/models.md §5.1 says so). The fits are used only inside :data:`VALOEN_REIMERS_RANGE`.
``constant``
    Constant properties (the analytic checks: Sand's time, the steady planar front).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Concentration (mol/m^3) and temperature (K) box in which the Valoen-Reimers fits are used.
#: The published plots span 0-3 M and 263-333 K (second-hand, docs/models.md §5.1); the diffusivity's
#: Vogel-Tammann-Fulcher form diverges at T = 229 K + 5 K/M c, 254 K at 3 M.
VALOEN_REIMERS_RANGE = {"concentration_mol_m3": (0.0, 3000.0), "temperature_K": (263.0, 333.0)}


@dataclass(frozen=True)
class Electrolyte:
    """A binary electrolyte's property model.

    Parameters
    ----------
    name : str
        ``"valoen_reimers"`` or ``"constant"``.
    transference_number : float
        Cation transference number t+ (1), constant in both data sets.
    diffusivity_m2_s, conductivity_S_m, thermodynamic_factor : float
        The ``"constant"`` model's values (ignored by ``"valoen_reimers"``).
    """

    name: str = "valoen_reimers"
    transference_number: float = 0.38
    diffusivity_m2_s: float = 3.2e-10
    conductivity_S_m: float = 1.19
    thermodynamic_factor: float = 1.0

    def __post_init__(self):
        if self.name not in ("valoen_reimers", "constant"):
            raise ValueError(f"unknown electrolyte {self.name!r}: 'valoen_reimers' or 'constant'")
        if not 0.0 < self.transference_number < 1.0:
            raise ValueError("transference_number must lie in (0, 1)")

    def check_temperature(self, temperature_K: float) -> None:
        """Raise ValueError when T lies outside the data set's range."""
        if self.name == "valoen_reimers":
            low, high = VALOEN_REIMERS_RANGE["temperature_K"]
            if not low <= temperature_K <= high:
                raise ValueError(f"the Valoen-Reimers fits are used for {low:g}-{high:g} K, not {temperature_K:g} K")

    def diffusivity(self, c_mol_m3, temperature_K: float):
        """Salt diffusivity D (m^2/s): log10(D / cm^2 s^-1) = -4.43 - 54 / (T - 229 - 5 c) - 0.22 c, c in M."""
        if self.name == "constant":
            return np.full(np.shape(c_mol_m3), self.diffusivity_m2_s)
        c = np.asarray(c_mol_m3) / 1000.0
        return 1e-4 * 10.0 ** (-4.43 - 54.0 / (temperature_K - 229.0 - 5.0 * c) - 0.22 * c)

    def conductivity(self, c_mol_m3, temperature_K: float):
        """Conductivity kappa (S/m); Valoen-Reimers in mS/cm with c in M:
        c [(-10.5 + 0.0740 T - 6.96e-5 T^2) + c (0.668 - 0.0178 T + 2.80e-5 T^2) + c^2 (0.494 - 8.86e-4 T)]^2."""
        if self.name == "constant":
            return np.full(np.shape(c_mol_m3), self.conductivity_S_m)
        c, T = np.asarray(c_mol_m3) / 1000.0, temperature_K
        bracket = (-10.5 + 0.0740 * T - 6.96e-5 * T ** 2) + c * (0.668 - 0.0178 * T + 2.80e-5 * T ** 2) + c ** 2 * (
            0.494 - 8.86e-4 * T)
        return 0.1 * c * bracket ** 2

    def activity_factor(self, c_mol_m3, temperature_K: float):
        """Thermodynamic factor 1 + dln f+- / dln c (1); Valoen-Reimers:
        (1 - t+)(1 + dln f / dln c) = 0.601 - 0.24 c^0.5 + 0.982 [1 - 0.0052 (T - 294)] c^1.5, c in M."""
        if self.name == "constant":
            return np.full(np.shape(c_mol_m3), self.thermodynamic_factor)
        c = np.maximum(np.asarray(c_mol_m3), 0.0) / 1000.0
        product = 0.601 - 0.24 * np.sqrt(c) + 0.982 * (1.0 - 0.0052 * (temperature_K - 294.0)) * c ** 1.5
        return product / (1.0 - self.transference_number)

    def diffusion_potential_factor(self, c_mol_m3, temperature_K: float):
        """chi = 2 (1 - t+)(1 + dln f / dln c) (1): i = -kappa grad(Phi) + kappa chi (RT/F) grad(ln c)."""
        return 2.0 * (1.0 - self.transference_number) * self.activity_factor(c_mol_m3, temperature_K)


def constant_from(model: Electrolyte, c_mol_m3: float, temperature_K: float) -> Electrolyte:
    """The constant-property electrolyte equal to ``model`` at (c, T)."""
    return Electrolyte("constant", model.transference_number, float(model.diffusivity(c_mol_m3, temperature_K)),
                       float(model.conductivity(c_mol_m3, temperature_K)),
                       float(model.activity_factor(c_mol_m3, temperature_K)))


__all__ = ["Electrolyte", "VALOEN_REIMERS_RANGE", "constant_from"]
