"""Where tasks run: in this process, in a pool of processes, or on a Dask cluster.

This module is the only place the package makes process pools or Dask clients.

A *task* is any picklable object with a ``chunk`` attribute (a whole number
naming it) and a ``run()`` method; its result is whatever ``run()`` returns.
Tasks that produce tables return them as Parquet bytes
(:func:`trucesim.run.files.encode_table`), so the process that writes the
results directory is always the one that called :meth:`Executor.map` (a
remote Dask cluster needs no shared filesystem).

* :meth:`Executor.map` yields a :class:`ChunkResult` per task *as tasks finish*
  (in any order), keeping only a few tasks in flight so memory stays bounded
  however many tasks there are.  A task that raises comes back as a result
  with ``error`` set (its traceback in ``traceback``); the caller decides to stop.
* :func:`map_ordered` yields the values of tasks *in the order given*, and
  raises :class:`TaskError` at the first task that failed: for callers that
  need results in order (``trucesim run`` with several workers, the designer's
  candidates).
* :func:`borrowed` lets a function that may be given an executor use it, or one
  of its own in this process that it closes.

Examples
--------
>>> with make_executor(workers=2) as ex:                  # doctest: +SKIP
...     for result in ex.map(tasks):
...         print(result.chunk, len(result.value))
>>> with make_executor(workers=2) as ex:                  # doctest: +SKIP
...     values = list(map_ordered(ex, tasks))
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from trucesim.config.tomlio import cut, first_line
from trucesim.run.workers import ExecutorError, available_cores, check_address, check_options  # noqa: F401


class ClusterLost(ExecutorError):
    """The Dask scheduler went away while tasks ran; one line.  The results already returned stay valid."""


class TaskError(RuntimeError):
    """A task of :func:`map_ordered` that raised: ``index`` (its position), ``error`` (one line), ``traceback``."""

    def __init__(self, index: int, error: str, tb: str | None):
        super().__init__(f"task {index} failed: {error}")
        self.index = index
        self.error = error
        self.traceback = tb


@dataclass(frozen=True)
class ChunkResult:
    """A finished task: its chunk id and what its ``run()`` returned, or the error it raised."""

    chunk: int
    value: Any = None
    error: str | None = None
    traceback: str | None = None


def _one_line(e: BaseException, limit: int | None = None) -> str:
    """``Type: first line of the message`` (or ``Type`` alone), for a failed chunk's one-line report."""
    name = type(e).__name__
    line = first_line(e, limit)
    return name if line == name else f"{name}: {line}"


def execute(task) -> ChunkResult:
    """Run one task; never raises (an exception becomes ``error``)."""
    try:
        return ChunkResult(task.chunk, task.run())
    except Exception as e:  # noqa: BLE001 - reported with the chunk id by the caller
        return ChunkResult(task.chunk, None, _one_line(e), traceback.format_exc())


class Executor:
    """Base class: ``map(tasks)`` yields results as tasks finish; use as a context manager."""

    name = "executor"
    workers = 1

    def map(self, tasks: Iterable) -> Iterator[ChunkResult]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def describe(self) -> str:
        return f"{self.name}, {self.workers} worker{'s' if self.workers != 1 else ''}"


class InProcessExecutor(Executor):
    """Tasks one after another in this process (``--workers 1``)."""

    name = "in-process"

    def map(self, tasks):
        for t in tasks:
            yield execute(t)


# --------------------------------------------------------------------------- process pool
def _watch_parent() -> None:
    """In a pool worker: exit when the process that started it dies (even by SIGKILL)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="trucesim-parent-watch").start()


#: modules a forkserver imports once, so each worker starts with them loaded: the modules of the
#: task classes (a sweep's ChunkTask, a run's RunTask) and what they run.  Named by string
#: because run/ never imports sweep/; tests/test_experiment.py checks that each one imports.
FORKSERVER_PRELOAD = (
    "trucesim.run.executors",
    "trucesim.run.simulate",
    "trucesim.run.outcomes",
    "trucesim.run.files",
    "trucesim.model.model",
    "trucesim.sweep.sweep",
    "pyarrow.parquet",
)


def _mp_context():
    """How pool workers start.

    ``fork`` on Linux when this process runs no other Python thread: workers
    are ready at once (the native pools of numpy's BLAS and Arrow re-create
    themselves after a fork).  Otherwise (a notebook, a Dask client, another
    OS) ``forkserver`` or ``spawn``, which start in a few seconds and need the
    calling script to guard its entry point with ``if __name__ == "__main__":``.
    The environment variable ``TRUCESIM_START_METHOD`` (fork, forkserver or
    spawn) overrides the choice.
    """
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    chosen = os.environ.get("TRUCESIM_START_METHOD")
    if chosen not in methods:
        linux = sys.platform.startswith("linux")
        if linux and "fork" in methods and threading.active_count() == 1:
            chosen = "fork"
        else:
            chosen = "forkserver" if "forkserver" in methods else "spawn"
    ctx = mp.get_context(chosen)
    if chosen == "forkserver":
        ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))
    return ctx


def run_bounded(
    submit: Callable,
    wait_first: Callable,
    tasks: Iterable,
    window: int,
    on_abort: Callable,
    explain: Callable[[BaseException], str],
) -> Iterator[ChunkResult]:
    """Keep ``window`` tasks in flight; yield their results as they finish; abort on early exit.

    The loop behind every pool executor: ``submit(task)`` returns a future,
    ``wait_first(futures)`` the ones done among them (at least one).  A future
    that raises (the worker died, the cluster failed) becomes a result whose
    ``error`` is ``explain(exception)``.  If the caller stops iterating before
    the end, ``on_abort(pending futures)`` is called.  Tasks are pulled from
    ``tasks`` lazily, never more than ``window`` ahead of the results yielded.
    """
    it = iter(tasks)
    pending: dict = {}

    def fill():
        while len(pending) < window:
            t = next(it, None)
            if t is None:
                return
            pending[submit(t)] = t.chunk

    fill()
    try:
        while pending:
            done = wait_first(list(pending))
            for fut in sorted(done, key=lambda f: pending[f]):
                chunk = pending.pop(fut)
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - the worker died or the cluster failed
                    res = ChunkResult(chunk, None, explain(e), traceback.format_exc())
                yield res
            fill()
    finally:
        if pending:
            on_abort(list(pending))


@dataclass(frozen=True)
class _Numbered:
    """A task of :func:`map_ordered`, numbered by its position."""

    chunk: int
    task: Any

    def run(self):
        return self.task.run()


def map_ordered(executor: Executor, tasks: Iterable) -> Iterator[Any]:
    """What each task's ``run()`` returns, in the order of ``tasks``, computed on ``executor``.

    ``tasks`` are any picklable objects with a ``run()`` method (no ``chunk``
    needed: they are numbered here).  Results that finish early wait in this
    process until the ones before them are done, so the same tasks give the same
    sequence of values whatever the executor or the number of workers.  The
    executor stays open for further calls; use it as a context manager around
    them.

    Raises
    ------
    TaskError
        At the first task (in task order) that raised; its ``index``, one-line
        ``error`` and ``traceback`` are attributes.  The tasks still running are
        abandoned (a process pool is shut down: make a new executor to go on).

    Examples
    --------
    >>> class Square:
    ...     def __init__(self, x): self.x = x
    ...     def run(self): return self.x ** 2
    >>> with make_executor(workers=1) as ex:
    ...     list(map_ordered(ex, [Square(x) for x in range(5)]))
    [0, 1, 4, 9, 16]
    """
    waiting: dict[int, ChunkResult] = {}
    next_index = 0
    results = executor.map(_Numbered(i, t) for i, t in enumerate(tasks))
    try:
        for res in results:
            waiting[res.chunk] = res
            while next_index in waiting:
                done = waiting.pop(next_index)
                if done.error is not None:
                    raise TaskError(done.chunk, done.error, done.traceback)
                yield done.value
                next_index += 1
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


class PoolExecutor(Executor):
    """A pool of worker processes on this machine (``--workers N``)."""

    name = "process pool"

    def __init__(self, workers: int):
        from concurrent.futures import ProcessPoolExecutor

        self.workers = int(workers)
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_mp_context(), initializer=_watch_parent)
        # start the workers now, before this process starts any thread (a progress bar's)
        import warnings

        with warnings.catch_warnings():
            # the fork happens only without other Python threads (see _mp_context); the
            # warning counts the idle native threads of numpy's BLAS, which survive a fork
            warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
            self.pool.submit(os.getpid).result()

    def map(self, tasks):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        def wait_first(fs):
            return wait(fs, return_when=FIRST_COMPLETED).done

        def explain(e):
            if isinstance(e, BrokenProcessPool):
                # every chunk in flight fails with it: the one named may not be the one whose worker died
                return "a worker process of the pool died while it ran (killed, or out of memory?)"
            return f"{type(e).__name__}: {e}"

        return run_bounded(
            lambda t: self.pool.submit(execute, t),
            wait_first,
            tasks,
            2 * self.workers,
            lambda fs: self._abort(),
            explain,
        )

    def _abort(self):
        # stop now: pending chunks are cancelled, running ones killed (a resume redoes them)
        procs = list(getattr(self.pool, "_processes", {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            try:
                p.kill()
            except Exception:  # noqa: BLE001
                pass
        for p in procs:
            p.join(timeout=5)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- Dask
def _trucesim_version() -> str:
    from trucesim import __version__

    return __version__


class DaskExecutor(Executor):
    """A Dask cluster: a new LocalCluster (``scheduler="local"``) or a running one at an address.

    The workers of a remote cluster need trucesim (the same version) installed.
    ``processes=False`` runs a LocalCluster's workers as threads of this process.
    """

    name = "dask"

    def __init__(self, scheduler: str = "local", workers: int | None = None, processes: bool = True):
        import logging

        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "--scheduler: expected the Dask distributed package, found it missing (pip install 'dask[distributed]')"
            ) from None
        self.cluster = None
        self.client = None
        self.address = scheduler
        if scheduler == "local":
            self.workers = int(workers or available_cores())
            try:
                self.cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self.cluster)
            except Exception as e:  # noqa: BLE001
                self.close()
                raise ExecutorError(f"--scheduler local: cannot start a Dask LocalCluster ({_one_line(e)})") from None
            self.name = "dask LocalCluster"
        else:
            # the client's own reconnection attempts log tracebacks; a lost scheduler is reported here, in one line
            for name in ("distributed", "distributed.client", "distributed.utils", "distributed.comm"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise ExecutorError(
                    f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({_one_line(e)})"
                ) from None
            threads = sum(self.client.nthreads().values())
            if not threads:
                try:
                    self._wait_for_workers()
                    threads = sum(self.client.nthreads().values())
                except OSError as e:  # the scheduler went away before a worker joined: no file is at fault
                    self.close()  # the client's connection, not left to the garbage collector
                    raise ExecutorError(
                        f"--scheduler {cut(scheduler)}: lost the Dask scheduler ({_one_line(e, 120)})"
                    ) from None
            self.workers = max(1, threads)
            self.name = f"dask cluster at {scheduler}"
            self._check_versions(scheduler)

    _warned = False

    def _no_workers_note(self) -> None:
        """Say once on stderr that the cluster has no workers (the sweep keeps waiting for one)."""
        if not self._warned:
            self._warned = True
            print(
                f"trucesim: the Dask cluster at {cut(self.address)} has had no workers for "
                f"{NO_WORKERS_GRACE:g} s; waiting for one to join (Ctrl-C stops; chunks written are kept)",
                file=sys.stderr,
                flush=True,
            )

    def _wait_for_workers(self) -> None:
        """Wait for a first worker: :data:`NO_WORKERS_GRACE` seconds quietly, then say so once and wait on."""
        assert self.client is not None, "called once the client is connected"
        try:
            self.client.wait_for_workers(1, timeout=NO_WORKERS_GRACE)
            return
        except TimeoutError:
            self._no_workers_note()
        while True:
            try:
                self.client.wait_for_workers(1, timeout=max(NO_WORKERS_GRACE, 1.0))
                return
            except TimeoutError:
                continue

    def _check_versions(self, scheduler: str) -> None:
        """Every worker must run this trucesim version, or the dataset would mix two models."""
        from trucesim import __version__

        assert self.client is not None, "called once the client is connected"
        try:
            versions = self.client.run(_trucesim_version)
        except Exception as e:  # noqa: BLE001 - e.g. trucesim missing on the workers
            self.close()
            raise ExecutorError(
                f"--scheduler {scheduler}: expected workers that can import trucesim, found {_one_line(e)}"
            ) from None
        for worker, v in sorted(versions.items()):
            if v != __version__:
                self.close()
                raise ExecutorError(
                    f"--scheduler {scheduler}: worker {worker}: expected trucesim {__version__} (as here), found {v}"
                )

    def map(self, tasks):
        import uuid

        from distributed import wait

        run = uuid.uuid4().hex[:8]
        client = self.client
        if client is None:
            raise ExecutorError(f"--scheduler {cut(self.address)}: the Dask executor is closed")

        def submit(t):
            return client.submit(execute, t, pure=False, key=f"trucesim-chunk-{t.chunk}-{run}")

        def wait_first(fs):
            while True:
                try:
                    done = wait(fs, timeout=NO_WORKERS_GRACE, return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    done = set()
                except Exception as e:  # noqa: BLE001 - e.g. FuturesCancelledError: the scheduler is gone
                    raise ClusterLost(
                        f"--scheduler {cut(self.address)}: lost the Dask scheduler ({_one_line(e, 120)})"
                    ) from None
                if done:
                    return done
                try:
                    idle = not client.nthreads()
                except Exception:  # noqa: BLE001 - the next wait reports a lost scheduler
                    idle = False
                if idle:
                    self._no_workers_note()

        def explain(e):
            return f"{type(e).__name__} on the Dask cluster: {str(e).splitlines()[0] if str(e) else ''}"

        def abort(fs):
            try:
                client.cancel(fs)
            except Exception:  # noqa: BLE001
                pass

        return run_bounded(submit, wait_first, tasks, 2 * self.workers, abort, explain)

    def close(self):
        import contextlib
        import logging

        # a closing cluster may log connection noise; it is not the user's concern
        for name in ("distributed", "tornado"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()
        self.client = self.cluster = None  # map() on a closed executor: one line, not Dask's error


#: seconds a Dask cluster may have no workers before a sweep says so (once; it keeps waiting)
NO_WORKERS_GRACE = 30.0


def borrowed(executor: Executor | None) -> AbstractContextManager[Executor]:
    """``executor`` as a context that leaves it open for its owner, or, when None, one that runs in this
    process and is closed on leaving: how a function that may be given an executor simulates.

    >>> with borrowed(None) as ex:
    ...     ex.name
    'in-process'
    """
    return nullcontext(executor) if executor is not None else make_executor(workers=1)


def make_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    tasks: int | None = None,
    force: bool | None = None,
) -> Executor:
    """The executor for ``--workers`` and ``--scheduler``.

    * no scheduler: ``workers`` processes (default: all cores); 1 runs in this process;
    * ``scheduler="local"``: a Dask LocalCluster of ``workers`` processes (default: all cores);
    * ``scheduler="tcp://host:port"``: that cluster's workers.

    ``tasks``, if known, caps the processes started: no more than there are tasks to run
    (the numbers never depend on the workers).  ``force``: see :func:`check_options`.

    Raises
    ------
    ExecutorError
        Options that do not fit (see :func:`check_options`), or a cluster that cannot start.
    """
    check_options(workers, scheduler, force)
    if scheduler is None or scheduler == "local":
        n = workers or available_cores()
        if tasks is not None:
            n = max(1, min(n, int(tasks)))
        if scheduler is None:
            return InProcessExecutor() if n == 1 else PoolExecutor(n)
        return DaskExecutor(scheduler, n, processes=processes)
    return DaskExecutor(scheduler, workers, processes=processes)
