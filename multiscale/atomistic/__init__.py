"""Atomistic scale: curated MD results, fits to the user's MD data, and ``atomistic.h5``.

Modules: :mod:`.database` (cited numbers), :mod:`.readers` (CSV MSD tables, LAMMPS logs, DOPT
tables), :mod:`.fits` (Arrhenius, DOPT curve), :mod:`.params` (the ``[atomistic]`` table),
:mod:`.outputs` (the file's schema), :mod:`.stage` (runs the stage).
"""

from ..stage import Stage
from .outputs import SCHEMA
from .params import AtomisticParams

STAGE = Stage(
    name="atomistic", table="atomistic", params_model=AtomisticParams, always=True,
    description="Atomistic stage: MD results as parameters", module="multiscale.atomistic.stage",
    schema=SCHEMA, cache_tables=(),
)
