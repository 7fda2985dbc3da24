"""Progress on long work: a tqdm bar on a terminal, periodic log lines otherwise (CI, batch jobs)."""

from __future__ import annotations

import logging
import sys
import time

from tqdm import tqdm


class Progress:
    """Count work done; draw a bar when stderr is a terminal, else log every ``interval_s``.

    Parameters
    ----------
    total : int
        Units of work.
    desc : str
        What is being done (shown in the bar or the log line).
    log : logging.Logger
        Where periodic lines go when there is no terminal.
    interval_s : float
        Seconds between log lines.
    """

    def __init__(self, total: int, desc: str, log: logging.Logger, interval_s: float = 30.0):
        self.total, self.desc, self.log, self.interval_s = total, desc, log, interval_s
        self.done = 0
        self._bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False) if sys.stderr.isatty() else None
        self._last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif time.monotonic() - self._last >= self.interval_s or self.done == self.total:
            self._last = time.monotonic()
            self.log.info("%s: %d/%d (%.0f %%)", self.desc, self.done, self.total, 100.0 * self.done / max(self.total, 1))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
