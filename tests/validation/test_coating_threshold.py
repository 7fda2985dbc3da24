"""The coating's measured onset of on-top plating vs the transport limit F D c_c / L (issue 5).

Reference: flux balance across the coating, j_th = F D_c c_c / L_c (seed 002; docs/models.md §7).
Measured: the uniform current above which more than 0.1 % of the Li plated in 600 s lands on top
(bisection to 0.5 %, 1D runs of the FiPy model). Tolerance 10 % (issue 5), over three thicknesses
and two Table I materials at their geometric-mean diffusivities; the slowest case (Li-Mg, 2 um)
has 600 s = 4.7 transit times L^2/D.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from multiscale.materials import coating
from multiscale.coating import model as co


def _physics(material, thickness_um):
    entry = coating(material)
    return co.CoatingPhysics(thickness_um * 1e-6, math.sqrt(entry.D_min * entry.D_max), 1000.0, 1e6)


@pytest.mark.slow
@pytest.mark.parametrize("material", ["Li22Sn5", "Li-Mg"])
@pytest.mark.parametrize("thickness_um", [0.5, 1.0, 2.0])
def test_onset_is_the_transport_limited_threshold(material, thickness_um):
    physics = _physics(material, thickness_um)
    onset = co.onset_current(physics, 600.0)
    print(f"{material} {thickness_um} um: onset {onset:.5g} A/m2, F D c / L {physics.threshold_A_m2:.5g} A/m2, "
          f"ratio {onset / physics.threshold_A_m2:.4f}")
    assert onset == pytest.approx(physics.threshold_A_m2, rel=0.10)


@pytest.mark.parametrize("ratio, bound", [(0.1, 0.97), (100.0, 0.02)])
def test_fraction_under_tends_to_one_below_and_zero_above(ratio, bound):
    """Cumulative fraction of the Li plated underneath over 600 s (Li-Mg, 1 um: 19 transit times):
    > 0.97 at a tenth of the threshold (the rest is stored in the coating), < 0.02 at 100 x."""
    physics = _physics("Li-Mg", 1.0)
    system = co.CoatingSystem(physics, np.array([ratio * physics.threshold_A_m2]), physics.thickness_m)
    totals = co.integrate(system, 600.0)
    print(f"j = {ratio:g} j_th: fraction under {totals.fraction_under:.4f}")
    assert (totals.fraction_under > bound) if ratio < 1 else (totals.fraction_under < bound)
