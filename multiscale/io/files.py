"""Atomic text files and the lock that stops two runs writing one directory."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import RunLockedError


def fsync_path(path: Path) -> None:
    """Make a file's written bytes, or (``path`` a directory) a rename inside it, durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through ``path.tmp`` and a rename: readers see old or new, never half."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


class RunLock:
    """Exclusive advisory lock on ``DIR/.lock`` (POSIX ``flock``).

    The operating system releases the lock when the holder exits, even when it is killed, so a
    crashed run never leaves a stale lock behind. The lock file records the holder's PID for
    the error message.
    """

    def __init__(self, directory: str | Path):
        self.path = Path(directory) / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunLockedError(
                f"{self.path.parent}: another run (pid {holder}) is writing this directory; "
                "wait for it to finish or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
