"""Print the numbers of docs/validation.md "Phase-field electrodeposition model, 1D".

Runs the same 1D cases as tests/validation/test_dendrite_planar.py and prints measured vs
reference (planar Butler-Volmer front at three potentials, Nernst equilibrium at two bulk
concentrations, grid convergence). About 4 minutes on 2 cores.

    python benchmarks/dendrite_planar_checks.py
    python benchmarks/dendrite_planar_checks.py --smoke   # one case of each kind, 1 s of plating: ~20 s
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))
from test_dendrite_planar import FAST, d, planar_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="a check that the script runs: one potential, one concentration, one grid, 1 s of plating")
    smoke = parser.parse_args().smoke
    potentials, bulks, grids = ((-0.1,), (300.0,), (1,)) if smoke else ((-0.05, -0.1, -0.15), (300.0, 3000.0), (1, 2, 4))
    long, short = (1.0, 1.0) if smoke else (10.0, 5.0)  # plating time of the Butler-Volmer and grid / Nernst runs
    for e in potentials:
        moved, c = planar_run(d.Physical(applied_potential_V=e, electrolyte_potential_V=e, **FAST), 4, long)
        expected = d.planar_velocity(c, c.psi_applied) * long
        print(f"Butler-Volmer E = {e * 1e3:.0f} mV: moved {moved:.5f} um, expected {expected:.5f}, ratio {moved / expected:.4f}")
    vt = d.Physical().thermal_voltage_V
    for bulk in bulks:
        nernst = vt * np.log(bulk / 1000.0)
        moved = [planar_run(d.Physical(applied_potential_V=nernst + o, electrolyte_potential_V=nernst + o,
                                       bulk_concentration_mol_m3=bulk, **FAST), 4, short)[0] for o in (-0.05, 0.0, 0.05)]
        print(f"Nernst c_bulk = {bulk:g} mol/m^3, E_N = {nernst * 1e3:.2f} mV: moved at -50/0/+50 mV "
              f"{moved[0]:.3e} {moved[1]:.3e} {moved[2]:.3e} um")
    physical = d.Physical(applied_potential_V=-0.1, electrolyte_potential_V=-0.1, **FAST)
    for cells in grids:
        moved, c = planar_run(physical, cells, long)
        expected = d.planar_velocity(c, c.psi_applied) * long
        print(f"grid {cells} cells per width: moved {moved:.5f} um, expected {expected:.5f}, error {abs(moved - expected) / expected:.4f}")


if __name__ == "__main__":
    main()
