"""Tracer displacements from the kMC move log (``Engine.advance(hop_log=...)``: from site, to
site, time per move), shared by the diffusion validations."""

from __future__ import annotations

import numpy as np


def lateral_steps(log: np.ndarray, nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    """(dx, dy) of each logged move in columns, unwrapped across the periodic boundary."""
    frm, to = log[:, 0].astype(np.int64), log[:, 1].astype(np.int64)
    dx = (to % nx - frm % nx + nx // 2) % nx - nx // 2
    dy = ((to // nx) % ny - (frm // nx) % ny + ny // 2) % ny - ny // 2
    return dx, dy


def windowed_msd(log: np.ndarray, nx: int, ny: int, tau: float) -> float:
    """Mean squared lateral displacement of a lone mover over non-overlapping windows of ``tau``
    seconds, columns^2 (its position at each window edge from the cumulative steps)."""
    dx, dy = lateral_steps(log, nx, ny)
    x, y = np.concatenate([[0], np.cumsum(dx)]), np.concatenate([[0], np.cumsum(dy)])
    t = np.concatenate([[0.0], log[:, 2]])
    idx = np.searchsorted(t, np.arange(0.0, t[-1], tau), side="right") - 1
    return float((np.diff(x[idx]) ** 2 + np.diff(y[idx]) ** 2).mean())


def atom_displacements(log: np.ndarray, nx: int, ny: int) -> np.ndarray:
    """Lateral displacement (dx, dy) of every atom that moved, shape (atoms, 2), columns: atoms
    are followed through the log (each move carries the atom at its from site to its to site)."""
    dx, dy = lateral_steps(log, nx, ny)
    owner = {}  # site -> atom id (the atoms that have moved); an unmoved atom keeps its site as id
    disp = {}
    for f, t, ddx, ddy in zip(log[:, 0].astype(np.int64).tolist(), log[:, 1].astype(np.int64).tolist(),
                              dx.tolist(), dy.tolist()):
        atom = owner.pop(f, f)
        owner[t] = atom
        x, y = disp.get(atom, (0, 0))
        disp[atom] = (x + ddx, y + ddy)
    return np.array(list(disp.values()), dtype=float).reshape(-1, 2)
