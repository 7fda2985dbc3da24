"""Atomistic scale: curated MD results, fits to the user's MD data, and ``atomistic.h5``.

Modules: :mod:`.database` (cited numbers), :mod:`.readers` (CSV MSD tables, LAMMPS logs, DOPT
tables), :mod:`.fits` (Arrhenius, DOPT curve), :mod:`.stage` (the pipeline stage).
"""
