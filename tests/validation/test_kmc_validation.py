"""Validation of the kMC engine against analytic results (references and tolerances inline;
measured values in docs/validation.md)."""

from __future__ import annotations

import numpy as np
import pytest

from multiscale.atomistic.params import AtomisticParams
from multiscale.atomistic.stage import build_datasets
from multiscale.constants import ELEMENTARY_CHARGE, K_B_EV
from multiscale.kmc import _kernels as k
from multiscale.kmc import model as m
from multiscale.kmc.engine import Engine, KmcState
from tests.conftest import PARAMS_DIR
from tests.tracers import lateral_steps, windowed_msd

A = 2.786e-10  # lattice spacing, m
SEEDS = range(8)


@pytest.mark.parametrize("rise_K", [None, 150.0])
def test_single_adatom_tracer_diffusion(rise_K):
    """Reference: a lone adatom on the flat substrate has 4 attached targets, each at rate k, so
    Gamma = 4k and D = a^2 Gamma / (2d) = a^2 k (d = 2): MSD(tau) = 4 D tau. With local heating
    that puts the adatom layer at T = 300 + 150 K (per-site rates, sum-tree selection) the
    reference rate is k(450 K) = k(300 K) exp(-E (1/k_B 450 K - 1/k_B 300 K)), E = E_hop + E_bond.
    Tolerance: 5 %, and within 3 standard errors over 8 seeds x 400 non-overlapping windows."""
    k_bath = 2.0e6  # 1/s at the bath temperature
    table = np.zeros((4, 7))
    table[m.CRYSTAL, 1] = k_bath
    energetics = m.HopEnergetics(1e13, 0.10, 0.05, 0.02, 0.0, 0.0)  # only its E_hop(crystal) + E_bond = 0.12 eV matters
    heating = None if rise_K is None else m.LocalHeating(300.0, np.full((32, 32), rise_K), 0.5, energetics)
    k_hop = k_bath
    if heating is not None:
        k_hop *= np.exp(-0.12 / K_B_EV * (1 / (300.0 + rise_K) - 1 / 300.0))  # 2.92 x faster
    nx = ny = 32
    tau = 100.0 / (4 * k_hop)  # ~100 hops a window
    per_seed = []
    for seed in SEEDS:
        occ = np.zeros((3, ny, nx), np.uint8)
        occ[0] = m.SUBSTRATE
        occ[1, ny // 2, nx // 2] = m.CRYSTAL
        state = KmcState.from_occupancy(occ, seed)
        log = np.zeros((40_000, 3))
        Engine(state, table, np.zeros((ny, nx)), ballistic=False, heating=heating).advance(max_events=40_000, hop_log=log)
        dx, dy = lateral_steps(log, nx, ny)
        assert np.all(np.abs(dx) + np.abs(dy) == 1)  # nearest-neighbour steps only
        per_seed.append(windowed_msd(log, nx, ny, tau))
    per_seed = np.array(per_seed) * A**2
    D = per_seed / (4 * tau)
    expected = A**2 * k_hop
    err = abs(D.mean() / expected - 1)
    sem = D.std(ddof=1) / np.sqrt(len(D)) / expected
    print(f"D/D_ref = {D.mean() / expected:.4f} +- {sem:.4f}")
    assert err < 0.05 and err < 3 * sem + 0.005


def test_random_deposition_height_variance():
    """Reference: with hops off and column-top arrival every column receives Poisson(F t) atoms,
    so the height variance W^2 = F t (in layers^2) and the mean height is F t. Tolerance: 4
    standard errors of the pooled estimate over 8 seeds x 4096 columns."""
    ny = nx = 64
    flux = m.deposition_rates(np.full((ny, nx), 10.0), A)  # 1 mA/cm^2
    t_end = 20.0 / flux[0, 0]  # 20 monolayers on average
    lam = flux[0, 0] * t_end
    var, mean = [], []
    for seed in SEEDS:
        state = KmcState.flat((60, ny, nx), seed)  # the Poisson tail reaches ~40 layers
        assert Engine(state, np.zeros((4, 7)), flux, ballistic=False).advance(t_end=t_end) == k.ST_TIME
        h = state.top.astype(float)
        var.append(h.var(ddof=1))
        mean.append(h.mean())
    n = ny * nx * len(SEEDS)
    sd_var = np.sqrt((lam + 2 * lam**2) / n)  # standard error of the pooled Poisson variance
    print(f"W^2 = {np.mean(var):.3f} vs F t = {lam:.3f} (+- {sd_var:.3f}); mean {np.mean(mean):.3f}")
    assert abs(np.mean(var) - lam) < 4 * sd_var
    assert abs(np.mean(mean) - lam) < 4 * np.sqrt(lam / n)


def test_mass_balance_against_charge():
    """Reference: each electron reduces one Li+ (deposits = charge / e exactly, counted), no atom is
    created or lost by hops and falls (atoms on the lattice = deposits, exact), and the charge
    passed in time t at current I is I t: deposits ~ Poisson(I t / e), within 4 sqrt(I t / e)."""
    ny = nx = 32
    j = 10.0  # A/m^2
    flux = m.deposition_rates(np.full((ny, nx), j), A)
    energetics = m.HopEnergetics(1e13, 0.26, 0.21, 0.045, 0.5, 0.0)
    table = m.rate_table(energetics, 300.0)
    table = m.rate_table(energetics, 300.0, m.hop_rate_scale(table, flux.mean(), 100.0))
    for seed in SEEDS:
        state = KmcState.flat((24, ny, nx), seed)
        t_end = 5.0 / flux[0, 0]
        Engine(state, table, flux, ballistic=True).advance(t_end=t_end)
        deposits = state.counts[k.EV_DEPOSIT]
        assert state.n_atoms == deposits
        expected = j * (nx * ny * A**2) * t_end / ELEMENTARY_CHARGE
        assert abs(deposits - expected) < 4 * np.sqrt(expected)


def _trench_half_time(phase, seed, table, dt, step_factor):
    """Time for a 4-layer-deep, 4-column-wide trench in an 8-layer film to lose half its depth."""
    occ = np.zeros((16, 24, 24), np.uint8)
    occ[0] = m.SUBSTRATE
    occ[1:9] = phase
    occ[5:9, :, 10:14] = m.EMPTY
    state = KmcState.from_occupancy(occ, seed)
    engine = Engine(state, table, np.zeros((24, 24)), ballistic=True, step_factor=step_factor)  # no flux
    half = None
    for step in range(1, 2000):
        engine.advance(t_end=step * dt)
        deficit = (8 - state.top.reshape(24, 24)[:, 10:14]).mean()
        if half is None and deficit <= 2.0:
            half = state.clock[0]
        if deficit <= 0.5:
            return half, deficit
    return half, deficit


def test_trench_self_heals_faster_when_glassy():
    """Reference: seed 004 (surface self-healing: a trench fills by surface diffusion with no
    deposition). Glassy and crystalline films differ only in E_hop (0.05 eV), so the healing
    time ratio is exp(0.05 eV / k_B T) = 6.9 at 300 K. Tolerances: every trench fills to < 0.5
    layer (from 4); the ratio of the mean half-healing times over 4 seeds within 30 % of 6.9."""
    d = build_datasets(AtomisticParams())["diffusion"]
    energetics = m.energetics_from_arrhenius(float(d.D0_surface), float(d.Ea_surface), float(d.D0_bulk), float(d.Ea_bulk),
                                             A, 0.05, 0.0)
    table = m.rate_table(energetics, 300.0)
    halves = {}
    for phase, dt in ((m.GLASSY, 2e-9), (m.CRYSTAL, 2e-8)):
        times = []
        for seed in range(4):
            half, final = _trench_half_time(phase, seed, table, dt, energetics.step_factor(300.0))
            assert final <= 0.5 and half is not None
            times.append(half)
        halves[phase] = np.mean(times)
    ratio = halves[m.CRYSTAL] / halves[m.GLASSY]
    expected = np.exp(0.05 / (8.617333262e-5 * 300.0))
    print(f"healing time ratio crystal/glassy = {ratio:.2f} (reference {expected:.2f})")
    assert abs(ratio / expected - 1) < 0.3




@pytest.mark.slow
def test_acceleration_converges_on_the_reference_case(tmp_path):
    """Reference case (params/reference/acceleration_convergence.toml): 300 K, 1 mA/cm^2 uniform,
    15 nm box, 8 ML, DOPT off, 4 seeds, at the default R = 1000 and with 4x less acceleration
    (R = 4000). Observables: the final Ra and sigma, and both averaged over the last monolayer (3
    records). Tolerance: the seed means change by less than 10 % (the issue's criterion for the
    default). Larger R keeps lowering Ra slowly (docs/validation.md: -13 % at R = 16000)."""
    import multiscale
    from multiscale.io import read_dataset
    from multiscale.kmc.params import hop_acceleration
    from multiscale.params import with_overrides

    base = multiscale.load_params(PARAMS_DIR / "reference" / "acceleration_convergence.toml")
    assert base.kmc.max_hop_to_deposition is None and hop_acceleration(base) == 1000.0  # the plating default
    means = {}
    for R in (1000.0, 4000.0):
        rows = []
        for seed in (1, 2, 3, 4):
            params = with_overrides(base, {"seed": seed, "kmc.max_hop_to_deposition": R})
            ds = read_dataset(multiscale.run(params, out=tmp_path / f"r{R}_{seed}") / "kmc.h5")
            last = ds.isel(time=slice(-3, None))
            rows.append([ds.roughness_Ra[-1].item(), ds.roughness_sigma[-1].item(), last.roughness_Ra.mean().item(),
                         last.roughness_sigma.mean().item()])
        means[R] = np.mean(rows, axis=0)
    change = means[4000.0] / means[1000.0] - 1
    print("relative change of final Ra, sigma and last-monolayer Ra, sigma (1000 -> 4000):", np.round(change, 3))
    assert np.all(np.abs(change) < 0.10)
