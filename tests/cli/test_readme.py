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


def test_readme_hotspot_example_is_a_valid_parameter_file():
    """The hotspot / local-heating TOML block of the README validates as it stands."""
    from multiscale.params import parse_toml, validate_params

    blocks = [b.split("```", 1)[0] for b in (REPO / "README.md").read_text().split("```toml\n")[1:]]
    example = [b for b in blocks if 'vlcd_field = "hotspots"' in b]
    assert len(example) == 1
    params = validate_params(parse_toml(example[0], "README.md"), "README.md")
    assert params.kmc.heating_top_rise_K == 500.0 and params.electrode.vlcd_field == "hotspots"


def test_every_public_name_in_the_docs_resolves_in_a_fresh_interpreter():
    """`multiscale.x.y` written in the README's and the tutorial's Python blocks works without any
    earlier import (a first session copies one snippet into a new interpreter)."""
    import re
    import subprocess
    import sys

    names = set()
    for doc in (REPO / "README.md", REPO / "docs" / "tutorial.md"):
        for block in doc.read_text().split("```python\n")[1:]:
            names |= set(re.findall(r"\bmultiscale(?:\.[A-Za-z_]\w*)+", block.split("```", 1)[0]))
    assert {"multiscale.open_run", "multiscale.analysis.final_values"} <= names
    for name in sorted(names):
        code = f"import multiscale\n{name}"
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
        assert proc.returncode == 0, f"{name}: {proc.stderr.strip().splitlines()[-1]}"
