"""Is the phase field of ``params/cycling.toml`` converged in the interface width w? (docs/models.md
§5.4, docs/validation.md, "Phase field: stripping and dead metal").

Runs the shipped file for one cycle at each w (everything else as shipped: 4 um of electrode, the
electrode's VLCD field, 1 mA/cm^2, the 16 um band) and prints the front's roughness after plating
and after stripping. The reference scale is charge-transfer control: with a uniform overpotential
each row plates in proportion to its i0, so the rows' thickness has the std deposit x std(i0 / mean
i0); the electrolyte (ohmic and concentration drops) and surface diffusion can only lower it, and
a converged w should not change it. Prints the ratio roughness / that scale, and the correlation
of the rows' metal thickness after stripping with that after plating (+1 the same shape, -1 its
mirror image: stripping, like plating, goes fastest where i0 is high, so charge-transfer control
returns the front flat, and a front whose roughness had saturated while plating comes back as the
inverted, saturated profile). Asserts nothing.

Usage: python benchmarks/cycling_interface_width.py [--widths 0.4 0.2] [--capacity 1.0] [--smoke]
(``--smoke``: w = 0.4 um only, 0.02 mAh/cm^2; a check that it runs.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import multiscale
from multiscale.constants import C_M2_PER_MAH_CM2, FARADAY, M_PER_UM
from multiscale.dendrite.sbm import Cell
from multiscale.io import read_dataset
from multiscale.params import with_overrides

CASE = Path(__file__).resolve().parents[1] / "params" / "cycling.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=float, nargs="+", default=[0.4, 0.2], help="interface widths w, um")
    parser.add_argument("--capacity", type=float, default=1.0, help="charge plated, mAh/cm^2")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.widths, args.capacity = [0.4], 0.02
    base = multiscale.load_params(CASE)
    deposit_um = args.capacity * C_M2_PER_MAH_CM2 / FARADAY * Cell.molar_volume_m3_mol / M_PER_UM
    print(f"params/cycling.toml, one cycle of {args.capacity:g} mAh/cm^2 ({deposit_um:.3g} um of dense Li)")
    print(f"{'w (um)':>7} {'cells':>7} {'std i0':>7} {'rough. plated (um)':>19} {'/ charge-transfer':>17} "
          f"{'rough. stripped (um)':>20} {'corr(stripped, plated)':>22} {'CE':>8} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for width in args.widths:
            params = with_overrides(base, {"cycling.cycles": 1, "cycling.dendrite_capacity_mAh_cm2": args.capacity,
                                           "dendrite.interface_width_um": width})
            begin = time.perf_counter()
            out = multiscale.run(params, out=Path(tmp) / f"w{width:g}")
            wall = time.perf_counter() - begin
            ds = read_dataset(out / "dendrite.h5")
            cyc = read_dataset(out / "dendrite.h5", "cycling")
            spread = float(np.std(ds.exchange_current_ratio))
            plated = float(cyc.roughness_plated[0]) / M_PER_UM
            rows = [((1.0 - cyc[name][0].astype(float)) * ds.cell_width).sum("x").values
                    for name in ("psi_plated", "psi_stripped")]
            corr = float(np.corrcoef(*rows)[0, 1])
            print(f"{width:>7g} {ds.sizes['y'] * ds.sizes['x']:>7d} {spread:>7.3f} {plated:>19.4f} "
                  f"{plated / (deposit_um * spread):>17.3f} {float(cyc.roughness_stripped[0]) / M_PER_UM:>20.4f} "
                  f"{corr:>22.3f} {float(cyc.coulombic_efficiency[0]):>8.5f} {wall:>7.0f}")


if __name__ == "__main__":
    main()
