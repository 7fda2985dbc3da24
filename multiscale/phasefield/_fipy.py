"""FiPy import and linear-solver setup: the only module of the package that imports fipy.

FiPy picks its solver suite when it is first imported, from ``FIPY_SOLVERS``; this module sets
that variable to ``scipy`` before the import (the suite the package is tested with) and refuses
to run on another suite that an earlier import already fixed. The suite actually in use is
:data:`SOLVER_SUITE`; stages record it in their output files.

Solvers (chosen per equation by the models):

- :func:`cg` -- conjugate gradients with a diagonal (Jacobi) preconditioner, for the symmetric
  positive definite systems of the phase-field models. Unpreconditioned CG on the potential with
  a 1e7 conductivity contrast stalls and returns a wrong answer (DESIGN §5.3); the diagonal
  scaling removes the contrast. FiPy's own Jacobi preconditioner factorises the diagonal with a
  sparse direct solver on every application; :class:`DiagonalPreconditioner` multiplies by its
  inverse instead.
- :func:`lu` -- FiPy's default sparse direct solver: exact, used for the potential (see
  ``dendrite.default_solver``) and as the "FiPy defaults" reference of the benchmark.
"""

from __future__ import annotations

import os
import sys

from ..errors import UserError

if "fipy" not in sys.modules:
    os.environ["FIPY_SOLVERS"] = "scipy"

import fipy  # noqa: E402
from fipy.solvers.convergence import DivergenceWarning as SolverConvergenceWarning  # noqa: E402
from fipy.solvers.scipy.preconditioners.scipyPreconditioner import ScipyPreconditioner  # noqa: E402
from scipy.sparse.linalg import LinearOperator  # noqa: E402

SOLVER_SUITE: str = fipy.solvers.solver_suite

__all__ = ["fipy", "SOLVER_SUITE", "SolverConvergenceWarning", "DiagonalPreconditioner", "cg", "lu", "require_scipy_suite"]


def require_scipy_suite() -> None:
    """Raise a :class:`UserError` when fipy was imported with another suite before us."""
    if SOLVER_SUITE != "scipy":
        raise UserError(
            f"FiPy was imported with the {SOLVER_SUITE!r} solver suite before multiscale set "
            "FIPY_SOLVERS=scipy; unset FIPY_SOLVERS or import multiscale before fipy"
        )


class DiagonalPreconditioner(ScipyPreconditioner):
    """Jacobi preconditioner applied as a multiplication by the inverse diagonal."""

    def _applyToMatrix(self, matrix):
        inverse = 1.0 / matrix.diagonal()
        return LinearOperator(matrix.shape, lambda x: inverse * x), matrix


def cg(tolerance: float = 1e-8, iterations: int = 2000):
    """Jacobi-preconditioned CG (symmetric positive definite systems), relative to the RHS norm."""
    return fipy.solvers.scipy.LinearCGSolver(
        tolerance=tolerance, criterion="RHS", iterations=iterations, precon=DiagonalPreconditioner()
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
