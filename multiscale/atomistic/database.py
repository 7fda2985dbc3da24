"""Curated MD and experimental numbers from the seed papers, each with its source.

Seeds (``../shared/seeds``): 000 = Wang et al., Nat. Mater. 2020 (glassy Li, DOPT);
002 = Yan et al., APL 2020 (coatings, complexions, Table I); 004 = Jiao et al., Adv. Sci. 2022
(ML-potential MD: self-healing, surface diffusion, local heating, morphology map).

Values are SI (activation energies in eV). ``uncertainty`` is a number in the value's units
where the source gives one, otherwise a sentence saying how well the value is known. Figures
that the seed texts only show as plots (Fig. 2c,d of seed 000; Fig. S24 of seed 004) are not
digitised: where a curve is needed, :mod:`multiscale.atomistic.stage` builds a documented model
from the statements in the text, and a user replaces it with their own MD data.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..constants import M2_S_PER_CM2_S
from ..materials import SEED_000, SEED_002, SEED_004


@dataclass(frozen=True)
class Record:
    """One curated number.

    Attributes
    ----------
    name : str
        Identifier (snake_case).
    value : float
        Value in ``units``.
    units : str
        CF/UDUNITS unit string ("1" for dimensionless).
    uncertainty : str
        Absolute uncertainty in ``units``, or how well the value is known.
    source : str
        Seed file and figure/table/section.
    conditions : str
        Temperature, method, system.
    """

    name: str
    value: float
    units: str
    uncertainty: str
    source: str
    conditions: str



RECORDS: tuple[Record, ...] = (
    Record("critical_ensemble_size", 700.0, "1",
           "ensembles of 700 atoms end either glassy or bcc (bistable); sizes studied 500-1500",
           f"{SEED_000}, main text and Fig. 2b-d", "ReaxFF r-MD, 300 K after 500 K anneal, packing density 0.0534 g/cm3"),
    Record("dopt_ensemble_size_min_studied", 500.0, "1", "exact", f"{SEED_000}, Methods", "r-MD ensembles"),
    Record("dopt_ensemble_size_max_studied", 1500.0, "1", "exact", f"{SEED_000}, Methods", "r-MD ensembles"),
    Record("dopt_incubation_time_scale", 1.0e-9, "s",
           "order of magnitude only ('on the order of nanoseconds'); Fig. 2c not digitised",
           f"{SEED_000}, main text on Fig. 2c", "below the threshold current density, r-MD at 300 K"),
    Record("dopt_md_equilibration_time", 5.0e-9, "s", "exact", f"{SEED_000}, Fig. 2 and Methods",
           "equilibration stage of the r-MD protocol (end of simulation 5.3 ns)"),
    Record("packing_density_1", 53.4, "kg m-3", "exact (MD setting)", f"{SEED_000}, Extended Data Fig. 1a",
           "600-atom ensembles: mostly glassy"),
    Record("packing_density_2", 130.0, "kg m-3", "exact (MD setting)", f"{SEED_000}, Extended Data Fig. 1b",
           "600-atom ensembles: glassy and crystalline parts"),
    Record("packing_density_3", 270.0, "kg m-3", "Methods say 0.26 g/cm3, the figure caption 0.27",
           f"{SEED_000}, Extended Data Fig. 1c", "600-atom ensembles: crystalline nanostructures"),
    Record("packing_density_4", 470.0, "kg m-3", "exact (MD setting)", f"{SEED_000}, Extended Data Fig. 1d",
           "600-atom ensembles: networks of micro-grains and pores; faster DOPT"),
    Record("deposition_rate_high", 1.0e12, "s-1", "exact (MD setting)", f"{SEED_000}, Fig. 6a",
           "MEAM MD, 112.3 x 0.702 x 35.1 nm3, 45 ns: roughest surface"),
    Record("deposition_rate_medium", 0.5e12, "s-1", "exact (MD setting)", f"{SEED_000}, Fig. 6b", "as above"),
    Record("deposition_rate_low", 0.25e12, "s-1", "exact (MD setting)", f"{SEED_000}, Fig. 6c",
           "as above: smoothest surface"),
    Record("D_bulk_298K_nmr", 7.65e-11 * M2_S_PER_CM2_S, "m2 s-1", "not given", f"{SEED_002}, Table I (ref. 100)",
           "Li self-diffusion, 25 C, NMR"),
    Record("D_bulk_298K_model", 6.12e-11 * M2_S_PER_CM2_S, "m2 s-1", "not given", f"{SEED_002}, Table I (ref. 30)",
           "Li self-diffusion, 25 C, thermodynamic model"),
    Record("D_surface_over_D_bulk", 1.0e3, "1", "'nearly three orders of magnitude'; factor ~3",
           f"{SEED_004}, main text on Fig. S24", "DeePMD Li-SP, 50-450 K; the curated adatom law has it at 450 K"),
    Record("bulk_activation_energy", 0.55, "eV",
           "literature range ~0.52-0.57 eV for Li self-diffusion (tracer/NMR); NOT from the seeds: an assumption",
           "literature value (not in the seeds); override atomistic.bulk_activation_energy_eV",
           "bcc Li, near room temperature"),
    Record("debye_temperature", 344.0, "K", "not given", "C. Kittel, Introduction to Solid State Physics, 8th ed. (2005), "
           "ch. 5, table of Debye temperatures", "Li, low-temperature heat capacity; k_B theta_D / h = 7.17e12 Hz is the "
           "attempt frequency of the curated adatom law"),
    Record("vacancy_formation_energy", 0.34, "eV", "0.04", "R. Feder, Phys. Rev. B 2, 828 (1970), 'Equilibrium defect "
           "concentration in crystalline lithium'", "dilatometry and X-ray lattice parameter, 0 C to the melting point; "
           "compared with the kMC lattice gas in docs/models.md, not used"),
    Record("vacancy_formation_entropy", 0.9, "k_B", "0.8", "R. Feder, Phys. Rev. B 2, 828 (1970)", "as above"),
    Record("step_crossing_barrier_100", 0.2, "eV", "'similar to 0.2 eV' (abstract); (111) and (211): > 0.5 eV",
           "Y.F. Zhou, Y.H. Huang, Y.J. Wu, J. Li, Z.J. Hong, J. Power Sources 630, 236181 (2025)",
           "Li adatom across a step on Li(100), DFT-NEB and ML-potential MD; absolute barrier (the terrace value is not in the abstract)"),
    Record("lattice_constant", 3.51e-10, "m", "experimental value used as MD input", f"{SEED_004}, Experimental Section",
           "bcc Li"),
    Record("melting_point_model", 451.6, "K", "not given", f"{SEED_004}, main text", "Li-SP deep potential"),
    Record("melting_point_experiment", 454.0, "K", "not given", f"{SEED_004}, main text (ref. 35)", "experiment"),
    Record("local_heating_top_temperature_high_rate", 800.0, "K", "'may have been ~800 K'",
           f"{SEED_004}, main text on Fig. S22", "5 Li/ps generation rate, base at 300 K"),
    Record("local_heating_top_temperature_low_rate", 363.0, "K", "approximate ('~363 K')",
           f"{SEED_004}, main text on Fig. S21", "0.5 Li/ps generation rate, base at 300 K"),
)


def record(name: str) -> Record:
    """The curated record called ``name``."""
    for rec in RECORDS:
        if rec.name == name:
            return rec
    raise KeyError(name)
