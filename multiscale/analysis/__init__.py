"""Analysis of run outputs: open a run or a scan with xarray, final values of a run, the metal front's spectrum,
the kMC's dead-Li clusters, and bounds on a loss measured over seeds."""

from .dead_li import dead_li_clusters
from .fronts import fit_healing_cutoff, front_heights, healing_spectrum
from .runs import open_run, open_scan
from .statistics import DENSE_FILM_ATOMS_PER_PIECE, loss_upper_bound
from .summary import final_values, observables, summary

__all__ = ["DENSE_FILM_ATOMS_PER_PIECE", "dead_li_clusters", "final_values", "fit_healing_cutoff", "front_heights",
           "healing_spectrum", "loss_upper_bound", "observables", "open_run", "open_scan", "summary"]
