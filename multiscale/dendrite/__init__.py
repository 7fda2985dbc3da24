"""Phase-field dendrite model (docs/models.md §5.1): :mod:`.sbm` (the smoothed-boundary equations
and their Newton solve), :mod:`.electrolyte` (the binary electrolyte's properties),
:mod:`.finite_volume` (the grid's operators), :mod:`.coloured_jacobian`, :mod:`.ordering` (the
LU's elimination order), :mod:`.newton` (step control), :mod:`.sbm_fipy` (the same equations as
FiPy terms: the benchmark's reference), :mod:`.sharp_front` (the sharp-interface reference under
charge-transfer control: the reference for the morphology's convergence), :mod:`.reinitialise`
(the profile rebuilt around its psi = 1/2 contour), :mod:`.params`,
:mod:`.outputs`, :mod:`.stage` (runs the stage).
"""

from ..stage import Figure, Observable, Stage
from .outputs import SCHEMA
from .params import DendriteParams, unread_keys


def _reads_kmc(params) -> bool:
    return params.kmc is not None


def _reads_coating(params) -> bool:
    return params.dendrite.local_current_source == "coating"


def _transfers_charge(params) -> bool:
    """The phase field's interface reaction is Butler-Volmer in every run: it reads the kinetics."""
    return True


def _coating_table(params) -> str | None:
    if _reads_coating(params) and params.coating is None:
        return "dendrite.local_current_source = \"coating\" needs a [coating] table"
    return None


def _cycling_rules(params) -> str | None:
    """[cycling] runs the phase field galvanostatically on the electrode's VLCD (the keys it sets
    instead are in :func:`.params.unread_keys`)."""
    if params.cycling is None:
        return None
    d = params.dendrite
    if d.control != "galvanostatic":
        return "dendrite.control: [cycling] is galvanostatic; leave out control = \"potentiostatic\""
    if d.local_current_source != "electrode":
        return "dendrite.local_current_source: [cycling] sets the current; use \"electrode\" (the electrode's VLCD)"
    return None


STAGE = Stage(
    name="dendrite", table="dendrite", params_model=DendriteParams, description="Phase-field dendrite stage",
    module="multiscale.dendrite.stage", schema=SCHEMA,
    upstream=("atomistic",), optional_upstream={"kmc": _reads_kmc, "coating": _reads_coating},
    cache_tables=("seed", "electrode", "cycling"), checks=(_coating_table, _cycling_rules), strips=True,
    transfers_charge=_transfers_charge, unread=unread_keys,
    observables=(
        Observable("dendrite_length", "dendrite_length", "m", "phase-field tip minus trough at the end"),
        Observable("interface_roughness", "interface_roughness", "m", "phase-field front std at the end"),
        Observable("min_concentration", "min_concentration", "mol m-3", "lowest salt concentration at the end"),
        Observable("dendrite_coulombic_efficiency", "mean_coulombic_efficiency", "1",
                   "phase-field Coulombic efficiency, mean over the cycles", attribute=True, when="[cycling] given"),
        Observable("dendrite_dead_li_fraction", "mean_dead_fraction", "1",
                   "phase-field Li made dead per Li plated, mean over the cycles", attribute=True, when="[cycling] given"),
    ),
    figures=(Figure("dendrite", "dendrite_snapshots"), Figure("dendrite_cycling", "dendrite_cycling", group="cycling")),
)
