"""The stage graph: which stages run, in which order, cached, locked and logged.

A run is a directory (default ``runs/<name>``) holding one HDF5 file per stage, the resolved
``params.toml`` and ``run.log``. Each stage reads only its upstream stages' files.

Cache key of a stage = SHA-256 of (stage name, package version, the stage's parameter tables,
the SHA-256 of every user data file it reads, the upstream stages' cache keys). A stage whose
output is complete and carries the same key is skipped; ``force`` reruns everything. A complete
stage file that other parameters wrote is never replaced without ``force``: the run is refused
(exit 2) with the differing keys named.

Order of work, so that bad input never leaves anything behind: validate the parameters, compute
the keys, let each stage that must run *prepare* (read and check the user's data) -- only then
create the directory, take the lock and write.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import DataFileError, UserError
from .io import RunLock, StageFileWriter, atomic_write_text, is_complete, provenance_attrs, read_root_attrs
from .params import Params, canonical_json, load_params_and_text, parse_toml, sha256_text, to_toml
from .progress import Progress
from .stage import Stage
from .stages import BY_NAME, STAGES
from .tables import KINETICS_KEYS

log = logging.getLogger("multiscale")


@dataclass
class StageContext:
    """What a stage's ``write`` gets: its inputs, its output and the run's provenance."""

    params: Params
    run_dir: Path
    stage: Stage
    inputs: dict[str, Path]
    attrs: dict[str, Any]
    log: logging.Logger = field(default=log)

    @property
    def output(self) -> Path:
        return self.run_dir / self.stage.output

    def writer(self) -> StageFileWriter:
        """An atomic writer for this stage's output with the provenance attributes set."""
        return StageFileWriter(self.output, self.attrs)

    def progress(self, total: int, desc: str) -> Progress:
        return Progress(total, f"{self.stage.name}: {desc}", self.log)


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _inputs(stage: Stage, keys: dict[str, str]) -> tuple[str, ...]:
    """The upstream stages of ``stage`` that run with these parameters (required and optional)."""
    return tuple(u for u in (*stage.upstream, *stage.optional_upstream) if u in keys)


def _cached_table(params: Params, stage: Stage, name: str) -> dict:
    """A table's content in ``stage``'s cache key: the electrode's Butler-Volmer keys only for a stage
    that reads them, so that changing them re-runs no stage that ignores them."""
    content = params.table(name)
    if name == "electrode" and not stage.transfers_charge(params):
        content = {key: value for key, value in content.items() if key not in KINETICS_KEYS}
    return content


def cache_keys(params: Params) -> dict[str, str]:
    """Cache key of every stage these parameters ask for (depends on upstream keys, so computed in order)."""
    keys: dict[str, str] = {}
    for stage in enabled_stages(params):
        name = stage.name
        content = {
            "stage": name,
            "version": __version__,
            "tables": {t: _cached_table(params, stage, t) for t in (*stage.cache_tables, stage.table)},
            "data": {p: _file_sha256(p) for p in stage.data_files(params)},
            "upstream": {u: keys[u] for u in _inputs(stage, keys)},
        }
        keys[name] = sha256_text(canonical_json(content))
    return keys


def enabled_stages(params: Params) -> list[Stage]:
    """The stages these parameters ask for, in run order."""
    return [stage for stage in STAGES if stage.enabled(params)]


def _up_to_date(path: Path, key: str) -> bool:
    attrs = read_root_attrs(path)
    return int(attrs.get("complete", 0)) == 1 and attrs.get("stage_cache_key") == key


def is_up_to_date(params: Params, run_dir: str | Path) -> bool:
    """True when every stage these parameters ask for has a complete file in ``run_dir`` with its
    current cache key: ``run`` would compute nothing."""
    keys = cache_keys(params)
    return all(_up_to_date(Path(run_dir) / s.output, keys[s.name]) for s in enabled_stages(params))


class _RunLogHandler(logging.FileHandler):
    """Appends to ``run.log`` for the duration of one run."""

    def __init__(self, path: Path):
        super().__init__(path, mode="a", encoding="utf-8")
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"))


def _resolve_input(params_or_path) -> tuple[Params, str]:
    """(validated params, the input TOML text as the user gave it)."""
    if isinstance(params_or_path, Params):
        return params_or_path, to_toml(params_or_path)
    return load_params_and_text(params_or_path)


def run(params_or_path: Params | str | Path, out: str | Path | None = None, force: bool = False) -> Path:
    """Run every implemented stage whose output is missing or stale.

    Parameters
    ----------
    params_or_path : Params or path
        Validated parameters, or a TOML file.
    out : path, optional
        Run directory (default ``runs/<name>`` under the current directory).
    force : bool
        Rerun every stage even when its output is up to date.

    Returns
    -------
    Path
        The run directory.

    Raises
    ------
    UserError
        Bad parameters or data files (nothing is written), or another run holds the lock.
    """
    params, input_text = _resolve_input(params_or_path)
    run_dir = Path(out) if out is not None else Path("runs") / (params.name or "run")
    keys = cache_keys(params)
    implemented = enabled_stages(params)
    stale = [s for s in implemented if force or not _up_to_date(run_dir / s.output, keys[s.name])]
    if not force:
        _refuse_to_replace(params, run_dir, [s for s in stale if is_complete(run_dir / s.output)],
                           None if isinstance(params_or_path, Params) else params_or_path)
    try:
        prepared = {s.name: s.prepare(params) for s in stale}
    except UserError as exc:  # a check of the parameters: name the file they came from
        if isinstance(params_or_path, Params) or isinstance(exc, DataFileError):
            raise
        raise UserError(f"{params_or_path}: {exc}") from None

    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{run_dir}: cannot create the run directory: {exc.strerror or exc}") from None
    with RunLock(run_dir):
        handler = _RunLogHandler(run_dir / "run.log")
        log.addHandler(handler)
        previous_level = log.level
        log.setLevel(logging.INFO)
        try:
            _run_locked(params, input_text, run_dir, keys, implemented, prepared, force)
        finally:
            log.removeHandler(handler)
            handler.close()
            log.setLevel(previous_level)
    return run_dir


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def differing_keys(params: Params, run_dir: Path) -> list[str]:
    """Dotted keys whose values differ between ``params`` and the run directory's ``params.toml``."""
    path = run_dir / "params.toml"
    try:
        old = _flat(parse_toml(path.read_text(encoding="utf-8"), str(path)))
    except (OSError, UserError):
        return ["params.toml (unreadable)"]
    new = _flat(parse_toml(to_toml(params), "<params>"))
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def _refuse_to_replace(params: Params, run_dir: Path, replaced: list[Stage], source) -> None:
    """A complete stage file of other parameters is never replaced silently (exit 2, keys named)."""
    if not replaced or not (run_dir / "params.toml").is_file():
        return
    keys = differing_keys(params, run_dir)
    if not keys:
        return
    shown = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
    where = f"{source}: " if source is not None else ""
    verb = "differs" if len(keys) == 1 else "differ"
    raise UserError(f"{where}{run_dir} holds a complete run of other parameters ({shown} {verb}); its "
                    f"{', '.join(s.output for s in replaced)} would be replaced. Rerun with --force to replace it, "
                    "or give another name (or --out) to keep both")


def _run_locked(params, input_text, run_dir, keys, implemented, prepared, force) -> None:
    for stale_tmp in run_dir.glob("*.tmp"):
        stale_tmp.unlink()  # left by a run that was killed mid-write; never complete
    log.info("run %s in %s (multiscale %s)", params.name, run_dir, __version__)
    atomic_write_text(run_dir / "params.toml", to_toml(params))
    input_sha = sha256_text(input_text)
    with Progress(len(implemented), "stages", log) as bar:
        for stage in implemented:
            output = run_dir / stage.output
            if stage.name not in prepared or (not force and _up_to_date(output, keys[stage.name])):
                log.info("%s: up to date (cache key %s), skipped", stage.name, keys[stage.name][:12])
                bar.update()
                continue
            start = time.perf_counter()
            log.info("%s: running", stage.name)
            ctx = StageContext(
                params=params,
                run_dir=run_dir,
                stage=stage,
                inputs={u: run_dir / BY_NAME[u].output for u in stage.reads(params) if u in keys},
                attrs=provenance_attrs(input_text, input_sha, keys[stage.name], stage=stage.name,
                                       resolved_params=params.model_dump_json()),
            )
            stage.write(ctx, prepared[stage.name])
            log.info("%s: done in %.2f s -> %s", stage.name, time.perf_counter() - start, output)
            bar.update()


def check(params_or_path: Params | str | Path) -> Params:
    """Validate parameters and the user's data files; write nothing."""
    params, _ = _resolve_input(params_or_path)
    for stage in enabled_stages(params):
        stage.prepare(params)
    return params


__all__ = ["StageContext", "cache_keys", "check", "is_up_to_date", "run"]
