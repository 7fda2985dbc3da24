"""Phase-field dendrite model (docs/models.md §5.1): :mod:`.sbm` (the smoothed-boundary equations
and their Newton solve), :mod:`.electrolyte` (the binary electrolyte's properties),
:mod:`.finite_volume` (the grid's operators), :mod:`.coloured_jacobian`, :mod:`.ordering` (the
LU's elimination order), :mod:`.newton` (step control), :mod:`.sbm_fipy` (the same equations as
FiPy terms: the benchmark's reference), :mod:`.params`, :mod:`.outputs`, :mod:`.stage` (runs the
stage).
"""

from ..stage import Figure, Observable, Stage
from .outputs import SCHEMA
from .params import DendriteParams


def _reads_kmc(params) -> bool:
    return params.kmc is not None


def _reads_coating(params) -> bool:
    return params.dendrite.local_current_source == "coating"


def _coating_table(params) -> str | None:
    if _reads_coating(params) and params.coating is None:
        return "dendrite.local_current_source = \"coating\" needs a [coating] table"
    return None


def _no_cycling(params) -> str | None:
    if params.cycling is not None:
        return ("cycling: the dendrite stage cannot strip yet; run [cycling] without a [dendrite] table "
                "(the kMC cycles)")
    return None


STAGE = Stage(
    name="dendrite", table="dendrite", params_model=DendriteParams, description="Phase-field dendrite stage",
    module="multiscale.dendrite.stage", schema=SCHEMA,
    upstream=("atomistic",), optional_upstream={"kmc": _reads_kmc, "coating": _reads_coating},
    checks=(_coating_table, _no_cycling),
    observables=(
        Observable("dendrite_length", "dendrite_length", "m", "phase-field tip minus trough at the end"),
        Observable("interface_roughness", "interface_roughness", "m", "phase-field front std at the end"),
        Observable("min_concentration", "min_concentration", "mol m-3", "lowest salt concentration at the end"),
    ),
    figures=(Figure("dendrite", "dendrite_snapshots"),),
)
