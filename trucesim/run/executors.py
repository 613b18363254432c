"""Where chunks run: in this process, in a pool of processes, or on a Dask cluster.

Every executor takes :class:`~trucesim.sweep.experiment.ChunkTask` objects and yields
:class:`ChunkResult` objects as chunks finish (in any order), keeping only a
few tasks in flight so memory stays bounded however many chunks there are.
A chunk that raises comes back as a result with ``error`` set (its traceback
in ``traceback``); the caller decides to stop.  Results carry the chunk's
table as Parquet bytes, so the process that writes the results directory is
always the one that called :meth:`Executor.map` (a remote Dask cluster needs
no shared filesystem).

Examples
--------
>>> with make_executor(workers=2) as ex:                  # doctest: +SKIP
...     for result in ex.map(tasks):
...         print(result.chunk, result.rows)
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class ExecutorError(RuntimeError):
    """An executor that cannot start (bad option, unreachable scheduler); one line."""


@dataclass(frozen=True)
class ChunkResult:
    """A finished chunk: its Parquet bytes and row count, or the error it raised."""

    chunk: int
    rows: int
    data: bytes | None
    error: str | None = None
    traceback: str | None = None


def execute(task) -> ChunkResult:
    """Run one chunk task; never raises (an exception becomes ``error``)."""
    from trucesim.sweep.store import encode_part

    try:
        table = task.run()
        return ChunkResult(task.chunk, len(table), encode_part(table))
    except Exception as e:  # noqa: BLE001 - reported with the chunk id by the caller
        msg = str(e).strip().splitlines()
        return ChunkResult(task.chunk, 0, None, f"{type(e).__name__}: {msg[0] if msg else ''}".rstrip(": "),
                           traceback.format_exc())


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Executor:
    """Base class: ``map(tasks)`` yields results as chunks finish; use as a context manager."""

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
    """Chunks one after another in this process (``--workers 1``)."""

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
        ctx.set_forkserver_preload(["trucesim.sweep.experiment", "trucesim.run.executors", "trucesim.model.model",
                                    "trucesim.run.outcomes", "trucesim.sweep.store", "pyarrow.parquet"])
    return ctx


def _bounded(submit, wait_first, tasks, window, on_abort, errors_to_result):
    """Keep ``window`` tasks in flight; yield results as they finish; abort on early exit."""
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
                    res = ChunkResult(chunk, 0, None, errors_to_result(e), traceback.format_exc())
                yield res
            fill()
    finally:
        if pending:
            on_abort(list(pending))


class PoolExecutor(Executor):
    """A pool of worker processes on this machine (``--workers N``)."""

    name = "process pool"

    def __init__(self, workers: int):
        from concurrent.futures import ProcessPoolExecutor

        self.workers = int(workers)
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_mp_context(),
                                        initializer=_watch_parent)
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
                return "the worker process running it died (killed, or out of memory?)"
            return f"{type(e).__name__}: {e}"

        return _bounded(lambda t: self.pool.submit(execute, t), wait_first, tasks, 2 * self.workers, lambda fs: self._abort(), explain)

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


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else "no message"


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
            raise ExecutorError("--scheduler: expected the Dask distributed package, found it missing "
                                "(pip install 'dask[distributed]')") from None
        self.cluster = None
        self.client = None
        self.address = scheduler
        if scheduler == "local":
            self.workers = int(workers or available_cores())
            try:
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=processes,
                                            dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
            except Exception as e:  # noqa: BLE001
                self.close()
                raise ExecutorError(f"--scheduler local: cannot start a Dask LocalCluster "
                                    f"({type(e).__name__}: {_first_line(e)})") from None
            self.name = "dask LocalCluster"
        else:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise ExecutorError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                                    f"({type(e).__name__}: {_first_line(e)})") from None
            threads = sum(self.client.nthreads().values())
            if not threads:
                self.client.wait_for_workers(1, timeout=60)
                threads = sum(self.client.nthreads().values())
            self.workers = max(1, threads)
            self.name = f"dask cluster at {scheduler}"
            self._check_versions(scheduler)

    def _check_versions(self, scheduler: str) -> None:
        """Every worker must run this trucesim version, or the dataset would mix two models."""
        from trucesim import __version__

        try:
            versions = self.client.run(_trucesim_version)
        except Exception as e:  # noqa: BLE001 - e.g. trucesim missing on the workers
            self.close()
            raise ExecutorError(f"--scheduler {scheduler}: expected workers that can import trucesim, found "
                                f"{type(e).__name__}: {_first_line(e)}") from None
        for worker, v in sorted(versions.items()):
            if v != __version__:
                self.close()
                raise ExecutorError(f"--scheduler {scheduler}: worker {worker}: expected trucesim {__version__} "
                                    f"(as here), found {v}")

    def map(self, tasks):
        import uuid

        from distributed import wait

        run = uuid.uuid4().hex[:8]

        def submit(t):
            return self.client.submit(execute, t, pure=False, key=f"trucesim-chunk-{t.chunk}-{run}")

        def wait_first(fs):
            return wait(fs, return_when="FIRST_COMPLETED").done

        def explain(e):
            return f"{type(e).__name__} on the Dask cluster: {str(e).splitlines()[0] if str(e) else ''}"

        def abort(fs):
            try:
                self.client.cancel(fs)
            except Exception:  # noqa: BLE001
                pass

        return _bounded(submit, wait_first, tasks, 2 * self.workers, abort, explain)

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


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  processes: bool = True) -> Executor:
    """The executor for ``--workers`` and ``--scheduler``.

    * no scheduler: ``workers`` processes (default: all cores); 1 runs in this process;
    * ``scheduler="local"``: a Dask LocalCluster of ``workers`` processes;
    * ``scheduler="tcp://host:port"`` (or another Dask address): that cluster's workers.
    """
    if workers is not None and workers < 1:
        raise ExecutorError(f"--workers: expected a whole number >= 1, found {workers}")
    if scheduler is None:
        n = workers or available_cores()
        return InProcessExecutor() if n == 1 else PoolExecutor(n)
    if scheduler != "local" and "://" not in scheduler:
        raise ExecutorError(f"--scheduler: expected 'local' or a Dask scheduler address like "
                            f"tcp://HOST:8786, found {scheduler!r}")
    if scheduler != "local" and workers is not None:
        raise ExecutorError(f"--workers: expected nothing with --scheduler {scheduler} (the cluster's "
                            f"own workers run the chunks), found --workers {workers}")
    return DaskExecutor(scheduler, workers, processes=processes)
