"""Matplotlib figures of runs and scans (Agg backend; each function returns a ``Figure``).

Inputs are the xarray objects of :func:`multiscale.open_run` / :func:`multiscale.open_scan`;
axes carry physical units (lengths in nm or um as labelled, currents in mA/cm^2).
:func:`report` writes every figure that a directory's files allow as PNG under ``DIR/figures/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed, same output everywhere
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

NM, UM, MA_CM2 = 1e9, 1e6, 0.1  # m -> nm, m -> um, A/m^2 -> mA/cm^2
PHASE_COLOURS = ListedColormap(["white", "tab:orange", "tab:blue", "0.4"])  # empty, glassy, crystalline, substrate


def kmc_deposit(kmc: xr.DataTree) -> plt.Figure:
    """Final height map (nm) and a cross-section at mid-width coloured by phase."""
    root, final = kmc.to_dataset(), kmc["final"].to_dataset()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    h = root.height.isel(time=-1)
    im = a.imshow(h.values * NM, origin="lower", cmap="viridis",
                  extent=[0, float(root.x[-1]) * NM, 0, float(root.y[-1]) * NM])
    fig.colorbar(im, ax=a, label="height (nm)")
    a.set(xlabel="x (nm)", ylabel="y (nm)", title=f"kMC deposit at t = {float(root.time[-1]):.3g} s")
    mid = final.sizes["y"] // 2
    section = final.phase.isel(y=mid).values  # (z, x)
    b.imshow(section, origin="lower", cmap=PHASE_COLOURS, vmin=-0.5, vmax=3.5, interpolation="nearest", aspect="auto",
             extent=[0, float(final.x[-1]) * NM, 0, float(final.z[-1]) * NM])
    for code, name in ((1, "glassy"), (2, "crystalline"), (3, "substrate")):
        b.plot([], [], "s", color=PHASE_COLOURS(code), label=name)
    b.legend(loc="upper right", fontsize=8)
    b.set(xlabel="x (nm)", ylabel="z (nm)", title=f"cross-section at y = {float(final.y[mid]) * NM:.3g} nm")
    return fig


def kmc_series(kmc: xr.DataTree) -> plt.Figure:
    """Roughness (nm) and crystalline fraction vs time."""
    root = kmc.to_dataset()
    fig, a = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    a.plot(root.time, root.roughness_sigma * NM, "o-", ms=3, label="rms roughness")
    a.set(xlabel="time (s)", ylabel="rms roughness (nm)")
    b = a.twinx()
    b.plot(root.time, root.crystalline_fraction, "s-", ms=3, color="tab:red", label="crystalline fraction")
    b.set(ylabel="crystalline fraction", ylim=(-0.05, 1.05))
    fig.legend(loc="upper left", fontsize=8)
    return fig


def dendrite_snapshots(dendrite: xr.DataTree, count: int = 3) -> plt.Figure:
    """Order parameter at ``count`` times with potential contours (mV), and the dendrite length vs time."""
    ds = dendrite.to_dataset()
    times = np.unique(np.linspace(0, ds.sizes["time"] - 1, count).round().astype(int))
    fig, axes = plt.subplots(1, len(times) + 1, figsize=(4 * (len(times) + 1), 4), constrained_layout=True)
    extent = [0, float(ds.x[-1]) * UM, 0, float(ds.y[-1]) * UM]
    for a, i in zip(axes, times):
        a.imshow(ds.xi.isel(time=i).values, origin="lower", extent=extent, cmap="Greys", vmin=0, vmax=1)
        psi = ds.potential.isel(time=i).values * 1e3
        if np.ptp(psi) > 0:
            cs = a.contour(ds.x * UM, ds.y * UM, psi, levels=6, cmap="coolwarm", linewidths=0.8)
            a.clabel(cs, fontsize=6, fmt="%.0f mV")
        a.set(xlabel="distance from the collector (um)", ylabel="y (um)", title=f"t = {float(ds.time[i]):.3g} s")
    last = axes[-1]
    last.plot(ds.time, ds.dendrite_length * UM, "o-", ms=3)
    last.set(xlabel="time (s)", ylabel="dendrite length (um)", title="tip minus trough")
    return fig


def coating_fractions(coating: xr.DataTree) -> plt.Figure:
    """Cumulative fractions of the Li plated under / on top of the coating, and the instantaneous one."""
    ds = coating.to_dataset()
    fig, a = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    a.plot(ds.time, ds.fraction_under, "o-", ms=3, label="under (cumulative)")
    a.plot(ds.time, ds.fraction_on_top, "s-", ms=3, label="on top (cumulative)")
    a.plot(ds.time, ds.instant_fraction_under, "--", label="under (instantaneous)")
    a.axhline(ds.attrs["steady_fraction_under"], color="0.5", lw=0.8, label="steady state min(1, j_th / j)")
    a.set(xlabel="time (s)", ylabel="fraction of the charge", ylim=(-0.05, 1.05),
          title=f"{ds.attrs['material']}, {ds.attrs['thickness_m'] * UM:.3g} um; "
                f"j_th = {ds.attrs['threshold_current_density_A_m2'] * MA_CM2:.3g} mA/cm2")
    a.legend(fontsize=8)
    return fig


def complexion_curves(complexion: xr.DataTree) -> plt.Figure:
    """Φ(h) with its minima marked, and the complexion diagram h_EQ(Δγ, ΔG)."""
    point, diagram = complexion.to_dataset(), complexion["diagram"].to_dataset()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    a.plot(point.h * NM, point.interface_potential, lw=1.2)
    minima, values = point.minimum_thickness.values, point.minimum_phi.values
    finite = np.isfinite(minima)
    a.plot(minima[finite] * NM, values[finite], "o", ms=4, label="local minima")
    h_eq = point.attrs["equilibrium_thickness_m"]
    if np.isfinite(h_eq):
        a.plot([h_eq * NM], [point.attrs["equilibrium_phi_J_m2"]], "r*", ms=12,
               label=f"h_EQ = {h_eq * NM:.3g} nm ({point.attrs['complexion']})")
    a.set(xlabel="film thickness h (nm)", ylabel="Phi(h) (J/m2)", title="interfacial excess grand potential")
    a.legend(fontsize=8)
    thickness = diagram.thickness.where(np.isfinite(diagram.thickness)) * NM
    mesh = b.pcolormesh(diagram.delta_G, diagram.delta_gamma, thickness, shading="nearest", cmap="magma")
    b.set_xscale("log")
    fig.colorbar(mesh, ax=b, label="h_EQ (nm)")
    b.set(xlabel="Delta G (J/m3)", ylabel="Delta gamma (J/m2)", title="complexion diagram")
    return fig


def design_maps(scan: xr.Dataset) -> list[tuple[str, plt.Figure]]:
    """One figure per observable: heatmaps over the first two scan axes (small multiples over a
    third), or scatter plots against each sampled key for a Latin hypercube."""
    observables = [v for v in scan.data_vars if v not in ("status", "error", "run_dir")]
    out = []
    for name in observables:
        da, units = _display(scan[name])
        label = f"{scan[name].attrs.get('long_name', name)} ({units})"
        if "point" in da.dims:
            keys = [c for c in scan.coords if c != "point"]
            fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 4), constrained_layout=True, squeeze=False)
            for a, key in zip(axes[0], keys):
                a.scatter(scan[key], da, c=np.where(scan.status == "done", "tab:blue", "tab:red"))
                a.set(xlabel=_axis_label(scan[key]), ylabel=label)
            out.append((name, fig))
            continue
        dims = list(da.dims)
        if len(dims) == 1:
            fig, a = plt.subplots(figsize=(6, 4), constrained_layout=True)
            a.plot(np.arange(scan[dims[0]].size), da, "o-")
            _ticks(a, "x", scan[dims[0]])
            a.set(xlabel=_axis_label(scan[dims[0]]), ylabel=label)
            out.append((name, fig))
            continue
        facets = dims[:-2]
        facet_values = list(np.ndindex(*[da.sizes[d] for d in facets])) or [()]
        fig, axes = plt.subplots(1, len(facet_values), figsize=(4.6 * len(facet_values), 4), constrained_layout=True,
                                 squeeze=False)
        finite = da.values[np.isfinite(da.values)]
        vmin, vmax = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        for a, idx in zip(axes[0], facet_values):
            sub = da.isel(dict(zip(facets, idx))) if facets else da
            y_dim, x_dim = dims[-2], dims[-1]
            mesh = a.pcolormesh(np.arange(sub.sizes[x_dim]), np.arange(sub.sizes[y_dim]), sub.transpose(y_dim, x_dim),
                                shading="nearest", vmin=vmin, vmax=vmax, cmap="viridis")
            _ticks(a, "x", scan[x_dim])
            _ticks(a, "y", scan[y_dim])
            for (j, i), value in np.ndenumerate(sub.transpose(y_dim, x_dim).values):
                a.text(i, j, f"{value:.2g}" if np.isfinite(value) else "failed", ha="center", va="center", fontsize=7,
                       color="w" if np.isfinite(value) and value < 0.5 * (vmin + vmax) else "k")
            a.set(xlabel=_axis_label(scan[x_dim]), ylabel=_axis_label(scan[y_dim]),
                  title=", ".join(f"{d} = {scan[d].values[k]}" for d, k in zip(facets, idx)))
        fig.colorbar(mesh, ax=axes[0].tolist(), label=label)
        out.append((name, fig))
    return out


def _display(da: xr.DataArray) -> tuple[xr.DataArray, str]:
    """Values in the units people read: nm or um for lengths, mA/cm2 for current densities."""
    units = da.attrs.get("units", "")
    finite = np.abs(da.values[np.isfinite(da.values)])
    if units == "m" and finite.size:
        return (da * NM, "nm") if finite.max() < 1e-6 else (da * UM, "um")
    if units == "A m-2":
        return da * MA_CM2, "mA/cm2"
    return da, units or "1"


def _axis_label(coord: xr.DataArray) -> str:
    return coord.attrs.get("dotted_key", coord.name)


def _ticks(a, axis: str, coord: xr.DataArray) -> None:
    labels = [f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v) for v in coord.values]
    getattr(a, f"set_{axis}ticks")(np.arange(coord.size), labels)


# ----------------------------------------------------------------------- report

RUN_FIGURES = {  # stage -> (file stem, figure function)
    "kmc": [("kmc_deposit", kmc_deposit), ("kmc_series", kmc_series)],
    "dendrite": [("dendrite", dendrite_snapshots)],
    "coating": [("coating_fractions", coating_fractions)],
    "complexion": [("complexion", complexion_curves)],
}


def _save(fig: plt.Figure, path: Path) -> Path:
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return path


def report(directory: str | Path) -> list[Path]:
    """Write every figure the directory allows (a run's stage files, or a scan's design maps) to
    ``directory/figures/*.png``; returns the paths written."""
    from .runs import open_run, open_scan

    directory = Path(directory)
    figures = directory / "figures"
    figures.mkdir(exist_ok=True)
    written = []
    if (directory / "scan.h5").is_file():
        for name, fig in design_maps(open_scan(directory)):
            written.append(_save(fig, figures / f"scan_{name}.png"))
        return written
    tree = open_run(directory)
    try:
        for stage, makers in RUN_FIGURES.items():
            if stage in tree.children:
                for stem, make in makers:
                    written.append(_save(make(tree[stage]), figures / f"{stem}.png"))
    finally:
        tree.close()
    return written
