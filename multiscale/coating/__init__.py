"""Plating under vs on top of a Li-conducting coating: :mod:`.model` (FiPy transport with the
under/on-top complementarity), :mod:`.params`, :mod:`.outputs`, :mod:`.stage` (runs the stage).
"""

from ..stage import Figure, Observable, Stage
from ..tables import Unread
from .outputs import SCHEMA
from .params import CoatingParams


def _needs_complexion(params) -> bool:
    return params.coating.thickness_from_complexion


def _complexion_table(params) -> str | None:
    if params.coating.thickness_from_complexion and params.complexion is None:
        return "coating.thickness_from_complexion: needs a [complexion] table"
    return None


def _material_tabulated(params) -> str | None:
    c = params.coating
    if c.diffusivity_m2_s is None and c.material not in params.atomistic.coating_materials:
        return f"coating.material: {c.material!r} is not in atomistic.coating_materials"
    return None


def _unread_keys(params) -> list[Unread]:
    """The thickness with the complexion's thickness; the material and its Table I estimate with an
    explicit diffusivity."""
    c = params.coating
    found = []
    if c.thickness_from_complexion:
        found.append(Unread("coating", "thickness_um", "the complexion stage's h_EQ is the thickness "
                            "(coating.thickness_from_complexion = true)"))
    if c.diffusivity_m2_s is not None:
        found += Unread.each("coating", ("material", "diffusivity_estimate"),
                             "coating.diffusivity_m2_s gives the diffusivity")
    return found


STAGE = Stage(
    name="coating", table="coating", params_model=CoatingParams,
    description="Coating stage: plating under vs on top of a coating", module="multiscale.coating.stage",
    schema=SCHEMA, upstream=("atomistic",), optional_upstream={"complexion": _needs_complexion},
    checks=(_complexion_table, _material_tabulated), unread=_unread_keys,
    observables=(
        Observable("fraction_under", "fraction_under", "1", "Li plated under the coating / charge"),
        Observable("fraction_on_top", "fraction_on_top", "1", "Li plated on top of the coating / charge"),
        Observable("threshold_current_density", "threshold_current_density_A_m2", "A m-2", "F D c_c / L", attribute=True),
    ),
    figures=(Figure("coating_fractions", "coating_fractions"),),
)
