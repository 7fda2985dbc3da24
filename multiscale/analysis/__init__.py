"""Analysis of run outputs: open a run directory as one xarray tree."""

from .runs import open_run

__all__ = ["open_run"]
