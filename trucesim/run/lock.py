"""An exclusive lock on a directory, so two processes never write into it at once.

:class:`DirLock` holds ``DIR/.trucesim.lock``: a file created atomically
(``O_CREAT | O_EXCL``), locked with :func:`fcntl.flock` for as long as the
lock is held and holding the holder's process id.  The operating system drops
an ``flock`` when its holder dies, so a lock file left by a killed process is
simply taken over; a lock still held by an orphan of a dead holder (a forked
worker that outlived it) is recognised by the holder's process id and broken.
:meth:`DirLock.release` removes the file.

Examples
--------
>>> with DirLock("results/prisoners"):                 # doctest: +SKIP
...     write_into("results/prisoners")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

LOCK = ".trucesim.lock"


class LockedError(RuntimeError):
    """The directory is locked by another live process; ``str(err)`` is one line naming it."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


class DirLock:
    """The lock of directory ``root`` (which must exist); see the module docstring."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.path = self.root / LOCK
        self._file: BinaryIO | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def _holder(self, fd: int) -> int | None:
        try:
            text = os.pread(fd, 64, 0).decode(errors="replace").strip()
            return int(text) if text else None
        except (OSError, ValueError):
            return None

    def acquire(self) -> DirLock:
        """Take the lock, or raise :class:`LockedError` at once if a live process holds it."""
        import fcntl

        for _ in range(50):  # another process may create, release or break the file meanwhile
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                try:
                    fd = os.open(self.path, os.O_RDWR)
                except FileNotFoundError:
                    continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = self._holder(fd)
                if pid is not None and pid != os.getpid() and not _pid_alive(pid):
                    self._break_stale(fd)
                    os.close(fd)
                    continue
                os.close(fd)
                who = f"process {pid}" if pid is not None else "another process"
                raise LockedError(
                    f"{self.root}: in use by another sweep ({who} holds {self.path}); wait for it to "
                    f"finish or stop it, or choose another --out"
                ) from None
            # the file locked must still be the one at the path (a releasing holder unlinks it)
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            self._file = os.fdopen(fd, "r+b")  # closed (and the lock dropped) if this object is lost
            return self
        raise LockedError(f"{self.root}: cannot take the lock {self.path} (it keeps changing); try again")

    def _break_stale(self, fd: int) -> None:
        """Remove a lock file whose recorded holder is dead (only if it is still the same file)."""
        try:
            if os.path.samestat(os.fstat(fd), os.stat(self.path)):
                self.path.unlink()
        except FileNotFoundError:
            pass

    def release(self) -> None:
        """Remove the lock file and drop the lock (nothing if not held)."""
        if self._file is None:
            return
        try:
            if os.path.samestat(os.fstat(self._file.fileno()), os.stat(self.path)):
                self.path.unlink()
        except OSError:
            pass
        self._file.close()
        self._file = None

    def __enter__(self) -> DirLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
