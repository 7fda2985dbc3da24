"""Synthetic MD output of known diffusion laws, for testing readers, fits and the stage.

MSD(t) = 2 d D(T) t with D(T) = D0 exp(-Ea / k_B T), plus Gaussian noise of relative size
``noise`` on each point (MSD series from MD are noisy about their linear trend).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from multiscale.constants import K_B_EV


def msd_series(temperatures_K, D0, Ea_eV, dimensions, noise, seed, n_points=200, t_max_s=1e-9):
    """(T, t in s, MSD in m^2) triples for each temperature."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, t_max_s, n_points)
    out = []
    for T in temperatures_K:
        D = D0 * np.exp(-Ea_eV / (K_B_EV * T))
        clean = 2 * dimensions * D * t
        out.append((T, t, clean * (1 + noise * rng.standard_normal(t.size))))
    return out


def write_msd_csv(path: Path, series) -> Path:
    """CSV table in the documented format (time in ps, MSD in Å^2)."""
    lines = ["# synthetic MSD", "temperature_K,time_ps,msd_A2"]
    for T, t, msd in series:
        lines += [f"{T:.6g},{ti * 1e12:.10g},{mi * 1e20:.10g}" for ti, mi in zip(t, msd)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_lammps_log(path: Path, T, t, msd, timestep_ps=0.002, units="metal") -> Path:
    """A log.lammps with an equilibration block (no MSD) and a production block with c_msd[4]."""
    steps = np.round(t / (timestep_ps * 1e-12)).astype(int)
    rng = np.random.default_rng(int(T))
    rows = [
        f"{s:10d} {T + rng.normal(0, 2):12.5f} {-1634.2 + rng.normal():14.6f} {m * 1e20:14.8f}"
        for s, m in zip(steps, msd)
    ]
    rows.insert(len(rows) // 2, "WARNING: Neighbor list overflow, boost neigh_modify one (src/npair.cpp:123)")
    text = "\n".join([
        "LAMMPS (2 Aug 2023 - Update 3)",
        f"units {units}",
        "atom_style atomic",
        "timestep 0.001",
        "thermo_style custom step temp pe",
        "run 100",
        "   Step          Temp          PotEng    ",
        "         0   300            -1634.1",
        "       100   301            -1634.3",
        "Loop time of 0.5 on 1 procs for 100 steps with 500 atoms",
        "",
        "compute msd surf msd",
        f"timestep {timestep_ps}",
        "thermo_style custom step temp pe c_msd[4]",
        f"run {steps[-1]}",
        "Per MPI rank memory allocation (min/avg/max) = 3.1 | 3.1 | 3.1 Mbytes",
        "   Step          Temp          PotEng        c_msd[4]   ",
        *rows,
        f"Loop time of 12.3 on 1 procs for {steps[-1]} steps with 500 atoms",
        "Total wall time: 0:00:13",
    ])
    path.write_text(text + "\n")
    return path
