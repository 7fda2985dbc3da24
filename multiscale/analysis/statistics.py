"""Bounds on a loss measured over several stochastic runs: how closely a set of seeds pins a limit
of no loss at all, such as a Coulombic efficiency of 1 (docs/validation.md, "Dense flat film")."""

from __future__ import annotations

import numpy as np

#: Atoms a dense film loses together, one event of its loss's Poisson count (``atoms_per_piece`` of
#: :func:`loss_upper_bound` for the dense-film validation, docs/validation.md "Dense flat film"). The
#: films cut Li off in pieces whose size-biased mean E[size^2] / E[size] (from the pieces' size bins
#: and atom totals, ``python benchmarks/kmc_butler_volmer.py --only film``) is 2.1-3.1 atoms with Li
#: joined by faces and 1.7 across narrow gaps; rounded up to a whole atom. Where the films lose
#: nothing (200 K, revival) the pieces are assumed no larger than at 300 K.
DENSE_FILM_ATOMS_PER_PIECE = 4.0


def loss_upper_bound(lost, atoms, confidence: float = 0.95, atoms_per_piece: float = 1.0) -> float:
    """One-sided upper confidence bound on the expected loss per atom, from runs that each lose a
    count of atoms.

    A limit of no loss (a Coulombic efficiency of exactly 1) cannot be met "within noise": a run
    that loses nothing measures exactly 0, so a finite set of runs can only bound the loss. This is
    that bound, to set against a tolerance. It is the larger of two, capped at 1:

    - the Poisson bound on the pieces lost, sum(lost) / m of them, each of m =
      ``atoms_per_piece`` atoms (exact for pieces of one size): m gamma^-1(confidence; sum(lost) / m + 1) / sum(atoms), the
      gamma quantile being chi2(confidence; 2k + 2) / 2 for k pieces (Garwood, Biometrika 28, 437
      (1936); Gehrels, ApJ 303, 336 (1986), Table 1: 2.996, 4.744, 6.296 for k = 0, 1, 2 at 95 %;
      k = 0 is the "rule of three"). Atoms lost together in a piece are one event: counted one by
      one they would make the bound too tight (at 95 %, pieces of 3 atoms counted as 3 events are
      covered 67-93 % of the time). For pieces of varying size, m is the size-biased mean
      E[size^2] / E[size], the mean size of the piece a lost atom belongs to, which matches the
      compound Poisson count's variance (an approximation);
    - with two runs or more, Student's bound over the runs' loss fractions lost / atoms,
      mean + t(confidence; n - 1) x standard error (the unweighted mean of the fractions: the two
      parts estimate the same loss per atom when the runs have equal atoms), which sees a spread
      between runs that pieces of unexpected size would make.

    Parameters
    ----------
    lost : array_like of int, shape (n_runs,)
        Atoms lost in each run (dead, or left behind), >= 0.
    atoms : int or array_like of int, shape (n_runs,)
        Atoms each run started with, > 0, at least the atoms it lost.
    confidence : float, default 0.95
        One-sided confidence level, in (0, 1).
    atoms_per_piece : float, default 1.0
        Atoms lost together in one event (size-biased mean for pieces of varying size), >= 1.

    Returns
    -------
    float
        Upper bound on the expected loss per atom, in [0, 1] (dimensionless; 1 - Coulombic
        efficiency).

    Raises
    ------
    ValueError
        Counts that are not whole numbers, negative, more lost than present, shapes that differ,
        or a confidence or piece size out of range.
    """
    from scipy import stats  # on first use: opening a run need not import scipy.stats

    lost = np.asarray(lost, dtype=float)
    atoms = np.asarray(atoms, dtype=float)
    if lost.ndim != 1 or lost.size == 0:
        raise ValueError(f"lost must be a non-empty 1-D array of counts, got shape {lost.shape}")
    if atoms.ndim > 1 or (atoms.ndim == 1 and atoms.shape != lost.shape):
        raise ValueError(f"atoms must be one count or one per run ({lost.size}), got shape {atoms.shape}")
    atoms = np.broadcast_to(atoms, lost.shape)
    counts = np.concatenate([lost, atoms])
    if not np.all(np.isfinite(counts)) or np.any(counts != np.round(counts)):
        raise ValueError("lost and atoms must be whole numbers of atoms")
    if np.any(atoms <= 0) or np.any(lost < 0) or np.any(lost > atoms):
        raise ValueError("each run needs atoms > 0 and 0 <= lost <= atoms")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if not 1.0 <= atoms_per_piece < np.inf:
        raise ValueError(f"atoms_per_piece must be finite and >= 1, got {atoms_per_piece}")
    pieces = lost.sum() / atoms_per_piece
    bound = atoms_per_piece * stats.gamma.ppf(confidence, pieces + 1.0) / atoms.sum()
    if lost.size > 1:
        fraction = lost / atoms
        spread = stats.t.ppf(confidence, lost.size - 1) * fraction.std(ddof=1) / np.sqrt(lost.size)
        bound = max(bound, fraction.mean() + spread)
    return float(min(bound, 1.0))
