"""1D diffuse-interface (Allen–Cahn) film between a wall and a bulk phase, in FiPy; exact quadrature.

Order parameter φ(x): 0 = the film phase β (it wets the wall, x = 0: φ = 0), 1 = the bulk phase
α (far field, x = L: φ = 1). Free energy per area

    F = ∫ [ κ/2 φ'^2 + W φ^2 (1 − φ)^2 + ΔG p(φ) ] dx,   p(φ) = (1 − φ)^2 (1 + 2φ),

with κ the gradient coefficient (J/m), W the double-well height (J/m^3) and ΔG the volume free
energy penalty of β (J/m^3); p goes from 1 (β) to 0 (α) with zero slope at both ends, so the
wells stay at φ = 0 and 1. Gibbs thickness h = ∫ (1 − φ) dx (m).

Exact equilibrium (first integral, φ(∞) = 1): κ/2 φ'^2 = g(φ) := W φ^2(1−φ)^2 + ΔG p(φ), so

    h = ∫_0^1 (1 − φ) √(κ / (2 g(φ))) dφ,

and for ΔG ≪ W, h ≈ ξ ln(1/ΔG) + const with ξ = √(κ/(8W)) (half the tail length √(κ/(2W)):
the wall pinning costs energy quadratic in the tail amplitude; docs/models.md §6).

Numerics (FiPy, ``_fipy``): lengths in √(κ/W), energies in W; implicit Euler in pseudo-time with
the source Newton-linearised, each step swept to convergence, dt doubled up to 1e8 (a Newton
solve of the steady state at the end) until a step changes φ by less than ``tolerance``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad

from .._fipy import fipy, lu


def _g(phi, dG):
    """Scaled free energy density g/W at scaled ΔG/W."""
    return phi ** 2 * (1 - phi) ** 2 + dG * (1 - phi) ** 2 * (1 + 2 * phi)


def quadrature_thickness(delta_G: float, barrier: float, gradient: float) -> float:
    """Exact equilibrium Gibbs thickness h (m) of the film: the first-integral quadrature.

    Parameters
    ----------
    delta_G : float
        ΔG, J/m^3 (> 0).
    barrier : float
        W, J/m^3.
    gradient : float
        κ, J/m.
    """
    _check(delta_G, barrier, gradient)
    scale = math.sqrt(gradient / barrier)
    dG = delta_G / barrier
    value, _ = quad(lambda p: (1 - p) / math.sqrt(2 * _g(p, dG)), 0.0, 1.0, limit=400, epsabs=1e-13, epsrel=1e-12)
    return value * scale


def asymptotic_slope(barrier: float, gradient: float) -> float:
    """ξ = √(κ/(8W)), m: dh/d ln(1/ΔG) for ΔG ≪ W."""
    return math.sqrt(gradient / (8.0 * barrier))


def _check(delta_G, barrier, gradient):
    if not (delta_G > 0 and barrier > 0 and gradient > 0):
        raise ValueError("the film needs delta_G > 0, barrier > 0 and gradient > 0")


@dataclass(frozen=True)
class FilmResult:
    """Relaxed film: Gibbs thickness (m), profile φ on cell centres x (m), pseudo-time steps."""

    thickness: float
    x: np.ndarray
    phi: np.ndarray
    steps: int


def relax_film(delta_G: float, barrier: float, gradient: float, cell_size: float = 0.02, margin: float = 25.0,
               tolerance: float = 1e-12, max_steps: int = 400) -> FilmResult:
    """Relax the 1D Allen–Cahn film with FiPy and return its Gibbs thickness.

    Parameters
    ----------
    delta_G, barrier, gradient : float
        ΔG and W (J/m^3), κ (J/m).
    cell_size : float
        Cell size in units of √(κ/W) (0.02: thickness to ~1e-4 relative).
    margin : float
        Domain length beyond the quadrature thickness, units of √(κ/W) (the tail decays over
        1/√2 of them).
    tolerance : float
        Stop when a step changes φ by less than this (max norm) at dt ≥ 1e6.
    max_steps : int
        Pseudo-time steps before giving up.

    Raises
    ------
    RuntimeError
        When the relaxation has not converged in ``max_steps``.
    """
    _check(delta_G, barrier, gradient)
    scale = math.sqrt(gradient / barrier)
    dG = delta_G / barrier
    guess = quadrature_thickness(delta_G, barrier, gradient) / scale
    length = guess + margin
    nx = int(math.ceil(length / cell_size))
    mesh = fipy.Grid1D(nx=nx, dx=length / nx)
    x = mesh.cellCenters[0].value
    # start from a kink 1.5 x thicker than the answer: the relaxation has to move it
    start = 0.5 * (1 + np.tanh((x - 1.5 * guess) / math.sqrt(2.0)))
    phi = fipy.CellVariable(mesh=mesh, value=start)  # no old value: FiPy's "old" is the current iterate
    phi.constrain(0.0, mesh.facesLeft)
    phi.constrain(1.0, mesh.facesRight)
    jacobian = fipy.CellVariable(mesh=mesh)  # g''(p) + 1/dt
    residual = fipy.CellVariable(mesh=mesh)  # -g'(p) - (p - phi_n)/dt
    # Newton on (phi - phi_n)/dt = phi'' - g'(phi): a TransientTerm swept with dt = 1 is
    # jacobian (phi - p) (an ImplicitSourceTerm would move negative g'' to the right-hand side)
    equation = fipy.TransientTerm(coeff=jacobian) == fipy.DiffusionTerm(1.0) + residual
    solver = lu()
    dt, steps, change = 0.1, 0, math.inf
    while steps < max_steps:
        steps += 1
        previous = np.array(phi.value)
        for _ in range(30):
            p = np.array(phi.value)
            jacobian.setValue(2 * (1 - 6 * p + 6 * p ** 2) - 6 * dG * (1 - 2 * p) + 1.0 / dt)
            residual.setValue(-(2 * p * (1 - p) * (1 - 2 * p) - 6 * dG * p * (1 - p)) - (p - previous) / dt)
            equation.solve(var=phi, dt=1.0, solver=solver)
            if np.max(np.abs(np.asarray(phi.value) - p)) < 1e-12:
                break
        change = float(np.max(np.abs(np.asarray(phi.value) - previous)))
        if dt >= 1e6 and change < tolerance:
            break
        dt = min(2.0 * dt, 1e8)
    else:
        raise RuntimeError(f"film relaxation did not converge in {max_steps} steps (last change {change:.3g})")
    values = np.asarray(phi.value)
    thickness = float(np.sum(1.0 - values) * (length / nx)) * scale
    return FilmResult(thickness, x * scale, values.copy(), steps)
