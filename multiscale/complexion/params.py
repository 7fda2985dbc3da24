"""The ``[complexion]`` table (docs/models.md §6)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..tables import PositiveFloat, Table, Unread

class ComplexionParams(Table):
    """Thermodynamically chosen thickness of an interfacial film (docs/models.md §6; seed 002).

    Φ(h) = γ0 + Δγ f(h) + ΔG h; Δγ < 0 lowers the interface energy, ΔG > 0 is the volume penalty
    of the film phase. Also: a complexion diagram over (ΔG, Δγ), first-order thickness transitions
    over the diagram's ΔG range, and a 1D FiPy diffuse-interface film checked against its exact
    quadrature.
    """

    model: Literal["exponential", "dispersion", "oscillatory"] = "exponential"
    """f(h): ``exponential`` 1 - exp(-h/xi), ``dispersion`` 1 - (h0/(h + h0))^2, ``oscillatory``: ``base``
    plus A exp(-h/lambda) cos(2 pi h/sigma + theta)."""
    delta_gamma_J_m2: float = Field(default=-0.2, ge=-10.0, le=10.0)
    """Delta gamma: interface energy change when the film forms, J/m^2 (negative: the film lowers it)."""
    delta_G_J_m3: float = Field(default=1.0e7, ge=0.0, le=1.0e12)
    """Delta G: volume free energy penalty of the film phase, J/m^3 (0: at bulk coexistence)."""
    gamma0_J_m2: float = Field(default=0.5, ge=0.0, le=10.0)
    """gamma0: energy of the clean interface, J/m^2 (shifts Phi only)."""
    base: Literal["exponential", "dispersion"] = "exponential"
    """Base form under the oscillation (``model = "oscillatory"``)."""
    xi_nm: float = Field(default=0.5, gt=0, le=1000.0)
    """xi of the exponential form, nm."""
    h0_nm: float = Field(default=0.3, gt=0, le=1000.0)
    """h0 of the dispersion form, nm."""
    oscillation_amplitude: float = Field(default=0.3, ge=-10.0, le=10.0)
    """A of the oscillatory term, dimensionless (``model = "oscillatory"``)."""
    oscillation_decay_length_nm: float = Field(default=1.0, gt=0, le=1000.0)
    """lambda of the oscillatory term, nm."""
    oscillation_period_nm: float = Field(default=0.3, gt=0, le=1000.0)
    """sigma: period of the oscillatory term (one adsorbate layer), nm."""
    oscillation_phase_rad: float = Field(default=0.0, ge=-10.0, le=10.0)
    """theta of the oscillatory term, rad (0: minima near whole layers)."""
    monolayer_thickness_nm: float | None = Field(default=None, gt=0)
    """sigma used to name the complexion (clean, mono-, bi-, trilayer, nanolayer, wetting), nm; default
    the oscillation period (0.3 nm)."""
    diagram_delta_G_J_m3: tuple[PositiveFloat, PositiveFloat] = (1.0e5, 1.0e10)
    """Delta G range of the diagram and of the transition search, J/m^3 (log-spaced)."""
    diagram_delta_gamma_J_m2: tuple[float, float] = (-1.0, -0.01)
    """Delta gamma range of the diagram, J/m^2."""
    diagram_points: int = Field(default=41, ge=2, le=400)
    """Points along each diagram axis."""
    transition_points: int = Field(default=200, ge=10, le=5000)
    """Delta G scan points of the first-order transition search (each jump is then bisected)."""
    film_barrier_J_m3: float = Field(default=1.0e8, gt=0)
    """W of the FiPy film's double well W phi^2 (1 - phi)^2, J/m^3."""
    film_gradient_J_m: float = Field(default=2.0e-10, gt=0)
    """kappa of the FiPy film, J/m (with W: xi = sqrt(kappa / 8 W) = 0.5 nm)."""
    film_delta_G_J_m3: tuple[PositiveFloat, ...] = Field(default=(1.0e7, 1.0e6, 1.0e5), min_length=1, max_length=20)
    """Delta G values at which the FiPy film is relaxed and compared with the quadrature, J/m^3."""

    @model_validator(mode="after")
    def _ranges(self):
        lo, hi = self.diagram_delta_G_J_m3
        if not lo < hi:
            raise ValueError("diagram_delta_G_J_m3 must be increasing")
        a, b = self.diagram_delta_gamma_J_m2
        if not a < b:
            raise ValueError("diagram_delta_gamma_J_m2 must be increasing")
        return self


def unread_keys(params) -> list[Unread]:
    """The ``[complexion]`` keys a run does not read (:attr:`multiscale.stage.Stage.unread`): the
    oscillation's without ``model = "oscillatory"`` (its period also names the complexions unless
    ``monolayer_thickness_nm`` does), and the length of the form f(h) does not use."""
    p = params.complexion
    found = []
    if p.model != "oscillatory":
        keys = ("base", "oscillation_amplitude", "oscillation_decay_length_nm", "oscillation_phase_rad")
        if p.monolayer_thickness_nm is not None:
            keys += ("oscillation_period_nm",)
        found += Unread.each("complexion", keys,
                             f"used only with complexion.model = \"oscillatory\" (it is \"{p.model}\")")
    form = p.base if p.model == "oscillatory" else p.model
    here = f"the oscillatory form on the {form} base" if p.model == "oscillatory" else f"the {form} form"
    for key, length_of in (("xi_nm", "exponential"), ("h0_nm", "dispersion")):
        if form != length_of:
            found.append(Unread("complexion", key, f"the length of the {length_of} form; f(h) is {here} here"))
    return found
