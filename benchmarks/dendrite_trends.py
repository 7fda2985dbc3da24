"""The phase field's temperature trend (docs/validation.md, "Phase field: temperature"): surface
diffusion, with B from the atomistic D_surface(T), heals the VLCD's imprint below a cutoff
wavelength that moves as (B t)^(1/4).

Runs ``params/reference/healing_temperature.toml`` (atomistic -> dendrite) at each temperature and
seed, fits the linear response G (1 - e^-x) / x, x = (k / k_c)^4, to the front's Fourier modes
over those of i0(y) (multiscale/analysis/fronts.py), prints k_c against (B t)^(-1/4) and the
cutoff wavelengths' ratio against (B_hot / B_cold)^(1/4), and with ``--figure PATH`` draws the
transfer functions with the predicted curves. Asserts nothing.

Usage: python benchmarks/dendrite_trends.py [--temperatures 280 330] [--seeds 3] [--figure PATH] [--smoke]
(``--smoke``: one seed on 4 um for 20 s; a check that it runs.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import multiscale  # noqa: E402
from multiscale.analysis import fit_healing_cutoff, healing_spectrum  # noqa: E402
from multiscale.analysis.fronts import healing_transfer  # noqa: E402
from multiscale.io import read_dataset, read_root_attrs  # noqa: E402
from multiscale.params import with_overrides  # noqa: E402

CASE = Path(__file__).resolve().parents[1] / "params" / "reference" / "healing_temperature.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--temperatures", type=float, nargs="+", default=[280.0, 330.0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--figure", type=Path)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    base = multiscale.load_params(CASE)
    if args.smoke:
        args.seeds = 1
        base = with_overrides(base, {"dendrite.width_um": 4.0, "dendrite.stop_time_s": 20.0})
    rows = {}
    print(f"{'T (K)':>6} {'seed':>4} {'B (m4/s)':>10} {'t (s)':>6} {'d (um)':>7} {'modes':>5} {'G':>6} "
          f"{'k_c (1/um)':>10} {'(Bt)^-1/4':>10} {'ratio':>6} {'lambda_c (um)':>13} {'wall s':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for temperature_K in args.temperatures:
            for seed in range(1, args.seeds + 1):
                params = with_overrides(base, {"seed": seed, "electrode.temperature_K": temperature_K})
                begin = time.perf_counter()
                out = multiscale.run(params, out=Path(tmp) / f"T{temperature_K:g}_s{seed}")
                wall = time.perf_counter() - begin
                spectrum = healing_spectrum(read_dataset(out / "dendrite.h5"))
                b = read_root_attrs(out / "dendrite.h5")["surface_diffusion_B"]
                gain, cutoff = fit_healing_cutoff(spectrum)
                predicted = (b * spectrum.time_s) ** -0.25
                rows[temperature_K, seed] = (spectrum, b, gain, cutoff)
                print(f"{temperature_K:6.0f} {seed:4d} {b:10.3g} {spectrum.time_s:6.0f} {spectrum.deposit_m * 1e6:7.4f} "
                      f"{spectrum.wavenumber.size:5d} {gain:6.3f} {cutoff * 1e-6:10.4f} {predicted * 1e-6:10.4f} "
                      f"{cutoff / predicted:6.3f} {2 * np.pi / cutoff * 1e6:13.3f} {wall:6.0f}", flush=True)
    cold, hot = min(args.temperatures), max(args.temperatures)
    for seed in range(1, args.seeds + 1):
        (_, b_cold, _, k_cold), (_, b_hot, _, k_hot) = rows[cold, seed], rows[hot, seed]
        print(f"seed {seed}: lambda_c({hot:g} K) / lambda_c({cold:g} K) = {k_cold / k_hot:.4f}; "
              f"(B_hot / B_cold)^(1/4) = {(b_hot / b_cold) ** 0.25:.4f}")
    if args.figure is not None:
        fig, ax = plt.subplots(figsize=(6.0, 4.2))
        colours = dict(zip(args.temperatures, plt.cm.coolwarm(np.linspace(0, 1, len(args.temperatures)))))
        for (temperature_K, seed), (spectrum, b, gain, cutoff) in rows.items():
            wavelength = 2 * np.pi / spectrum.wavenumber * 1e6
            ax.plot(wavelength, spectrum.transfer, "o", ms=3, color=colours[temperature_K], alpha=0.6,
                    label=f"{temperature_K:g} K, B = {b:.2g} m$^4$/s" if seed == 1 else None)
        for temperature_K in args.temperatures:
            spectrum, b, gain, _ = rows[temperature_K, 1]
            k = np.geomspace(spectrum.wavenumber.min() / 1.5, spectrum.wavenumber.max() * 1.5, 200)
            predicted = (b * spectrum.time_s) ** -0.25
            ax.plot(2 * np.pi / k * 1e6, healing_transfer(k, gain, predicted), color=colours[temperature_K])
            ax.axvline(2 * np.pi / predicted * 1e6, color=colours[temperature_K], ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("wavelength along the electrode (µm)")
        ax.set_ylabel("|h$_k$| / (deposit × |m$_k$|)")
        ax.set_title("Surface diffusion heals the VLCD's imprint below 2π(Bt)$^{1/4}$ (dotted)\n"
                     f"points: {args.seeds} VLCD realisations each; lines: Mullins' response with the chain's B (gain fitted)", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        args.figure.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.figure, dpi=120)
        print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
