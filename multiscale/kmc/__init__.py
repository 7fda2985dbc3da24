"""Kinetic Monte Carlo of Li deposition on a 3D lattice (docs/models.md §4).

Modules: :mod:`.model` (rates and rules, plain Python, SI), :mod:`._kernels` (the numba event
loop: the only numba code), :mod:`.engine` (state, driver, alias sampling), :mod:`.dopt`,
:mod:`.observables`, :mod:`.params` (the ``[kmc]`` table), :mod:`.outputs` (the file's schema),
:mod:`.stage` (runs the stage).
"""

from ..stage import Figure, Observable, Stage
from .outputs import SCHEMA
from .params import KmcParams, room_and_cycling_rules, unread_keys


def _transfers_charge(params) -> bool:
    """The kMC reads the Butler-Volmer kinetics while cycling: they set its stripping (and, with
    kmc.exchange = "reversible", its plating)."""
    return params.cycling is not None


STAGE = Stage(
    name="kmc", table="kmc", params_model=KmcParams, description="Kinetic Monte Carlo stage",
    module="multiscale.kmc.stage", schema=SCHEMA, upstream=("atomistic",),
    cache_tables=("seed", "electrode", "cycling"), checks=(room_and_cycling_rules,), strips=True,
    transfers_charge=_transfers_charge, unread=unread_keys,
    observables=(
        Observable("roughness_sigma", "roughness_sigma", "m",
                   "kMC rms roughness at the end (a cycling run: after the last strip)"),
        Observable("porosity", "porosity", "1", "kMC porosity at the end (a cycling run: after the last strip)"),
        Observable("crystalline_fraction", "crystalline_fraction", "1",
                   "kMC crystalline fraction at the end (a cycling run: of the live Li the last strip left, "
                   "0 with none)"),
        Observable("roughness_sigma_plated", "mean_roughness_sigma_plated", "m",
                   "kMC rms roughness after plating, mean over the cycles", attribute=True, when="[cycling] given"),
        Observable("crystalline_fraction_plated", "mean_crystalline_fraction_plated", "1",
                   "kMC crystalline fraction after plating, mean over the cycles", attribute=True,
                   when="[cycling] given"),
        Observable("coulombic_efficiency", "mean_coulombic_efficiency", "1", "kMC Coulombic efficiency, mean over the cycles",
                   attribute=True, when="[cycling] given"),
        Observable("dead_li_fraction", "mean_dead_fraction", "1", "kMC dead Li atoms a cycle added per atom plated, mean over the cycles",
                   attribute=True, when="[cycling] given"),
    ),
    figures=(Figure("kmc_deposit", "kmc_deposit"), Figure("kmc_series", "kmc_series"),
             Figure("kmc_cycling", "kmc_cycling", group="cycling")),
)
