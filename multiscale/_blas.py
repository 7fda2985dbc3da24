"""One BLAS thread per worker process. No numpy here: OpenBLAS reads its thread count from the
environment once, when numpy loads it, so the setting must be in the environment a worker
process starts with.

Phase-field solves spend their time in SuperLU and small BLAS calls that gain nothing from more
threads, and OpenBLAS's threads spin while they wait: two processes on two cores, each with a
thread per core, ran a phase-field solve 3x slower than either alone (docs/performance.md,
"BLAS threads"). Dask's ``LocalCluster`` sets the same variables for its workers by default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

#: Thread-count variables of OpenBLAS, OpenMP and MKL.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def set_single_threaded_blas() -> list[str]:
    """Set each of :data:`THREAD_VARIABLES` that the environment does not set to 1, in this
    process's environment (inherited by the processes it starts); returns the names it set."""
    added = [name for name in THREAD_VARIABLES if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    return added


@contextmanager
def single_threaded_blas_workers() -> Iterator[None]:
    """Within the block, processes started inherit one BLAS thread (:func:`set_single_threaded_blas`);
    the environment is restored after it. A value the caller set is kept."""
    added = set_single_threaded_blas()
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
