"""Disorder-order phase transition (DOPT) of glassy Li in the kMC (seed 000; docs/models.md §4.5).

Rule, applied after every record interval dt of kMC time:

1. Glassy ensembles are the connected clusters of glassy atoms. An ensemble of N atoms below the
   critical size N* (``atomistic.h5`` ``dopt/critical_ensemble_size``) never crystallises.
2. An ensemble with N >= N* nucleates a crystal with probability 1 - exp(-Gamma dt),

       Gamma(N) = max(1, N / N_md) / (tau_md(min(N, N_md)) * S) * <(j / j_ref)^beta>,

   tau_md the MD incubation time of ``atomistic.h5`` (log-log interpolation over the sizes with a
   finite time; N_md the largest of them: beyond the sizes MD studied the rate grows with the
   number of independent N_md-atom sub-volumes), S the kMC time per MD time at j_ref
   (``dopt_time_scale``), and <(j / j_ref)^beta> the packing factor averaged over the
   ensemble's atoms, j the local current density of each atom's column (the packing measure:
   seed 000 ties packing density to current density, locally) and beta
   (``dopt_packing_exponent``) how strongly packing speeds the DOPT.
3. A nucleation turns a compact nucleus of N* atoms of the ensemble crystalline, breadth first
   from a member drawn with probability proportional to its packing factor (nuclei form where
   the packing is densest). Growth afterwards is epitaxial, inside the event loop: a glassy atom
   that arrives next to crystalline Li becomes crystalline with probability ``epitaxy``.

Random numbers come from the kMC stream (reproducible, checkpointed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import _kernels as k
from .engine import Engine
from .model import CRYSTAL
from .observables import glassy_ensembles


@dataclass(frozen=True)
class DoptLaw:
    """Nucleation law of the DOPT (sizes in atoms, times in s, current densities in A/m^2)."""

    critical_size: float
    md_sizes: np.ndarray
    md_incubation: np.ndarray
    time_scale: float
    packing_exponent: float
    reference_current: float

    @classmethod
    def from_atomistic(cls, dopt: xr.Dataset, time_scale: float, packing_exponent: float, reference_current: float) -> "DoptLaw":
        """The law from the ``dopt`` group of ``atomistic.h5``."""
        tau = np.asarray(dopt.incubation_time, dtype=float)
        sizes = np.asarray(dopt.ensemble_size, dtype=float)
        finite = np.isfinite(tau) & (tau > 0)
        if not finite.any():
            raise ValueError("atomistic.h5 dopt/incubation_time has no finite value")
        return cls(float(dopt.critical_ensemble_size), sizes[finite], tau[finite], time_scale, packing_exponent, reference_current)

    def incubation(self, n: float) -> float:
        """MD incubation time of an n-atom ensemble, s (n within the MD sizes)."""
        if self.md_sizes.size == 1:
            return float(self.md_incubation[0])
        return float(np.exp(np.interp(np.log(n), np.log(self.md_sizes), np.log(self.md_incubation))))

    def packing_factor(self, current):
        """(j / j_ref)^beta for local current densities j, A/m^2 (scalar or array)."""
        return (np.asarray(current, dtype=float) / self.reference_current) ** self.packing_exponent

    def rate(self, n: float, packing_factor: float = 1.0) -> float:
        """Nucleation rate Gamma of an n-atom glassy ensemble whose atoms' mean packing factor is
        ``packing_factor`` (1 at j_ref), 1/s."""
        if n < self.critical_size:
            return 0.0
        n_md = float(self.md_sizes.max())
        multiplicity = max(1.0, n / n_md)
        return multiplicity / (self.incubation(min(n, n_md)) * self.time_scale) * packing_factor


def nucleate(engine: Engine, law: DoptLaw, current_density: np.ndarray, dt: float) -> int:
    """Apply the nucleation step over an interval dt; returns the number of nuclei formed."""
    if dt <= 0:
        return 0
    state = engine.state
    labels, sizes = glassy_ensembles(state)
    candidates = np.flatnonzero(sizes >= law.critical_size)
    if candidates.size == 0:
        return 0
    nxy = state.shape[1] * state.shape[2]
    sites = np.flatnonzero(labels >= 0)
    factor = law.packing_factor(current_density.ravel()[sites % nxy])  # of each glassy atom
    mean_factor = np.bincount(labels[sites], weights=factor, minlength=sizes.size) / np.maximum(sizes, 1)
    nuclei = 0
    for e in candidates:  # label order is deterministic
        p = 1.0 - np.exp(-law.rate(float(sizes[e]), float(mean_factor[e])) * dt)
        if k.next_uniform(state.rng) >= p:
            continue
        members = np.flatnonzero(labels[sites] == e)
        cumulative = np.cumsum(factor[members])
        pick = min(int(np.searchsorted(cumulative, k.next_uniform(state.rng) * cumulative[-1], side="right")), members.size - 1)
        start = sites[members[pick]]
        nucleus = k.nucleus(start, int(round(law.critical_size)), labels, engine.grid, state.shape[0])
        engine.convert(nucleus, CRYSTAL)
        nuclei += 1
    return nuclei
