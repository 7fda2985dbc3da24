"""The shipped cycling file from the command line (its own file so that the suite's workers can
share the shipped runs: each file runs on one worker)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import numpy as np
import pytest

from multiscale.io import read_dataset, read_root_attrs
from tests.cli.test_run_shipped import assert_stage_files_match_their_schemas
from tests.conftest import PARAMS_DIR, REPO

#: Run by test_shipped_cycling_runs.
CYCLING = ("cycling",)


@pytest.mark.slow
def test_shipped_cycling_runs(tmp_path):
    """params/cycling.toml runs from the command line, with the phase field's capacity at 0.1 of its
    1 mAh/cm^2 (the full file: ~3 min, docs/performance.md), and writes its cycles. kMC: 3 cycles,
    each plated atom stripped or dead (the potential cut-off leaves no live Li), a Coulombic
    efficiency below 1 by exactly its dead Li. Phase field: 3 cycles, all stripped back. Both
    cycling figures. The tutorial's cycling section reads this run as written and prints the kMC
    cycles it shows (the kMC part of the run is the shipped file's)."""
    text = (PARAMS_DIR / f"{CYCLING[0]}.toml").read_text()
    assert "dendrite_capacity_mAh_cm2 = 1.0\n" in text
    # the phase field at 0.1 of its 1 mAh/cm^2 (the full run is timed in docs/performance.md)
    (tmp_path / "cycling.toml").write_text(text.replace("dendrite_capacity_mAh_cm2 = 1.0\n", "dendrite_capacity_mAh_cm2 = 0.1\n"))
    proc = subprocess.run([sys.executable, "-m", "multiscale", "run", "cycling.toml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    run_dir = tmp_path / "runs" / "cycling"
    assert_stage_files_match_their_schemas(run_dir)
    cyc = read_dataset(run_dir / "kmc.h5", "cycling")
    assert cyc.sizes["cycle"] == 3 and np.all(cyc.residual_atoms == 0)
    np.testing.assert_array_equal(cyc.plated_atoms - cyc.stripped_atoms, cyc.dead_atoms)
    assert np.all((cyc.coulombic_efficiency > 0) & (cyc.coulombic_efficiency <= 1))
    np.testing.assert_allclose(1 - cyc.coulombic_efficiency, cyc.dead_fraction, rtol=1e-12)
    assert (run_dir / "figures" / "kmc_cycling.png").is_file()
    # the phase field takes cycle 1's plated deposit (docs/models.md §8), glassy in this file: isotropic
    assert np.all(cyc.crystalline_fraction_plated == 0)
    assert read_dataset(run_dir / "kmc.h5", "handoff").roughness_sigma.item() == cyc.roughness_sigma_plated.values[0]
    assert read_root_attrs(run_dir / "dendrite.h5")["anisotropy_strength"] == 0.0
    pf = read_dataset(run_dir / "dendrite.h5", "cycling")  # on a Li reservoir
    assert pf.sizes["cycle"] == 3
    np.testing.assert_allclose(pf.charge_plated, 0.1 * 36000.0, rtol=1e-12)  # C/m^2
    np.testing.assert_allclose(pf.coulombic_efficiency, 1.0, rtol=1e-12)  # no overhangs: no dead metal
    assert np.all(pf.dead_li == 0) and read_root_attrs(run_dir / "dendrite.h5")["final_li_balance_relative_error"] < 1e-9
    assert (run_dir / "figures" / "dendrite_cycling.png").is_file()
    assert_tutorial_cycling_section_reads(run_dir)


def _cycling_section():
    """The tutorial's section "Cycle an electrode and read its Coulombic efficiency with xarray"."""
    text = (REPO / "docs" / "tutorial.md").read_text()
    start = text.index("## 3b. Cycle an electrode")
    return text[start:text.index("\n## ", start + 1)]


def assert_tutorial_cycling_section_reads(run_dir):
    """Run the section's Python blocks in one namespace, on ``run_dir`` instead of runs/cycling,
    and check that the kMC cycle table and the stripping records' overpotentials they print are
    those the section shows after "Printed:"."""
    section = _cycling_section()
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert len(blocks) >= 3 and '"runs/cycling"' in blocks[0]
    out = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block.replace('"runs/cycling"', repr(str(run_dir))), "tutorial.md", "exec"), namespace)

    def table(text):  # the printed per-cycle table: its header line and the three cycles
        lines = [line.rstrip() for line in text.splitlines()]
        first = next(k for k, line in enumerate(lines) if line.split() == ["coulombic_efficiency", "dead_atoms"])
        return lines[first:first + 5]

    def overpotentials(text):  # the printed array, from its "[" to its "]"
        lines = [line.rstrip() for line in text.splitlines()]
        first = next(k for k, line in enumerate(lines) if line.startswith("["))
        last = next(k for k in range(first, len(lines)) if lines[k].endswith("]"))
        return lines[first:last + 1]

    shown = section.split("Printed:\n\n```\n", 1)[1].split("```", 1)[0]
    assert table(out.getvalue()) == table(shown)
    assert overpotentials(out.getvalue()) == overpotentials(shown)
