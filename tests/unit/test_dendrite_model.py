"""Unit checks of the phase-field electrodeposition model's pieces (multiscale/dendrite)."""

import numpy as np
import pytest

from multiscale import _fipy
from multiscale.dendrite import model as d


def test_scales_reproduce_hong_and_viswanathans_normalised_set():
    """Hong & Viswanathan (2018) use l0 = 1 um, t0 = 1 s, energy density 2.5e6 J/m^3:
    kappa 0.3, W 2.4, L 6.25 (so L W = 15, L kappa = 1.875), L_eta 0.001, nF/RT 38.69 1/V,
    D_electrolyte 317.9 (3.197e-10 m^2/s gives 319.7: their value carries a digit swap)."""
    c = d.Coefficients.from_physical(d.Physical())
    assert c.relaxation == pytest.approx(6.25 * 2.4, rel=1e-12)
    assert c.gradient == pytest.approx(6.25 * 0.3, rel=1e-12)
    assert c.reaction == pytest.approx(0.001, rel=2e-3)
    assert c.psi_applied == pytest.approx(-0.45 * 38.69, rel=1e-3)
    assert c.diffusivity_electrolyte == pytest.approx(319.7, rel=1e-12)
    assert c.site_ratio == pytest.approx(76.4)


def test_interface_energy_and_width_of_the_tanh_profile():
    """gamma = int kappa0 xi'^2 dx and the 10-90 width 4.39 lambda, from the profile itself."""
    p = d.Physical()
    lam = p.interface_width_m
    kappa0, barrier = 6 * p.interface_energy_J_m2 * lam, 3 * p.interface_energy_J_m2 / lam
    x = np.linspace(-20 * lam, 20 * lam, 200001)
    xi = d.tanh_profile(x, lam)
    slope = np.gradient(xi, x)
    energy = np.trapezoid(0.5 * kappa0 * slope ** 2 + barrier * xi ** 2 * (1 - xi) ** 2, x)
    assert energy == pytest.approx(p.interface_energy_J_m2, rel=1e-6)
    width = np.interp(0.1, xi[::-1], x[::-1]) - np.interp(0.9, xi[::-1], x[::-1])
    assert width == pytest.approx(4 * np.arctanh(0.8) * lam, rel=1e-6)


def test_reaction_weights_integrate_to_one_across_the_interface():
    xi = np.linspace(0, 1, 100001)
    h, h1 = d.interpolation(xi), d.interpolation_slope(xi)
    assert np.trapezoid(h1 * 2 * h, xi) == pytest.approx(1.0, rel=1e-8)
    assert np.trapezoid(h1 * 2 * (1 - h), xi) == pytest.approx(1.0, rel=1e-8)
    assert np.allclose(np.gradient(h, xi), h1, atol=1e-6)


@pytest.mark.parametrize("ratio", [0.1, 1.0, 5.0])
def test_planar_velocity_vanishes_at_the_nernst_potential(ratio):
    c = d.Coefficients.from_physical(d.Physical(bulk_concentration_mol_m3=1000.0 * ratio))
    assert d.planar_velocity(c, np.log(ratio)) == pytest.approx(0.0, abs=1e-15)
    assert d.planar_velocity(c, np.log(ratio) - 1) > 0 > d.planar_velocity(c, np.log(ratio) + 1)


def test_concentration_is_positive_for_any_chemical_potential():
    xi = np.array([0.0, 0.5, 1.0, 1.0])
    mu = np.array([-700.0, -50.0, 0.0, 3.0])
    conc = d.concentration(mu, xi, 1e-3)
    assert np.all(conc > 0)
    assert conc[2] == pytest.approx(1e-3) and conc[3] == pytest.approx(1e-3 * np.exp(3.0))


def series_potential(solver):
    """Potential across 20 um of metal (3.5e7) then 80 um of electrolyte (4.17), no source."""
    fipy = _fipy.fipy
    mesh = fipy.Grid1D(nx=200, dx=0.5)
    faces = mesh.faceCenters[0].value
    sigma = fipy.FaceVariable(mesh=mesh, value=np.where(faces < 20, 3.5e7, 4.17))
    psi = fipy.CellVariable(mesh=mesh, value=0.0)
    psi.constrain(-17.4, mesh.facesLeft)
    psi.constrain(0.0, mesh.facesRight)
    fipy.DiffusionTerm(coeff=sigma).solve(var=psi, solver=solver)
    return np.array(psi.value), -17.4 * series_fraction(faces)


def series_fraction(faces):
    """Fraction of the collector potential left at each cell centre, exact for the two-point flux
    scheme: one current through resistors in series, a half cell (0.25 um) from each boundary
    face to its cell centre and a full cell across inner faces."""
    face_sigma = np.where(faces < 20, 3.5e7, 4.17)
    resistance = np.cumsum(np.r_[0.25, np.full(199, 0.5), 0.25] / face_sigma)
    return 1.0 - resistance[:-1] / resistance[-1]


def test_fipy_runs_on_scipy_and_the_potential_solver_is_exact_at_1e7_contrast():
    """docs/models.md §5: a Krylov solve of the potential with a 1e7 conductivity contrast can stop
    early with a wrong electrolyte potential; the model's potential solver must not."""
    assert _fipy.SOLVER_SUITE == "scipy"
    computed, exact = series_potential(d.default_solver())
    assert np.allclose(computed, exact, atol=1e-6)


def test_lu_solves_from_a_nearby_start_where_fipys_default_lu_returns_the_start():
    """FiPy's LinearLUSolver() stops when the residual is below 1e-5 of the RHS norm, which the
    metal's conductivity at the collector dominates: when a small plating current appears, the
    potential is not updated at all. lu() measures the residual against the initial one and
    matches a solve from zero."""
    fipy = _fipy.fipy
    mesh = fipy.Grid1D(nx=200, dx=0.5)
    faces, cells = mesh.faceCenters[0].value, mesh.cellCenters[0].value
    sigma = fipy.FaceVariable(mesh=mesh, value=np.where(faces < 20, 3.5e7, 4.17))
    current = fipy.CellVariable(mesh=mesh, value=0.0)
    equation = fipy.DiffusionTerm(coeff=sigma) == current

    def potential():
        psi = fipy.CellVariable(mesh=mesh, value=0.0)
        psi.constrain(-17.4, mesh.facesLeft)
        psi.constrain(0.0, mesh.facesRight)
        return psi

    results = {}
    for name, solver in (("ours", _fipy.lu()), ("fipy default", fipy.solvers.scipy.LinearLUSolver())):
        psi = potential()
        current.setValue(0.0)
        equation.solve(var=psi, solver=solver)
        start = np.array(psi.value)
        current.setValue(np.where(np.abs(cells - 20.25) < 0.3, 1e-3, 0.0))  # plating at the front
        equation.solve(var=psi, solver=solver)
        results[name] = start, np.array(psi.value)
    reference = potential()
    equation.solve(var=reference, solver=fipy.solvers.scipy.LinearLUSolver())  # from zero: a full solve
    start, ours = results["ours"]
    assert np.max(np.abs(ours - start)) > 1e-5  # the current moves the electrolyte potential
    assert np.allclose(ours, reference.value, rtol=0, atol=1e-10)
    start, default = results["fipy default"]
    assert np.array_equal(default, start)


def _bumpy_system(solver):
    """A 24 x 24 system at 10 mA/cm^2-like overpotential with a bumpy front, built with ``solver``."""
    c = d.Coefficients.from_physical(d.Physical(interface_width_m=0.5e-6, applied_potential_V=-0.05))
    shape, spacing = (24, 24), 0.25
    system = d.DendriteSystem(c, shape, spacing, numerics=d.Numerics(solvers={"all": solver}))
    y = (np.arange(shape[0]) + 0.5) * spacing
    x = (np.arange(shape[1]) + 0.5) * spacing
    front = 2.5 + 0.3 * np.cos(2 * np.pi * y / (shape[0] * spacing))
    system.initialise(d.tanh_profile(x[None, :] - front[:, None], 0.5), relax_time=0.1)
    return system


def test_kept_factorisation_gives_the_direct_solvers_steps_with_fewer_factorisations():
    """Five steps with GMRES + a kept LU land where five steps with a fresh sparse LU every sweep land
    (max |xi|, |psi| difference < 1e-8: both converge the same Newton iteration), with fewer
    factorisations than sweeps; a stale factorisation (after a 28x change of dt) is renewed, not
    trusted; refresh_preconditioners drops it."""
    chord, direct = _bumpy_system(_fipy.chord_gmres()), _bumpy_system(_fipy.lu())
    reused = chord.solvers["all"].preconditioner
    sweeps = 0
    for dt in (0.5, 0.65, 0.85, 1.1, 1.4):
        for system in (chord, direct):
            report = system.try_step(dt)
            assert report.accepted
            system.mark_step_start()
        sweeps += report.sweeps
    assert np.max(np.abs(chord.xi.value - direct.xi.value)) < 1e-8
    assert np.max(np.abs(chord.psi.value - direct.psi.value)) < 1e-8
    assert reused.factorisations < sweeps
    before = reused.factorisations
    assert chord.try_step(0.05).accepted  # 1/dt in the Jacobian's diagonal 28x larger
    assert reused.factorisations > before
    chord.refresh_preconditioners()
    assert reused._lu is None
