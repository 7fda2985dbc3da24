"""The metal front of a phase-field run (``dendrite.h5``): heights along the electrode, their
spectrum, and the wavelength below which surface diffusion heals the VLCD's imprint.

Linear response (docs/models.md §5.3): under charge-transfer control each Fourier mode k of the
front along the electrode is driven by the same mode m_k of the exchange-current field
i0(y)/mean(i0) and relaxed by surface diffusion at B k^4,

    dh_k/dt = G v m_k - B k^4 h_k   ->   h_k(t) / (d m_k) = G (1 - exp(-x)) / x,   x = B k^4 t,

with v the mean front velocity, d = v t the deposit and G the gain of the local current on i0
(1 when the electrolyte's potential is uniform along the front and Butler-Volmer is linear). The
cutoff wavenumber k_c, where x = 1, is (B t)^(-1/4): modes shorter than 2 pi / k_c are healed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.optimize import least_squares


def front_heights(dendrite: xr.Dataset) -> xr.DataArray:
    """Metal thickness of each row in the window, (time, y), m: the integral of 1 - psi along x."""
    return ((1.0 - dendrite["psi"].astype(float)) * dendrite["cell_width"]).sum("x").assign_attrs(
        units="m", long_name="metal thickness of each row in the window")


@dataclass(frozen=True)
class HealingSpectrum:
    """Fourier modes of the front against those of the exchange-current field at one record.

    Attributes
    ----------
    wavenumber : ndarray (n,)
        k of the modes kept, rad/m.
    transfer : ndarray (n,)
        |h_k| / (d |m_k|), 1: the front's mode per unit deposit and unit forcing.
    deposit_m : float
        d, the mean thickness plated, m.
    time_s : float
        t of the record, s.
    """

    wavenumber: np.ndarray
    transfer: np.ndarray
    deposit_m: float
    time_s: float


def healing_spectrum(dendrite: xr.Dataset, time_index: int = -1, min_forcing: float = 0.05) -> HealingSpectrum:
    """The front's transfer function at record ``time_index``.

    Parameters
    ----------
    dendrite : xarray.Dataset
        The root group of ``dendrite.h5`` (``psi``, ``cell_width``, ``exchange_current_ratio``,
        ``li_deposited``, ``time`` and the attributes ``width_m`` and ``li_molar_volume``).
    time_index : int
        The record.
    min_forcing : float
        Modes whose |m_k| is below this fraction of the largest are left out (their ratio is noise).

    Returns
    -------
    HealingSpectrum
    """
    heights = front_heights(dendrite).isel(time=time_index).values
    forcing = dendrite["exchange_current_ratio"].values
    h_k = np.fft.rfft(heights - heights.mean())[1:]
    m_k = np.fft.rfft(forcing - forcing.mean())[1:]
    k = 2.0 * np.pi * np.arange(1, m_k.size + 1) / float(dendrite.attrs["width_m"])
    keep = np.abs(m_k) >= min_forcing * np.abs(m_k).max()
    deposit = float(dendrite["li_deposited"].isel(time=time_index)) * float(dendrite.attrs["li_molar_volume"])
    return HealingSpectrum(k[keep], np.abs(h_k[keep]) / (deposit * np.abs(m_k[keep])), deposit,
                           float(dendrite["time"].isel(time=time_index)))


def healing_transfer(wavenumber, gain: float, cutoff: float) -> np.ndarray:
    """G (1 - exp(-x)) / x with x = (k / k_c)^4: the linear response above (k, k_c in the same unit)."""
    x = (np.asarray(wavenumber, dtype=float) / cutoff) ** 4
    return gain * -np.expm1(-x) / x


def fit_healing_cutoff(spectrum: HealingSpectrum) -> tuple[float, float]:
    """(G, k_c in rad/m): :func:`healing_transfer` fitted to the spectrum by least squares on the
    logarithm (every mode weighted alike, whatever its amplitude)."""
    k = spectrum.wavenumber
    scale = float(np.median(k))

    def residual(p):
        return np.log(healing_transfer(k / scale, p[0], p[1])) - np.log(spectrum.transfer)

    fit = least_squares(residual, [1.0, 1.0], bounds=([1e-3, 1e-3], [1e3, 1e3]))
    return float(fit.x[0]), float(fit.x[1] * scale)


__all__ = ["HealingSpectrum", "fit_healing_cutoff", "front_heights", "healing_spectrum", "healing_transfer"]
