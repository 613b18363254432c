"""Run a scenario over any number of worlds, in chunks.

Every world's random numbers are addressed by the seed and the world's index in
the run (:mod:`trucesim.model.streams`), so a world is the same whichever model
simulates it: the same seed gives the same worlds, and asking for more worlds
never changes the first ones.  Chunks bound memory and cut the work into tasks;
consecutive chunks are simulated together, as one model
(:func:`~trucesim.run.chunks.chunk_groups`), so the fixed cost of a simulated day
is paid once per group.  See :mod:`trucesim.run.chunks`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pandas as pd

from trucesim.config.limits import MOST_WORLDS, WORLDS_PER_SECOND
from trucesim.config.scenario import Scenario
from trucesim.model.model import TruceModel
from trucesim.model.streams import run_streams
from trucesim.run.chunks import CHUNK_WORLDS, RunError, check_size, chunk_groups
from trucesim.run.outcomes import check_outcomes, outcome_table


def run_chunk(
    scenario: Scenario,
    seed: int,
    chunk: int,
    chunk_worlds: int = CHUNK_WORLDS,
    overrides: dict | None = None,
    trace_world: int | None = None,
    chunks: int = 1,
    worlds: int | None = None,
) -> TruceModel:
    """Simulate ``chunks`` chunks from chunk ``chunk`` (worlds ``chunk * chunk_worlds`` onward) as one model.

    Every world's random numbers are addressed by the seed and its index in the run
    (:mod:`trucesim.model.streams`), so a world is the same whichever chunk or model
    simulates it.  ``worlds`` simulates only that many of them (a short last chunk);
    ``overrides`` and ``trace_world`` are over the model's worlds.
    """
    n = chunks * chunk_worlds if worlds is None else int(worlds)
    rng = run_streams(seed, chunk * chunk_worlds, n)
    model = TruceModel(scenario, n, rng=rng, overrides=overrides, trace_world=trace_world, collect=False)
    return model.run()


def free_model(model: TruceModel) -> None:
    """Break a finished model's reference cycles so its memory returns now, not at the next collection.

    A Mesa model and its agents point at each other (and its schedule at the
    model's bound methods): without this, each chunk's arrays lingered until
    the cyclic garbage collector ran, and memory grew with the number of
    chunks.  The model is unusable afterwards; take what is needed first.
    """
    for agent in list(getattr(model, "agents", ())):
        agent.__dict__.clear()
    model.__dict__.clear()


def _chunk_table(model: TruceModel, chunk: int, chunk_worlds: int, keep: int, chunks: int = 1) -> pd.DataFrame:
    """The outcome table of ``chunks`` chunks from ``chunk``, its first ``keep`` worlds; frees the model."""
    table = outcome_table(model, world_offset=chunk * chunk_worlds)
    free_model(model)
    table = table.iloc[:keep] if keep < len(table) else table
    for k in range(chunks):  # a NaN is a bug: name its chunk, which `trace_world` simulates alone
        a, b = k * chunk_worlds, min((k + 1) * chunk_worlds, len(table))
        first = (chunk + k) * chunk_worlds
        if a < b:
            check_outcomes(table.iloc[a:b], f"chunk {chunk + k} (worlds {first}-{first + b - a - 1})")
    return table


def iter_tables(
    scenario: Scenario,
    worlds: int,
    seed: int = 0,
    chunk_worlds: int = CHUNK_WORLDS,
    trace: int | None = None,
    on_trace=None,
) -> Iterator[pd.DataFrame]:
    """Outcome tables of ``worlds`` worlds, one chunk at a time.

    ``trace`` names a world whose day-by-day events are passed to
    ``on_trace(events)`` once its chunk is done.

    Raises
    ------
    trucesim.run.chunks.SizeError
        More worlds than can finish (:func:`trucesim.run.chunks.check_size`), before any work.
    trucesim.run.outcomes.OutcomeError
        A chunk whose outcomes hold a NaN where a number must be (a bug).
    """
    check_size(worlds, chunk_worlds, "--worlds")
    for k, count, start, stop in chunk_groups(worlds, chunk_worlds):
        local = None
        if trace is not None and start <= trace < stop:
            local = trace - start
        model = run_chunk(scenario, seed, k, chunk_worlds, trace_world=local, chunks=count, worlds=stop - start)
        if local is not None and on_trace is not None:
            on_trace(model.trace)
        table = _chunk_table(model, k, chunk_worlds, stop - start, count)  # frees the model
        del model
        yield table


def simulate(scenario: Scenario, worlds: int, seed: int = 0, chunk_worlds: int = CHUNK_WORLDS) -> pd.DataFrame:
    """The outcome table of ``worlds`` worlds (see :func:`trucesim.run.outcomes.outcome_table`).

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> t = simulate(load_scenario("scenarios/april-2024.toml"), 500, seed=1)
    >>> len(t), t["world"].tolist()[:3], t["deal"].dtype.name
    (500, [0, 1, 2], 'bool')
    """
    check_size(worlds, chunk_worlds, "--worlds")  # now, not at the first table
    return pd.concat(list(iter_tables(scenario, worlds, seed, chunk_worlds)), ignore_index=True)


def trace_world(scenario: Scenario, world: int, seed: int = 0):
    """The day-by-day events of one world of a scenario run, and its outcome row.

    The same world as ``trucesim run SCENARIO --seed SEED --trace WORLD``: only
    that world is simulated (its numbers depend on its index alone, whatever the run's chunks).

    Returns
    -------
    (list of Event, Series)
        The world's trace events (:class:`trucesim.model.events.Event`; render them
        with :func:`trucesim.model.events.render_story`) and its outcome row.

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> events, row = trace_world(load_scenario("scenarios/april-2024.toml"), 3)   # doctest: +SKIP
    >>> events[0].kind                                                              # doctest: +SKIP
    'tabled'
    """
    if world < 0:
        raise ValueError(f"world: expected a number >= 0, found {world}")
    if world >= MOST_WORLDS:  # beyond any run's worlds (and beyond the 64-bit world numbers of a table)
        raise RunError(
            f"--trace {world}: expected a world below {MOST_WORLDS:,} (the most worlds a run may have: "
            f"one core-year at {WORLDS_PER_SECOND:,} worlds/s), found {world:,}"
        )
    model = TruceModel(scenario, 1, rng=run_streams(seed, int(world), 1), trace_world=0)
    model.run()
    table = outcome_table(model, world_offset=int(world))
    check_outcomes(table, f"world {world}")
    row = table.iloc[0]
    events = list(model.trace)
    free_model(model)
    return events, row


@dataclass(frozen=True)
class RunTask:
    """``chunks`` consecutive chunks of ``trucesim run`` from ``chunk``, as a task for :mod:`trucesim.run.executors`.

    ``keep`` is how many of their worlds the run asked for (a short last chunk simulates only those);
    ``columns``, if given, are the only outcome columns sent back (a summary needs a third of them).
    """

    scenario: Scenario
    seed: int
    chunk: int
    chunk_worlds: int
    keep: int
    chunks: int = 1
    columns: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        """The chunks and their worlds, for messages: ``chunks 0-9 (worlds 0-99999)``."""
        first = self.chunk * self.chunk_worlds
        which = f"chunk {self.chunk}" if self.chunks == 1 else f"chunks {self.chunk}-{self.chunk + self.chunks - 1}"
        return f"{which} (worlds {first}-{first + self.keep - 1})"

    def table(self) -> pd.DataFrame:
        """The chunks' outcome table."""
        model = run_chunk(self.scenario, self.seed, self.chunk, self.chunk_worlds, chunks=self.chunks, worlds=self.keep)
        return _chunk_table(model, self.chunk, self.chunk_worlds, self.keep, self.chunks)

    def run(self) -> bytes:
        """The chunk's outcome table as Parquet bytes (sent back from a worker process)."""
        from trucesim.run.files import encode_table

        table = self.table()
        return encode_table(table if self.columns is None else table[list(self.columns)])


def run_tasks(
    scenario: Scenario,
    worlds: int,
    seed: int,
    chunk_worlds: int = CHUNK_WORLDS,
    parts: int = 1,
    columns: tuple[str, ...] | None = None,
) -> list[RunTask]:
    """The tasks of a run of ``worlds`` worlds: groups of chunks (:func:`~trucesim.run.chunks.chunk_groups`),
    at least ``parts`` of them when there are chunks enough, each sending back ``columns`` (default: all)."""
    groups = chunk_groups(worlds, chunk_worlds, parts)
    return [RunTask(scenario, seed, k, chunk_worlds, stop - start, count, columns) for k, count, start, stop in groups]


def parallel_tables(
    scenario: Scenario,
    worlds: int,
    seed: int = 0,
    workers: int | None = None,
    chunk_worlds: int = CHUNK_WORLDS,
    force: bool | None = None,
    columns: Sequence[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """The tables of :func:`iter_tables`, computed by ``workers`` processes, yielded in chunk order.

    ``columns``, if given, are the only columns the workers send back (``world`` always among
    them): a run that only summarises ships a third of the bytes.

    The same seed gives the same tables whatever the number of workers: each
    chunk has its own random stream, and results are put back in order.

    Raises
    ------
    trucesim.run.chunks.RunError
        One line: a chunk raised or its worker process died (which chunk, which worlds,
        and that nothing is kept: the same command simply runs again), or too many worlds.
    """
    from trucesim.run.executors import TaskError, make_executor, map_ordered
    from trucesim.run.files import decode_table
    from trucesim.run.workers import available_cores

    check_size(worlds, chunk_worlds, "--worlds")
    keep = None if columns is None else tuple(dict.fromkeys(["world", *columns]))
    tasks = run_tasks(scenario, worlds, seed, chunk_worlds, parts=workers or available_cores(), columns=keep)
    # no more processes than tasks; more than 4 per core only with force (see check_options)
    with make_executor(workers=workers, tasks=len(tasks), force=force) as ex:
        try:
            for data in map_ordered(ex, tasks):
                yield decode_table(data)
        except TaskError as e:
            raise RunError(
                f"{tasks[e.index].label} failed: {e.error}; nothing was written: run the same "
                f"command again (the same seed gives the same numbers), or with --workers 1"
            ) from None


def scenario_tables(
    scenarios: Sequence[Scenario],
    worlds: int,
    seed: int,
    workers: int | None = None,
    force: bool | None = None,
    chunk_worlds: int = CHUNK_WORLDS,
) -> Iterator[list[pd.DataFrame]]:
    """Several scenarios on the same worlds: lists of one table per scenario, each list the same
    worlds (one task's chunks of ``chunk_worlds`` worlds), in world order.

    World ``i`` of every scenario has the random numbers of world ``i`` under ``seed``, whatever
    ``workers`` (1: in this process; ``None``: all cores): the tables :func:`iter_tables` gives each.

    Raises
    ------
    trucesim.run.executors.TaskError
        A chunk raised or its worker process died.

    Examples
    --------
    >>> from trucesim.config.scenario import load_scenario
    >>> a = load_scenario("april-2024")
    >>> [[len(t) for t in group] for group in scenario_tables([a, a], 300, seed=1, workers=1)]
    [[300, 300]]
    """
    from trucesim.run.executors import make_executor, map_ordered
    from trucesim.run.files import decode_table
    from trucesim.run.workers import available_cores

    # the same groups of chunks for every scenario, so each list holds the same worlds
    parts = 1 if workers == 1 else max(1, -(-(workers or available_cores()) // len(scenarios)))
    per_scenario = [run_tasks(s, worlds, seed, chunk_worlds, parts) for s in scenarios]
    tasks = [t for group in zip(*per_scenario, strict=True) for t in group]
    m = len(scenarios)
    if workers == 1:
        for i in range(0, len(tasks), m):
            yield [t.table() for t in tasks[i : i + m]]
        return
    with make_executor(workers=workers, tasks=len(tasks), force=force) as ex:
        row = []
        for data in map_ordered(ex, tasks):
            row.append(decode_table(data))
            if len(row) == m:
                yield row
                row = []
