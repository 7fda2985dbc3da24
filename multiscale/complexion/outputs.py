"""``complexion.h5``: what the complexion stage writes (SI; lengths in m; docs/models.md §6)."""

from __future__ import annotations

from ..stage import Attribute as A, Group, Schema, Variable as V

SCHEMA = Schema("complexion", (
    Group("/", (
        V("h", ("h",), "m", "film thickness"),
        V("interface_potential", ("h",), "J m-2", "Phi(h) at the run's (delta_gamma, delta_G)"),
        V("minimum", ("minimum",), "", "index of the minimum"),
        V("minimum_thickness", ("minimum",), "m", "local minimum of Phi"),
        V("minimum_phi", ("minimum",), "J m-2", "Phi at the minimum"),
    ), (
        A("equilibrium_thickness_m", "m", "h_EQ, the global minimum (inf: wetting)", handoff=True),
        A("equilibrium_phi_J_m2", "J m-2"), A("complexion", "", "class of h_EQ", handoff=True),
        A("monolayer_thickness_m", "m"), A("closed_form_thickness_m", "m", when='complexion.model != "oscillatory"'),
        A("fipy_solver_suite", ""), A("model", ""),
    ), "Phi(h) and its minima"),
    Group("diagram", (
        V("delta_gamma", ("delta_gamma",), "J m-2"), V("delta_G", ("delta_G",), "J m-3"),
        V("thickness", ("delta_gamma", "delta_G"), "m", "equilibrium thickness"),
        V("complexion", ("delta_gamma", "delta_G"), "", "class name"),
    ), description="h_EQ over (delta_gamma, delta_G)"),
    Group("transitions", (
        V("transition", ("transition",), "", "index"), V("delta_G", ("transition",), "J m-3"),
        V("thickness_below", ("transition",), "m", "h_EQ just below delta_G"),
        V("thickness_above", ("transition",), "m", "h_EQ just above delta_G"),
        V("phi", ("transition",), "J m-2"), V("phi_gap", ("transition",), "J m-2", "|Phi_a - Phi_b| at delta_G"),
    ), description="first-order thickness transitions at the run's delta_gamma"),
    Group("film", (
        V("delta_G", ("delta_G",), "J m-3"), V("cell", ("cell",), "", "cell index"),
        V("thickness_fipy", ("delta_G",), "m", "Gibbs thickness, FiPy"),
        V("thickness_quadrature", ("delta_G",), "m", "Gibbs thickness, exact"),
        V("position", ("delta_G", "cell"), "m", "cell centre (NaN past the domain)"),
        V("phi_profile", ("delta_G", "cell"), "1", "order parameter (0 film, 1 bulk)"),
    ), description="1D FiPy Allen-Cahn film vs quadrature"),
))

EQUILIBRIUM_THICKNESS = SCHEMA.handoff("/", "equilibrium_thickness_m")
COMPLEXION_CLASS = SCHEMA.handoff("/", "complexion")
