"""Is the phase field of ``params/cycling.toml`` converged in the interface width w? (docs/models.md
§5.4, docs/validation.md, "Phase field: stripping and dead metal").

Runs the shipped file for one cycle at each w and profile mobility G (everything else as shipped:
4 um of electrode, the electrode's VLCD field, 1 mA/cm^2, the 24 um band, the profile's rebuild at
1.25; ``--band``, ``--reinitialise T`` and ``--no-reinitialise`` change the last two) and prints the front's
roughness after plating and after stripping, and how often the profile was rebuilt in the cycle. Two references:

- the scale deposit x std(i0 / mean i0), the rows' thickness if each plated in proportion to its
  i0 (the ratio to it is printed);
- the sharp front under charge-transfer control (:mod:`multiscale.dendrite.sharp_front`): every
  point of the surface moving along its normal at a speed proportional to the i0 of its row, the
  mean at the applied current, from the run's own initial front and i0 field. It is what the phase
  field should approach as w and G -> 0 where the electrolyte is laterally uniform and surface
  diffusion and the interface energy are negligible. Unlike the first scale it lets the flanks
  grow sideways, which fills the valleys: it is below that scale once the slopes are of order 1.

Also prints the correlation of the rows' metal thickness after stripping with that after plating
(+1 the same shape, -1 its mirror image), the profile's steepest gradient after plating in
units of the equilibrium profile's 1 / (4 w) (1: the profile kept; a small G lets it steepen), and
the std of the psi = 1/2 contour's position along each row (the first crossing from the collector)
after plating and after stripping: the front the sharp reference tracks. Where the profile is the
equilibrium one along the normal, a row's metal thickness differs from its contour by ~w^2 times
the curvature, so the two roughnesses part where the front's radius of curvature nears w.
First it prints why G smooths: the normal speed that the discrete profile term alone,
G [lap psi - g(psi)/w^2 - |grad psi| K], gives the equilibrium profile of a front it should not
move at all, x = mean + a sin(2 pi y / 4 um) (psi the logistic of the exact signed distance, 2
cells per w), per unit G (1/um), at the cells of the front (0.25 < psi < 0.75), and its
correlation with the curvature K there. Asserts nothing.

Usage: python benchmarks/cycling_interface_width.py [--widths 0.4 0.2] [--profile-mobility 0.05]
[--capacity 1.0] [--band 16] [--reinitialise T | --no-reinitialise] [--smoke] (``--smoke``: w = 0.4
um only, 0.02 mAh/cm^2; a check that it runs.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import multiscale
from multiscale.constants import C_M2_PER_MAH_CM2, FARADAY, M_PER_UM
from multiscale.dendrite import finite_volume as fv
from multiscale.dendrite.reinitialise import logit, segment_distance
from multiscale.dendrite.sbm import Cell, ElectrodepositionSystem, SbmNumerics
from multiscale.dendrite.sharp_front import charge_transfer_cycle
from multiscale.io import read_dataset
from multiscale.params import with_overrides

CASE = Path(__file__).resolve().parents[1] / "params" / "cycling.toml"


def contour_front(psi: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x of each row's first psi = 1/2 crossing from the collector (ny,), linear in logit(psi)
    between the two cells that straddle it (exact for an equilibrium profile along x)."""
    z = logit(psi)
    first = np.maximum(np.argmax(z >= 0.0, axis=1), 1)
    rows = np.arange(len(z))
    z0, z1 = z[rows, first - 1], z[rows, first]
    return x[first - 1] + z0 / (z0 - z1) * (x[first] - x[first - 1])


def profile_term_speed(width: float, amplitude: float, period: float = 4.0, samples: int = 4000):
    """(largest |v| / G (1/um), corr(v, K)) of the profile term on the equilibrium profile of the
    front x = 4 w + 2 + a sin(2 pi y / period) (lengths in um; 2 cells per w; v = -R / |grad psi|;
    the distance to a polyline of ``samples`` chords, whose sag is < 1e-6 um)."""
    h = width / 2.0
    ny, nx = int(round(period / h)), int(round((8.0 * width + 4.0) / h))
    y, x = (np.arange(ny) + 0.5) * h, (np.arange(nx) + 0.5) * h
    ys = np.linspace(0.0, period, samples + 1)
    curve = np.stack([ys, 4.0 * width + 2.0 + amplitude * np.sin(2 * np.pi * ys / period)], axis=1)
    points = np.stack(np.broadcast_arrays(y[:, None], x[None, :]), axis=-1).reshape(-1, 2)
    distance = segment_distance(points, np.stack([curve[:-1], curve[1:]], axis=1), period).reshape(ny, nx)
    front = 4.0 * width + 2.0 + amplitude * np.sin(2 * np.pi * y / period)
    psi = 1.0 / (1.0 + np.exp(-np.where(x[None, :] > front[:, None], distance, -distance) / width))
    system = ElectrodepositionSystem(Cell(), np.full(nx, h), ny, h, 10.0, numerics=SbmNumerics(interface_width=width))
    geometry = system._geometry(psi)
    residual = (fv.laplacian(system.grid, psi, right=1.0) - psi * (1 - psi) * (1 - 2 * psi) / width ** 2
                - geometry["delta"] * geometry["curvature"])
    near = np.abs(psi - 0.5) < 0.25
    speed = -residual[near] / geometry["delta"][near]
    return float(np.abs(speed).max()), float(np.corrcoef(speed, geometry["curvature"][near])[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=float, nargs="+", default=[0.4, 0.2], help="interface widths w, um")
    parser.add_argument("--profile-mobility", type=float, nargs="+", default=None,
                        help="dendrite.profile_mobility_um2_s, um^2/s (default: the file's)")
    parser.add_argument("--capacity", type=float, default=1.0, help="charge plated, mAh/cm^2")
    parser.add_argument("--band", type=float, default=None, help="dendrite.front_band_um (default: the file's)")
    rebuild = parser.add_mutually_exclusive_group()
    rebuild.add_argument("--reinitialise", type=float, default=None, metavar="T",
                         help="dendrite.reinitialise_steepness (default: the file's)")
    rebuild.add_argument("--no-reinitialise", action="store_true", help="dendrite.reinitialise_steepness unset")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.widths, args.capacity = [0.4], 0.02
    print("the profile term's normal speed on an equilibrium front x = a sin(2 pi y / 4 um) (crest radius "
          "(4 um)^2 / (4 pi^2 a)), per unit G")
    print(f"{'w (um)':>7} {'a (um)':>7} {'crest radius (um)':>17} {'max |v| / G (1/um)':>18} {'corr(v, K)':>10}")
    for width in args.widths:
        for amplitude in (0.3, 1.0):
            speed, corr = profile_term_speed(width, amplitude)
            radius = 16.0 / (4 * np.pi ** 2 * amplitude)
            print(f"{width:>7g} {amplitude:>7g} {radius:>17.3f} {speed:>18.3g} {corr:>10.2f}")
    base = multiscale.load_params(CASE)
    deposit_um = args.capacity * C_M2_PER_MAH_CM2 / FARADAY * Cell.molar_volume_m3_mol / M_PER_UM
    print(f"params/cycling.toml, one cycle of {args.capacity:g} mAh/cm^2 ({deposit_um:.3g} um of dense Li)")
    mobilities = args.profile_mobility or [base.dendrite.profile_mobility_um2_s]
    print(f"{'w (um)':>7} {'G (um2/s)':>9} {'cells':>7} {'std i0':>7} {'rough. plated (um)':>19} "
          f"{'/ deposit std i0':>16} {'sharp (um)':>10} {'rough. stripped (um)':>20} {'sharp (um)':>10} "
          f"{'corr(stripped, plated)':>22} {'max |grad psi| 4w':>17} {'contour plated':>14} "
          f"{'contour stripped':>16} {'CE':>8} {'rebuilds':>8} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for width in args.widths:
            for mobility in mobilities:
                overrides = {"cycling.cycles": 1, "cycling.dendrite_capacity_mAh_cm2": args.capacity,
                             "dendrite.interface_width_um": width, "dendrite.profile_mobility_um2_s": mobility}
                if args.reinitialise is not None or args.no_reinitialise:
                    overrides["dendrite.reinitialise_steepness"] = None if args.no_reinitialise else args.reinitialise
                if args.band is not None:
                    overrides["dendrite.front_band_um"] = args.band
                params = with_overrides(base, overrides)
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
                contours = [np.std(contour_front(cyc[name][0].values.astype(float), ds.x.values / M_PER_UM))
                            for name in ("psi_plated", "psi_stripped")]
                grad_y, grad_x = np.gradient(cyc.psi_plated[0].values.astype(float), ds.y.values / M_PER_UM,
                                             ds.x.values / M_PER_UM)
                sharp = charge_transfer_cycle(ds.exchange_current_ratio.values, float(ds.attrs["width_m"]) / M_PER_UM,
                                              deposit_um, initial=ds.initial_front.values / M_PER_UM)
                print(f"{width:>7g} {mobility:>9g} {ds.sizes['y'] * ds.sizes['x']:>7d} {spread:>7.3f} {plated:>19.4f} "
                      f"{plated / (deposit_um * spread):>16.3f} {np.std(sharp[0]):>10.4f} "
                      f"{float(cyc.roughness_stripped[0]) / M_PER_UM:>20.4f} {np.std(sharp[1]):>10.4f} "
                      f"{corr:>22.3f} {4 * width * np.hypot(grad_x, grad_y).max():>17.2f} "
                      f"{contours[0]:>14.4f} {contours[1]:>16.4f} "
                      f"{float(cyc.coulombic_efficiency[0]):>8.5f} {int(cyc.profile_rebuilds[0]):>8d} {wall:>7.0f}")


if __name__ == "__main__":
    main()
