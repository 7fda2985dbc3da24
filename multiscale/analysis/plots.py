"""Matplotlib figures of runs and scans (Agg backend; each function returns a ``Figure``).

Inputs are the xarray objects of :func:`multiscale.open_run` / :func:`multiscale.open_scan`;
axes carry physical units (lengths in nm or um as labelled, currents in mA/cm^2).
:func:`report` writes every figure that a directory's files allow as PNG under ``DIR/figures/``.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed, same output everywhere
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import ListedColormap, LogNorm, Normalize  # noqa: E402

from ..constants import A_M2_PER_MA_CM2, M_PER_NM, M_PER_UM  # noqa: E402
from ..stages import STAGES  # noqa: E402
from ..tables import ElectrodeParams  # noqa: E402

PHASE_COLOURS = ListedColormap(["white", "tab:orange", "tab:blue", "0.4", "black"])  # empty, glassy, crystalline, substrate, dead Li
MAX_PANELS_PER_ROW = 3  # design maps wrap into rows: <= ~1600 px wide at 110 dpi

#: unit suffix of a parameter key -> unit text (longest suffix wins: ``_m2_s`` before ``_s``)
UNIT_SUFFIXES = {
    "_mA2_cm4": "(mA/cm²)²", "_mAh_cm2": "mAh/cm²", "_mA_cm2": "mA/cm²", "_m3_J_s": "m³/(J s)", "_mol_m3": "mol/m³", "_m2_s": "m²/s",
    "_J_m2": "J/m²", "_J_m3": "J/m³", "_S_m": "S/m", "_um": "µm", "_nm": "nm", "_ns": "ns", "_ML": "ML",
    "_eV": "eV", "_Hz": "Hz", "_K": "K", "_s": "s", "_V": "V",
}
#: words for keys that read badly when derived (full dotted key, or its last part)
PARAMETER_WORDS = {
    "electrode.current_density_mA_cm2": "current density",
    "coating.current_density_mA_cm2": "current density",  # the plating current of a coating run
    "dendrite.current_density_mA_cm2": "phase-field current density",
    "vlcd_cv": "VLCD coefficient of variation",
    "vlcd_mA2_cm4": "VLCD, variance of the local current density",
    "vlcd_correlation_length_nm": "VLCD correlation length",
    "vlcd_correlation_length_um": "VLCD correlation length",
    "coating.capacity_mol_m3": "coating Li capacity c_c",
    "coating.diffusivity_m2_s": "coating Li diffusivity",
    "complexion.delta_G_J_m3": "film volume penalty ΔG",
    "complexion.delta_gamma_J_m2": "interface energy change Δγ",
    "complexion.xi_nm": "film decay length ξ",
    "kmc.max_hop_to_deposition": "kMC hop acceleration (fastest hop / deposition)",
    "seed": "random seed",
}
TABLE_WORDS = {"electrode": "", "atomistic": "MD", "kmc": "kMC", "dendrite": "phase-field"}  # others: the table name


def parameter_label(key: str, log: bool = False) -> str:
    """Axis label of a dotted parameter key in words and units:
    ``"coating.thickness_um"`` -> ``"coating thickness (µm)"``; ``log`` adds ", log scale"."""
    words, unit = _parameter_words(key)
    inside = ", ".join(x for x in (unit, "log scale" if log else "") if x)
    return f"{words} ({inside})" if inside else words


def _parameter_words(key: str) -> tuple[str, str]:
    """(words, unit text) of a dotted parameter key."""
    table, _, name = key.rpartition(".")
    suffix = next((s for s in sorted(UNIT_SUFFIXES, key=len, reverse=True)
                   if name.endswith(s) and len(name) > len(s)), "")
    unit = UNIT_SUFFIXES.get(suffix, "")
    words = PARAMETER_WORDS.get(key) or PARAMETER_WORDS.get(name)
    if words is None:
        words = name[: len(name) - len(suffix)].replace("_", " ")
        prefix = TABLE_WORDS.get(table, table.replace("_", " "))
        if prefix and not words.startswith(prefix):
            words = f"{prefix} {words}"
    return words, unit


def run_conditions(tree: xr.DataTree, stage: str | None = None) -> str:
    """The run's conditions in one line, from the stage file's ``resolved_params`` attribute: run
    name, bath temperature (K), mean current density (mA/cm²; the phase field's own current when it
    differs), VLCD (coefficient of variation, and the correlation length of the stage's field: the
    phase field's or the coating's in µm, else the kMC's in nm when the run has a kMC stage). ""
    without ``resolved_params``."""
    text = tree.attrs.get("resolved_params")
    if not text:
        return ""
    p = json.loads(text)
    e = p.get("electrode") or {}
    stage = tree.attrs.get("stage", stage)
    table = p.get(stage) or {}
    j = e["current_density_mA_cm2"]
    if stage == "coating" and table.get("current_density_mA_cm2") is not None:
        j = table["current_density_mA_cm2"]
    parts = [f"{e['temperature_K']:g} K", f"{j:.3g} mA/cm²"]
    if stage == "dendrite":
        if table.get("control") == "potentiostatic":
            parts[-1] += f" (phase field held at {table['cell_voltage_mV']:.4g} mV)"
        elif table.get("local_current_source") == "coating":
            parts[-1] += " (phase field: current from the coating stage)"
        elif table.get("current_density_mA_cm2") not in (None, j):
            parts[-1] += f" (phase field at {table['current_density_mA_cm2']:.4g} mA/cm²)"
    if e.get("vlcd_field") == "hotspots":
        parts.append(f"{e['hotspot_count']} hotspot(s) of radius {e['hotspot_radius_nm']:g} nm carrying "
                     f"{100 * e['hotspot_current_fraction']:.3g} % of the current")
    else:
        cv = ElectrodeParams.model_validate(e).cv
        if stage in ("dendrite", "coating") and "vlcd_correlation_length_um" in table:
            length = f", correlation length {table['vlcd_correlation_length_um']:g} µm"
        elif p.get("kmc") is not None:
            length = f", correlation length {e['vlcd_correlation_length_nm']:g} nm"
        else:  # the nm length is the kMC's alone (tables.ElectrodeParams.unread): not this run's
            length = ""
        parts.append(f"VLCD CV {cv:.3g}{length}")
    return f"{p.get('name', 'run')}: " + ", ".join(parts)


def _conditions_title(fig: plt.Figure, tree: xr.DataTree, stage: str) -> None:
    text = run_conditions(tree, stage)
    if text:
        fig.suptitle(text, fontsize=11)


def _log_spaced(values, sampled: bool = False) -> bool:
    """Positive numbers spanning about a decade or more at a roughly constant ratio (a grid axis),
    or, ``sampled``, random samples whose median sits nearer their geometric than their arithmetic
    mean (a log-uniform Latin hypercube key)."""
    try:
        v = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return False
    v = v[np.isfinite(v)]
    if v.size < 3 or v.min() <= 0 or v.max() / v.min() < 8:
        return False
    steps = np.diff(np.log(np.unique(v)))
    if steps.max() <= 1.5 * steps.min():
        return True
    if not sampled or v.max() / v.min() < 10:
        return False
    median, geometric = np.median(v), math.exp(np.mean(np.log(v)))
    return abs(median - geometric) < abs(median - v.mean())


def _spans_decades(values, decades: float = 2.0) -> bool:
    """Whether the finite positive values span more than ``decades`` decades."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return bool(v.size) and v.max() / v.min() > 10.0**decades


def _norm(values, units: str = "") -> Normalize:
    """One colour scale for all panels of a figure: logarithmic when the finite positive values
    span more than two decades (a fraction, units "1" within [0, 1], stays linear: its 0.3 and 1
    must look different), else linear over the finite values."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    fraction = units == "1" and finite.size and finite.min() >= 0.0 and finite.max() <= 1.0
    if _spans_decades(v) and not fraction:
        positive = v[np.isfinite(v) & (v > 0)]
        return LogNorm(positive.min(), positive.max())
    return Normalize(*(finite.min(), finite.max()) if finite.size else (0.0, 1.0))


def _linear_edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges of evenly spaced centres: midpoints, the end cells mirrored (one cell: +-0.5)."""
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])


def _log_edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges of log-spaced centres: geometric midpoints, the end cells mirrored."""
    c = np.log(np.asarray(centres, dtype=float))
    mid = 0.5 * (c[1:] + c[:-1])
    return np.exp(np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]]))


def kmc_deposit(kmc: xr.DataTree) -> plt.Figure:
    """Final height map (nm) and a cross-section at mid-width coloured by phase."""
    root, final = kmc.to_dataset(), kmc["final"].to_dataset()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    _conditions_title(fig, kmc, "kmc")
    h = root.height.isel(time=-1)
    im = a.imshow(h.values / M_PER_NM, origin="lower", cmap="viridis",
                  extent=[0, float(root.x[-1]) / M_PER_NM, 0, float(root.y[-1]) / M_PER_NM])
    fig.colorbar(im, ax=a, label="height (nm)")
    a.set(xlabel="x (nm)", ylabel="y (nm)", title=f"kMC deposit at t = {float(root.time[-1]):.3g} s")
    mid = final.sizes["y"] // 2
    section = final.phase.isel(y=mid).values  # (z, x)
    b.imshow(section, origin="lower", cmap=PHASE_COLOURS, vmin=-0.5, vmax=4.5, interpolation="nearest", aspect="auto",
             extent=[0, float(final.x[-1]) / M_PER_NM, 0, float(final.z[-1]) / M_PER_NM])
    for code, name in ((1, "glassy"), (2, "crystalline"), (3, "substrate"), (4, "dead Li")):
        if code < 4 or np.any(section == code):
            b.plot([], [], "s", color=PHASE_COLOURS(code), label=name)
    b.legend(loc="upper right", fontsize=8)
    b.set(xlabel="x (nm)", ylabel="z (nm)", title=f"cross-section at y = {float(final.y[mid]) / M_PER_NM:.3g} nm")
    return fig


def kmc_series(kmc: xr.DataTree) -> plt.Figure:
    """Roughness (nm) and crystalline fraction vs time."""
    root = kmc.to_dataset()
    fig, a = plt.subplots(figsize=(7, 4.3), constrained_layout=True)
    _conditions_title(fig, kmc, "kmc")
    a.plot(root.time, root.roughness_sigma / M_PER_NM, "o-", ms=3, label="rms roughness")
    a.set(xlabel="time (s)", ylabel="rms roughness (nm)")
    b = a.twinx()
    b.plot(root.time, root.crystalline_fraction, "s-", ms=3, color="tab:red", label="crystalline fraction")
    b.set(ylabel="crystalline fraction", ylim=(-0.05, 1.05))
    lines = a.get_lines() + b.get_lines()  # one legend for both axes, above the twin's lines
    b.legend(lines, [line.get_label() for line in lines], loc="upper left", fontsize=9)
    return fig


def kmc_cycling(kmc: xr.DataTree) -> plt.Figure:
    """Coulombic efficiency and dead Li per cycle, and the height maps (nm) after plating and after
    stripping of the last cycle."""
    cyc = kmc["cycling"].to_dataset()
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(14, 4.3), constrained_layout=True)
    _conditions_title(fig, kmc, "kmc")
    a.plot(cyc.cycle, cyc.coulombic_efficiency, "o-", label="Coulombic efficiency")
    a.set(xlabel="cycle", ylabel="Coulombic efficiency", xticks=cyc.cycle.values)
    d = a.twinx()
    d.plot(cyc.cycle, cyc.dead_fraction, "s--", color="black", label="dead Li / plated")
    d.set(ylabel="dead Li / Li plated in the cycle")
    lines = a.get_lines() + d.get_lines()
    d.legend(lines, [line.get_label() for line in lines], loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
             fontsize=9, frameon=False)  # above the axes: the two curves span the whole panel
    last = cyc.isel(cycle=-1)
    extent = [0, float(cyc.x[-1]) / M_PER_NM, 0, float(cyc.y[-1]) / M_PER_NM]
    finite = last.height_plated.values[np.isfinite(last.height_plated.values)]
    top = float(finite.max()) / M_PER_NM if finite.size else 1.0
    for ax, name, title in ((b, "height_plated", "after plating"), (c, "height_stripped", "after stripping")):
        im = ax.imshow(last[name].values / M_PER_NM, origin="lower", cmap="viridis", vmin=0.0, vmax=top, extent=extent)
        ax.set(xlabel="x (nm)", ylabel="y (nm)", title=f"cycle {int(last.cycle)}, {title}")
        fig.colorbar(im, ax=ax, label="height (nm)")
    return fig


def dendrite_cycling(dendrite: xr.DataTree) -> plt.Figure:
    """Coulombic efficiency and dead Li per cycle of the phase field, and the metal (psi < 1/2)
    after plating and after stripping of the first and the last cycle."""
    cyc = dendrite["cycling"].to_dataset()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.3), constrained_layout=True)
    _conditions_title(fig, dendrite, "dendrite")
    a = axes[0]
    a.plot(cyc.cycle, cyc.coulombic_efficiency, "o-", label="Coulombic efficiency")
    lowest = float(np.nanmin(cyc.coulombic_efficiency)) if np.isfinite(cyc.coulombic_efficiency).any() else 1.0
    a.set(xlabel="cycle", ylabel="Coulombic efficiency", xticks=cyc.cycle.values, ylim=(min(0.9, lowest - 0.01), 1.01))
    a.ticklabel_format(axis="y", useOffset=False)  # CE = 1 to round-off is drawn as 1
    d = a.twinx()
    dead = cyc.dead_li_thickness / M_PER_UM
    d.plot(cyc.cycle, dead, "s--", color="black", label="dead Li (µm of dense Li)")
    d.set(ylabel="dead Li at the end of the cycle (µm)", ylim=(0.0, max(0.1, 1.2 * float(np.nanmax(dead)) if np.isfinite(dead).any() else 0.1)))
    lines = a.get_lines() + d.get_lines()
    d.legend(lines, [line.get_label() for line in lines], loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
             fontsize=9, frameon=False)
    x, y = cyc.x.values / M_PER_UM, cyc.y.values / M_PER_UM
    for ax, name, title in ((axes[1], "psi_plated", "after plating"), (axes[2], "psi_stripped", "after stripping")):
        for index, colour in ((0, "tab:blue"), (-1, "tab:red"))[:min(2, cyc.sizes["cycle"])]:
            one = cyc.isel(cycle=index)
            if np.isfinite(one[name].values).all():
                ax.contour(x, y, one[name].values, levels=[0.5], colors=[colour])
                ax.plot([], [], color=colour, label=f"cycle {int(one.cycle)}")
        coarse = np.flatnonzero(np.diff(x) > 1.01 * (x[1] - x[0]))  # the fine band ends where the cells grow
        ax.set(xlabel="x (µm, lab frame)", ylabel="y (µm)", title=f"metal surface (ψ = ½) {title}",
               xlim=(0, float(x[coarse[0]] if coarse.size else x[-1])))
        ax.legend(fontsize=8)
    return fig


def dendrite_snapshots(dendrite: xr.DataTree, count: int = 3) -> plt.Figure:
    """The deposit and the salt concentration at ``count`` times (around the front), the local
    current density along the electrode at those times, and the dendrite length vs time."""
    ds = dendrite.to_dataset()
    times = np.unique(np.linspace(0, ds.sizes["time"] - 1, count).round().astype(int))
    fig, axes = plt.subplots(1, len(times) + 2, figsize=(2.9 * (len(times) + 2), 4.0), constrained_layout=True)
    _conditions_title(fig, dendrite, "dendrite")
    x, y = ds.x.values / M_PER_UM, ds.y.values / M_PER_UM
    metal = (1.0 - ds.psi.isel(time=0).values).sum(axis=1)  # rough front position, to frame the panels
    band = x <= max(float(np.interp(metal.max(), np.arange(x.size), x)) * 2.0, x[min(x.size - 1, 8)])
    shown = np.where(ds.psi.isel(time=times).values[..., band] > 0.5, ds.concentration.isel(time=times).values[..., band],
                     np.nan)  # the electrolyte: the metal's fictitious salt is not drawn, nor scaled
    limits = float(np.nanmin(shown)), float(np.nanmax(shown))
    image = None
    for a, i in zip(axes, times):
        psi = ds.psi.isel(time=i).values[:, band]
        c = np.where(psi > 0.5, ds.concentration.isel(time=i).values[:, band], np.nan)
        image = a.pcolormesh(x[band], y, c, cmap="viridis", vmin=limits[0], vmax=limits[1], shading="nearest")
        a.contourf(x[band], y, psi, levels=[-0.1, 0.5], colors=["0.25"])
        a.set(xlabel="x in the moving window (µm)", ylabel="y (µm)", title=f"t = {float(ds.time[i]):.3g} s")
    axes[0].set_title(f"t = {float(ds.time[times[0]]):.3g} s (grey: Li metal)")
    if image is not None:
        fig.colorbar(image, ax=axes[len(times) - 1], label="salt (mol/m³)")
    current = axes[-2]
    for i in times:
        current.plot(y, ds.local_current_density.isel(time=i) * 0.1, label=f"{float(ds.time[i]):.3g} s")
    current.plot(y, ds.exchange_current_ratio * float(ds.mean_current_density[-1]) * 0.1, "k--", lw=0.8,
                 label="i0(y)/mean x mean j")
    current.set(xlabel="y (µm)", ylabel="local current density (mA/cm²)", title="current along the front")
    current.legend(fontsize=8)
    last = axes[-1]
    last.plot(ds.time, ds.dendrite_length / M_PER_UM, "o-", ms=3, label="tip minus trough")
    last.plot(ds.time, ds.interface_roughness / M_PER_UM, "s-", ms=3, label="std of the front")
    last.set(xlabel="time (s)", ylabel="µm", title="morphology")
    last.legend(fontsize=8)
    return fig


def coating_fractions(coating: xr.DataTree) -> plt.Figure:
    """Cumulative fractions of the Li plated under / on top of the coating, and the instantaneous one."""
    ds = coating.to_dataset()
    fig, a = plt.subplots(figsize=(7, 4.3), constrained_layout=True)
    _conditions_title(fig, coating, "coating")
    a.plot(ds.time, ds.fraction_under, "o-", ms=3, label="under (cumulative)")
    a.plot(ds.time, ds.fraction_on_top, "s-", ms=3, label="on top (cumulative)")
    a.plot(ds.time, ds.instant_fraction_under, "--", label="under (instantaneous)")
    a.axhline(ds.attrs["steady_fraction_under"], color="0.5", lw=0.8, label="steady state min(1, j_th / j)")
    material = ds.attrs["material"]
    coating_name = (f"coating of D = {ds.attrs['diffusivity_m2_s']:.3g} m²/s" if material == "explicit"
                    else f"{material} coating")
    a.set(xlabel="time (s)", ylabel="fraction of the charge", ylim=(-0.05, 1.05),
          title=f"{coating_name}, {ds.attrs['thickness_m'] / M_PER_UM:.3g} µm: "
                f"j_th = F D c_c / L = {ds.attrs['threshold_current_density_A_m2'] / A_M2_PER_MA_CM2:.3g} mA/cm²")
    a.legend(fontsize=9)
    return fig


def complexion_curves(complexion: xr.DataTree) -> plt.Figure:
    """Φ(h) with its minima marked, and the complexion diagram h_EQ(Δγ, ΔG)."""
    point, diagram = complexion.to_dataset(), complexion["diagram"].to_dataset()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    _conditions_title(fig, complexion, "complexion")
    a.plot(point.h / M_PER_NM, point.interface_potential, lw=1.2)
    minima, values = point.minimum_thickness.values, point.minimum_phi.values
    finite = np.isfinite(minima)
    a.plot(minima[finite] / M_PER_NM, values[finite], "o", ms=4, label="local minima")
    h_eq = point.attrs["equilibrium_thickness_m"]
    if np.isfinite(h_eq):
        a.plot([h_eq / M_PER_NM], [point.attrs["equilibrium_phi_J_m2"]], "r*", ms=12,
               label=f"h_EQ = {h_eq / M_PER_NM:.3g} nm ({point.attrs['complexion']})")
    a.set(xlabel="film thickness h (nm)", ylabel="Φ(h) (J/m²)", title="interfacial excess grand potential")
    a.legend(fontsize=9)
    thickness = diagram.thickness.where(np.isfinite(diagram.thickness)) / M_PER_NM
    dG, dg = diagram.delta_G.values, diagram.delta_gamma.values
    log_G = _log_spaced(dG)  # the diagram's ΔG is geomspace: log axis, cells centred in log space
    G_edges = _log_edges(dG) if log_G else _linear_edges(dG)
    mesh = b.pcolormesh(G_edges, _linear_edges(dg), thickness.transpose("delta_gamma", "delta_G").values,
                        shading="flat", cmap="magma", vmin=0.0)  # linear: h_EQ comes in whole layers, and
    # the sub-monolayer values of a clean interface (~1e-3 nm) would take most of a log scale
    b.set_xscale("log" if log_G else "linear")
    p = json.loads(complexion.attrs.get("resolved_params", "{}")).get("complexion") or {}
    if "delta_G_J_m3" in p and "delta_gamma_J_m2" in p:
        b.plot([p["delta_G_J_m3"]], [p["delta_gamma_J_m2"]], "*", color="tab:cyan", mec="k", ms=13,
               label="this run")
        b.legend(fontsize=9, loc="lower right")
    fig.colorbar(mesh, ax=b, label="equilibrium film thickness h_EQ (nm)")
    b.set(xlabel=parameter_label("complexion.delta_G_J_m3", log=log_G),
          ylabel=parameter_label("complexion.delta_gamma_J_m2"), title="complexion diagram")
    return fig


def design_maps(scan: xr.Dataset) -> list[tuple[str, plt.Figure]]:
    """One figure per observable: heatmaps over the first two scan axes (small multiples over a
    third), or scatter plots against each sampled key for a Latin hypercube."""
    observables = [v for v in scan.data_vars if v not in ("status", "error", "run_dir")]
    scan_name = scan.attrs.get("scan_name")
    out = []
    for name in observables:
        da, units = _display(scan[name])
        label = scan[name].attrs.get("long_name", name) + (f" ({units})" if units != "1" else "")
        log_values = _spans_decades(da.values)
        if "point" in da.dims:
            keys = [c for c in scan.coords if c != "point"]
            fig, axes = _panel_grid(len(keys), (4.4, 3.8), sharey=True)
            for a, key in zip(axes, keys):
                log_key = _log_spaced(scan[key].values, sampled=True)
                a.scatter(scan[key], da, c=np.where(scan.status == "done", "tab:blue", "tab:red"))
                a.set(xlabel=_axis_label(scan[key], log_key), ylabel=label,
                      xscale="log" if log_key else "linear", yscale="log" if log_values else "linear")
            _map_title(fig, scan_name, scan[name], name)
            out.append((name, fig))
            continue
        dims = list(da.dims)
        if len(dims) == 1:
            fig, a = plt.subplots(figsize=(6, 4), constrained_layout=True)
            a.plot(np.arange(scan[dims[0]].size), da, "o-")
            _ticks(a, "x", scan[dims[0]])
            a.set(xlabel=_axis_label(scan[dims[0]], _log_spaced(scan[dims[0]].values)), ylabel=label,
                  yscale="log" if log_values else "linear")
            _map_title(fig, scan_name, scan[name], name)
            out.append((name, fig))
            continue
        facets = dims[:-2]
        facet_values = list(np.ndindex(*[da.sizes[d] for d in facets])) or [()]
        y_dim, x_dim = dims[-2], dims[-1]
        fig, axes = _panel_grid(len(facet_values), (4.3, 3.7))
        norm = _norm(da.values, scan[name].attrs.get("units", ""))  # one colour scale for every panel
        cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")  # failed points (NaN), and <= 0 on a log scale
        for a, idx in zip(axes, facet_values):
            sub = (da.isel(dict(zip(facets, idx))) if facets else da).transpose(y_dim, x_dim)
            mesh = a.pcolormesh(np.arange(sub.sizes[x_dim]), np.arange(sub.sizes[y_dim]), sub.values,
                                shading="nearest", norm=norm, cmap=cmap)
            _ticks(a, "x", scan[x_dim])
            _ticks(a, "y", scan[y_dim])
            for (j, i), value in np.ndenumerate(sub.values):
                shade = norm(value) if np.isfinite(value) and (value > 0 or not isinstance(norm, LogNorm)) else 1.0
                a.text(i, j, _short(value) if np.isfinite(value) else "failed", ha="center", va="center", fontsize=9,
                       color="w" if shade < 0.5 else "k")
            a.set(xlabel=_axis_label(scan[x_dim], _log_spaced(scan[x_dim].values)),
                  ylabel=_axis_label(scan[y_dim], _log_spaced(scan[y_dim].values)),
                  title=", ".join(_facet_title(scan[d], k) for d, k in zip(facets, idx)))
        # wrapped: a long name runs off the figure's edge beside the bar
        bar_label = label + (", log scale" if isinstance(norm, LogNorm) else "")
        fig.colorbar(mesh, ax=axes, label=textwrap.fill(bar_label, 45))
        _map_title(fig, scan_name, scan[name], name)
        out.append((name, fig))
    return out


def _short(value: float) -> str:
    """A cell's number in at most ~5 characters without needless exponents: 0.31, 460, 1.2e+04."""
    if value == 0 or 0.01 <= abs(value) < 100:
        return f"{value:.2g}"
    return f"{value:.0f}" if 100 <= abs(value) < 1e4 else f"{value:.1e}"


def _panel_grid(count: int, panel: tuple[float, float], **kwargs) -> tuple[plt.Figure, list]:
    """A figure of ``count`` panels in rows of at most MAX_PANELS_PER_ROW (unused cells removed)."""
    cols = min(count, MAX_PANELS_PER_ROW)
    rows = math.ceil(count / cols)
    fig, grid = plt.subplots(rows, cols, figsize=(panel[0] * cols + 1.0, panel[1] * rows + 0.4),
                             constrained_layout=True, squeeze=False, **kwargs)
    axes = grid.ravel().tolist()
    for a in axes[count:]:
        fig.delaxes(a)
    return fig, axes[:count]


def _map_title(fig: plt.Figure, scan_name: str | None, da: xr.DataArray, name: str) -> None:
    what = da.attrs.get("long_name", name)
    fig.suptitle(f"{scan_name}: {what}" if scan_name else what, fontsize=12)


def _facet_title(coord: xr.DataArray, index: int) -> str:
    words, unit = _parameter_words(coord.attrs.get("dotted_key", str(coord.name)))
    value = coord.values[index]
    value = f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)
    return f"{words} = {value} {unit}".rstrip()


def _display(da: xr.DataArray) -> tuple[xr.DataArray, str]:
    """Values in the units people read: nm or µm for lengths, mA/cm² for current densities."""
    units = da.attrs.get("units", "")
    finite = np.abs(da.values[np.isfinite(da.values)])
    if units == "m" and finite.size:
        return (da / M_PER_NM, "nm") if finite.max() < 1e-6 else (da / M_PER_UM, "µm")
    if units == "A m-2":
        return da / A_M2_PER_MA_CM2, "mA/cm²"
    return da, units or "1"


def _axis_label(coord: xr.DataArray, log: bool = False) -> str:
    """A scan coordinate's label in words and units (from its ``dotted_key``)."""
    return parameter_label(coord.attrs.get("dotted_key", str(coord.name)), log=log)


def _ticks(a, axis: str, coord: xr.DataArray) -> None:
    labels = [f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v) for v in coord.values]
    getattr(a, f"set_{axis}ticks")(np.arange(coord.size), labels)


# ----------------------------------------------------------------------- report

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
        for stage in STAGES:
            if stage.name in tree.children:
                for figure in stage.figures:
                    if figure.group is not None and figure.group not in tree[stage.name].children:
                        continue
                    written.append(_save(figure.resolve()(tree[stage.name]), figures / f"{figure.stem}.png"))
    finally:
        tree.close()
    return written
