"""Checks of ``--workers`` and ``--scheduler``, before any executor is made.

Cheap and without side effects, so a command checks its options with
:func:`check_options` before it creates anything; :func:`trucesim.run.executors.make_executor`
checks them again.

Examples
--------
>>> check_address("tcp://127.0.0.1:8786")
>>> check_address("tls://h:1")
Traceback (most recent call last):
...
trucesim.run.workers.ExecutorError: --scheduler 'tls://h:1': expected 'local' or tcp://HOST:PORT, found the scheme 'tls' (only tcp:// is supported)
"""

from __future__ import annotations

import os

from trucesim.config.tomlio import cut


class ExecutorError(RuntimeError):
    """An executor that cannot start (bad option, unreachable scheduler); one line."""


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: pool or LocalCluster workers allowed per core without ``--force``
WORKERS_PER_CORE = 4
#: scheduler address schemes a sweep connects to (Dask's tls:// needs certificates we do not configure)
SCHEMES = ("tcp",)


def check_address(scheduler: str) -> None:
    """Raise :class:`ExecutorError` unless ``scheduler`` is ``local`` or ``tcp://HOST:PORT``."""
    from urllib.parse import urlsplit

    shown = cut(repr(scheduler))
    if scheduler == "local":
        return
    if "://" not in scheduler:
        raise ExecutorError(
            f"--scheduler: expected 'local' or a Dask scheduler address like tcp://HOST:8786, found {shown}"
        )
    scheme = scheduler.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise ExecutorError(
            f"--scheduler {shown}: expected 'local' or tcp://HOST:PORT, found the scheme {cut(scheme, 20)!r} "
            f"(only tcp:// is supported)"
        )
    try:
        parts = urlsplit(scheduler)
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname:
        raise ExecutorError(f"--scheduler {shown}: expected tcp://HOST:PORT, found no host")
    if port is None:
        raise ExecutorError(
            f"--scheduler {shown}: expected tcp://HOST:PORT (e.g. tcp://{parts.hostname}:8786), found no port"
        )
    if port < 1 or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ExecutorError(f"--scheduler {shown}: expected tcp://HOST:PORT with a port from 1 to 65535, found {shown}")


def check_options(workers: int | None = None, scheduler: str | None = None, force: bool | None = None) -> None:
    """Raise :class:`ExecutorError` for ``--workers`` and ``--scheduler`` values no executor takes.

    Cheap and without side effects: a command checks its options with it before
    creating anything (:func:`make_executor` checks them again).  More than
    :data:`WORKERS_PER_CORE` workers per core are refused unless ``force`` is true
    (``None``: the command has no ``--force``, and the error does not offer it).
    """
    if workers is not None and workers < 1:
        raise ExecutorError(f"--workers: expected a whole number >= 1, found {workers}")
    if scheduler is not None:
        check_address(scheduler)
    if scheduler not in (None, "local") and workers is not None:
        raise ExecutorError(
            f"--workers: expected nothing with --scheduler {cut(str(scheduler))} (the cluster's "
            f"own workers run the chunks), found --workers {workers}"
        )
    cores = available_cores()
    limit = WORKERS_PER_CORE * cores
    if workers is not None and workers > limit and not force:
        hint = "; add --force to start more" if force is not None else ""
        raise ExecutorError(
            f"--workers {workers}: expected at most {limit} ({WORKERS_PER_CORE} per core, {cores} "
            f"core{'s' if cores != 1 else ''} here){hint}"
        )
