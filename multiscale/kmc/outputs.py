"""``kmc.h5``: what the kMC stage writes (SI).

Series along ``time`` are written as they are recorded (:mod:`multiscale.runner`); ``final``,
``handoff`` and ``morphology`` are written at the end.
"""

from __future__ import annotations

from ..stage import Attribute as A, Group, Schema, Variable as V

T, YX = ("time",), ("time", "y", "x")

#: Scalar series of the root group: name -> (units, description); every record writes one value of each.
SCALARS = {
    "roughness_Ra": ("m", "mean absolute deviation of the height (seed 000 Fig. 6)"),
    "roughness_Rmax": ("m", "max - min height"),
    "roughness_sigma": ("m", "rms roughness"),
    "porosity": ("1", "empty sites below the surface / sites below the surface"),
    "crystalline_fraction": ("1", "crystalline Li atoms / live Li atoms"),
    "deposited_atoms": ("1", "atoms deposited"),
    "atoms_on_lattice": ("1", "live Li atoms on the lattice (dead Li not included)"),
    "charge_passed": ("C", "charge of the deposited atoms"),
    "events_deposit": ("1", "deposition events"),
    "events_hop": ("1", "hop events"),
    "events_fall": ("1", "falls: atoms a move or a dissolution left unbound, dropped down their column (part of that event)"),
    "events_step": ("1", "step moves over an edge (Ehrlich-Schwoebel)"),
}

#: Per-cycle log, one float64 row a cycle: name -> (units, description).
LOG_FIELDS = {
    "plated_atoms": ("1", "atoms plated in the cycle (net: reductions - dissolutions of the plating half-cycle)"),
    "stripped_atoms": ("1", "atoms stripped in the cycle (net: dissolutions - reductions of the stripping half-cycle)"),
    "dead_atoms": ("1", "dead Li atoms the cycle added (kmc.dead_li = revived_on_contact: net of those revived, may be < 0)"),
    "residual_atoms": ("1", "live Li atoms left on the electrode after stripping"),
    "plating_time": ("s", "duration of the plating half-cycle"),
    "stripping_time": ("s", "duration of the stripping half-cycle"),
    "end_overpotential": ("V", "overpotential when stripping ended (inf: nothing left to strip)"),
    "strip_end": ("1", "how stripping ended: 1 potential cut-off (end_overpotential inf: nothing was left to strip), "
                       "2 capacity cut-off, 3 nothing left to strip before the capacity cut-off"),
    "roughness_sigma_plated": ("m", "rms roughness after plating"),
    "porosity_plated": ("1", "porosity after plating"),
    "crystalline_fraction_plated": ("1", "crystalline fraction of the live Li after plating"),
    "roughness_sigma_stripped": ("m", "rms roughness after stripping"),
    "porosity_stripped": ("1", "porosity after stripping"),
}
#: Scalar series of a cycling run only (``[cycling]`` given): name -> (units, description, dtype).
CYCLING_SCALARS = {
    "cycle": ("1", "cycle number (from 1)", "i8"),
    "half_cycle": ("1", "half-cycle the record closes: 0 plating, 1 rest after plating, 2 stripping, 3 rest after stripping", "i8"),
    "dissolved_atoms": ("1", "atoms dissolved (with kmc.exchange = reversible: every dissolution, plating's included)", "f8"),
    "charge_stripped": ("C", "charge of the dissolved atoms (anodic charge; reversible exchange: gross)", "f8"),
    "dead_atoms": ("1", "dead Li atoms on the lattice", "f8"),
    "revived_atoms": ("1", "dead Li atoms made live again by contact so far (kmc.dead_li = revived_on_contact, within kmc.sei_passivation_time_s of being cut off; 0 otherwise)", "f8"),
    "refused_moves": ("1", ("null events: moves refused because they would have cut Li off the collector, moves "
                            "that lose bonds the bond-lift scaling rejected (kmc.hop_scaling_lambda > 0), and "
                            "(reversible exchange) rejected reduction and dissolution proposals"), "f8"),
    "overpotential": ("V", ("electrode overpotential at the record's state, the box's instantaneous value (it "
                            "fluctuates with the box's surface; docs/models.md §4.8) (one-way exchange: while "
                            "stripping, NaN otherwise; reversible: every half-cycle)"), "f8"),
}
#: Descriptions of the ``cycling`` group's cut-off counts (the kernel's ``counts[EV_CUT_OFFS:]`` per cycle).
CUT_OFF_SIZE = "smallest size in the bin, atoms (a bin ends below the next one's smallest size)"
CUT_OFFS = ("Li clusters cut off from the collector in the cycle and marked dead, by size (with "
            "kmc.dead_li = revived_on_contact a cluster revived and cut off again counts again)")
CUT_OFF_ATOMS = "atoms in the clusters of cut_offs"
DEAD_AFTER_MOVES = ("atoms of cut_off_atoms marked dead in events that were moves (hops and step moves): atoms a "
                    "move left unbound that fell onto dead Li (with kmc.electronic_contact = narrow_gap also Li whose "
                    "only path ran through a fallen atom's site); the rest were marked dead in dissolutions")
#: Value of dead Li in ``final/phase``.
DEAD_FLAG = 4

SCHEMA = Schema("kmc", (
    Group("/", (
        V("time", T, "s", "simulated time"),
        V("y", ("y",), "m", "column position"),
        V("x", ("x",), "m", "column position"),
        *(V(name, T, units, text) for name, (units, text) in SCALARS.items()),
        *(V(name, T, units, text, dtype=dtype, when="[cycling] given") for name, (units, text, dtype) in CYCLING_SCALARS.items()),
        V("height", YX, "m", "deposit height of each column", dtype="f4"),
        V("current_density", ("y", "x"), "A m-2", "local current density"),
        V("top_temperature", ("y", "x"), "K", "local heating: temperature at and above heating_length_nm",
          when="kmc.heating_top_rise_K > 0"),
    ), (
        A("lattice", ""), A("lattice_spacing_m", "m"), A("lattice_shape_zyx", "1"), A("lateral_size_m", "m", "box width after rounding to whole columns"),
        A("box_height_m", "m", "box height after rounding to whole layers"),
        A("deposits_per_record", "1", "record_interval_ML x columns, rounded"),
        A("stop_deposits", "1", "stop_thickness_ML x columns, rounded", when="kmc.stop_thickness_ML given"),
        A("current_density_cv", "1", "std / mean of current_density over the box: the realised VLCD (for the "
          "log-normal field below electrode.vlcd_cv unless the box is many vlcd_correlation_length_nm wide)"),
        A("arrival", ""), A("temperature_K", "K"), A("attempt_frequency_Hz", "Hz"), A("E_hop_crystal_eV", "eV"),
        A("E_hop_glassy_eV", "eV"), A("E_bond_eV", "eV"), A("S_bond_kB", "1", "bond entropy, k_B"),
        A("schwoebel_barrier_eV", "eV"), A("vacancy_fraction", "1", "equilibrium vacancy fraction of the lattice gas at temperature_K"), A("hop_rate_scale", "1"), A("max_hop_to_deposition", "1"),
        A("hop_scaling_lambda", "1", "lambda of the bond-lift scaling (0: off)"),
        A("bond_lift", "1", "lambda g at the acceleration's reference temperature: a move from n_i to n_f bonds runs "
          "exp(bond_lift min(n_i, n_f)) faster on top of hop_rate_scale"),
        A("acceleration", ""), A("stop_reason", ""), A("local_heating", ""), A("dopt", ""),
        A("cycling", "", "the cycling protocol", when="[cycling] given"),
        A("mean_coulombic_efficiency", "1", "charge stripped / charge plated, mean over the cycles", when="[cycling] given"),
        A("mean_dead_fraction", "1", "dead Li atoms a cycle added / atoms plated, mean over the cycles", when="[cycling] given"),
        A("mean_roughness_sigma_plated", "m", "rms roughness after plating, mean over the cycles",
          when="[cycling] given"),
        A("mean_crystalline_fraction_plated", "1", "crystalline fraction after plating, mean over the cycles",
          when="[cycling] given"),
    ), "series and static fields"),
    Group("final", (
        V("z", ("z",), "m", "height of the lattice plane"), V("y", ("y",), "m"), V("x", ("x",), "m"),
        V("phase", ("z", "y", "x"), "", "0 empty, 1 glassy, 2 crystalline, 3 substrate, 4 dead Li"),
        V("occupancy", ("z", "y", "x"), "1", "occupied site"),
    ), description="final lattice"),
    Group("ensembles", (
        V("time", T, "s"), V("ensemble_size", ("ensemble_size",), "1", "lower edge of the size bin, atoms"),
        V("count", ("time", "ensemble_size"), "1", "glassy ensembles per size bin", dtype="i8"),
        V("n_ensembles", T, "1", "glassy ensembles", dtype="i8"),
        V("largest_ensemble", T, "1", "largest glassy ensemble, atoms", dtype="i8"),
    ), description="glassy ensemble size distribution over time"),
    Group("handoff", (
        V("roughness_sigma", (), "m", "rms roughness of the deposit handed over", handoff=True),
        V("correlation_length", (), "m", "lateral correlation length of its height map", handoff=True),
        V("crystalline_fraction", (), "1", "its crystalline fraction", handoff=True),
        V("current_density_bin", ("current_density_bin",), "A m-2", "mean local current density of the octile"),
        V("growth_rate", ("current_density_bin",), "m s-1", "mean column growth rate"),
        V("growth_rate_faraday", ("current_density_bin",), "m s-1", "j a^3 / e (dense deposit)"),
    ), (A("deposit", "", "the deposit handed over: the last record's, or a cycling run's after cycle 1's plating"),),
        "what the kMC hands to the phase field"),
    Group("surface_kinetics", (
        V("run", ("run",), "", "relaxation run"),
        V("wavelength", ("run",), "m", "wavelength of the sinusoidal profile (one period = the box along x)"),
        V("decay_rate", ("run",), "s-1", "fitted decay rate r of the profile's amplitude, exp(-r t)"),
        V("replica", ("run",), "1", "replica at this wavelength (its own random stream)", dtype="i8"),
        V("temperature", (), "K", "temperature of the runs (the run's bath temperature)"),
        V("mullins_B", (), "m4 s-1", "B of r = B k^4 (exponent fixed at 4; geometric mean of r / k^4)", handoff=True),
        V("mullins_B_stderr", (), "m4 s-1", "standard error of B over the runs", handoff=True),
        V("relaxation_exponent", (), "1", "n of r = C k^n, fitted freely (4: Mullins surface diffusion)", handoff=True),
        V("relaxation_exponent_stderr", (), "1", "standard error of n", handoff=True),
        V("mullins_B_analytic", (), "m4 s-1", "D_surface nu gamma Omega^2 / (k_B T) of the lattice gas (docs/models.md §4.7)"),
    ), (A("method", ""),), "surface relaxation with no flux, measured at the run temperature: the surface kinetics "
                          "handed to the phase field"),
    Group("cycling", (
        V("cycle", ("cycle",), "1", "cycle number (from 1)"), V("y", ("y",), "m"), V("x", ("x",), "m"),
        *(V(name, ("cycle",), units, text) for name, (units, text) in LOG_FIELDS.items()),
        V("charge_plated", ("cycle",), "C", "charge plated in the cycle"),
        V("charge_stripped", ("cycle",), "C", "charge stripped in the cycle"),
        V("coulombic_efficiency", ("cycle",), "1", "charge stripped / charge plated"),
        V("dead_fraction", ("cycle",), "1", "dead Li atoms the cycle added / atoms plated"),
        V("height_plated", ("cycle", "y", "x"), "m", "column heights after plating"),
        V("height_stripped", ("cycle", "y", "x"), "m", "column heights after stripping"),
        V("cut_off_size", ("cut_off_size",), "1", CUT_OFF_SIZE),
        V("cut_offs", ("cycle", "cut_off_size"), "1", CUT_OFFS),
        V("cut_off_atoms", ("cycle", "cut_off_size"), "1", CUT_OFF_ATOMS),
        V("dead_atoms_after_moves", ("cycle",), "1", DEAD_AFTER_MOVES),
    ), description="one row per plating-stripping cycle (docs/models.md §4.8)", when="[cycling] given"),
    Group("morphology", (
        V("hotspot", ("hotspot",), "", "index"), V("centre_x", ("hotspot",), "m"), V("centre_y", ("hotspot",), "m"),
        V("deposit_height", ("hotspot",), "m", "height above the background film"),
        V("bottom_width", ("hotspot",), "m"), V("top_width", ("hotspot",), "m"), V("aspect_ratio", ("hotspot",), "1"),
        V("shape", ("hotspot",), "", "needle, mushroom or hemisphere"), V("background_height", (), "m"),
    ), (A("rule", ""),), "deposit shape on each hotspot", when='electrode.vlcd_field = "hotspots"'),
))

ROUGHNESS_SIGMA = SCHEMA.handoff("handoff", "roughness_sigma")
CORRELATION_LENGTH = SCHEMA.handoff("handoff", "correlation_length")
CRYSTALLINE_FRACTION = SCHEMA.handoff("handoff", "crystalline_fraction")
MULLINS_B = SCHEMA.handoff("surface_kinetics", "mullins_B")
MULLINS_B_STDERR = SCHEMA.handoff("surface_kinetics", "mullins_B_stderr")
RELAXATION_EXPONENT = SCHEMA.handoff("surface_kinetics", "relaxation_exponent")
RELAXATION_EXPONENT_STDERR = SCHEMA.handoff("surface_kinetics", "relaxation_exponent_stderr")
