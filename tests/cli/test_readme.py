"""The README's quick start is exactly the two promised command lines."""

from tests.conftest import REPO

QUICK_START = [
    "pip install -e . && python -m multiscale run params/vlcd_high.toml",
    'pip install -e ".[test]" && pytest',
]


def test_quick_start_is_two_lines():
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    assert block.strip().splitlines() == QUICK_START


def test_ci_runs_the_readme_test_line():
    ci = (REPO / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]"' in ci and "\npytest" in ci
