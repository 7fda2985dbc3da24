"""FiPy import and linear-solver setup: the only module of the package that imports fipy.

FiPy picks its solver suite when it is first imported, from ``FIPY_SOLVERS``; this module sets
that variable to ``scipy`` before the import (the suite the package is tested with) and refuses
to run on another suite that an earlier import already fixed. The suite actually in use is
:data:`SOLVER_SUITE`; stages record it in their output files.

Solvers:

- :func:`lu` -- sparse LU (SuperLU) that always solves: the residual is measured against the
  initial one. The phase-field dendrite model solves its coupled Newton system with it.
- :func:`fipy_default_lu` -- ``LinearLUSolver()`` as a FiPy user would write it, which stops
  when the residual is below 1e-5 of the right-hand side norm and can return its start vector
  unchanged: the "FiPy defaults" reference of ``benchmarks/phasefield_step.py`` only.

(Krylov solvers were tried and dropped: Jacobi-CG on the potential alone stops early with an O(1)
error in the electrolyte potential at a 1e7 conductivity contrast, DESIGN §5.3; ILU-preconditioned
GMRES / BiCGStab on the coupled matrix did not converge.)
"""

from __future__ import annotations

import os
import sys

from ..errors import UserError

if "fipy" not in sys.modules:
    os.environ["FIPY_SOLVERS"] = "scipy"

import fipy  # noqa: E402
from fipy.solvers.convergence import DivergenceWarning as SolverConvergenceWarning  # noqa: E402

SOLVER_SUITE: str = fipy.solvers.solver_suite

__all__ = ["fipy", "SOLVER_SUITE", "SolverConvergenceWarning", "fipy_default_lu", "lu", "require_scipy_suite"]


def require_scipy_suite() -> None:
    """Raise a :class:`UserError` when fipy was imported with another suite before us."""
    if SOLVER_SUITE != "scipy":
        raise UserError(
            f"FiPy was imported with the {SOLVER_SUITE!r} solver suite before multiscale set "
            "FIPY_SOLVERS=scipy; unset FIPY_SOLVERS or import multiscale before fipy"
        )


def lu(tolerance: float = 1e-12):
    """Sparse LU that always solves: residual reduced by ``tolerance`` relative to the initial one.

    FiPy's LinearLUSolver() defaults to tolerance 1e-5 relative to the RHS norm and returns the
    current value untouched when the residual is already below that: with the metal's 1e7
    conductivity (or the c_s/c0 dt storage terms) in the RHS, a sweep then silently does nothing
    (measured: the potential never moved after the first solve).
    """
    return fipy.solvers.scipy.LinearLUSolver(tolerance=tolerance, criterion="initial")


def fipy_default_lu():
    """FiPy's default LinearLUSolver(), as a user would write it (the benchmark's reference)."""
    return fipy.solvers.scipy.LinearLUSolver()
