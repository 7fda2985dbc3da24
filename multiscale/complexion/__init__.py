"""Thermodynamically chosen film thickness: :mod:`.model` (Phi(h), minima, transitions, diagram;
numpy/scipy), :mod:`.film` (1D FiPy Allen-Cahn film), :mod:`.params`, :mod:`.outputs`,
:mod:`.stage` (runs the stage).
"""

from ..stage import Figure, Observable, Stage
from .outputs import SCHEMA
from .params import ComplexionParams, unread_keys

STAGE = Stage(
    name="complexion", table="complexion", params_model=ComplexionParams,
    description="Complexion stage: thermodynamically chosen film thickness", module="multiscale.complexion.stage",
    schema=SCHEMA, cache_tables=(), unread=unread_keys,
    observables=(Observable("equilibrium_thickness", "equilibrium_thickness_m", "m", "complexion h_EQ", attribute=True),),
    figures=(Figure("complexion", "complexion_curves"),),
)
