"""Surface kinetics measured in the kMC and handed to the phase field: the decay of a sinusoidal
surface profile with no flux (Mullins, J. Appl. Phys. 30, 77 (1959); docs/models.md §4.7).

A film whose column heights are h(x) = H + A0 cos(k x) (uniform along y) relaxes at the
unaccelerated rates of the run's energetics and temperature. The amplitude of the k mode of the
y-averaged height, A(t), decays as exp(-r t); surface diffusion gives r = B k^4 with the Mullins
coefficient B (m^4/s). Fitting r over several wavelengths gives both B and the exponent; a
surface below its roughening transition, or transport through the bulk (r ~ k^3), would show
as an exponent other than 4, and that measured law is what is handed on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..constants import BOLTZMANN, ELEMENTARY_CHARGE
from .engine import Engine, KmcState
from .model import CRYSTAL, SUBSTRATE, HopEnergetics, rate_table

#: Film thickness under the profile, sites; profile amplitude, sites; width along y, columns.
FILM_LAYERS, AMPLITUDE_SITES, WIDTH_COLUMNS = 8, 2, 16
#: Fit window: from the start until the amplitude has fallen to this fraction of its initial value.
FIT_FLOOR = 0.3
#: Wavelengths (sites) and seeds of the relaxation runs the kMC stage hands over.
WAVELENGTHS_SITES = (16, 24, 32)
SEEDS_PER_WAVELENGTH = 2


@dataclass(frozen=True)
class Decay:
    """One relaxation run: time (s) and amplitude of the profile's mode (m), and the fitted rate."""

    wavelength_m: float
    time_s: np.ndarray
    amplitude_m: np.ndarray
    rate_per_s: float


def mode_amplitude(top: np.ndarray, wavelength_sites: int) -> float:
    """Amplitude of the k = 2 pi / wavelength mode of the y-averaged column heights, sites.

    ``top`` is (ny, nx) with nx = ``wavelength_sites`` (one period)."""
    profile = top.mean(axis=0)
    x = np.arange(profile.size)
    return float(2.0 * abs(np.sum(profile * np.exp(-2j * np.pi * x / wavelength_sites))) / profile.size)


@functools.lru_cache(maxsize=64)
def relax(energetics: HopEnergetics, spacing_m: float, temperature_K: float, wavelength_sites: int, seed: int,
          max_events: int = 5_000_000) -> Decay:
    """Let a one-period sinusoidal film relax with no flux; fit ln A(t) down to ``FIT_FLOOR``.

    A pure function of its arguments, memoised per process: every kMC run hands over the same
    relaxation runs for its constants, so the runs of a scan or of a test session that share them
    compute them once (the arrays of the returned :class:`Decay` are read-only; the key is the
    arguments, so the module's constants ``FILM_LAYERS``, ``AMPLITUDE_SITES``, ``WIDTH_COLUMNS``
    and ``FIT_FLOOR`` must not be changed at run time).

    Parameters
    ----------
    energetics : HopEnergetics
        The run's constants; rates are unaccelerated (the time is physical).
    spacing_m : float
        Lattice spacing a, m.
    temperature_K : float
        Temperature, K.
    wavelength_sites : int
        Wavelength = box width along x, sites (>= 8).
    seed : int
        Random stream of the run.
    max_events : int
        Give up (rate nan) when the amplitude has not fallen to the floor after this many events.
    """
    nx, ny = wavelength_sites, WIDTH_COLUMNS
    nz = FILM_LAYERS + AMPLITUDE_SITES + 8
    occ = np.zeros((nz, ny, nx), np.uint8)
    occ[0] = SUBSTRATE
    heights = FILM_LAYERS + np.rint(AMPLITUDE_SITES * np.cos(2 * np.pi * np.arange(nx) / nx)).astype(int)
    for x, h in enumerate(heights):
        occ[1 : h + 1, :, x] = CRYSTAL
    state = KmcState.from_occupancy(occ, seed)
    engine = Engine(state, rate_table(energetics, temperature_K), np.zeros((ny, nx)), ballistic=False,
                    step_factor=energetics.step_factor(temperature_K))
    chunk = 4 * nx * ny
    times, amps = [0.0], [mode_amplitude(state.top.reshape(ny, nx), nx)]
    while amps[-1] > FIT_FLOOR * amps[0] and state.events < max_events:
        engine.advance(max_events=chunk)
        times.append(float(state.clock[0]))
        amps.append(mode_amplitude(state.top.reshape(ny, nx), nx))
    t, a = np.array(times), np.array(amps)
    rate = np.nan
    if a[-1] <= FIT_FLOOR * a[0]:
        rate = -np.polyfit(t, np.log(np.maximum(a, 1e-12)), 1)[0]
    amplitude = a * spacing_m
    t.setflags(write=False)
    amplitude.setflags(write=False)
    return Decay(wavelength_sites * spacing_m, t, amplitude, float(rate))


@dataclass(frozen=True)
class MullinsFit:
    """r = B k^n fitted to the decay rates (least squares in log space over all runs).

    Attributes
    ----------
    B_m4_s : float
        Coefficient with the exponent fixed at 4 (the Mullins law): the geometric mean of r / k^4
        over the runs, m^4/s, and ``B_stderr`` its standard error (B times the standard error of
        the mean of ln(r / k^4)).
    exponent, exponent_stderr : float
        Free fit of n.
    """

    B_m4_s: float
    B_stderr: float
    exponent: float
    exponent_stderr: float
    wavenumber_per_m: np.ndarray
    rate_per_s: np.ndarray


def fit_mullins(decays: list[Decay]) -> MullinsFit:
    """Fit r = B k^4 and r = C k^n to the rates of ``decays`` (several wavelengths and seeds)."""
    k = np.array([2 * np.pi / d.wavelength_m for d in decays])
    r = np.array([d.rate_per_s for d in decays])
    if not np.all(np.isfinite(r)) or np.unique(k).size < 2:
        raise ValueError("need finite decay rates at two or more wavelengths")
    log_b = np.log(r / k**4)
    (slope, _), cov = np.polyfit(np.log(k), np.log(r), 1, cov=True)
    b = float(np.exp(log_b.mean()))
    return MullinsFit(b, b * float(log_b.std(ddof=1) / np.sqrt(log_b.size)), float(slope), float(np.sqrt(cov[0, 0])), k, r)


def mullins_b_analytic(energetics: HopEnergetics, spacing_m: float, temperature_K: float) -> float:
    """Mullins' B = D_s nu gamma Omega^2 / (k_B T) of the lattice gas, m^4/s.

    D_s is the surface self-diffusion coefficient, the mean over the surface atoms: adatoms at
    their equilibrium coverage c_ad (``HopEnergetics.adatom_fraction``) times the adatom
    diffusivity a^2 k(1); nu = 1 / a^2 the surface site density; gamma = E_bond / (2 a^2) the
    (001) surface energy of the bond-counting solid at T = 0; Omega = a^3. An estimate: the
    surface stiffness at T differs from gamma by O(1), most near the roughening temperature."""
    gamma = energetics.E_bond_eV * ELEMENTARY_CHARGE / (2 * spacing_m**2)
    d_s = energetics.adatom_fraction(temperature_K) * energetics.surface_diffusivity(spacing_m, temperature_K)
    return float(d_s / spacing_m**2 * gamma * spacing_m**6 / (BOLTZMANN * temperature_K))
