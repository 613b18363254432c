"""Run a scenario over any number of worlds, in fixed-size chunks with their own random streams.

Chunk ``k`` always simulates ``chunk_worlds`` worlds with the random stream
:func:`~trucesim.run.chunks.chunk_rng` ``(seed, k)``, whatever the total: so
memory stays bounded, the same seed gives the same worlds, and asking for more
worlds never changes the first ones (a short last chunk is simulated in full
and cut).  See :mod:`trucesim.run.chunks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from trucesim.config.scenario import Scenario
from trucesim.model.model import TruceModel
from trucesim.run.chunks import (
    CHUNK_WORLDS,
    MAX_CORE_SECONDS,
    WORLDS_PER_SECOND,
    RunError,
    check_size,
    chunk_rng,
    iter_chunk_bounds,
    n_chunks,
)
from trucesim.run.outcomes import check_outcomes, outcome_table


def run_chunk(
    scenario: Scenario,
    seed: int,
    chunk: int,
    chunk_worlds: int = CHUNK_WORLDS,
    overrides: dict | None = None,
    trace_world: int | None = None,
) -> TruceModel:
    """Simulate chunk ``chunk`` (worlds ``chunk * chunk_worlds`` onward) to the horizon."""
    model = TruceModel(scenario, chunk_worlds, rng=chunk_rng(seed, chunk), overrides=overrides, trace_world=trace_world)
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


def _chunk_table(model: TruceModel, chunk: int, chunk_worlds: int, keep: int) -> pd.DataFrame:
    table = outcome_table(model, world_offset=chunk * chunk_worlds)
    free_model(model)
    table = table.iloc[:keep] if keep < chunk_worlds else table
    first = chunk * chunk_worlds
    check_outcomes(table, f"chunk {chunk} (worlds {first}-{first + len(table) - 1})")  # a NaN is a bug
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
    for k, start, stop in iter_chunk_bounds(worlds, chunk_worlds):
        local = None
        if trace is not None and trace // chunk_worlds == k:
            local = trace % chunk_worlds
        model = run_chunk(scenario, seed, k, chunk_worlds, trace_world=local)
        if local is not None and on_trace is not None:
            on_trace(model.trace)
        table = _chunk_table(model, k, chunk_worlds, stop - start)  # frees the model
        del model
        yield table


def simulate(scenario: Scenario, worlds: int, seed: int = 0, chunk_worlds: int = CHUNK_WORLDS) -> pd.DataFrame:
    """The outcome table of ``worlds`` worlds (see :func:`trucesim.run.outcomes.outcome_table`).

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> t = simulate(load_scenario("scenarios/april-2024.toml"), 500, seed=1)  # doctest: +SKIP
    >>> len(t)                                                                # doctest: +SKIP
    500
    """
    check_size(worlds, chunk_worlds, "--worlds")  # now, not at the first table
    return pd.concat(list(iter_tables(scenario, worlds, seed, chunk_worlds)), ignore_index=True)


def trace_world(scenario: Scenario, world: int, seed: int = 0, chunk_worlds: int | None = None):
    """The day-by-day events of one world of a scenario run, and its outcome row.

    The same world as ``trucesim run SCENARIO --seed SEED --trace WORLD``:
    only the chunk holding it is simulated.

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
    cw = chunk_worlds or CHUNK_WORLDS
    if world < 0:
        raise ValueError(f"world: expected a number >= 0, found {world}")
    limit = MAX_CORE_SECONDS * WORLDS_PER_SECOND
    if world >= limit:  # beyond any run's worlds (and beyond the 64-bit world numbers of a table)
        raise RunError(
            f"--world {world}: expected a world below {limit:,} (the most worlds a run may have: "
            f"one core-year at {WORLDS_PER_SECOND:,} worlds/s), found {world:,}"
        )
    chunk, local = divmod(int(world), cw)
    model = run_chunk(scenario, seed, chunk, cw, trace_world=local)
    table = outcome_table(model, world_offset=chunk * cw)
    check_outcomes(table, f"chunk {chunk} (worlds {chunk * cw}-{chunk * cw + cw - 1})")
    row = table.iloc[local]
    events = list(model.trace)
    free_model(model)
    return events, row


@dataclass(frozen=True)
class RunTask:
    """One chunk of ``trucesim run``, as a task for :mod:`trucesim.run.executors`.

    ``keep`` is how many of the chunk's worlds the run asked for (the last
    chunk is simulated in full and cut, so its worlds never depend on the total).
    """

    scenario: Scenario
    seed: int
    chunk: int
    chunk_worlds: int
    keep: int

    def table(self) -> pd.DataFrame:
        """The chunk's outcome table."""
        model = run_chunk(self.scenario, self.seed, self.chunk, self.chunk_worlds)
        return _chunk_table(model, self.chunk, self.chunk_worlds, self.keep)

    def run(self) -> bytes:
        """The chunk's outcome table as Parquet bytes (sent back from a worker process)."""
        from trucesim.run.files import encode_table

        return encode_table(self.table())


def parallel_tables(
    scenario: Scenario,
    worlds: int,
    seed: int = 0,
    workers: int | None = None,
    chunk_worlds: int = CHUNK_WORLDS,
    force: bool | None = None,
) -> Iterator[pd.DataFrame]:
    """The tables of :func:`iter_tables`, computed by ``workers`` processes, yielded in chunk order.

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

    check_size(worlds, chunk_worlds, "--worlds")
    tasks = (
        RunTask(scenario, seed, k, chunk_worlds, stop - start)
        for k, start, stop in iter_chunk_bounds(worlds, chunk_worlds)
    )
    # no more processes than chunks; more than 4 per core only with force (see check_options)
    with make_executor(workers=workers, tasks=n_chunks(worlds, chunk_worlds), force=force) as ex:
        try:
            for data in map_ordered(ex, tasks):
                yield decode_table(data)
        except TaskError as e:
            k = e.index  # tasks are numbered by chunk
            first, last = k * chunk_worlds, min((k + 1) * chunk_worlds, worlds) - 1
            raise RunError(
                f"chunk {k} (worlds {first}-{last}) failed: {e.error}; nothing was written: run the same "
                f"command again (the same seed gives the same numbers), or with --workers 1"
            ) from None
