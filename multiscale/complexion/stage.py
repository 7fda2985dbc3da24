"""The complexion stage: ``[complexion]`` -> ``complexion.h5``.

Groups (SI units; lengths in m):

- root: Φ(h) of the run's point, ``interface_potential(h)`` (J/m^2) with ``h``; every local
  minimum, ``minimum_thickness`` (m) and ``minimum_phi`` (J/m^2) along ``minimum``; attributes
  ``equilibrium_thickness_m`` (inf: wetting), ``complexion`` (class), ``closed_form_thickness_m``
  (exponential and dispersion forms).
- ``diagram``: ``thickness(delta_gamma, delta_G)`` (m) and ``complexion(delta_gamma, delta_G)`` (class name).
- ``transitions``: first-order thickness transitions at the run's Δγ over the diagram's ΔG range:
  ``delta_G``, ``thickness_below``/``thickness_above`` (the global minimum just below / above it),
  ``phi`` (J/m^2) along ``transition``.
- ``film``: the 1D FiPy Allen–Cahn film: ``thickness_fipy`` and ``thickness_quadrature`` (m) along
  ``delta_G``; profiles ``phi_profile(delta_G, x)``.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from .._fipy import SOLVER_SUITE
from ..constants import M_PER_NM
from ..errors import UserError
from ..params import Params
from . import film
from . import model as cx
from .params import ComplexionParams


def model_keywords(p: ComplexionParams) -> dict:
    """Keyword arguments of :func:`complexion.potential` from the table (SI)."""
    keywords = {"xi": p.xi_nm * M_PER_NM, "h0": p.h0_nm * M_PER_NM, "gamma0": p.gamma0_J_m2}
    if p.model == "oscillatory":
        keywords.update(base=p.base, amplitude=p.oscillation_amplitude, decay_length=p.oscillation_decay_length_nm * M_PER_NM,
                        period=p.oscillation_period_nm * M_PER_NM, phase=p.oscillation_phase_rad)
    return keywords


def monolayer(p: ComplexionParams) -> float:
    """σ used to name complexions, m."""
    return (p.monolayer_thickness_nm if p.monolayer_thickness_nm is not None else p.oscillation_period_nm) * M_PER_NM


def point_dataset(p: ComplexionParams) -> tuple[xr.Dataset, dict]:
    """Φ(h) at the run's (Δγ, ΔG) and the attributes describing its minima."""
    pot = cx.potential(p.delta_gamma_J_m2, p.delta_G_J_m3, p.model, **model_keywords(p))
    found, best = cx.minima(pot)
    finite = [m.h for m in found if math.isfinite(m.h)]
    h_top = 3.0 * max(finite + [10.0 * pot.shortest_length])
    h = np.linspace(0.0, h_top, 1201)
    ds = xr.Dataset({"interface_potential": ("h", pot.phi(h), {"units": "J m-2", "long_name": "Phi(h)"}),
                     "minimum_thickness": ("minimum", [m.h for m in found], {"units": "m", "long_name": "local minimum of Phi"}),
                     "minimum_phi": ("minimum", [m.phi for m in found], {"units": "J m-2"})},
                    coords={"h": ("h", h, {"units": "m", "long_name": "film thickness"}),
                            "minimum": ("minimum", np.arange(len(found)))})
    attrs = {
        "equilibrium_thickness_m": best.h, "equilibrium_phi_J_m2": best.phi,
        "complexion": cx.classify(best.h, monolayer(p)), "monolayer_thickness_m": monolayer(p),
    }
    if p.model != "oscillatory":
        attrs["closed_form_thickness_m"] = cx.closed_form_thickness(pot)
    return ds, attrs


def diagram_dataset(p: ComplexionParams) -> xr.Dataset:
    """h_EQ and the complexion class over the (Δγ, ΔG) grid."""
    dG = np.geomspace(*p.diagram_delta_G_J_m3, p.diagram_points)
    dg = np.linspace(*p.diagram_delta_gamma_J_m2, p.diagram_points)
    thickness, classes = cx.diagram(dG, dg, p.model, monolayer=monolayer(p), **model_keywords(p))
    return xr.Dataset(
        {"thickness": (("delta_gamma", "delta_G"), thickness, {"units": "m", "long_name": "equilibrium thickness"}),
         "complexion": (("delta_gamma", "delta_G"), classes.astype(object))},
        coords={"delta_gamma": ("delta_gamma", dg, {"units": "J m-2"}), "delta_G": ("delta_G", dG, {"units": "J m-3"})})


def transitions_dataset(p: ComplexionParams) -> xr.Dataset:
    """First-order transitions at the run's Δγ over the diagram's ΔG range."""
    found = cx.first_order_transitions(p.delta_gamma_J_m2, p.diagram_delta_G_J_m3, p.model,
                                       points=p.transition_points, **model_keywords(p))
    dim = "transition"
    return xr.Dataset(
        {"delta_G": (dim, [t.delta_G for t in found], {"units": "J m-3"}),
         "thickness_below": (dim, [t.h_low_G for t in found], {"units": "m", "long_name": "h_EQ just below delta_G"}),
         "thickness_above": (dim, [t.h_high_G for t in found], {"units": "m", "long_name": "h_EQ just above delta_G"}),
         "phi": (dim, [t.phi for t in found], {"units": "J m-2"}),
         "phi_gap": (dim, [t.phi_gap for t in found], {"units": "J m-2", "long_name": "|Phi_a - Phi_b| at delta_G"})},
        coords={dim: (dim, np.arange(len(found)))})


def film_dataset(p: ComplexionParams, log=None) -> xr.Dataset:
    """The FiPy film relaxed at each ``film_delta_G_J_m3``, with the exact quadrature."""
    rows = []
    for value in p.film_delta_G_J_m3:
        result = film.relax_film(value, p.film_barrier_J_m3, p.film_gradient_J_m)
        exact = film.quadrature_thickness(value, p.film_barrier_J_m3, p.film_gradient_J_m)
        rows.append((result, exact))
        if log is not None:
            log.info("complexion: film at delta_G = %.3g J/m3: FiPy %.5g nm, quadrature %.5g nm", value,
                     result.thickness / M_PER_NM, exact / M_PER_NM)
    n = max(r.x.size for r, _ in rows)
    x = np.full((len(rows), n), np.nan)
    profile = np.full((len(rows), n), np.nan)
    for i, (r, _) in enumerate(rows):
        x[i, :r.x.size], profile[i, :r.x.size] = r.x, r.phi
    return xr.Dataset(
        {"thickness_fipy": ("delta_G", [r.thickness for r, _ in rows], {"units": "m", "long_name": "Gibbs thickness, FiPy"}),
         "thickness_quadrature": ("delta_G", [e for _, e in rows], {"units": "m", "long_name": "Gibbs thickness, exact"}),
         "position": (("delta_G", "cell"), x, {"units": "m", "long_name": "cell centre (NaN past the domain)"}),
         "phi_profile": (("delta_G", "cell"), profile, {"units": "1", "long_name": "order parameter (0 film, 1 bulk)"})},
        coords={"delta_G": ("delta_G", np.asarray(p.film_delta_G_J_m3), {"units": "J m-3"}), "cell": ("cell", np.arange(n))},
        attrs={"barrier_J_m3": p.film_barrier_J_m3, "gradient_J_m": p.film_gradient_J_m,
               "asymptotic_slope_m": film.asymptotic_slope(p.film_barrier_J_m3, p.film_gradient_J_m)})


# ----------------------------------------------------------------------- pipeline hooks

def prepare(params: Params) -> None:
    p = params.complexion
    try:
        cx.potential(p.delta_gamma_J_m2, p.delta_G_J_m3, p.model, **model_keywords(p))
    except ValueError as exc:
        raise UserError(f"complexion: {exc}") from None
    return None


def write(ctx, prepared) -> None:
    p = ctx.params.complexion
    point, attrs = point_dataset(p)
    ctx.log.info("complexion: h_EQ = %.4g nm (%s), %d local minima", attrs["equilibrium_thickness_m"] / M_PER_NM,
                 attrs["complexion"], point.sizes["minimum"])
    diagram = diagram_dataset(p)
    transitions = transitions_dataset(p)
    ctx.log.info("complexion: %d first-order transitions at delta_gamma = %g J/m2", transitions.sizes["transition"],
                 p.delta_gamma_J_m2)
    films = film_dataset(p, ctx.log)
    ctx.attrs.update(attrs, fipy_solver_suite=SOLVER_SUITE, model=p.model)
    with ctx.writer() as writer:
        writer.write_dataset(point)
        writer.write_dataset(diagram, "diagram")
        writer.write_dataset(transitions, "transitions")
        writer.write_dataset(films, "film")
