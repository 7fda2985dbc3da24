"""Shared fixtures: every test runs in its own temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from multiscale._blas import set_single_threaded_blas

REPO = Path(__file__).resolve().parents[1]
PARAMS_DIR = REPO / "params"

# One BLAS thread per process, set here, before the xdist workers start, so that the workers and
# the tests' subprocesses inherit it: with OpenBLAS's default of a thread per core, two workers on
# two cores ran a phase-field solve 3x slower than alone (docs/performance.md, "BLAS threads").
# A value the caller set is kept.
set_single_threaded_blas()


# The longest test file that runs no kMC kernel. It goes first, so that one worker runs it while the
# other compiles the kMC kernels (~2 min on a fresh clone, as in CI) and writes numba's cache; the first
# worker then loads them from the cache instead of compiling them too (docs/performance.md, "The suite's
# file order and the kMC compile").
FIRST_FILE = "tests/validation/test_sbm_vlcd.py"


def pytest_configure(config):
    """A renamed ``FIRST_FILE`` stops the run here, in the controlling process, with one line."""
    if not (REPO / FIRST_FILE).is_file():
        raise pytest.UsageError(f"tests/conftest.py: FIRST_FILE {FIRST_FILE} does not exist")


def pytest_collection_modifyitems(config, items):
    """Tests marked slow first, in their files' order, ``FIRST_FILE`` before them: the workers take
    whole files in this order (``--dist loadfile --no-loadscope-reorder``), so the long validations
    start at once and the short tests fill in beside them; a 12-minute test in a one-test file, run
    last, held the suite while the other worker idled (docs/performance.md, "The cycling defaults of
    version 0.3.0"). Paths are compared resolved: ``REPO`` is, pytest's item paths need not be."""
    first = REPO / FIRST_FILE
    items.sort(key=lambda item: (item.path.resolve() != first, item.get_closest_marker("slow") is None))


@pytest.fixture(autouse=True)
def _in_tmp_dir(tmp_path, monkeypatch):
    """Run each test inside its own empty temporary directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


MINIMAL_TOML = """\
name = "tiny"
seed = 1

[electrode]
temperature_K = 300.0
current_density_mA_cm2 = 1.0
vlcd_cv = 0.5
"""


@pytest.fixture
def minimal_params(tmp_path) -> Path:
    """A small valid parameter file."""
    path = tmp_path / "tiny.toml"
    path.write_text(MINIMAL_TOML)
    return path
