"""1D validations of the phase-field electrodeposition model (docs/validation.md, "Phase field").

References:

- Butler-Volmer planar front: v = 6 lambda L_eta [c_b exp(-a nF E/RT) - exp((1-a) nF E/RT)]
  (dimensionless; from integrating the order-parameter equation across a tanh interface,
  :func:`multiscale.dendrite.model.planar_velocity`), i.e. i = i0 [c_b e^{-a f E} - e^{(1-a) f E}].
  Metal and electrolyte reservoir are held at the same potential E and transport is made fast, so
  the interface sees E and c_b.
- Nernst: no net reaction at E = (RT/nF) ln(c_b/c0).
- Li balance: Li in the domain (ions + metal) changes by exactly the Li+ that crossed the
  electrolyte boundary (backward Euler, storage linearised by Newton: exact at sweep convergence).
"""

import numpy as np
import pytest

from multiscale.dendrite import model as d

FAST = dict(conductivity_electrolyte_S_m=1e3, diffusivity_electrolyte_m2_s=1e-8)


def planar_run(physical: d.Physical, cells_per_width: float, duration: float, length_widths: float = 30.0):
    """Front displacement (dimensionless) of a 1D planar front after ``duration``.

    The front starts 12 widths from the collector: its tail's pull on the front falls as
    exp(-distance/lambda) and must stay well below the small Butler-Volmer driving force.
    """
    c = d.Coefficients.from_physical(physical)
    lam = physical.interface_width_m / d.LENGTH_SCALE_M
    dx = lam / cells_per_width
    nx = int(round(length_widths * cells_per_width))
    system = d.DendriteSystem(c, (1, nx), dx)
    system.initialise(d.planar_start((1, nx), dx, 12 * lam, lam), relax_time=1.0)
    start = float(np.sum(system.xi.value)) * dx
    system.advance(duration)
    return float(np.sum(system.xi.value)) * dx - start, c


@pytest.mark.parametrize("potential_V", [-0.05, -0.1, -0.15])
@pytest.mark.slow
def test_planar_front_follows_butler_volmer(potential_V):
    physical = d.Physical(applied_potential_V=potential_V, electrolyte_potential_V=potential_V, **FAST)
    moved, c = planar_run(physical, cells_per_width=4, duration=10.0)
    expected = d.planar_velocity(c, c.psi_applied) * 10.0
    assert moved == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("bulk_mol_m3", [300.0, 3000.0])
@pytest.mark.slow
def test_no_net_reaction_at_the_nernst_potential(bulk_mol_m3):
    vt = d.Physical().thermal_voltage_V
    nernst = vt * np.log(bulk_mol_m3 / 1000.0)
    moved = {}
    for offset in (-0.05, 0.0, 0.05):
        e = nernst + offset
        physical = d.Physical(applied_potential_V=e, electrolyte_potential_V=e,
                              bulk_concentration_mol_m3=bulk_mol_m3, **FAST)
        moved[offset], _ = planar_run(physical, cells_per_width=4, duration=5.0)
    assert moved[-0.05] > 0 > moved[0.05]  # plates below, strips above
    assert abs(moved[0.0]) < 1e-3 * min(moved[-0.05], -moved[0.05])


@pytest.mark.slow
def test_li_balance_with_migration_and_depletion():
    """Metal at -0.1 V, electrolyte reservoir at 0 V, physical transport: ions deplete and migrate."""
    physical = d.Physical(applied_potential_V=-0.1)
    c = d.Coefficients.from_physical(physical)
    lam = physical.interface_width_m / d.LENGTH_SCALE_M
    dx, nx = lam / 2, 120
    system = d.DendriteSystem(c, (1, nx), dx)
    system.initialise(d.planar_start((1, nx), dx, 10 * lam, lam), relax_time=1.0)
    xi0, before = np.array(system.xi.value), system.li_inventory()
    entered = [0.0]
    system.advance(10.0, on_step=lambda s, dt: entered.__setitem__(0, entered[0] + s.influx() * dt))
    deposited = c.site_ratio * float(np.sum(system.xi.value - xi0)) * dx * dx
    assert deposited > 1.0  # the front moved by more than a cell's worth of metal
    assert system.li_inventory() - before == pytest.approx(entered[0], rel=1e-4)


@pytest.mark.slow
def test_front_position_converges_with_the_grid():
    physical = d.Physical(applied_potential_V=-0.1, electrolyte_potential_V=-0.1, **FAST)
    errors = []
    for cells in (1, 2, 4):
        moved, c = planar_run(physical, cells_per_width=cells, duration=10.0)
        errors.append(abs(moved - d.planar_velocity(c, c.psi_applied) * 10.0))
    assert errors[0] > errors[1] > errors[2]
