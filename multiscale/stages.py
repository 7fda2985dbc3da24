"""The stage registry: every stage of the chain, in run order. Adding a stage is one line here
(and its own package: docs/architecture.md §5)."""

from __future__ import annotations

from .atomistic import STAGE as ATOMISTIC
from .coating import STAGE as COATING
from .complexion import STAGE as COMPLEXION
from .dendrite import STAGE as DENDRITE
from .kmc import STAGE as KMC
from .stage import Stage

#: Every stage, in run order (a stage comes after every stage it may read).
STAGES: tuple[Stage, ...] = (ATOMISTIC, KMC, COMPLEXION, COATING, DENDRITE)
#: name -> stage.
BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}


def _check_order() -> None:
    seen: set[str] = set()
    for stage in STAGES:
        missing = [u for u in (*stage.upstream, *stage.optional_upstream) if u not in seen]
        if missing:
            raise RuntimeError(f"stage registry: {stage.name} reads {missing} that run after it")
        seen.add(stage.name)


_check_order()
