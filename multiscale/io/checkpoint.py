"""Checkpoints: a stage's complete state as one ``.npz`` file, written atomically.

A checkpoint carries the cache key of the stage run that wrote it; :func:`load_checkpoint`
returns nothing for a checkpoint of other parameters, so a changed run never resumes from a
stale state.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .files import fsync_path


def save_checkpoint(path: str | Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write ``arrays`` and the JSON-able ``meta`` (must hold ``cache_key``) through ``path.tmp``."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, __meta__=np.array(json.dumps(meta, sort_keys=True)), **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


def load_checkpoint(path: str | Path, cache_key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    """(arrays, meta) of a checkpoint written with ``cache_key``, else None (absent, unreadable, other key)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"]))
            arrays = {name: data[name] for name in data.files if name != "__meta__"}
    except (OSError, ValueError, KeyError):
        return None
    return (arrays, meta) if meta.get("cache_key") == cache_key else None
