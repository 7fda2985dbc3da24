"""Galvanostatic control of the dendrite model: the start law and the collector-potential update
(docs/models.md §5.4).

The model is driven at a target mean plating current by moving the collector potential; these
are the physics of that control, kept with the model rather than the stage.
"""

from __future__ import annotations

import math

from ..constants import FARADAY
from .model import LENGTH_SCALE_M, TIME_SCALE_S, Coefficients, Physical, planar_velocity


def with_potential(p: Physical, volts: float) -> Physical:
    return Physical(**{**p.__dict__, "applied_potential_V": volts})


def planar_potential(p: Physical, current_A_m2: float) -> float:
    """Collector potential (V) at which a planar front plates ``current_A_m2``: the start of the control.

    Butler-Volmer with the ions at the reaction site in Boltzmann equilibrium with the collector
    potential, mu = mu_bulk - psi: inside the diffuse interface the electrolyte sits at the
    metal's potential (its conductivity leaks through the profile's tail), so the model plates
    from c_b e^{-psi}, not c_b (docs/models.md §5.4). Measured settling potentials: -9.4 mV at
    1 mA/cm^2 (this gives -9.5), -39.0 mV at 10 mA/cm^2 (-38.8); plain Butler-Volmer at c_b would
    start at -22.7 and -115 mV and cost tens of tiny steps of transient.
    """
    c = Coefficients.from_physical(p)
    velocity = current_A_m2 / (p.electrons * FARADAY * p.site_density_mol_m3) / LENGTH_SCALE_M * TIME_SCALE_S
    lo, hi = c.mu_bulk / 2.0 - 80.0, c.mu_bulk / 2.0  # no net reaction at psi = mu_bulk / 2 in this form
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if planar_velocity(c, mid, c.mu_bulk - mid) > velocity:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi) * p.thermal_voltage_V


def log_current_slope(c: Coefficients, psi: float, step: float = 1e-4) -> float:
    """-d ln(i) / d psi of the start law of :func:`planar_potential` at ``psi`` (per unit nF E / RT)."""
    def log_velocity(p):
        return math.log(planar_velocity(c, p, c.mu_bulk - p))
    return -(log_velocity(psi + step) - log_velocity(psi - step)) / (2.0 * step)


class CurrentControl:
    """Galvanostatic control: moves the collector potential toward the target plating current.

    A damped Newton step on ln(current) vs potential with the slope of the start law
    (:func:`log_current_slope`), capped at 0.2 (5 mV) per step. The error shrinks by
    1 - gain s / slope per step when the true slope is s: stable for s up to 2.5 x the estimate.
    (A secant slope from successive steps was tried first: step-to-step noise in the measured
    current made it jump, and a 0.5 mV kick cost 6 % of current for a record.)
    """

    gain = 0.8

    def __init__(self, target: float, slope: float = 1.0):
        self.target = target
        self.slope = slope

    def update(self, psi: float, current: float) -> float:
        if current <= 0:
            return psi - 0.2  # stripping or stalled: push toward plating
        move = -self.gain * math.log(self.target / current) / self.slope
        return psi + max(-0.2, min(0.2, move))
