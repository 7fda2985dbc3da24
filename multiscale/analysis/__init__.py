"""Analysis of run outputs: open a run or a scan with xarray, final values of a run."""

from .runs import open_run, open_scan
from .summary import OBSERVABLES, final_values, summary

__all__ = ["OBSERVABLES", "final_values", "open_run", "open_scan", "summary"]
