"""Fits that turn MD output into model parameters.

- :func:`diffusion_coefficient`: D = slope / (2 d) of MSD(t), ordinary least squares over the
  diffusive part of the series (the first ``fit_start_fraction`` of the time span is skipped).
- :func:`fit_arrhenius`: D(T) = D0 exp(-Ea / (k_B T)) by weighted least squares of ln D against
  1/(k_B T), weights 1/sigma(ln D)^2 from the per-temperature slope errors.
- :func:`fit_dopt_curve`: bcc fraction vs ensemble size N as a logistic step
  f(N) = f_max / (1 + exp(-(N - N*)/w)); N* is the critical ensemble size of the DOPT.

Units: T in K, t in s, MSD in m^2, D and D0 in m^2/s, Ea in eV, N in atoms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

from ..constants import K_B_EV


def diffusion_coefficient(time, msd, dimensions: int, fit_start_fraction: float = 0.2) -> tuple[float, float]:
    """Tracer diffusion coefficient from one MSD series.

    Parameters
    ----------
    time : array_like, shape (n,)
        Time, s (increasing).
    msd : array_like, shape (n,)
        Mean-squared displacement, m^2.
    dimensions : int
        Dimensionality d of the motion (2 for a surface, 3 for bulk).
    fit_start_fraction : float
        Fraction of the time span skipped before the fit.

    Returns
    -------
    D, D_stderr : float
        Diffusion coefficient and its standard error, m^2/s.
    """
    time = np.asarray(time, dtype=float)
    msd = np.asarray(msd, dtype=float)
    start = time[0] + fit_start_fraction * (time[-1] - time[0])
    sel = time >= start
    t, y = time[sel], msd[sel]
    if t.size < 3 or np.ptp(t) <= 0:
        raise ValueError(f"need at least 3 distinct times in the fitted window, found {t.size}")
    t_mean = t.mean()
    sxx = np.sum((t - t_mean) ** 2)
    slope = np.sum((t - t_mean) * (y - y.mean())) / sxx
    resid = y - (y.mean() + slope * (t - t_mean))
    slope_stderr = np.sqrt(np.sum(resid**2) / (t.size - 2) / sxx)
    return slope / (2 * dimensions), slope_stderr / (2 * dimensions)


def arrhenius(temperature_K, D0: float, Ea_eV: float):
    """D0 exp(-Ea / (k_B T)); same units as ``D0``."""
    return D0 * np.exp(-Ea_eV / (K_B_EV * np.asarray(temperature_K, dtype=float)))


@dataclass(frozen=True)
class ArrheniusFit:
    """Result of :func:`fit_arrhenius`: D0 (m^2/s), Ea (eV), standard errors, correlation."""

    D0: float
    D0_stderr: float
    Ea_eV: float
    Ea_eV_stderr: float
    correlation: float
    reduced_chi2: float


def fit_arrhenius(temperature_K, D, D_stderr=None) -> ArrheniusFit:
    """Arrhenius parameters from diffusion coefficients at several temperatures.

    Parameters
    ----------
    temperature_K : array_like, shape (n,)
        Temperatures, K; at least two distinct values.
    D : array_like, shape (n,)
        Diffusion coefficients, m^2/s, all positive.
    D_stderr : array_like, shape (n,), optional
        Standard errors of ``D``. Without them (or if any is zero) the fit is unweighted.

    Returns
    -------
    ArrheniusFit
        Standard errors come from the weighted least-squares covariance, scaled by the reduced
        chi^2 when it exceeds 1 (scatter larger than the stated errors) or when unweighted.
    """
    T = np.asarray(temperature_K, dtype=float)
    D = np.asarray(D, dtype=float)
    if T.size < 2 or np.unique(T).size < 2:
        raise ValueError("need diffusion coefficients at two or more distinct temperatures")
    if np.any(D <= 0):
        raise ValueError("every diffusion coefficient must be positive (is the MSD growing?)")
    weighted = D_stderr is not None and np.all(np.asarray(D_stderr) > 0)
    sigma = np.asarray(D_stderr, dtype=float) / D if weighted else np.ones_like(D)
    x = 1.0 / (K_B_EV * T)
    y = np.log(D)
    A = np.column_stack([np.ones_like(x), -x])
    w = 1.0 / sigma**2
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    ln_d0, ea = cov @ (A.T @ (w * y))
    dof = T.size - 2
    chi2 = float(np.sum(w * (y - A @ np.array([ln_d0, ea])) ** 2) / dof) if dof > 0 else 0.0
    if dof > 0 and (chi2 > 1.0 or not weighted):
        cov = cov * chi2
    d0 = float(np.exp(ln_d0))
    err = np.sqrt(np.diag(cov))
    corr = float(cov[0, 1] / (err[0] * err[1])) if err[0] > 0 and err[1] > 0 else 0.0
    return ArrheniusFit(d0, d0 * float(err[0]), float(ea), float(err[1]), corr, chi2)


def logistic_fraction(ensemble_size, critical_size: float, width: float, f_max: float = 1.0):
    """f_max / (1 + exp(-(N - N*)/w)): bcc fraction vs ensemble size N (atoms)."""
    z = -(np.asarray(ensemble_size, dtype=float) - critical_size) / width
    return f_max / (1.0 + np.exp(np.clip(z, -700, 700)))


@dataclass(frozen=True)
class DoptFit:
    """Result of :func:`fit_dopt_curve`; sizes in atoms."""

    critical_size: float
    critical_size_stderr: float
    width: float
    width_stderr: float
    f_max: float
    f_max_stderr: float


def fit_dopt_curve(ensemble_size, bcc_fraction) -> DoptFit:
    """Fit the logistic DOPT curve to (ensemble size, bcc fraction) data.

    Parameters
    ----------
    ensemble_size : array_like, shape (n,)
        Atoms per ensemble, n >= 4.
    bcc_fraction : array_like, shape (n,)
        Fraction of bcc atoms, 0..1; must rise from near 0 to a plateau within the data.
    """
    n = np.asarray(ensemble_size, dtype=float)
    f = np.asarray(bcc_fraction, dtype=float)
    if n.size < 4:
        raise ValueError("need at least 4 (size, fraction) points")
    f_top = max(float(f.max()), 1e-6)
    if f.max() - f.min() < 0.1 * f_top or f.max() <= 0:
        raise ValueError("the bcc fraction does not change across the sizes given: no transition to fit")
    above = n[f >= 0.5 * f_top]
    p0 = (float(above.min()), max(float(np.ptp(n)) / 10.0, 1.0), f_top)
    bounds = ([n.min() - np.ptp(n), 1e-3, 1e-6], [n.max() + np.ptp(n), 10 * np.ptp(n) + 1.0, 1.0])
    try:
        popt, pcov = curve_fit(logistic_fraction, n, f, p0=p0, bounds=bounds, maxfev=20000)
    except RuntimeError as exc:
        raise ValueError(f"the DOPT curve fit did not converge: {exc}") from None
    err = np.sqrt(np.clip(np.diag(pcov), 0, None))
    return DoptFit(float(popt[0]), float(err[0]), float(popt[1]), float(err[1]), float(popt[2]), float(err[2]))


def incubation_time_model(ensemble_size, critical_size: float, tau_critical: float, exponent: float):
    """tau_c (N*/N)^p for N >= N*, infinite below N* (no DOPT); seconds if ``tau_critical`` is."""
    n = np.asarray(ensemble_size, dtype=float)
    with np.errstate(divide="ignore"):
        tau = tau_critical * (critical_size / n) ** exponent
    return np.where(n >= critical_size, tau, np.inf)
