"""The kMC reproduces what the atomistic stage hands it: the adatom and bulk Arrhenius laws at
several temperatures, Li's atomic volume, and the escape of an adatom over an island edge with
its Ehrlich-Schwoebel barrier (references and tolerances inline; measured values in
docs/validation.md)."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.constants import AVOGADRO, K_B_EV, LI_MOLAR_MASS
from multiscale.kmc import _kernels as k
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState
from tests.tracers import atom_displacements, windowed_msd

SEEDS = range(4)


@pytest.fixture(scope="module")
def atomistic():
    """The default ``atomistic.h5`` content (curated laws), as the kMC stage reads it."""
    return build_datasets(AtomisticParams())


def _laws(atomistic):
    d = atomistic["diffusion"]
    return {key: float(d[key]) for key in ("D0_surface", "Ea_surface", "D0_bulk", "Ea_bulk")}


def _energetics(atomistic, es=0.0):
    a = float(atomistic["/"]["atomic_volume"]) ** (1 / 3)
    law = _laws(atomistic)
    return a, m.energetics_from_arrhenius(law["D0_surface"], law["Ea_surface"], law["D0_bulk"], law["Ea_bulk"], a, 0.05, es)


def _arrhenius(atomistic, which, T):
    law = _laws(atomistic)
    return law[f"D0_{which}"] * np.exp(-law[f"Ea_{which}"] / (K_B_EV * T))


@pytest.mark.parametrize("T", [250.0, 350.0])
def test_adatom_tracer_diffusion_reproduces_the_atomistic_surface_law(atomistic, T):
    """Reference: D_surface(T) = D0_surface exp(-Ea_surface / k_B T) from ``atomistic.h5`` (the
    chain's numbers, not the kMC's), at two temperatures with the same constants. An adatom on an
    inert flat terrace (the rates depend only on the coordination n = 1, as on a Li terrace,
    without the terrace's own adatom-vacancy pairs) makes nearest-neighbour hops; D = MSD / 4t over
    windows of ~100 hops. Tolerance: 3 standard errors over 8 seeds x ~400 windows, at most 5 %."""
    a, en = _energetics(atomistic)
    ny = nx = 32
    table = m.rate_table(en, T)
    per_seed = []
    for seed in range(int(T), int(T) + 8):
        occ = np.zeros((4, ny, nx), np.uint8)
        occ[:2] = m.SUBSTRATE
        occ[2, ny // 2, nx // 2] = m.CRYSTAL
        state = KmcState.from_occupancy(occ, seed)
        log = np.zeros((40_000, 3))
        Engine(state, table, np.zeros((ny, nx)), ballistic=False, step_factor=en.step_factor(T)).advance(
            max_events=40_000, hop_log=log)
        assert state.counts[k.EV_STEP] == 0 and state.counts[k.EV_FALL] == 0
        tau = 100.0 / (4 * table[m.CRYSTAL, 1])
        per_seed.append(windowed_msd(log, nx, ny, tau) * a**2 / (4 * tau))
    D = np.array(per_seed)
    ref = _arrhenius(atomistic, "surface", T)
    err, sem = abs(D.mean() / ref - 1), D.std(ddof=1) / np.sqrt(D.size) / ref
    print(f"T = {T:g} K: D_surface kMC / atomistic = {D.mean() / ref:.4f} +- {sem:.4f} (ref {ref:.3e} m2/s)")
    assert err < 3 * sem + 0.005 and err < 0.05


@pytest.mark.parametrize("T", [200.0, 300.0])
def test_bulk_tracer_diffusion_reproduces_the_atomistic_bulk_law(atomistic, T):
    """Reference: D_bulk(T) from ``atomistic.h5``, which the mapping puts at f c_v(T) a^2 k(5):
    the lattice gas's own vacancy fraction c_v(T) = exp(3 S_bond / k_B) exp(-3 E_bond / k_B T),
    the exchange rate k(5) of an atom next to a vacancy, and f = 0.6531, the tracer correlation
    factor of the simple cubic lattice (Compaan & Haven 1956), which the kMC must produce itself.
    The kMC's bulk is a dense film between an inert floor and lid (no surface, so the vacancy
    count is fixed) with 2 vacancies in 6912 sites (dilute, the mapping's assumption: vacancies
    attract with E_bond, so more of them pair up and diffuse faster; docs/validation.md), placed
    at random; the reference is scaled by that fraction / c_v(T). Tracer D from the lateral
    displacements of all atoms, D = sum |dr_xy|^2 / (4 N t) (the walls do not block lateral
    moves). Tolerance: 3 standard errors over 8 seeds + 2 % (finite box: a vacancy meets its own
    tracer again through the periodic boundary)."""
    a, en = _energetics(atomistic)
    ny = nx = 24
    layers = 12
    shape = (layers + 3, ny, nx)
    n_sites = layers * ny * nx
    n_vac = 2
    table = m.rate_table(en, T)
    moves = 100_000
    per_seed = []
    for seed in range(8):
        occ = np.zeros(shape, np.uint8)
        occ[0] = m.SUBSTRATE
        occ[1 : 1 + layers] = m.CRYSTAL
        occ[1 + layers] = m.SUBSTRATE  # the lid
        flat = occ[1 : 1 + layers].reshape(-1)
        flat[np.random.default_rng(seed).choice(n_sites, n_vac, replace=False)] = m.EMPTY
        state = KmcState.from_occupancy(occ, seed)
        log = np.zeros((moves, 3))
        eng = Engine(state, table, np.zeros((ny, nx)), ballistic=False, step_factor=en.step_factor(T))
        eng.advance(max_events=moves, hop_log=log)
        d = atom_displacements(log, nx, ny)
        per_seed.append((d**2).sum() * a**2 / (4 * (n_sites - n_vac) * log[-1, 2]))
    D = np.array(per_seed)
    c_v = en.vacancy_fraction(T)
    ref = _arrhenius(atomistic, "bulk", T) * (n_vac / n_sites) / c_v
    err, sem = abs(D.mean() / ref - 1), D.std(ddof=1) / np.sqrt(D.size) / ref
    print(f"T = {T:g} K: c_v = {c_v:.4f}; D_bulk kMC / atomistic = {D.mean() / ref:.4f} +- {sem:.4f}")
    assert err < 3 * sem + 0.02


def test_dense_film_has_lis_atomic_volume(atomistic):
    """Reference: a dense deposit of N atoms on an area A is N Omega / A thick, with Omega from
    Li's density 534 kg/m^3 (CRC Handbook: 0.534 g/cm^3 at 20 C) and molar mass. Column-top
    arrival without hops packs 10 monolayers densely. Tolerance: 1 %."""
    a, _ = _energetics(atomistic)
    omega = LI_MOLAR_MASS / (534.0 * AVOGADRO)
    ny = nx = 16
    state = KmcState.flat((40, ny, nx), seed=0)
    flux = np.full((ny, nx), 1.0)
    assert Engine(state, np.zeros((4, 7)), flux, ballistic=False).advance(max_deposits=10 * ny * nx) == k.ST_DEPOSITS
    z = np.arange(40)[:, None, None]
    assert np.all(state.occupancy[z <= state.top.reshape(ny, nx)] != m.EMPTY)  # dense: no void below the tops
    n = state.n_atoms
    thickness = state.top.mean() * a  # column tops above the substrate
    area = nx * ny * a**2
    print(f"thickness {thickness:.4e} m vs N Omega / A = {n * omega / area:.4e} m")
    assert thickness == pytest.approx(n * omega / area, rel=0.01)


def _escape_reference(size, k_hop, k_step):
    """Mean first-passage time off the top of a size x size island, from its centre, by solving
    the master equation of the adatom's walk: hops at k_hop to each neighbour on top, a step
    move at k_step over each edge bond (docs/models.md §4.2)."""
    n = size * size
    q = np.zeros((n, n))
    for y in range(size):
        for x in range(size):
            i = y * size + x
            for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
                yy, xx = y + dy, x + dx
                if 0 <= yy < size and 0 <= xx < size:
                    q[i, yy * size + xx] += k_hop
                    q[i, i] -= k_hop
                else:
                    q[i, i] -= k_step
    tau = np.linalg.solve(q, -np.ones(n))
    return tau[(size // 2) * size + size // 2]


@pytest.mark.parametrize("es_eV", [0.0, 0.08])
def test_adatom_escape_time_from_an_island_top(atomistic, es_eV):
    """Reference: the mean escape time of an adatom from the centre of a 7 x 7 one-layer island,
    from the master equation of its walk (:func:`_escape_reference`) with the kMC's own hop rate
    k(1) and step rate k(1) exp(-E_ES / k_B T) at 300 K; E_ES = 0 and 0.08 eV (22x slower step
    moves). Tolerance: 4 standard errors of the mean over 300 escapes (exponential-like times:
    SE ~ mean / sqrt(300))."""
    T = 300.0
    a, en = _energetics(atomistic, es=es_eV)
    table = m.rate_table(en, T)
    size, ny, nx = 7, 13, 13
    times = []
    for seed in range(300):
        occ = np.zeros((4, ny, nx), np.uint8)
        occ[0] = m.SUBSTRATE
        occ[1, 3 : 3 + size, 3 : 3 + size] = m.SUBSTRATE  # the island (inert: only the adatom moves)
        occ[2, 3 + size // 2, 3 + size // 2] = m.CRYSTAL
        state = KmcState.from_occupancy(occ, seed)
        log = np.zeros((20_000, 3))
        eng = Engine(state, table, np.zeros((ny, nx)), ballistic=False, step_factor=en.step_factor(T))
        while state.counts[k.EV_STEP] == 0:
            eng.advance(max_events=20_000, hop_log=log)
        n_moves = state.events
        down = np.flatnonzero(log[:n_moves, 1] < ny * nx * 2)  # first landing below the island top
        times.append(log[down[0], 2])
    ref = _escape_reference(size, table[m.CRYSTAL, 1], table[m.CRYSTAL, 1] * en.step_factor(T))
    mean, sem = np.mean(times), np.std(times, ddof=1) / np.sqrt(len(times))
    print(f"E_ES = {es_eV} eV: escape time {mean:.4e} +- {sem:.2e} s vs master equation {ref:.4e} s")
    assert abs(mean - ref) < 4 * sem


@pytest.mark.parametrize("T", [300.0, 350.0])
def test_surface_relaxation_against_the_mullins_estimate(atomistic, T):
    """Reference: Mullins' B = D_s nu gamma Omega^2 / (k_B T) of the lattice gas
    (:func:`multiscale.kmc.relaxation.mullins_b_analytic`: D_s the surface self-diffusion
    coefficient = equilibrium adatom coverage x adatom diffusivity, nu = 1/a^2, gamma = E_bond /
    2a^2 at T = 0). A sinusoidal film relaxes with no flux at wavelengths of 16, 24 and 32 sites
    (4.5-8.9 nm), 3 seeds each; B is r / k^4 averaged over the runs. Tolerance: a factor of 2,
    the O(1) by which the surface stiffness at T differs from gamma near the roughening
    temperature. The free fit of the exponent is printed and recorded in docs/validation.md
    (not 4: the handoff carries the measured law)."""
    from multiscale.kmc.relaxation import fit_mullins, mullins_b_analytic, relax

    a, en = _energetics(atomistic)
    decays = [relax(en, a, T, lam, seed) for lam in (16, 24, 32) for seed in (11, 12, 13)]
    assert all(np.isfinite(d.rate_per_s) and d.rate_per_s > 0 for d in decays)
    fit = fit_mullins(decays)
    ref = mullins_b_analytic(en, a, T)
    rates = {lam: np.mean([d.rate_per_s for d in decays if round(d.wavelength_m / a) == lam]) for lam in (16, 24, 32)}
    print(f"T = {T:g} K: B = {fit.B_m4_s:.3e} +- {fit.B_stderr:.1e} m4/s, analytic {ref:.3e} (ratio "
          f"{fit.B_m4_s / ref:.2f}); exponent {fit.exponent:.2f} +- {fit.exponent_stderr:.2f}")
    assert rates[16] > rates[24] > rates[32]  # shorter wavelengths relax faster
    assert 1 / 2 < fit.B_m4_s / ref < 2
