"""FiPy import and linear-solver setup: the only module of the package that imports fipy.

FiPy picks its solver suite when it is first imported, from ``FIPY_SOLVERS``; this module sets
that variable to ``scipy`` before the import (the suite the package is tested with) and refuses
to run on another suite that an earlier import already fixed. The suite actually in use is
:data:`SOLVER_SUITE`; stages record it in their output files.

Solvers:

- :func:`lu` -- sparse LU (SuperLU) that always solves: the residual is measured against the
  initial one.
- :func:`chord_gmres` -- GMRES preconditioned by a kept sparse LU factorisation, refactorised
  only when asked (:meth:`ReusedLU.refresh`) or when GMRES stalls: the phase-field dendrite
  model keeps one factorisation across sweeps and steps, so most sweeps cost a few triangular
  solves (a chord-Newton preconditioner; the Newton iteration itself stays exact).

(Krylov solvers were tried and dropped on the single-ion phase field that issue 16 removed: Jacobi-CG
on the potential alone stopped early with an O(1) error at a 1e7 conductivity contrast, and
ILU-preconditioned GMRES / BiCGStab on the coupled matrix did not converge.)
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
from scipy.sparse.linalg import LinearOperator, splu

from .errors import UserError

if "fipy" not in sys.modules:
    os.environ["FIPY_SOLVERS"] = "scipy"

import fipy  # noqa: E402
from fipy.solvers.convergence import DivergenceWarning as SolverConvergenceWarning  # noqa: E402
from fipy.solvers.scipy.preconditioners.scipyPreconditioner import ScipyPreconditioner  # noqa: E402

SOLVER_SUITE: str = fipy.solvers.solver_suite

__all__ = ["fipy", "SOLVER_SUITE", "SolverConvergenceWarning", "ChordGMRES", "ReusedLU", "chord_gmres", "lu",
           "require_scipy_suite"]


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


class ReusedLU(ScipyPreconditioner):
    """Preconditioner: the exact sparse LU of the matrix it first sees, kept until :meth:`refresh`.

    The factorisation uses a fill-reducing ordering of A + A^T and keeps the diagonal pivots
    (threshold 0): on the coupled phase-field matrix (128^2 cells, 3 unknowns each) that halves
    the fill and the time of FiPy's LinearLUSolver choice (COLAMD, partial pivoting), 0.5 s vs
    1.1-1.7 s. Any pivoting on top of the symmetric ordering is a trap: with a threshold of 0.1
    one factorisation of the stage's first step took 417 s (docs/performance.md). The matrix
    has a positive diagonal, and a factorisation that lost accuracy without pivoting is still
    a preconditioner: GMRES measures the true residual.
    """

    def __init__(self):
        self._lu = None
        self.factorisations = 0

    def refresh(self) -> None:
        """Factorise again at the next solve."""
        self._lu = None

    def _applyToMatrix(self, matrix):
        if self._lu is None or self._lu.shape != matrix.shape:
            self._lu = splu(matrix.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                            options={"SymmetricMode": True})
            self.factorisations += 1
        return LinearOperator(matrix.shape, self._lu.solve), matrix


class ChordGMRES(fipy.solvers.scipy.LinearGMRESSolver):
    """GMRES preconditioned by a :class:`ReusedLU`; see :func:`chord_gmres`."""

    def __init__(self, tolerance: float, floor: float, max_iterations: int, accept: float | None = None,
                 system_scale: bool = False):
        super().__init__(tolerance=tolerance, criterion="initial", iterations=max_iterations, precon=ReusedLU())
        self.floor = floor
        self.accept = floor if accept is None else max(accept, floor)
        self.system_scale = system_scale

    def _solve_(self, L, x, b):
        # an absolute target at the round-off of the assembled system: near Newton convergence the
        # initial residual is at that round-off, and no solver reduces it further. ||b||, or with
        # system_scale the larger of ||b|| and || |A| |x| || (a system with large matrix entries and
        # a small right-hand side, such as a curvature equation, is limited by the second)
        scale = float(np.linalg.norm(b))
        if self.system_scale:
            scale = max(scale, float(np.linalg.norm(abs(L) @ np.abs(x))))
        self.absolute_tolerance = self.floor * scale
        factorisations = self.preconditioner.factorisations
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SolverConvergenceWarning)
            x = super()._solve_(L, x, b)
        stalled = [w for w in caught if issubclass(w.category, SolverConvergenceWarning)]
        fresh = self.preconditioner.factorisations > factorisations
        accepted = stalled and fresh and float(np.linalg.norm(b - L @ x)) <= self.accept * scale
        for w in caught:
            if not (accepted and w in stalled):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return x


def chord_gmres(tolerance: float = 1e-8, floor: float = 1e-14, max_iterations: int = 20,
                accept: float | None = None, system_scale: bool = False) -> ChordGMRES:
    """GMRES preconditioned by a kept sparse LU (:class:`ReusedLU`).

    Converged when the residual is below ``tolerance`` times the initial one (for a Newton
    system written as J v = J v* + R that is the nonlinear residual R) or below ``floor`` times
    ||b||, or with ``system_scale`` the larger of ||b|| and || |A| |x| || (round-off of the
    assembled system). With a fresh
    factorisation GMRES converges in one iteration, with the factorisation of an earlier Newton
    sweep or time step in 3-9 (128^2 phase-field stage, dt growing 1.3x per step); after a 100x
    change of dt it does not converge. ``max_iterations`` (FiPy counts GMRES's inner iterations)
    bounds the work when the kept factorisation has gone stale; FiPy then reports non-convergence (a
    :class:`SolverConvergenceWarning`) and the caller refreshes and solves again. ``accept``
    (default: ``floor``): a solve with a fresh factorisation that ran out of iterations with its
    residual below ``accept`` times the same scale is converged all the same (a target at
    round-off that GMRES stalls just above); with a kept factorisation it is reported, so that
    the caller refactorises first.
    """
    return ChordGMRES(tolerance, floor, max_iterations, accept, system_scale)
