"""The ``[kmc]`` table and every rule on it (docs/models.md §4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..constants import LI_KMC_SPACING, M_PER_NM
from ..tables import Table, Unread

class KmcParams(Table):
    """On-lattice kinetic Monte Carlo of deposition (docs/models.md §4).

    The lattice is simple cubic with one site per Li atomic volume, a = Omega^(1/3) = 2.79 Å;
    the box is ``lateral_size_nm`` wide (periodic in x and y) and ``box_height_nm`` high. The
    run stops at the first of ``stop_thickness_ML`` (mean deposited monolayers), ``stop_time_s``
    and ``stop_events``.
    """

    lateral_size_nm: float = Field(default=20.0, gt=0, le=2000.0)
    """Box width along x and y, nm (rounded to whole lattice columns; at least 8 columns, 2.23 nm)."""
    box_height_nm: float = Field(default=12.0, gt=0, le=2000.0)
    """Box height above the substrate, nm; the deposit must stay below it."""
    arrival: Literal["ballistic", "column_top"] = "ballistic"
    """Where an arriving atom sticks: first site touching the deposit coming down its column
    (ballistic: overhangs possible) or on top of its column."""
    stop_thickness_ML: float | None = Field(default=10.0, gt=0)
    """Stop when the deposited amount reaches this many monolayers (atoms per column)."""
    stop_time_s: float | None = Field(default=None, gt=0)
    """Stop at this simulated time, s."""
    stop_events: int | None = Field(default=None, gt=0)
    """Stop after this many kMC events (deposits, moves, and the null events of moves the bond-lift
    scaling rejects; a fall is part of its move)."""
    record_interval_ML: float = Field(default=0.5, gt=0)
    """Record the observables every this many deposited monolayers."""
    max_hop_to_deposition: float | None = Field(default=None, gt=0)
    """Acceleration R: every move rate is multiplied by one factor s, chosen so that at the
    reference conditions the fastest per-target hop is R times the per-column deposition rate.
    s does not depend on the run's own current density or temperature, so runs compared in a
    scan keep their rate and temperature effects. Unset: 1000 for plating, 4000 with a
    [cycling] table (the value used is written to kmc.h5). For plating at the reference
    conditions 1000 is converged: final Ra and sigma change by 2.5 % and 1 % from R = 1000 to 4000
    (last monolayer 6 % and 3 %; 4 seeds), 12 % and 6 % to R = 64000 (docs/validation.md).
    Cycling needs more: with the default cut-off-Li rules (kmc.dead_li = "sei_coated",
    kmc.stranding_moves = "refused") the 10-cycle dead Li at 1 mA/cm^2 and 300 K is 35 % higher at
    1000 than at 4000; from 4000 to 256000 it shows no trend (3 cycles: 0.181, 0.212, 0.194,
    0.168, 0.204 % of the plated atoms at 4000, 16000, 24000, 64000, 256000, 8 seeds each, 6 at
    256000; three 4x steps fail the 2-standard-error test, in alternating directions; weighted mean
    0.194 +- 0.005 %), and its
    value at the physical hop rate is not measured (docs/models.md §4.8). A run at a higher
    current or a lower temperature than the reference makes fewer hops per deposited atom
    (docs/models.md §4.2). Seed 000's current trend, found at R = 1000, is gone at 4000."""
    hop_scaling_lambda: float = Field(default=0.0, ge=0, le=1)
    """Bond-lift scaling lambda, 0..1: on top of the common factor of max_hop_to_deposition, a move
    from n_i to n_f bonds is sped up by exp(lambda g min(n_i, n_f)), g = E_bond / k_B T - S_bond / k_B at
    acceleration_reference_temperature_K (1.66 at 300 K; one factor per move for every run of a
    scan, as the common factor). The factor is the same for a move and its reverse, so the
    equilibrium (adatom and vacancy fractions, island shapes) is unchanged; it lifts the moves of
    well-bound atoms (edge and kink diffusion) towards the adatoms' rate, which R sets (the common
    factor is chosen with the lift included). A move onto the terrace (n_f = 1) is not lifted. 0
    (default): the common factor alone. Moves that lose bonds are proposed at the lifted rate and
    accepted with exp(-lambda g (n_i - n_f)): the rejections are null events, and at lambda = 1 most
    proposals are (2.6-4.4x the wall time of lambda = 0 on the cycling scan base). It changes the
    hops' rates relative to one another, and so the cycling loss: 0.194, 0.143, 0.092 % of the
    plated atoms at lambda = 0, 0.5, 1 on params/scan_cycling_base.toml at its 24000x (8 seeds),
    while at lambda = 0.5 the loss is the same from 4000x to 64000x. So it is no acceleration of
    that loss (the physical relative rates are lambda = 0's): a probe of how much a result depends
    on the hops' paths (docs/models.md §4.2, §4.8)."""
    acceleration_reference_current_density_mA_cm2: float = Field(default=1.0, gt=0)
    """Reference current density of the acceleration, mA/cm^2."""
    acceleration_reference_temperature_K: float = Field(default=300.0, gt=0, le=454.0)
    """Reference temperature of the acceleration, K."""
    glassy_barrier_reduction_eV: float = Field(default=0.05, ge=0, le=1.0)
    """E_hop(crystal) - E_hop(glassy), eV: glassy Li is more mobile (assumption)."""
    schwoebel_barrier_eV: float = Field(default=0.0, ge=0, le=2.0)
    """Ehrlich-Schwoebel barrier: extra barrier of a step move over an edge (up or down), eV. The
    default 0 adds none: the published across-step barriers for Li (~0.2 eV on (100), > 0.5 eV on
    (111) and (211); Zhou et al., J. Power Sources 630, 236181 (2025)) are absolute, and the excess
    over the terrace barrier could not be formed (docs/models.md §4.2)."""
    dopt: bool = True
    """Apply the glassy -> crystalline transition (DOPT) rule (docs/models.md §4.5)."""
    dopt_time_scale: float = Field(default=7.0e11, gt=0)
    """S: kMC seconds per MD second of DOPT incubation at the reference current density
    (calibrated, docs/models.md §4.5)."""
    dopt_packing_exponent: float = Field(default=4.0, ge=0)
    """beta: nucleation rate x (j_local / j_ref)^beta; packing density grows with current (seed 000)."""
    dopt_reference_current_density_mA_cm2: float = Field(default=1.0, gt=0)
    """j_ref of the packing factor, mA/cm^2."""
    epitaxy_probability: float = Field(default=1.0, ge=0, le=1)
    """Probability that a glassy atom attaching next to crystalline Li continues it."""
    heating_top_rise_K: float = Field(default=0.0, ge=0, le=2000.0)
    """Local heating (seed 004): temperature rise at the top of the deposit where the local current
    density is heating_reference_current_density_mA_cm2, K; 0 turns it off (the default: at battery
    current densities condensation heat warms a deposit by far less than 1 K, see docs/models.md)."""
    heating_reference_current_density_mA_cm2: float = Field(default=1.0, gt=0)
    """Local current density at which the top rise is heating_top_rise_K (the rise scales with it), mA/cm^2."""
    heating_length_nm: float = Field(default=3.0, gt=0)
    """Height above the substrate over which the temperature rises from the bath to the top value, nm."""
    initial_crystal_layers: int = Field(default=0, ge=0)
    """Crystalline Li layers on the substrate at t = 0."""
    exchange: Literal["one_way", "reversible"] = "one_way"
    """Charge transfer while cycling ([cycling]): "one_way" plates by the arrival rule and strips by
    dissolution alone; "reversible" runs both branches at once (ions reduced on every site an atom
    could dissolve from), at the Butler-Volmer overpotential that carries the current (docs/models.md
    §4.8); the VLCD field is then a local exchange-current factor on both branches. "reversible"
    runs no rests (cycling.rest_s = 0): its current is exact on average, not at every instant."""
    dead_li: Literal["stays_dead", "revived_on_contact", "sei_coated"] = "sei_coated"
    """What becomes of Li cut off from the collector ([cycling]; docs/models.md §4.8): "sei_coated"
    (an SEI isolates it at once, for good, and its coat also keeps live Li from binding to it: it
    blocks its site, but Li next to it is bound by its other neighbours only); "stays_dead" (as
    "sei_coated", but dead Li still binds the live Li next to it as Li does); "revived_on_contact"
    (it is isolated only while nothing touches it: live Li deposited, moved or fallen next to it
    makes it live again, as Li in contact fuses, seed 004). "stays_dead" and "revived_on_contact"
    are the limits of an SEI that forms much faster, or much slower, than live Li re-contacts the
    cluster; kmc.sei_passivation_time_s sets a time between. The default is the one rule whose
    cycling loss moves least with the hop acceleration on near-uniform deposits (with
    kmc.stranding_moves = "refused", from kmc.max_hop_to_deposition = 4000; a rough deposit's loss
    still falls from 4000 to 16000: docs/models.md §4.8)."""
    electronic_contact: Literal["faces", "narrow_gap"] = "faces"
    """What joins Li to the collector electronically ([cycling]; docs/models.md §4.8): "faces" (Li
    atoms whose faces meet: a cluster is cut off once no chain of touching Li leads to the
    collector); "narrow_gap" (also Li atoms within two lattice spacings, 0.56 nm centre to centre,
    of each other or of the collector: the premise is that electrons cross a gap that narrow).
    With kmc.dead_li = "stays_dead" and kmc.stranding_moves = "allowed" only. Its dense-film and
    cycling numbers depend on the hop acceleration (docs/models.md §4.8)."""
    stranding_moves: Literal["allowed", "refused"] = "refused"
    """A hop or step move that leaves an atom with no bond, which then falls down its column onto
    dead Li where no Li path reaches the collector ([cycling]; docs/models.md §4.8): "refused" (the
    move is a null event, as a move that would cut Li off the collector is: dead Li then comes from
    dissolutions only); "allowed" (the atom falls there and is dead Li; how much of the dead Li
    these falls make grows with the hop acceleration, docs/models.md §4.8). "refused" needs
    kmc.electronic_contact = "faces" and kmc.dead_li = "sei_coated" or "stays_dead"."""
    sei_passivation_time_s: float | None = Field(default=None, gt=0)
    """With kmc.dead_li = "revived_on_contact" (and kmc.stranding_moves = "allowed"): the passivation
    clock, s. Cut-off Li is revived by
    contact only within this time of being cut off; after it, its SEI isolates it for good (dead
    Li). Literature brackets it between ~1 us and ~1 s (docs/models.md §4.8). Unset: no clock
    (revived whenever touched)."""
    checkpoint_interval_s: float = Field(default=120.0, gt=0)
    """Wall-clock seconds between checkpoints."""

    @model_validator(mode="after")
    def _stops(self):
        if self.stop_thickness_ML is None and self.stop_time_s is None and self.stop_events is None:
            raise ValueError("give at least one of stop_thickness_ML, stop_time_s, stop_events")
        return self


#: kmc.max_hop_to_deposition when unset: plating, and cycling (whose dead Li needs faster hops).
PLATING_HOP_ACCELERATION = 1000.0
CYCLING_HOP_ACCELERATION = 4000.0


def hop_acceleration(params) -> float:
    """kmc.max_hop_to_deposition of a run: the value given, else :data:`PLATING_HOP_ACCELERATION`,
    or :data:`CYCLING_HOP_ACCELERATION` with a ``[cycling]`` table."""
    given = params.kmc.max_hop_to_deposition
    if given is not None:
        return given
    return PLATING_HOP_ACCELERATION if params.cycling is None else CYCLING_HOP_ACCELERATION


#: Fewest lattice columns along x and y: below this the roughness statistics mean nothing.
MIN_COLUMNS = 8
#: Largest lattice a run may allocate, sites (~6 bytes each plus the surface lists).
MAX_SITES = 1_000_000_000


def lattice_shape(p: KmcParams, spacing_m: float = LI_KMC_SPACING) -> tuple[int, int, int]:
    """(nz, ny, nx) of the kMC lattice: the box rounded to whole lattice sites (the rounded sizes
    are written to kmc.h5 as ``lattice_shape_zyx`` and ``lateral_size_m``)."""
    n = int(round(p.lateral_size_nm * M_PER_NM / spacing_m))
    return int(round(p.box_height_nm * M_PER_NM / spacing_m)) + 1, n, n


def check(params) -> None:
    """Rules that need more than the ``[kmc]`` table or the lattice code; raise ``UserError`` naming the key."""
    from ..errors import UserError
    from ..fields import hotspot_centres, hotspot_field
    from ._kernels import MAX_LIST

    p, e = params.kmc, params.electrode
    nz, ny, nx = lattice_shape(p)
    if nx < MIN_COLUMNS:
        raise UserError(f"kmc.lateral_size_nm: {p.lateral_size_nm:g} nm is {nx} lattice columns; the kMC needs at least "
                        f"{MIN_COLUMNS} ({MIN_COLUMNS * LI_KMC_SPACING / M_PER_NM:.3g} nm)")
    if nz * ny * nx > MAX_SITES:
        raise UserError(f"kmc.lateral_size_nm, kmc.box_height_nm: a {nx} x {ny} x {nz} lattice ({nz * ny * nx:.2e} sites, ~{6 * nz * ny * nx / 1e9:.0f} GB) "
                        f"is larger than {MAX_SITES:.0e} sites; lower kmc.lateral_size_nm or kmc.box_height_nm")
    if ny * nx > MAX_LIST // 4:  # a rough surface can have several atoms that can hop per column
        raise UserError(f"kmc.lateral_size_nm: {nx} x {ny} columns is more than the {MAX_LIST // 4:.3g} the hop lists "
                        f"are sized for; lower kmc.lateral_size_nm")
    if e.vlcd_field == "hotspots":
        if e.hotspot_radius_nm * M_PER_NM < LI_KMC_SPACING / 2:
            raise UserError(f"electrode.hotspot_radius_nm: {e.hotspot_radius_nm:g} nm is less than half a kMC lattice spacing "
                            f"({LI_KMC_SPACING / 2 / M_PER_NM:.3f} nm): a hotspot must span at least one column")
        try:
            hotspot_field((ny, nx), LI_KMC_SPACING, 1.0, hotspot_centres(e.hotspot_count, nx * LI_KMC_SPACING,
                          ny * LI_KMC_SPACING), e.hotspot_radius_nm * M_PER_NM, e.hotspot_current_fraction)
        except ValueError as exc:
            raise UserError(f"electrode.hotspot_radius_nm: {exc} (lattice spacing {LI_KMC_SPACING / M_PER_NM:.3f} nm)") from None


#: The keys that only stripping reads.
STRIPPING_KEYS = ("exchange", "dead_li", "electronic_contact", "stranding_moves", "sei_passivation_time_s")


def unread_keys(params) -> list[Unread]:
    """The ``[kmc]`` keys a run does not read (:attr:`multiscale.stage.Stage.unread`): the stripping
    keys without ``[cycling]``; with it, the stops and the record interval (the cycles set both);
    the DOPT's constants without the DOPT; the heating's shape without heating."""
    p = params.kmc
    if params.cycling is None:
        found = Unread.each("kmc", STRIPPING_KEYS, "used only when stripping",
                            "add a [cycling] table or remove the key")
    else:
        found = [Unread("kmc", key, "a cycling run stops after cycling.cycles cycles",
                        f"remove kmc.{key} (or the [cycling] table)")
                 for key in ("stop_thickness_ML", "stop_time_s", "stop_events")]
        found.append(Unread("kmc", "record_interval_ML", "a cycling run records cycling.records_per_half_cycle times "
                            "a half-cycle", "remove kmc.record_interval_ML (or the [cycling] table)"))
    if not p.dopt:
        found += Unread.each("kmc", ("dopt_time_scale", "dopt_packing_exponent",
                                     "dopt_reference_current_density_mA_cm2"), "used only with kmc.dopt = true")
    if p.heating_top_rise_K == 0:
        found += Unread.each("kmc", ("heating_reference_current_density_mA_cm2", "heating_length_nm"),
                             "used only with kmc.heating_top_rise_K > 0")
    return found


def room_and_cycling_rules(params) -> str | None:
    """Rules between ``[kmc]``, ``[cycling]`` and the other tables (a message naming the keys, or
    None): the box holds the deposit (the stop thickness, or a cycle's capacity), the stripping
    options agree, and a cycling run has uniform temperature and (with a potential cut-off) starts
    bare. The keys the run does not read are :func:`unread_keys`."""
    c, p = params.cycling, params.kmc
    if p is None:
        return None
    layers = p.box_height_nm * M_PER_NM / LI_KMC_SPACING
    if c is None:
        needed = p.initial_crystal_layers + (p.stop_thickness_ML or 0.0) + 10
        if layers < needed:
            return (f"kmc.box_height_nm = {p.box_height_nm:g} holds {layers:.0f} layers; the deposit needs at least "
                    f"{needed:.0f} (kmc.initial_crystal_layers + kmc.stop_thickness_ML + 10 for roughness)")
        return None
    allowing = " and kmc.stranding_moves = \"allowed\"" if p.stranding_moves == "refused" else ""
    if p.sei_passivation_time_s is not None and p.dead_li != "revived_on_contact":
        return ("kmc.sei_passivation_time_s: the passivation clock of cut-off Li that is revived on contact; set "
                f"kmc.dead_li = \"revived_on_contact\"{allowing} or remove the key")
    if p.electronic_contact == "narrow_gap" and p.dead_li != "stays_dead":
        return ("kmc.electronic_contact: \"narrow_gap\" is for cut-off Li that stays dead and binds, with stranding "
                f"moves allowed; set kmc.dead_li = \"stays_dead\"{allowing}, or kmc.electronic_contact = \"faces\"")
    refused_by_default = "stranding_moves" not in p.model_fields_set  # the user did not write it
    if p.stranding_moves == "refused" and p.electronic_contact == "narrow_gap":
        if refused_by_default:
            return ("kmc.electronic_contact: \"narrow_gap\" needs kmc.stranding_moves = \"allowed\" (the default "
                    "\"refused\" is for Li joined where faces meet)")
        return ("kmc.stranding_moves: \"refused\" is for Li joined where faces meet; set "
                "kmc.electronic_contact = \"faces\" or kmc.stranding_moves = \"allowed\"")
    if p.stranding_moves == "refused" and p.dead_li == "revived_on_contact":
        if refused_by_default:
            return ("kmc.dead_li: \"revived_on_contact\" needs kmc.stranding_moves = \"allowed\" (the default "
                    "\"refused\" cannot foresee a revival)")
        return ("kmc.stranding_moves: \"refused\" is for cut-off Li that is not revived (the move test cannot "
                "foresee a revival); set kmc.dead_li = \"stays_dead\" or \"sei_coated\", or "
                "kmc.stranding_moves = \"allowed\"")
    if p.heating_top_rise_K > 0:
        return "kmc.heating_top_rise_K: cycling (stripping) needs uniform temperature; set it to 0 or remove [cycling]"
    if p.exchange == "reversible" and c.rest_s > 0:
        return ("cycling.rest_s: kmc.exchange = \"reversible\" runs no rests (its current is exact on average, not at "
                "every instant: an open-circuit rest would pass a random charge); set cycling.rest_s = 0 or use "
                "kmc.exchange = \"one_way\"")
    if p.initial_crystal_layers > 0 and c.strip_cutoff == "potential":
        return ("kmc.initial_crystal_layers: with cycling.strip_cutoff = \"potential\" stripping would dissolve the "
                "initial Li too; start bare (0, a Li||Cu cell) or use cycling.strip_cutoff = \"capacity\"")
    needed = p.initial_crystal_layers + c.kmc_capacity_ML + 10
    if layers < needed:
        return (f"cycling.kmc_capacity_ML: {c.kmc_capacity_ML:g} monolayers a half-cycle need kmc.box_height_nm of at "
                f"least {needed * LI_KMC_SPACING / M_PER_NM:.3g} nm (initial layers + capacity + 10 for roughness); "
                f"it is {p.box_height_nm:g} nm")
    return None
