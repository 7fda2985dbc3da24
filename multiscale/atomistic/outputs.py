"""``atomistic.h5``: what the atomistic stage writes (SI; activation energies in eV)."""

from __future__ import annotations

from ..stage import Attribute, Group, Schema, Variable as V

_T = ("temperature",)


def _law(prefix: str) -> tuple[V, ...]:
    """The Arrhenius law variables of one diffusion channel; D0 and Ea are handed to the kMC."""
    return (
        V(f"D_{prefix}", _T, "m2 s-1", f"{prefix} diffusivity at each temperature"),
        V(f"D0_{prefix}", (), "m2 s-1", f"{prefix} Arrhenius prefactor", handoff=True),
        V(f"D0_{prefix}_stderr", (), "m2 s-1", "standard error (NaN for curated values)"),
        V(f"Ea_{prefix}", (), "eV", f"{prefix} activation energy", handoff=True),
        V(f"Ea_{prefix}_stderr", (), "eV", "standard error (NaN for curated values)"),
        V(f"D0_Ea_{prefix}_correlation", (), "1", "correlation of the fitted D0 and Ea"),
        V(f"md_temperature_{prefix}", (f"md_temperature_{prefix}",), "K", "temperatures of the user's MD",
          when=f"atomistic.{prefix}_msd given"),
        V(f"D_{prefix}_md", (f"md_temperature_{prefix}",), "m2 s-1", "D = slope / (2 d) of each MD MSD",
          when=f"atomistic.{prefix}_msd given"),
        V(f"D_{prefix}_md_stderr", (f"md_temperature_{prefix}",), "m2 s-1", "its standard error",
          when=f"atomistic.{prefix}_msd given"),
        V(f"reduced_chi2_{prefix}", (), "1", "reduced chi^2 of the Arrhenius fit", when=f"atomistic.{prefix}_msd given"),
    )


SCHEMA = Schema("atomistic", (
    Group("/", (
        V("lattice_constant", (), "m", "bcc Li lattice constant"),
        V("nearest_neighbour_distance", (), "m", "bcc Li nearest-neighbour distance"),
        V("atomic_volume", (), "m3", "volume per Li atom: the kMC has one site per atomic volume", handoff=True),
        V("density", (), "kg m-3", "Li density"),
        V("melting_point_model", (), "K", "melting point of the ML potential (seed 004)"),
        V("melting_point_experiment", (), "K", "measured melting point"),
    ), (Attribute("title", ""),), "Li scalars"),
    Group("diffusion", (V("temperature", _T, "K", "temperature"), *_law("bulk"), *_law("surface"),
                        V("D_ratio_surface_bulk", _T, "1", "D_surface / D_bulk")),
          (Attribute("bulk_source", ""), Attribute("surface_source", "")), "Arrhenius laws of bulk and surface Li"),
    Group("dopt", (
        V("ensemble_size", ("ensemble_size",), "1", "glassy ensemble size, atoms", handoff=True),
        V("bcc_fraction", ("ensemble_size",), "1", "fraction of ensembles that turn bcc", handoff=True),
        V("incubation_time", ("ensemble_size",), "s", "MD incubation time (inf below the critical size)", handoff=True),
        V("critical_ensemble_size", (), "1", "N*, atoms", handoff=True),
        V("critical_ensemble_size_stderr", (), "1", "standard error of N*"),
        V("transition_width", (), "1", "width of the logistic step, atoms"),
        V("bcc_fraction_max", (), "1", "plateau of the logistic step"),
        V("bcc_fraction_fit", ("ensemble_size",), "1", "logistic fit to the user's table", when="atomistic.dopt_table given"),
    ), (Attribute("source", ""),), description="glassy -> crystalline transition (DOPT) curve"),
    Group("coatings", (
        V("material", ("material",), "", "coating material (seed 002 Table I)", handoff=True),
        V("D_min", ("material",), "m2 s-1", "low end of the Li diffusivity range", handoff=True),
        V("D_max", ("material",), "m2 s-1", "high end of the Li diffusivity range", handoff=True),
        V("temperature", ("material",), "K", "temperature of the measurement"),
        V("method", ("material",), "", "measurement method"),
        V("reference", ("material",), "", "source", handoff=True),
    ), description="coating Li diffusivities"),
    Group("records", (
        V("record", ("record",), "", "identifier"),
        V("value", ("record",), "", "value in its own units"),
        V("units", ("record",), "", "units of the value"),
        V("uncertainty", ("record",), "", "uncertainty"),
        V("source", ("record",), "", "source"),
        V("conditions", ("record",), "", "conditions"),
    ), description="every curated number with its source"),
))

#: Handoffs other stages read.
ATOMIC_VOLUME = SCHEMA.handoff("/", "atomic_volume")
D0_SURFACE = SCHEMA.handoff("diffusion", "D0_surface")
EA_SURFACE = SCHEMA.handoff("diffusion", "Ea_surface")
D0_BULK = SCHEMA.handoff("diffusion", "D0_bulk")
EA_BULK = SCHEMA.handoff("diffusion", "Ea_bulk")
DOPT = SCHEMA.handoff_group("dopt")
COATINGS = SCHEMA.handoff_group("coatings")
