"""Is the phase field of ``params/cycling.toml`` converged in the interface width w? (docs/models.md
§5.4, docs/validation.md, "Phase field: stripping and dead metal").

Runs the shipped file for one cycle at each w and profile mobility G (everything else as shipped:
4 um of electrode, the electrode's VLCD field, 1 mA/cm^2, the 16 um band) and prints the front's
roughness after plating and after stripping. Two references:

- the scale deposit x std(i0 / mean i0), the rows' thickness if each plated in proportion to its
  i0 (the ratio to it is printed);
- the sharp front under charge-transfer control (:mod:`multiscale.dendrite.sharp_front`): every
  point of the surface moving along its normal at a speed proportional to the i0 of its row, the
  mean at the applied current, from the run's own initial front and i0 field. It is what the phase
  field should approach as w and G -> 0 where the electrolyte is laterally uniform and surface
  diffusion and the interface energy are negligible. Unlike the first scale it lets the flanks
  grow sideways, which fills the valleys: it is below that scale once the slopes are of order 1.

Also prints the correlation of the rows' metal thickness after stripping with that after plating
(+1 the same shape, -1 its mirror image), and the profile's steepest gradient after plating in
units of the equilibrium profile's 1 / (4 w) (1: the profile kept; a small G lets it steepen).
Asserts nothing.

Usage: python benchmarks/cycling_interface_width.py [--widths 0.4 0.2] [--profile-mobility 0.05]
[--capacity 1.0] [--smoke] (``--smoke``: w = 0.4 um only, 0.02 mAh/cm^2; a check that it runs.)
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
from multiscale.dendrite.sharp_front import charge_transfer_cycle
from multiscale.io import read_dataset
from multiscale.params import with_overrides

CASE = Path(__file__).resolve().parents[1] / "params" / "cycling.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=float, nargs="+", default=[0.4, 0.2], help="interface widths w, um")
    parser.add_argument("--profile-mobility", type=float, nargs="+", default=None,
                        help="dendrite.profile_mobility_um2_s, um^2/s (default: the file's)")
    parser.add_argument("--capacity", type=float, default=1.0, help="charge plated, mAh/cm^2")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.widths, args.capacity = [0.4], 0.02
    base = multiscale.load_params(CASE)
    deposit_um = args.capacity * C_M2_PER_MAH_CM2 / FARADAY * Cell.molar_volume_m3_mol / M_PER_UM
    print(f"params/cycling.toml, one cycle of {args.capacity:g} mAh/cm^2 ({deposit_um:.3g} um of dense Li)")
    mobilities = args.profile_mobility or [base.dendrite.profile_mobility_um2_s]
    print(f"{'w (um)':>7} {'G (um2/s)':>9} {'cells':>7} {'std i0':>7} {'rough. plated (um)':>19} "
          f"{'/ deposit std i0':>16} {'sharp (um)':>10} {'rough. stripped (um)':>20} {'sharp (um)':>10} "
          f"{'corr(stripped, plated)':>22} {'max |grad psi| 4w':>17} {'CE':>8} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for width in args.widths:
            for mobility in mobilities:
                params = with_overrides(base, {"cycling.cycles": 1, "cycling.dendrite_capacity_mAh_cm2": args.capacity,
                                               "dendrite.interface_width_um": width,
                                               "dendrite.profile_mobility_um2_s": mobility})
                begin = time.perf_counter()
                out = multiscale.run(params, out=Path(tmp) / f"w{width:g}_G{mobility:g}")
                wall = time.perf_counter() - begin
                ds = read_dataset(out / "dendrite.h5")
                cyc = read_dataset(out / "dendrite.h5", "cycling")
                spread = float(np.std(ds.exchange_current_ratio))
                plated = float(cyc.roughness_plated[0]) / M_PER_UM
                rows = [((1.0 - cyc[name][0].astype(float)) * ds.cell_width).sum("x").values
                        for name in ("psi_plated", "psi_stripped")]
                corr = float(np.corrcoef(*rows)[0, 1])
                grad_y, grad_x = np.gradient(cyc.psi_plated[0].values.astype(float), ds.y.values / M_PER_UM,
                                             ds.x.values / M_PER_UM)
                sharp = charge_transfer_cycle(ds.exchange_current_ratio.values, float(ds.attrs["width_m"]) / M_PER_UM,
                                              deposit_um, initial=ds.initial_front.values / M_PER_UM)
                print(f"{width:>7g} {mobility:>9g} {ds.sizes['y'] * ds.sizes['x']:>7d} {spread:>7.3f} {plated:>19.4f} "
                      f"{plated / (deposit_um * spread):>16.3f} {np.std(sharp[0]):>10.4f} "
                      f"{float(cyc.roughness_stripped[0]) / M_PER_UM:>20.4f} {np.std(sharp[1]):>10.4f} "
                      f"{corr:>22.3f} {4 * width * np.hypot(grad_x, grad_y).max():>17.2f} "
                      f"{float(cyc.coulombic_efficiency[0]):>8.5f} {wall:>7.0f}")


if __name__ == "__main__":
    main()
