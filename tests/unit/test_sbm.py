"""Pure functions of the smoothed-boundary model (multiscale/dendrite/sbm.py)."""

import numpy as np
import pytest

from multiscale.dendrite.sbm import (Cell, ElectrodepositionSystem, SbmNumerics, butler_volmer, graded_spacing,
                                    logistic_profile)
from tests.planar_cells import planar


def test_butler_volmer_derivatives_match_finite_differences():
    """The Newton Jacobian uses dj/dc and dj/deta; central differences are the reference (1e-7)."""
    c, eta, i0 = np.array([0.3, 1.0, 1.7]), np.array([-2.0, 0.1, 1.5]), np.array([0.5, 1.0, 2.0])
    rate, rate_c, rate_eta = butler_volmer(c, eta, i0, 0.3, 0.7)
    step = 1e-6
    np.testing.assert_allclose(rate_c, (butler_volmer(c + step, eta, i0, 0.3, 0.7)[0]
                                        - butler_volmer(c - step, eta, i0, 0.3, 0.7)[0]) / (2 * step), rtol=1e-7)
    np.testing.assert_allclose(rate_eta, (butler_volmer(c, eta + step, i0, 0.3, 0.7)[0]
                                          - butler_volmer(c, eta - step, i0, 0.3, 0.7)[0]) / (2 * step), rtol=1e-7)
    assert butler_volmer(np.float64(1.0), np.float64(0.0), 1.0, 0.5, 0.5)[0] == 0.0  # equilibrium
    assert rate[0] > 0 > rate[2]  # cathodic overpotential plates, anodic strips


def test_graded_spacing_fills_the_length():
    dx = graded_spacing(0.05, 4.0, 52.0, 1.08)
    assert dx.sum() == pytest.approx(52.0, rel=1e-12)
    assert np.all(dx[:80] == 0.05)
    assert np.all(np.diff(dx[80:-1]) > 0)
    with pytest.raises(ValueError):
        graded_spacing(0.05, 60.0, 52.0, 1.08)


def test_logistic_profile_has_unit_integrated_gradient():
    """psi' integrates to 1 across the front (the smoothed-boundary delta function) and equals
    psi (1 - psi) / w."""
    x = np.linspace(-3.0, 3.0, 60001)
    psi = logistic_profile(x, 0.1)
    slope = np.gradient(psi, x)
    assert np.trapezoid(slope, x) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(slope, psi * (1 - psi) / 0.1, atol=1e-6)


def curved_front_system(ny=7, nx=14, potential=None):
    """A small 2D system with a curved front, a heterogeneous i0, Valoen-Reimers properties and
    a non-uniform state and a fourfold anisotropy, away from any symmetry; B large enough (1e-27 m^4/s) that the
    surface-diffusion entries are not lost below the others. ``potential`` (V): potentiostatic
    control, the current an unknown."""
    h = 0.05
    dx = graded_spacing(h, 0.4, 0.9, 1.2)
    modulation = 1.0 + 0.5 * np.sin(2 * np.pi * np.arange(ny) / ny)
    cell = Cell(surface_diffusion_B_m4_s=1e-27, anisotropy_strength=0.05)
    system = ElectrodepositionSystem(cell, dx, ny, h, 20.0, exchange_modulation=modulation / modulation.mean(),
                                     numerics=SbmNumerics(interface_width=0.1), counter_potential_V=potential)
    x = np.cumsum(dx) - dx / 2
    y = (np.arange(ny) + 0.5) * h
    front = 0.3 + 0.05 * np.cos(2 * np.pi * y / (ny * h))
    system.initialise(logistic_profile(x[None, :] - front[:, None], 0.1))
    rng = np.random.default_rng(1)
    state = system.state()
    state["c"] = state["c"] * (1 + 0.1 * rng.random(state["c"].size))
    state["phi"] = state["phi"] + 0.2 * rng.random(state["phi"].size)
    state["K"] = state["K"] + rng.random(state["K"].size)
    state["multiplier"] = 0.3
    state["current"] = 17.0
    system.set_state(state)
    return system


def complex_column(system, vector, dt, j):
    shifted = vector.astype(complex)
    shifted[j] += 1e-30j
    return system.system_residual(shifted, dt).imag / 1e-30


def central_column(system, vector, dt, j):
    step = np.zeros_like(vector)
    step[j] = 1e-6
    return (system.system_residual(vector + step, dt) - system.system_residual(vector - step, dt)).real / 2e-6


@pytest.mark.parametrize("potential", [None, 0.08], ids=["galvanostatic", "potentiostatic"])
@pytest.mark.parametrize("column, tolerance", [(complex_column, 1e-12), (central_column, 1e-6)],
                         ids=["dense complex step", "central differences"])
def test_assembled_jacobian_equals_the_dense_one(column, tolerance, potential):
    """References: the dense Jacobian of the system's residual, one column per derivative (no
    colouring, no assembly), by a complex step (tolerance 1e-12 of each row's largest entry: a
    dependency missing from the colouring table leaves entries out, however small) and by central
    real differences, which need no complex arithmetic (step 1e-6; tolerance 1e-6 of the row's
    largest entry: their truncation and round-off). Under potentiostatic control the current is
    one more unknown and the counter electrode's potential one more row."""
    system = curved_front_system(potential=potential)
    assert system.system_vector().size == 4 * system._volumes.size + (2 if potential else 1)
    vector, dt = system.system_vector(), 0.7
    assembled = system.jacobian(vector, dt).toarray()
    dense = np.stack([column(system, vector, dt, j) for j in range(vector.size)], axis=1)
    row_scale = np.abs(dense).max(axis=1, keepdims=True)
    assert np.all(np.abs(assembled - dense) <= tolerance * row_scale)


def test_residual_conserves_charge_and_anions():
    """Discrete divergence theorem: summed over the cells, the current equation's residual is the
    counter electrode's current minus the Faradaic sink, and the salt equation's is minus the
    change of the anion inventory; exact to round-off at any state."""
    system = curved_front_system()
    vector, dt = system.system_vector(), 0.7
    residual = system.system_residual(vector, dt).real[:-1].reshape(system.shape + (4,))
    volumes = system._volumes.reshape(system.shape)
    counter = system.current_A_m2 / system.cell.current_scale_A_m2 * system.width
    sink = float(np.sum(system._volumes * system.faradaic_rate()))
    assert float(np.sum(volumes * residual[..., 2])) == pytest.approx(counter - sink, rel=1e-10)
    f = system.numerics.storage_floor
    old = system.old
    inventory = np.sum(system._volumes * ((system.value("psi") + f) * system.value("c") - (old["psi"] + f) * old["c"]))
    assert float(np.sum(volumes * residual[..., 1])) == pytest.approx(-inventory / dt, rel=1e-10)


def test_anisotropic_stiffness_follows_the_normal_angle():
    """Reference: gamma + gamma'' = gamma [1 + delta (1 - omega^2) cos(omega theta)] at the angle of
    the normal (theta from x), cos(omega theta) written as a polynomial in the gradient; tolerance
    3e-4 at the profile's largest gradient (the normal's regularisation, 1e-2 of that gradient,
    enters squared, times omega / 2 and delta (omega^2 - 1))."""
    cell = Cell(anisotropy_strength=0.05, anisotropy_mode=4)
    system = ElectrodepositionSystem(cell, np.full(4, 0.05), 4, 0.05, 0.0, numerics=SbmNumerics(interface_width=0.1))
    theta = np.linspace(0, 2 * np.pi, 17)
    size = 1 / (4 * 0.1)
    stiffness = system._stiffness(size * np.cos(theta), size * np.sin(theta))
    np.testing.assert_allclose(stiffness, 1 + 0.05 * (1 - 16) * np.cos(4 * theta), atol=3e-4)
    with pytest.raises(ValueError):
        Cell(anisotropy_strength=0.07, anisotropy_mode=4)  # above 1/15: the stiffness changes sign


def test_a_singular_factorisation_rejects_the_step_and_retries_it_smaller(monkeypatch):
    """SuperLU with diagonal pivots raises on a zero pivot (seen on a finite Jacobian too: a flat
    front plated at 300 mA/cm^2 for 60 s, far beyond its 4 um fine band): the step is rejected with
    that reason and retried at half the size."""
    from multiscale.dendrite import sbm

    system = curved_front_system()
    real, calls = sbm.splu, []

    def singular_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Factor is exactly singular")
        return real(*args, **kwargs)

    monkeypatch.setattr(sbm, "splu", singular_once)
    system.numerics.dt_initial = system.dt = 0.2
    reports = system.advance(0.2)
    assert not reports[0].accepted and "factorisation" in reports[0].reason and "singular" in reports[0].reason
    assert system.time == pytest.approx(0.2) and len(calls) > 1  # the run went on with fresh factorisations


def test_a_jacobian_with_non_finite_entries_is_not_factorised_and_the_step_is_retried_smaller(monkeypatch):
    """A runaway Newton iterate can overflow the complex-step derivatives (the w = 0.2 um cycle of
    docs/models.md §5.4 met four such Jacobians, with 252-61 008 NaN or infinite entries, on which
    SuperLU failed after a factorisation's work). Reference: a Jacobian with one NaN is refused
    before SuperLU sees it, the step is rejected with that reason, and the run goes on; SuperLU
    never receives a non-finite matrix."""
    from multiscale.dendrite import sbm

    system = curved_front_system()
    real_jacobian, real_splu, factorised, built = system.jacobian, sbm.splu, [], []

    def nan_once(vector, dt):
        matrix = real_jacobian(vector, dt)
        built.append(1)
        if len(built) == 1:
            matrix.data[0] = np.nan
        return matrix

    def recording(matrix, **kwargs):
        factorised.append(bool(np.all(np.isfinite(matrix.data))))
        return real_splu(matrix, **kwargs)

    monkeypatch.setattr(system, "jacobian", nan_once)
    monkeypatch.setattr(sbm, "splu", recording)
    system.numerics.dt_initial = system.dt = 0.2
    reports = system.advance(0.2)
    assert not reports[0].accepted
    assert reports[0].reason == ("linear solver failed on the Jacobian's factorisation "
                                 "(1 non-finite entries in the Jacobian)")
    assert system.time == pytest.approx(0.2) and factorised and all(factorised)


def test_a_state_that_misses_the_charge_balance_is_not_accepted():
    """Small Newton updates alone do not prove a solution (a solve swamped by overflow returns them
    too): an accepted step must also pass the charge balance, exact at a solution (discrete
    divergence theorem). Reference: the random state of ``curved_front_system`` is no solution and
    is refused; the same system after an accepted step passes."""
    system = curved_front_system()
    assert "misses the applied one" in system.check_step(0.2)
    system.numerics.dt_initial = system.dt = 0.2
    reports = system.advance(0.2)
    assert reports[-1].accepted and system.check_step(system.dt) == ""


def test_a_rejected_step_is_retried_with_a_fresh_factorisation(monkeypatch):
    """A factorisation taken at an iterate of a rejected step is dropped: its round-off scale is
    GMRES's absolute floor, and a stale one lets later steps "converge" without moving. Reference:
    a step whose converged state is refused (here by a stand-in for the charge-balance check) is
    retried at half the size, and the retry factorises the Jacobian at its own step size."""
    system = planar(Cell(), 10.0, 10.0)
    sizes, real_factorise, real_check = [], system._factorise, system.check_step

    def recording(vector, dt):
        sizes.append(dt)
        return real_factorise(vector, dt)

    monkeypatch.setattr(system, "_factorise", recording)
    monkeypatch.setattr(system, "check_step", lambda dt: "refused" if dt == 1.0 else real_check(dt))
    system.numerics.dt_initial = system.dt = 1.0
    reports = system.advance(1.0)
    assert [(r.accepted, r.reason) for r in reports[:2]] == [(False, "refused"), (True, "")]
    assert sizes[:2] == [1.0, 0.5]


@pytest.mark.parametrize("potential_V", [0.05, 0.5, -0.05])
def test_potentiostatic_first_guess_is_the_planar_cell_and_the_first_step_is_accepted(potential_V):
    """Under potentiostatic control the current starts at the planar cell's: Butler-Volmer at c_b
    (a_a = a_c = 1/2: V_BV = 2 RT/F asinh(I / 2 i0)) in series with the ohmic drop I L / kappa(c_b)
    over the L = 10 um of electrolyte. Reference: that equation solved here by brentq, 1e-6
    relative (-0.05 V strips); the first step (1 ms) is then accepted at its first attempt."""
    from scipy.optimize import brentq

    from multiscale.dendrite.electrolyte import Electrolyte

    gap = 10.0
    system = planar(Cell(), 0.0, gap, potential=potential_V)
    cell = system.cell
    kappa = float(Electrolyte().conductivity(cell.bulk_concentration_mol_m3, cell.temperature_K))
    i0 = cell.exchange_current_density_A_m2

    def held(current):
        return 2 * cell.thermal_voltage_V * np.arcsinh(current / (2 * i0)) + current * gap * 1e-6 / kappa - potential_V

    assert system.current_A_m2 == pytest.approx(brentq(held, -1e6, 1e6, xtol=1e-12), rel=1e-6)
    system.numerics.dt_initial = system.dt = 1e-3
    reports = system.advance(1e-3)
    assert [r.accepted for r in reports] == [True]


def _flat_front(limit, width=0.1):
    """A flat equilibrium front (w = 0.1 um on 0.05 um cells) with the rebuild at ``limit``."""
    h, nx = 0.05, 60
    system = ElectrodepositionSystem(Cell(), np.full(nx, h), 4, h, 10.0,
                                     numerics=SbmNumerics(interface_width=0.1, reinitialise_steepness=limit))
    x = np.cumsum(np.full(nx, h)) - h / 2
    system.initialise(np.repeat(logistic_profile(x - 1.52, width)[None, :], 4, axis=0))
    return system


def test_the_profile_is_rebuilt_after_a_step_only_where_it_has_left_its_bounds():
    """After an accepted step (the hook ``_accepted``): an equilibrium profile is left as it is; one
    twice too steep, or one with a metal cell at psi = -1e-3 (below -e/2, e = 1e-3), is rebuilt as
    the equilibrium profile of its contour (steepest gradient 0.96-1.00 of 1 / (4 w) on this grid)
    with the metal conserved to 1e-12; the salt inventory (psi + e) c is conserved to 1e-12."""
    kept = _flat_front(1.25)
    before = kept.value("psi").copy()
    kept._accepted(1.0)
    np.testing.assert_array_equal(kept.value("psi"), before)
    for system, change in ((_flat_front(1.25, width=0.05), None), (_flat_front(1.25), (0, 5))):
        psi = system.value("psi").reshape(system.shape)
        if change is not None:
            psi[change] = -1e-3
            system.set_state({**system.state(), "psi": psi.ravel()})
        metal, salt = system.metal_li(), system.dissolved_li()
        system._accepted(1.0)
        rebuilt = system.value("psi").reshape(system.shape)
        steepest = np.max(np.abs(np.diff(rebuilt, axis=1))) / 0.05 * 4 * 0.1
        assert rebuilt.min() >= 0.0 and 0.9 < steepest < 1.05
        assert system.metal_li() == pytest.approx(metal, rel=1e-12)
        assert system.dissolved_li() == pytest.approx(salt, rel=1e-12)
