"""Root attributes of every output file (docs/architecture.md §4): where, when and from what it was made."""

from __future__ import annotations

import json
import platform
from datetime import datetime, UTC
from importlib import metadata

#: Distributions whose versions are recorded in every file.
TRACKED_PACKAGES = ("multiscale", "numpy", "scipy", "numba", "fipy", "h5py", "h5netcdf", "netCDF4", "xarray",
                    "pydantic")


def package_versions() -> dict[str, str]:
    """Installed versions of the tracked packages (``"not installed"`` where absent) and Python."""
    versions = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance_attrs(input_toml: str, input_sha256: str, stage_cache_key: str, **extra) -> dict:
    """The provenance root attributes; ``complete`` starts at 0 and is set to 1 last.

    Parameters
    ----------
    input_toml : str
        The parameter file's text as the user gave it.
    input_sha256 : str
        SHA-256 of ``input_toml``.
    stage_cache_key : str
        Cache key of the stage that writes the file.
    **extra
        Further attributes (dicts become JSON strings, booleans ints).
    """
    from .. import __version__

    attrs = {
        "Conventions": "CF-1.10",
        "source": f"multiscale {__version__}",
        "input_toml": input_toml,
        "input_sha256": input_sha256,
        "stage_cache_key": stage_cache_key,
        "package_versions": json.dumps(package_versions(), sort_keys=True),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    attrs.update(extra)
    attrs["complete"] = 0
    return attrs
