"""One BLAS thread per worker process. No numpy here: the setting must reach the environment
before numpy loads OpenBLAS, which reads it once at load.

Phase-field solves spend their time in SuperLU and small BLAS calls that gain nothing from more
threads, and OpenBLAS's threads spin while they wait: two processes on two cores, each with a
thread per core, ran a phase-field solve 3x slower than either alone (docs/performance.md,
"BLAS threads"). Dask's ``LocalCluster`` sets the same variables for its workers by default.
"""

from __future__ import annotations

import os

#: Thread-count variables of OpenBLAS, OpenMP and MKL.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blas() -> None:
    """Set each of :data:`THREAD_VARIABLES` to 1 unless the environment already sets it
    (a process-pool initializer: it runs before the worker imports numpy)."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
