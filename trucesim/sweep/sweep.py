"""Sweeps: an experiment simulated chunk by chunk into a results directory, resumable.

The worlds of an experiment have a flat index ``world = point *
worlds_per_point + replicate``; they are simulated in fixed chunks of
``chunk_worlds`` consecutive worlds.  Replicate ``r`` of every point has the
random numbers of world ``r`` of the seed (:mod:`trucesim.model.streams`): the
points share their worlds (common random numbers), so the difference between
two points is that of their values, not of chance.  A dataset depends only on
the experiment and the seed: never on the chunk size, the backend, the number
of workers, the order chunks finish in or an interruption.

:func:`plan_sweep` creates (or reopens) the results directory and lists the
chunks to run; :meth:`SweepPlan.run` runs them on an executor
(:mod:`trucesim.run.executors`) and writes ``points.parquet``; :func:`sweep`
does both.

Examples
--------
>>> result = sweep("experiments/prisoners-vs-us-pressure.toml", "results/prisoners", workers=2)  # doctest: +SKIP
>>> result.points.nlargest(3, "p_deal")                                                          # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.scenario import Scenario
from trucesim.run.chunks import MAX_CHUNKS, SWEEP_CHUNK_WORLDS, SizeError, check_size, chunk_bounds
from trucesim.run.executors import ClusterLost
from trucesim.sweep import store as st
from trucesim.sweep.designs import Design, build_design
from trucesim.sweep.experiment import Experiment, ExperimentError, load_experiment
from trucesim.sweep.manifest import check_same_design, check_same_experiment, make_manifest


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to simulate one chunk: self-contained and small to send.

    ``rows`` are the design rows of points ``start // worlds_per_point`` to
    ``(stop - 1) // worlds_per_point``.
    """

    scenario: Scenario
    seed: int
    chunk: int
    start: int
    stop: int
    worlds_per_point: int
    factors: tuple[str, ...]
    rows: np.ndarray

    def table(self) -> pd.DataFrame:
        """Simulate the chunk: one row per world (point, replicate, factors, outcomes)."""
        from trucesim.model.model import TruceModel
        from trucesim.model.streams import Streams
        from trucesim.run.outcomes import check_outcomes, outcome_table
        from trucesim.run.simulate import free_model

        n = self.stop - self.start
        world = np.arange(self.start, self.stop, dtype=np.int64)
        point = world // self.worlds_per_point
        values = self.rows[point - point[0]]
        overrides = {k: np.ascontiguousarray(values[:, j]) for j, k in enumerate(self.factors)}
        # the model gets its own copies: the columns show the design whatever the model does with them
        replicate = world - point * self.worlds_per_point
        own = {k: v.copy() for k, v in overrides.items()}
        model = TruceModel(self.scenario, n, rng=Streams(self.seed, replicate), overrides=own, collect=False).run()
        table = outcome_table(model, world_offset=self.start)
        free_model(model)  # its memory back now: a long sweep in one process stays at one chunk's
        del model
        check_outcomes(table, f"chunk {self.chunk} (worlds {self.start}-{self.stop - 1})")  # a NaN is a bug
        cols: dict[str, object] = {"point": point, "replicate": replicate}
        cols.update(overrides)
        for c in table.columns:
            if c not in cols:
                cols[c] = table[c].to_numpy() if not isinstance(table[c].dtype, pd.CategoricalDtype) else table[c].array
        return pd.DataFrame(cols)

    def run(self) -> bytes:
        """The chunk's table (:meth:`table`) as Parquet bytes: the part a worker sends back."""
        from trucesim.run.files import encode_table

        return encode_table(self.table())


def chunk_tasks(experiment: Experiment, design: Design, chunks: list[tuple[int, int, int]]) -> Iterator[ChunkTask]:
    """The tasks of the given chunks (``(chunk, first world, end world)``, :func:`~trucesim.run.chunks.chunk_bounds`),
    built lazily: each carries the design's rows of the points its worlds belong to."""
    wpp = experiment.worlds_per_point
    for k, start, stop in chunks:
        p0, p1 = start // wpp, (stop - 1) // wpp
        yield ChunkTask(
            experiment.scenario, experiment.seed, k, start, stop, wpp, design.factors, design.matrix[p0 : p1 + 1].copy()
        )


class ChunkError(RuntimeError):
    """A chunk that raised: ``str(err)`` is one line with the chunk, its worlds and the cause."""

    def __init__(self, message: str, chunk: int, cause: str):
        super().__init__(message)
        self.chunk = chunk
        self.cause = cause


@dataclass
class SweepResult:
    """What a finished sweep produced."""

    out: Path
    points: pd.DataFrame
    worlds: int
    chunks: int
    chunks_run: int
    seconds: float
    backend: str
    workers: int


@dataclass
class SweepPlan:
    """A sweep ready to run: its store (created or reopened), design and the chunks still to do."""

    experiment: Experiment
    design: Design
    store: st.Store
    chunk_worlds: int
    pending: list[tuple[int, int, int]]
    chunks: int
    resumed: bool
    worlds_done: int = 0
    seconds: float = field(default=0.0)
    #: damaged parts found on resume: (part, where it was moved in parts/corrupt/, why); their chunks are redone
    corrupt: list[tuple[Path, Path, str]] = field(default_factory=list)

    @property
    def worlds(self) -> int:
        return self.design.points * self.experiment.worlds_per_point

    def run(self, executor, progress: Callable[[int], None] | None = None) -> SweepResult:
        """Simulate the pending chunks on ``executor`` and write ``points.parquet``.

        ``progress(worlds)`` is called with the worlds of each chunk as it is written.  A chunk that
        raises stops the sweep with :class:`ChunkError`; the parts written stay.
        """
        try:
            return self._run(executor, progress)
        finally:
            self.store.release()

    def close(self) -> None:
        """Release the results directory without running (its lock is otherwise held until :meth:`run` ends)."""
        self.store.release()

    def _run(self, executor, progress: Callable[[int], None] | None) -> SweepResult:
        store = self.store
        bounds = {k: (s, e) for k, s, e in self.pending}
        t0 = time.perf_counter()
        done = 0
        store.clear_error()
        try:
            for res in executor.map(chunk_tasks(self.experiment, self.design, self.pending)):
                done += self._keep(res, bounds, progress)
        except ClusterLost as e:
            written = len(store.done_chunks(clean=False))
            raise ClusterLost(
                f"{e}; the {written} chunk(s) already written are kept in {store.root}: once the cluster is "
                f"back, run the same command with --resume to do the rest"
            ) from None
        points = write_points(store)
        store.clear_error()
        self.seconds = time.perf_counter() - t0
        return SweepResult(
            out=store.root,
            points=points,
            worlds=self.worlds,
            chunks=self.chunks,
            chunks_run=done,
            seconds=self.seconds,
            backend=executor.name,
            workers=executor.workers,
        )

    def _keep(self, res, bounds: dict, progress: Callable[[int], None] | None) -> int:
        """Write one finished chunk's part (1), or stop the sweep with :class:`ChunkError` if it failed."""
        store = self.store
        s, e = bounds[res.chunk]
        if res.error is not None:
            wpp = self.experiment.worlds_per_point
            log = store.write_error(res.chunk, s, e, res.error, res.traceback)
            written = len(store.done_chunks(clean=False))
            raise ChunkError(
                f"chunk {res.chunk} (worlds {s}-{e - 1}, points {s // wpp}-{(e - 1) // wpp}) failed: "
                f"{res.error}; the {written} chunk(s) already written stay in {store.root}"
                f" (traceback in {log}); fix the cause, then run again with --resume",
                res.chunk,
                res.error,
            )
        store.write_part(res.chunk, res.value)
        if progress is not None:
            progress(e - s)
        return 1


def write_points(store: st.Store) -> pd.DataFrame:
    """Compute ``points.parquet`` by streaming over the parts of ``store`` (:func:`summarize_points`); return it."""
    from trucesim.run.files import encode_table, write_atomic

    table = summarize_points(store)
    write_atomic(store.root / st.POINTS, encode_table(table))
    return table


def summarize_points(store: st.Store) -> pd.DataFrame:
    """One row per design point with the figures of ``trucesim run`` (streamed: memory bounded by points).

    Columns: ``point``, the factors, ``worlds``, ``deals``, ``p_deal``,
    ``p_deal_lo``, ``p_deal_hi`` (95% Wilson interval), ``p_accept_<side>``,
    ``p_exit_<party>``, ``p_government_falls``, ``p_pause_completed``,
    ``p_permanent``, ``deal_day_median``, ``deal_day_p10``, ``deal_day_p90``,
    ``hostages_released_mean``, ``hostages_died_mean``, ``terms_<term>_mean``
    (signed terms, mean over the worlds with a deal): the per-group table of
    :class:`trucesim.run.metrics.Metrics`, grouped by point.
    """
    from trucesim.run.metrics import Metrics

    m = store.manifest
    n_points = m["points"]
    metrics = Metrics(m["scenario"]["actors"], groups=n_points)
    for part in store.iter_parts(columns=["point", *metrics.columns]):
        pt = part["point"].to_numpy()
        metrics.add(part, pt)
        # parts come in world order, so every point below this part's last is complete
        metrics.seal(below=pt[-1])
    out: dict[str, object] = {"point": np.arange(n_points, dtype=np.int64)}
    design = np.array(m["design"]["matrix"], dtype=float).reshape(n_points, len(m["factors"]))
    for j, k in enumerate(m["factors"]):
        out[k] = design[:, j]
    figures = metrics.table()
    for c in figures.columns:
        out[c] = figures[c].to_numpy()
    return pd.DataFrame(out)


def check_chunks(experiment: Experiment, chunk_worlds: int | None) -> None:
    """Refuse a sweep of more than :data:`~trucesim.run.chunks.MAX_CHUNKS` chunks (a file each), in one line."""
    k = int(chunk_worlds or SWEEP_CHUNK_WORLDS)
    try:
        check_size(experiment.worlds, k, f"{experiment.path}: --chunk-worlds {k:,}", MAX_CHUNKS)
    except SizeError as e:
        raise ExperimentError(str(e)) from None


def plan_sweep(
    experiment: Experiment | str | Path, out: str | Path, *, resume: bool = False, chunk_worlds: int | None = None
) -> SweepPlan:
    """Create (or, with ``resume``, reopen) the results directory ``out`` and list the chunks to run.

    On resume the experiment must be the one recorded in ``out/manifest.json``
    (scenario values, factors, design, seed, chunk size, trucesim version);
    a seed, worlds per point or chunk size not given explicitly is taken from the manifest.
    A directory that does not exist yet is created, with or without ``resume``.

    The directory is locked (:class:`trucesim.run.lock.DirLock`) from here until
    :meth:`SweepPlan.run` ends (or :meth:`SweepPlan.close`): a second writer is refused.

    Raises
    ------
    StoreError
        ``out`` exists without ``resume``, holds a different experiment, or is in use
        by another sweep.
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    out = Path(out)
    if chunk_worlds is not None and int(chunk_worlds) < 1:
        raise ExperimentError(f"chunk_worlds: expected a whole number >= 1, found {chunk_worlds}")
    check_chunks(experiment, chunk_worlds)  # before the results directory is created
    if out.exists() and not out.is_dir():
        raise st.StoreError(f"{out}: expected a directory for the results, found a file")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise st.StoreError(f"{out}: cannot create the results directory: {e.strerror}") from None
    lock = st.Store.lock_dir(out)  # held until the plan has run: one writer at a time
    try:
        return _plan_locked(experiment, out, lock, resume, chunk_worlds)
    except BaseException:
        lock.release()
        if created:
            try:
                out.rmdir()
            except OSError:
                pass
        raise


def _plan_locked(experiment: Experiment, out: Path, lock, resume: bool, chunk_worlds: int | None) -> SweepPlan:
    existing = st.Store.exists(out)
    if resume and existing:
        old = st.read_manifest(out)
        if experiment.seed_option is None and old.get("experiment", {}).get("seed_option") is not None:
            experiment = experiment.with_seed(old["experiment"]["seed_option"])
        recorded_wpp = old.get("experiment", {}).get("worlds_per_point_option")
        if experiment.worlds_per_point_option is None and recorded_wpp is not None:
            experiment = experiment.with_worlds_per_point(recorded_wpp)
        if chunk_worlds is None:
            chunk_worlds = old.get("chunk_worlds")
    chunk_worlds = int(chunk_worlds or SWEEP_CHUNK_WORLDS)
    if chunk_worlds < 1:
        raise ExperimentError(f"chunk_worlds: expected a whole number >= 1, found {chunk_worlds}")
    check_chunks(experiment, chunk_worlds)  # the chunk size recorded by a resumed sweep
    if resume and existing:
        store = st.Store.open(out, lock, old)  # its checksum and keys checked as it was read
        check_same_experiment(store.manifest, make_manifest(experiment, None, chunk_worlds), out, experiment.path)
        # the design is recomputed from the experiment, never taken from the manifest on trust
        design = build_design(experiment)
        check_same_design(store.manifest, design.to_dict(), out, experiment.path)
    else:
        design = build_design(experiment)
        store = st.Store.create(out, make_manifest(experiment, design, chunk_worlds), lock)
    worlds = design.points * experiment.worlds_per_point
    bounds = chunk_bounds(worlds, chunk_worlds)
    done = store.done_chunks(clean=True)
    pending = [b for b in bounds if b[0] not in done]
    worlds_done = sum(e - s for k, s, e in bounds if k in done)
    return SweepPlan(
        experiment,
        design,
        store,
        chunk_worlds,
        pending,
        len(bounds),
        resumed=bool(resume and existing),
        worlds_done=worlds_done,
        corrupt=list(store.moved),
    )


def sweep(
    experiment: Experiment | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    chunk_worlds: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Run an experiment into the results directory ``out``; return its per-point summary.

    ``workers``: processes on this machine (default: all cores; 1 runs in this
    process).  ``scheduler``: ``"local"`` for a Dask LocalCluster of
    ``workers`` processes, or the address of a running Dask scheduler
    (``"tcp://host:8786"``).  See :func:`plan_sweep` for ``resume`` and
    ``chunk_worlds``.

    Examples
    --------
    >>> r = sweep("experiments/prisoners-vs-us-pressure.toml", "results/p", workers=2)  # doctest: +SKIP
    >>> r.points.nlargest(3, "p_deal")                                                   # doctest: +SKIP
    """
    from trucesim.run.executors import make_executor

    plan = plan_sweep(experiment, out, resume=resume, chunk_worlds=chunk_worlds)
    try:
        ex = make_executor(workers=workers, scheduler=scheduler, tasks=len(plan.pending))
    except BaseException:
        plan.close()
        raise
    with ex:
        return plan.run(ex, progress)
