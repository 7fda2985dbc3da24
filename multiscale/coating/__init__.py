"""Plating under vs on top of a Li-conducting coating: :mod:`.model` (FiPy transport with the
under/on-top complementarity), :mod:`.stage` (the pipeline stage)."""
