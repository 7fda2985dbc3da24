"""Thermodynamically chosen thickness of an interfacial film (complexion): Φ(h) and its minima.

Seed 002 (Eq. 3; docs/models.md §6): the interfacial excess grand potential of a film of thickness h
between two phases is

    Φ(h) = γ0 + Δγ f(h) + ΔG h,

with f(0) = 0 and f(∞) = 1 for the base forms. Sign convention: Δγ = (γ_αβ + γ_βγ) − γ_αγ^(0)
(J/m^2) is negative when the film lowers the interface energy; ΔG (J/m^3) is the volumetric free
energy penalty of the film phase, positive when it is not stable in bulk. Interaction forms:

- ``exponential`` (short-range): f = 1 − exp(−h/ξ); h_EQ = ξ ln(−Δγ/(ξ ΔG)) if −Δγ > ξ ΔG, else 0;
- ``dispersion`` (unretarded London): f = 1 − (h0/(h + h0))^2; h_EQ = (2|Δγ| h0^2/ΔG)^(1/3) − h0
  when positive, else 0;
- ``oscillatory``: either base plus A exp(−h/λ) cos(2πh/σ + θ) (hard-sphere structural
  forces; with θ = 0 and A > 0 the minima sit near h = nσ: the mono-, bi- and trilayer
  complexions). Then f(0) = A cos θ: the clean interface carries the structural term too.

Units: SI throughout (m, J/m^2, J/m^3); any consistent set works because nothing here is
dimensional beyond the inputs. Pure numpy/scipy; the FiPy film model is ``complexion_film``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

MODELS = ("exponential", "dispersion", "oscillatory")
BASES = ("exponential", "dispersion")
CLASSES = ("clean", "monolayer", "bilayer", "trilayer", "nanolayer", "wetting")


@dataclass(frozen=True)
class InterfacePotential:
    """Φ(h) = γ0 + Δγ f(h) + ΔG h of one film (SI units; see the module docstring).

    Attributes
    ----------
    delta_gamma : float
        Δγ, J/m^2 (negative: the film lowers the interface energy).
    delta_G : float
        ΔG, J/m^3 (positive: volume penalty of the film phase).
    base : str
        ``exponential`` or ``dispersion``.
    length : float
        ξ of the exponential or h0 of the dispersion form, m.
    amplitude, decay_length, period, phase : float
        A (dimensionless), λ (m), σ (m), θ (rad) of the oscillatory term; A = 0: none.
    gamma0 : float
        γ0, J/m^2 (shifts Φ only).
    """

    delta_gamma: float
    delta_G: float
    base: str
    length: float
    amplitude: float = 0.0
    decay_length: float = 1.0
    period: float = 1.0
    phase: float = 0.0
    gamma0: float = 0.0

    def f(self, h):
        """Interfacial coefficient f(h), dimensionless."""
        h = np.asarray(h, dtype=float)
        if self.base == "exponential":
            value = -np.expm1(-h / self.length)
        else:
            value = 1.0 - (self.length / (h + self.length)) ** 2
        if self.amplitude:
            value = value + self.amplitude * np.exp(-h / self.decay_length) * np.cos(2 * np.pi * h / self.period + self.phase)
        return value

    def df(self, h):
        """df/dh, 1/m."""
        h = np.asarray(h, dtype=float)
        if self.base == "exponential":
            value = np.exp(-h / self.length) / self.length
        else:
            value = 2.0 * self.length ** 2 / (h + self.length) ** 3
        if self.amplitude:
            k = 2 * np.pi / self.period
            arg = k * h + self.phase
            value = value - self.amplitude * np.exp(-h / self.decay_length) * (
                np.cos(arg) / self.decay_length + k * np.sin(arg))
        return value

    def phi(self, h):
        """Φ(h), J/m^2 (h = inf gives the wetting limit γ0 + Δγ when ΔG = 0)."""
        h = np.asarray(h, dtype=float)
        with np.errstate(invalid="ignore"):
            volume = np.where(np.isinf(h) & (self.delta_G == 0), 0.0, self.delta_G * h)
        return self.gamma0 + self.delta_gamma * self.f(np.where(np.isinf(h), 1e300, h)) + volume

    def dphi(self, h):
        """dΦ/dh, J/m^3."""
        return self.delta_gamma * self.df(h) + self.delta_G

    @property
    def shortest_length(self) -> float:
        """Smallest length scale of f, m: sets the search grid."""
        lengths = [self.length]
        if self.amplitude:
            lengths += [self.decay_length, self.period]
        return min(lengths)


def potential(delta_gamma: float, delta_G: float, model: str = "exponential", *, xi: float | None = None,
              h0: float | None = None, amplitude: float = 0.0, decay_length: float | None = None,
              period: float | None = None, phase: float = 0.0, base: str = "exponential",
              gamma0: float = 0.0) -> InterfacePotential:
    """Build Φ(h) from the model name and its length parameters (keywords as in :func:`equilibrium_thickness`).

    Raises
    ------
    ValueError
        Unknown model, a missing or non-positive length, or non-finite energies.
    """
    if model not in MODELS:
        raise ValueError(f"unknown complexion model {model!r}: one of {', '.join(MODELS)}")
    if not (math.isfinite(delta_gamma) and math.isfinite(delta_G)):
        raise ValueError("delta_gamma and delta_G must be finite")
    if model == "oscillatory":
        if base not in BASES:
            raise ValueError(f"unknown base {base!r} of the oscillatory model: one of {', '.join(BASES)}")
        for name, value in (("decay_length", decay_length), ("period", period)):
            if value is None or not value > 0:
                raise ValueError(f"the oscillatory model needs {name} > 0")
    else:
        base, amplitude, decay_length, period, phase = model, 0.0, 1.0, 1.0, 0.0
    name, length = ("xi", xi) if base == "exponential" else ("h0", h0)
    if length is None or not length > 0:
        raise ValueError(f"the {base} form needs {name} > 0 (a length, m)")
    return InterfacePotential(delta_gamma, delta_G, base, length, amplitude, decay_length, period, phase, gamma0)


def closed_form_thickness(pot: InterfacePotential) -> float:
    """h_EQ of the exponential or dispersion form without oscillation, m (seed 002; docs/models.md §6).

    Raises
    ------
    ValueError
        For the oscillatory form (no closed form).
    """
    if pot.amplitude:
        raise ValueError("the oscillatory form has no closed-form thickness: use minima()")
    dg, dG, length = pot.delta_gamma, pot.delta_G, pot.length
    if dG <= 0:
        return math.inf if dg < 0 else 0.0
    if pot.base == "exponential":
        return length * math.log(-dg / (length * dG)) if -dg > length * dG else 0.0
    if dg >= 0:
        return 0.0
    return max(0.0, (2.0 * -dg * length ** 2 / dG) ** (1.0 / 3.0) - length)


@dataclass(frozen=True)
class Minimum:
    """A local minimum of Φ: thickness h (m; inf for wetting) and Φ(h) (J/m^2)."""

    h: float
    phi: float


def _search_limit(pot: InterfacePotential) -> float:
    """A thickness beyond which Φ has no stationary point (or 200 x the longest length when ΔG = 0), m."""
    longest = max(pot.length, pot.decay_length if pot.amplitude else 0.0, pot.period if pot.amplitude else 0.0)
    cap = 200.0 * longest
    if pot.delta_G <= 0:
        return cap
    k = 2 * np.pi / pot.period

    def bound(h):  # upper bound of |Δγ f'(h)|
        if pot.base == "exponential":
            b = math.exp(-h / pot.length) / pot.length
        else:
            b = 2.0 * pot.length ** 2 / (h + pot.length) ** 3
        if pot.amplitude:
            b += abs(pot.amplitude) * math.exp(-h / pot.decay_length) * (1.0 / pot.decay_length + k)
        return abs(pot.delta_gamma) * b

    h = pot.shortest_length
    while bound(h) >= pot.delta_G and h < 1e6 * longest:
        h *= 2.0
    return h


def minima(pot: InterfacePotential, points_per_length: int = 200) -> tuple[list[Minimum], Minimum]:
    """Every local minimum of Φ(h) on h ≥ 0, by sign changes of dΦ/dh on a grid refined by Brent's method.

    h = 0 counts when dΦ/dh(0) ≥ 0 (the clean interface); when ΔG ≤ 0 and Δγ < 0 the wetting
    state h = inf (Φ = γ0 + Δγ + the limit of ΔG h) is a candidate too. Numerical: independent
    of :func:`closed_form_thickness`, which the tests compare it with.

    Parameters
    ----------
    pot : InterfacePotential
    points_per_length : int
        Grid points per shortest length scale of f.

    Returns
    -------
    (list of Minimum sorted by h, the global Minimum)
    """
    if pot.delta_G < 0 and pot.delta_gamma <= 0:  # the film phase is stable in bulk: it grows without limit
        wet = Minimum(math.inf, -math.inf)
        return [wet], wet
    limit = _search_limit(pot)
    n = int(min(2_000_000, max(1000, points_per_length * limit / pot.shortest_length)))
    grid = np.linspace(0.0, limit, n + 1)
    slope = pot.dphi(grid)
    found: list[Minimum] = []
    if slope[0] >= 0:
        found.append(Minimum(0.0, float(pot.phi(0.0))))
    for i in np.nonzero((slope[:-1] < 0) & (slope[1:] >= 0))[0]:
        a, b = grid[i], grid[i + 1]
        h = b if slope[i + 1] == 0 else brentq(lambda x: float(pot.dphi(x)), a, b, xtol=1e-15 * max(b, 1e-300), rtol=1e-14)
        found.append(Minimum(float(h), float(pot.phi(h))))
    if pot.delta_G == 0 and slope[-1] < 0:  # still falling at the limit: the wetting state
        found.append(Minimum(math.inf, float(pot.gamma0 + pot.delta_gamma)))
    best = min(found, key=lambda m: m.phi)
    return found, best


def equilibrium_thickness(delta_gamma: float, delta_G: float, model: str = "exponential", **params) -> float:
    """Thermodynamically chosen film thickness h_EQ (m): the global minimum of Φ(h).

    Closed forms for ``exponential`` (keyword ``xi``, m) and ``dispersion`` (``h0``, m); the
    ``oscillatory`` model (``base``, ``xi`` or ``h0``, ``amplitude``, ``decay_length``, ``period``,
    ``phase``) is minimised numerically. Δγ in J/m^2, ΔG in J/m^3; inf = wetting.
    """
    pot = potential(delta_gamma, delta_G, model, **params)
    if model == "oscillatory":
        return minima(pot)[1].h
    return closed_form_thickness(pot)


def classify(h: float, monolayer: float) -> str:
    """Complexion class of thickness h (m) for a monolayer thickness σ (m).

    clean: h < σ/2; monolayer, bilayer, trilayer: the nearest whole number of layers below 3.5σ;
    nanolayer: finite and thicker; wetting: h = inf (seed 002, Fig. 5(b): h_EQ = 0, σ, 2σ, 3σ,
    ~1 nm, ∞).
    """
    if not monolayer > 0:
        raise ValueError("the monolayer thickness must be positive")
    if math.isinf(h):
        return "wetting"
    layers = h / monolayer
    if layers < 0.5:
        return "clean"
    if layers < 3.5:
        return CLASSES[int(round(layers))]
    return "nanolayer"


@dataclass(frozen=True)
class Transition:
    """A first-order thickness transition: at ΔG = ``delta_G`` (J/m^3) two minima have equal Φ.

    ``h_low_G``/``h_high_G``: the global-minimum thickness just below / above ``delta_G`` (m);
    ``phi``: their common Φ (J/m^2); ``phi_gap``: |Φ_a − Φ_b| left at the located ΔG (J/m^2).
    """

    delta_G: float
    h_low_G: float
    h_high_G: float
    phi: float
    phi_gap: float


def _local_minimum_near(pot: InterfacePotential, h: float, radius: float) -> Minimum | None:
    """The local minimum of Φ within ``radius`` of ``h`` (continuation of a branch), if any."""
    mins, _ = minima(pot)
    near = [m for m in mins if abs(m.h - h) <= radius or (math.isinf(m.h) and math.isinf(h))]
    return min(near, key=lambda m: abs(m.h - h) if math.isfinite(m.h) else 0.0) if near else None


def first_order_transitions(delta_gamma: float, delta_G_range: tuple[float, float], model: str = "exponential",
                            points: int = 200, **params) -> list[Transition]:
    """First-order thickness transitions over a ΔG range (log-spaced scan, then bisection).

    The global minimum's thickness is followed on ``points`` log-spaced ΔG values; where it jumps
    between two minima that both persist across the interval, the ΔG of equal Φ is bisected
    (60 halvings of the log interval). A continuous thinning (the exponential form's h_EQ → 0 at
    ΔG = −Δγ/ξ) is not a transition: bisection shrinks its jump to nothing, and it is dropped.

    Parameters
    ----------
    delta_gamma : float
        Δγ, J/m^2.
    delta_G_range : (float, float)
        ΔG bounds, J/m^3, both positive.
    model, **params
        As :func:`equilibrium_thickness`.
    points : int
        Scan points.
    """
    lo, hi = delta_G_range
    if not (0 < lo < hi):
        raise ValueError("delta_G_range must be two increasing positive values (J/m^3)")
    template = potential(delta_gamma, lo, model, **params)
    jump = 0.25 * template.shortest_length  # a thickness change this large between neighbours is a jump

    def global_h(dG):
        return minima(_with_G(template, dG))[1].h

    grid = np.geomspace(lo, hi, points)
    hs = [global_h(g) for g in grid]
    found = []
    for i in range(points - 1):
        if abs(hs[i] - hs[i + 1]) <= jump:
            continue
        a, b, ha, hb = grid[i], grid[i + 1], hs[i], hs[i + 1]
        for _ in range(60):
            mid = math.sqrt(a * b)
            hm = global_h(mid)
            if abs(hm - ha) < abs(hm - hb):
                a, ha = mid, hm
            else:
                b, hb = mid, hm
        if not abs(ha - hb) > jump:
            continue  # continuous: the jump vanished under bisection
        at = _with_G(template, math.sqrt(a * b))
        ma, mb = (_local_minimum_near(at, h, jump) for h in (ha, hb))
        if ma is None or mb is None:
            continue  # one branch ends (spinodal) inside the interval: not two coexisting minima
        found.append(Transition(math.sqrt(a * b), ha, hb, 0.5 * (ma.phi + mb.phi), abs(ma.phi - mb.phi)))
    return found


def _with_G(pot: InterfacePotential, delta_G: float) -> InterfacePotential:
    return InterfacePotential(**{**pot.__dict__, "delta_G": delta_G})


def diagram(delta_G: np.ndarray, delta_gamma: np.ndarray, model: str = "exponential", monolayer: float | None = None,
            **params) -> tuple[np.ndarray, np.ndarray]:
    """Complexion diagram: h_EQ (m) and class over a (Δγ, ΔG) grid.

    Parameters
    ----------
    delta_G : array (nG,)
        ΔG values, J/m^3.
    delta_gamma : array (ng,)
        Δγ values, J/m^2.
    monolayer : float, optional
        σ for :func:`classify`, m; default the oscillatory period, else the model length.

    Returns
    -------
    thickness : array (ng, nG), m
    classes : array (ng, nG) of str
    """
    delta_G, delta_gamma = np.asarray(delta_G, float), np.asarray(delta_gamma, float)
    thickness = np.empty((delta_gamma.size, delta_G.size))
    for i, dg in enumerate(delta_gamma):
        for j, dG in enumerate(delta_G):
            thickness[i, j] = equilibrium_thickness(float(dg), float(dG), model, **params)
    if monolayer is None:
        pot = potential(float(delta_gamma[0]), float(delta_G[0]), model, **params)
        monolayer = pot.period if pot.amplitude else pot.length
    classes = np.vectorize(lambda h: classify(h, monolayer), otypes=[object])(thickness).astype(str)
    return thickness, classes
