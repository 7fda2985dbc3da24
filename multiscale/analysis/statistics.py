"""Bounds on a loss measured over several stochastic runs: how closely a set of seeds pins a limit
of no loss at all, such as a Coulombic efficiency of 1 (docs/validation.md, "Dense flat film")."""

from __future__ import annotations

import numpy as np


def loss_upper_bound(lost, atoms, confidence: float = 0.95) -> float:
    """One-sided upper confidence bound on the expected loss per atom, from runs that each lose a
    count of atoms.

    A limit of no loss (a Coulombic efficiency of exactly 1) cannot be met "within noise": a run
    that loses nothing measures exactly 0, so a finite set of runs can only bound the loss. This is
    that bound, to set against a tolerance. It is the larger of two:

    - the exact Poisson bound on the k atoms lost in all, chi2(confidence; 2k + 2) / 2 / sum(atoms)
      (Garwood, Biometrika 28, 437 (1936); Gehrels, ApJ 303, 336 (1986), Table 1: 2.996, 4.744,
      6.296 for k = 0, 1, 2 at 95 %; k = 0 is the "rule of three"). It counts atoms lost one by
      one: lost in pieces of m atoms, the true bound is up to m times larger;
    - with two runs or more, Student's bound over the runs' loss fractions lost / atoms,
      mean + t(confidence; n - 1) x standard error, which sees pieces of several atoms in the
      spread between runs (once runs lose some).

    Parameters
    ----------
    lost : array_like of int, shape (n_runs,)
        Atoms lost in each run (dead, or left behind), >= 0.
    atoms : int or array_like of int, shape (n_runs,)
        Atoms each run started with, > 0, at least the atoms it lost.
    confidence : float
        One-sided confidence level, in (0, 1).

    Returns
    -------
    float
        Upper bound on the loss per atom (dimensionless; 1 - Coulombic efficiency).
    """
    from scipy import stats  # on first use: opening a run need not import scipy.stats

    lost = np.asarray(lost, dtype=float)
    atoms = np.broadcast_to(np.asarray(atoms, dtype=float), lost.shape)
    if lost.ndim != 1 or lost.size == 0:
        raise ValueError(f"lost must be a non-empty 1-D array of counts, got shape {lost.shape}")
    if np.any(atoms <= 0) or np.any(lost < 0) or np.any(lost > atoms) or np.any(lost != np.round(lost)):
        raise ValueError("each run needs atoms > 0 and a whole number of atoms lost, 0 <= lost <= atoms")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    bound = stats.chi2.ppf(confidence, 2.0 * lost.sum() + 2.0) / 2.0 / atoms.sum()
    if lost.size > 1:
        fraction = lost / atoms
        spread = stats.t.ppf(confidence, lost.size - 1) * fraction.std(ddof=1) / np.sqrt(lost.size)
        bound = max(bound, fraction.mean() + spread)
    return float(bound)
