"""Curated material tables used by several stages, each entry with its source.

The ground floor of the package: it imports only :mod:`multiscale.constants`, so the parameter
models (which validate material names) and the stages (which read the values) can both use it.

Seeds (``../shared/seeds`` in the project workspace): 000 = Wang et al., Nat. Mater. 2020;
002 = Yan et al., APL 2020; 004 = Jiao et al., Adv. Sci. 2022.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import M2_S_PER_CM2_S

SEED_000 = "seed 000 (Wang et al., Nat. Mater. 2020)"
SEED_002 = "seed 002 (Yan et al., APL 2020)"
SEED_004 = "seed 004 (Jiao et al., Adv. Sci. 2022)"


@dataclass(frozen=True)
class Coating:
    """Li diffusivity range in a coating material at 25 °C (seed 002, Table I), m^2/s."""

    material: str
    D_min: float
    D_max: float
    temperature_K: float
    method: str
    reference: str


_T25 = 298.15
COATINGS: tuple[Coating, ...] = (
    Coating("Li22Sn5", 1.9e-7 * M2_S_PER_CM2_S, 5.9e-7 * M2_S_PER_CM2_S, _T25, "GITT", f"{SEED_002}, Table I (ref. 44)"),
    Coating("Li3Bi", 1.0e-6 * M2_S_PER_CM2_S, 3.0e-6 * M2_S_PER_CM2_S, _T25, "GITT", f"{SEED_002}, Table I (ref. 104)"),
    Coating("LiZn", 4.0e-8 * M2_S_PER_CM2_S, 4.0e-7 * M2_S_PER_CM2_S, _T25, "GITT", f"{SEED_002}, Table I (refs. 24, 44)"),
    Coating("LixAg", 0.12e-8 * M2_S_PER_CM2_S, 4.0e-8 * M2_S_PER_CM2_S, _T25, "GITT (x = 4.7-5.0)", f"{SEED_002}, Table I (ref. 106)"),
    Coating("Li-Mg", 1.0e-11 * M2_S_PER_CM2_S, 1.0e-8 * M2_S_PER_CM2_S, _T25,
            "beta phase; GITT ~1e-8, neutron tomography ~1e-11, Sand's equation 2.3e-11 cm2/s",
            f"{SEED_002}, Table I (refs. 23, 107, 108)"),
)

#: Material names of :data:`COATINGS`, in table order.
COATING_MATERIALS: tuple[str, ...] = tuple(c.material for c in COATINGS)


def coating(material: str) -> Coating:
    """The Table I entry for ``material``."""
    for entry in COATINGS:
        if entry.material == material:
            return entry
    raise KeyError(material)
