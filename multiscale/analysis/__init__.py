"""Analysis of run outputs: open a run or a scan with xarray, final values of a run."""

from .runs import open_run, open_scan
from .summary import final_values, observables, summary

__all__ = ["final_values", "observables", "open_run", "open_scan", "summary"]
