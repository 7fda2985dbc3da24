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
