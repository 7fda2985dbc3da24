"""The random streams of a run, named in one place: (stage, purpose) -> a seed derived from the
run's ``seed``.

Each stream is the ``index``-th 64-bit word of ``numpy.random.SeedSequence([seed, *spawn_key])``;
the keys are those the stages used before this registry existed, so results stay identical. A new
stream gets a new (key, index) pair here, never a reuse of one.
"""

from __future__ import annotations

import enum

import numpy as np


class Stream(enum.Enum):
    """(stage, purpose, spawn key, word index)."""

    KMC_CURRENT_FIELD = ("kmc", "local current density field j(x, y)", (), 0)
    KMC_EVENTS = ("kmc", "event selection of the kMC engine", (), 1)
    KMC_RELAXATION = ("kmc", "surface relaxation runs handed to the phase field", (3,), 0)
    DENDRITE_CURRENT_PROFILE = ("dendrite", "local current profile j(y) / mean j", (5,), 0)
    DENDRITE_INITIAL_FRONT = ("dendrite", "initial front perturbation", (5,), 1)
    COATING_CURRENT_PROFILE = ("coating", "local current profile j(y)", (7,), 0)

    @property
    def stage(self) -> str:
        return self.value[0]

    @property
    def purpose(self) -> str:
        return self.value[1]


def stream_seed(seed: int, stream: Stream) -> int:
    """The seed of ``stream`` for a run whose ``seed`` is given (a 64-bit unsigned integer)."""
    _, _, key, index = stream.value
    words = np.random.SeedSequence([seed, *key]).generate_state(index + 1, dtype=np.uint64)
    return int(words[index])
