"""The rules that carry results from one scale to the next (docs/models.md §8).

Every input is read through the upstream stage's declared handoffs (:mod:`multiscale.stage`);
every rule returns its value with a sentence saying where it came from, which the stage writes
into its file's attributes.

- kMC -> dendrite: :func:`initial_roughness` (the kMC height statistics averaged to the phase
  field's patches), :func:`anisotropy` (crystalline fraction -> capillary anisotropy) and
  :func:`surface_diffusion` (the kMC's measured Mullins B; else atomistic -> dendrite, from D_surface(T));
- coating -> dendrite: :func:`on_top_current` (the current that plates on top of a coating);
- atomistic -> coating: :func:`coating_diffusivity` (seed 002 Table I, by material);
- complexion -> coating: :func:`coating_thickness` (a self-limiting coating of thickness h_EQ).

(atomistic -> kMC: the hop energetics, in :mod:`multiscale.kmc.model`, read through the handoffs
of :mod:`multiscale.atomistic.outputs`.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .coating.outputs import ON_TOP_CURRENT_DENSITY
from .coating.params import CoatingParams
from .complexion.outputs import COMPLEXION_CLASS, EQUILIBRIUM_THICKNESS
from .constants import BOLTZMANN, ELEMENTARY_CHARGE, M_PER_NM, M_PER_UM
from .atomistic.outputs import ATOMIC_VOLUME, D0_SURFACE, EA_SURFACE
from .dendrite.params import FRONT_MARGIN_WIDTHS, DendriteParams
from .errors import UserError
from .kmc.outputs import (
    CORRELATION_LENGTH,
    CRYSTALLINE_FRACTION,
    MULLINS_B,
    MULLINS_B_STDERR,
    RELAXATION_EXPONENT,
    RELAXATION_EXPONENT_STDERR,
    ROUGHNESS_SIGMA,
)
from .stage import read_handoff, read_handoffs


@dataclass(frozen=True)
class KmcHandoff:
    """What the kMC hands to the phase field (SI): the rms roughness (m) of its final deposit (a
    cycling run's after cycle 1's plating), its lateral correlation length (m), its crystalline
    fraction, and the surface relaxation law r = B k^4 (B, m^4/s) with
    the exponent measured in its place (docs/models.md §4.7)."""

    roughness_sigma: float
    correlation_length: float
    crystalline_fraction: float
    mullins_B: float
    mullins_B_stderr: float
    relaxation_exponent: float
    relaxation_exponent_stderr: float


def read_kmc_handoff(kmc_path: Path) -> KmcHandoff:
    """The kMC handoff of a complete ``kmc.h5``."""
    return KmcHandoff(*(float(value) for value in read_handoffs(kmc_path, (
        ROUGHNESS_SIGMA, CORRELATION_LENGTH, CRYSTALLINE_FRACTION, MULLINS_B, MULLINS_B_STDERR, RELAXATION_EXPONENT,
        RELAXATION_EXPONENT_STDERR))))


def surface_diffusion(handoff: KmcHandoff | None, atomistic_path: Path, temperature_K: float,
                      interface_energy_J_m2: float) -> tuple[float, str]:
    """Mullins coefficient B (m^4/s) of the phase field's surface diffusion, and where it came from.

    From the kMC when it ran (its measured r = B k^4 at this run's temperature, docs/models.md §4.7),
    else from ``atomistic.h5``: B = D_s nu gamma Omega_at^2 / (k_B T) (Mullins, J. Appl. Phys. 30, 77
    (1959)) with D_s = D0_surface exp(-Ea_surface / k_B T), Omega_at the atomic volume and nu =
    Omega_at^(-2/3) -- every surface atom mobile, an upper bound (the kMC counts only the adatoms).
    """
    if handoff is not None:
        return float(handoff.mullins_B), (
            f"kmc.h5 surface_kinetics: B = {handoff.mullins_B:.3g} +- {handoff.mullins_B_stderr:.2g} m4/s at the run "
            f"temperature (measured exponent {handoff.relaxation_exponent:.2f} +- "
            f"{handoff.relaxation_exponent_stderr:.2f} at nm wavelengths; the phase field assumes 4)")
    d0, ea, volume = (float(value) for value in read_handoffs(atomistic_path, (D0_SURFACE, EA_SURFACE, ATOMIC_VOLUME)))
    d_s = d0 * math.exp(-ea * ELEMENTARY_CHARGE / (BOLTZMANN * temperature_K))
    value = d_s * volume ** (-2.0 / 3.0) * interface_energy_J_m2 * volume ** 2 / (BOLTZMANN * temperature_K)
    return value, (f"atomistic.h5: D_surface({temperature_K:g} K) = {d_s:.3g} m2/s, nu = Omega^-2/3 (every surface "
                   f"atom mobile: an upper bound), gamma = {interface_energy_J_m2:g} J/m2 -> B = {value:.3g} m4/s")


def initial_roughness(d: DendriteParams, handoff: KmcHandoff | None) -> tuple[float, str]:
    """Initial front standard deviation (um) and a sentence saying where it came from."""
    if d.initial_roughness_um is not None:
        return d.initial_roughness_um, f"explicit: dendrite.initial_roughness_um = {d.initial_roughness_um:g} um"
    if handoff is None:
        return 0.0, "no kmc stage: flat start"
    sigma, corr = float(handoff.roughness_sigma), float(handoff.correlation_length)
    if not (sigma > 0 and corr > 0 and math.isfinite(sigma / corr)):
        return 0.0, f"kmc roughness sigma = {sigma:.3g} m, correlation length {corr:.3g} m: flat start"
    # heights averaged over ell x ell patches of the electrode, (ell / corr)^2 independent kMC patches each
    value = sigma * corr / (d.vlcd_correlation_length_um * M_PER_UM) / M_PER_UM
    text = (f"kmc: sigma {sigma / M_PER_NM:.3g} nm over correlation length {corr / M_PER_NM:.3g} nm, averaged over "
            f"{d.vlcd_correlation_length_um:g} um patches -> {value:.3g} um")
    cap = (d.front_band_um / 2 - FRONT_MARGIN_WIDTHS * d.interface_width_um) / 3.0  # 3 sigma stays inside the fine band
    if value > cap:
        text += f", capped at {cap:.3g} um (3 sigma within half the fine band less 6 interface widths)"
        value = cap
    return value, text


def anisotropy(d: DendriteParams, handoff: KmcHandoff | None) -> tuple[float, str]:
    """Anisotropy strength delta and a sentence saying where it came from."""
    if d.anisotropy_strength is not None:
        return d.anisotropy_strength, f"explicit: dendrite.anisotropy_strength = {d.anisotropy_strength:g}"
    if handoff is None:
        return 0.0, "no kmc stage: isotropic"
    fraction = float(handoff.crystalline_fraction)
    value = d.max_anisotropy_strength * fraction
    return value, (f"kmc crystalline fraction {fraction:.3g} x max_anisotropy_strength {d.max_anisotropy_strength:g} "
                   f"= {value:.3g}")


def on_top_current(coating_path: Path) -> np.ndarray:
    """The current density plating on top of the coating along the electrode at its last record, A/m^2.

    Raises
    ------
    UserError
        When nothing plates on top (the dendrite stage would have no current).
    """
    profile = np.asarray(read_handoff(coating_path, ON_TOP_CURRENT_DENSITY)[-1], dtype=float)
    if not np.mean(profile) > 0:
        raise UserError(f"dendrite.local_current_source = \"coating\": no Li plates on top of the coating at the end of "
                        f"{coating_path.name} (all of it goes under), so there is nothing for the dendrite stage to grow; "
                        "raise the current or use a thinner or slower coating")
    return profile


def coating_diffusivity(c: CoatingParams, coatings: xr.Dataset | None) -> tuple[float, str]:
    """Coating Li diffusivity (m^2/s) and where it came from."""
    if c.diffusivity_m2_s is not None:
        return c.diffusivity_m2_s, f"explicit: coating.diffusivity_m2_s = {c.diffusivity_m2_s:g}"
    row = coatings.sel(material=c.material)
    low, high = float(row.D_min), float(row.D_max)
    value = {"low": low, "high": high, "geometric_mean": math.sqrt(low * high)}[c.diffusivity_estimate]
    return value, (f"atomistic.h5 coatings: {c.material} {low:.3g}-{high:.3g} m2/s ({row.reference.item()}), "
                   f"{c.diffusivity_estimate} = {value:.3g} m2/s")


def coating_thickness(c: CoatingParams, complexion_path: Path | None) -> tuple[float, str]:
    """Coating thickness (m) and where it came from."""
    if not c.thickness_from_complexion:
        return c.thickness_um * M_PER_UM, f"coating.thickness_um = {c.thickness_um:g}"
    thickness, kind = read_handoffs(complexion_path, (EQUILIBRIUM_THICKNESS, COMPLEXION_CLASS))
    h = float(thickness)
    if not (math.isfinite(h) and h > 0):
        raise UserError(f"coating.thickness_from_complexion: the complexion's h_EQ is {h:g} m "
                        f"({kind}): no finite self-limiting coating")
    return h, f"complexion.h5 h_EQ = {h / M_PER_NM:.4g} nm ({kind})"
