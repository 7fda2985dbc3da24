"""Front heights and the healing spectrum of a dendrite file (multiscale/analysis/fronts.py) on a
synthetic file whose front is built from a chosen gain and cutoff."""

import numpy as np
import pytest
import xarray as xr

from multiscale.analysis import fit_healing_cutoff, front_heights, healing_spectrum

MOLAR_VOLUME = 1.3e-5


def synthetic(gain: float, cutoff_per_um: float, deposit_um: float = 0.1, ny: int = 128, width_um: float = 16.0):
    """A dendrite-like dataset: i0(y) with a few modes, the front h = d G (1 - e^-x)/x per mode, psi
    a sharp step at h on a graded x grid (the rows' integral of 1 - psi is then h exactly)."""
    y = (np.arange(ny) + 0.5) * width_um / ny
    rng = np.random.default_rng(3)
    modes = np.arange(1, 13)
    amplitudes, phases = 0.05 * rng.random(modes.size) + 0.02, 2 * np.pi * rng.random(modes.size)
    k = 2 * np.pi * modes / width_um
    x = (k / cutoff_per_um) ** 4
    transfer = gain * -np.expm1(-x) / x
    forcing = 1 + sum(a * np.cos(kk * y + p) for a, kk, p in zip(amplitudes, k, phases))
    front = 1.0 + deposit_um * sum(t * a * np.cos(kk * y + p) for t, a, kk, p in zip(transfer, amplitudes, k, phases))
    widths = np.concatenate([np.full(30, 0.1), 0.1 * 1.2 ** np.arange(1, 6)])
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    # the metal fraction of each cell: the part of [edge_i, edge_i+1] below the front
    metal = np.clip((front[:, None] - edges[None, :-1]) / widths[None, :], 0.0, 1.0)
    ds = xr.Dataset(
        {"psi": (("time", "y", "x"), (1.0 - metal)[None].astype(np.float32)),
         "cell_width": ("x", widths * 1e-6), "exchange_current_ratio": ("y", forcing / forcing.mean()),
         "li_deposited": ("time", [deposit_um * 1e-6 / MOLAR_VOLUME])},
        coords={"time": [100.0], "y": y * 1e-6, "x": (edges[:-1] + widths / 2) * 1e-6},
        attrs={"width_m": width_um * 1e-6, "li_molar_volume": MOLAR_VOLUME})
    return ds, front


def test_front_heights_integrate_the_metal_fraction():
    """Reference: the front the file was built from (float32 psi: 1e-7 of a 1 um row)."""
    ds, front = synthetic(1.0, 2.0)
    np.testing.assert_allclose(front_heights(ds).isel(time=0).values, front * 1e-6, rtol=0, atol=2e-13)


@pytest.mark.parametrize("gain, cutoff", [(0.97, 1.9), (0.8, 1.2)])
def test_fit_recovers_the_gain_and_cutoff_the_front_was_built_with(gain, cutoff):
    """Reference: G and k_c of the construction; tolerance 1e-3 (float32 psi)."""
    ds, _ = synthetic(gain, cutoff)
    spectrum = healing_spectrum(ds, min_forcing=0.1)  # keeps the 12 modes built (amplitudes 0.02-0.07)
    assert spectrum.wavenumber.size == 12 and spectrum.time_s == 100.0
    assert spectrum.deposit_m == pytest.approx(0.1e-6, rel=1e-12)
    fitted_gain, fitted_cutoff = fit_healing_cutoff(spectrum)
    assert fitted_gain == pytest.approx(gain, rel=1e-3)
    assert fitted_cutoff * 1e-6 == pytest.approx(cutoff, rel=1e-3)
