"""Run a scenario over any number of worlds, in fixed-size chunks with their own random streams.

Chunk ``k`` always simulates ``chunk_worlds`` worlds with the random stream
``SeedSequence(seed, spawn_key=(k,))``, whatever the total: so memory stays
bounded, the same seed gives the same worlds, and asking for more worlds never
changes the first ones (a short last chunk is simulated in full and cut).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trucesim.model.model import TruceModel
from trucesim.run.outcomes import outcome_table
from trucesim.config.scenario import Scenario

CHUNK_WORLDS = 10_000


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The random generator of chunk ``chunk`` under root ``seed``.

    Examples
    --------
    >>> float(chunk_rng(0, 3).random()) == float(chunk_rng(0, 3).random())
    True
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))


def run_chunk(scenario: Scenario, seed: int, chunk: int, chunk_worlds: int = CHUNK_WORLDS,
              overrides: dict | None = None, trace_world: int | None = None) -> TruceModel:
    """Simulate chunk ``chunk`` (worlds ``chunk * chunk_worlds`` onward) to the horizon."""
    model = TruceModel(scenario, chunk_worlds, rng=chunk_rng(seed, chunk),
                       overrides=overrides, trace_world=trace_world)
    return model.run()


def iter_tables(scenario: Scenario, worlds: int, seed: int = 0,
                chunk_worlds: int = CHUNK_WORLDS, trace: int | None = None,
                on_trace=None) -> Iterator[pd.DataFrame]:
    """Outcome tables of ``worlds`` worlds, one chunk at a time.

    ``trace`` names a world whose day-by-day events are passed to
    ``on_trace(events)`` once its chunk is done.
    """
    n_chunks = -(-worlds // chunk_worlds)
    for k in range(n_chunks):
        local = None
        if trace is not None and trace // chunk_worlds == k:
            local = trace % chunk_worlds
        model = run_chunk(scenario, seed, k, chunk_worlds, trace_world=local)
        if local is not None and on_trace is not None:
            on_trace(model.trace)
        table = outcome_table(model, world_offset=k * chunk_worlds)
        keep = min(chunk_worlds, worlds - k * chunk_worlds)
        yield table.iloc[:keep] if keep < chunk_worlds else table


def simulate(scenario: Scenario, worlds: int, seed: int = 0,
             chunk_worlds: int = CHUNK_WORLDS) -> pd.DataFrame:
    """The outcome table of ``worlds`` worlds (see :func:`trucesim.run.outcomes.outcome_table`).

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> t = simulate(load_scenario("scenarios/april-2024.toml"), 500, seed=1)  # doctest: +SKIP
    >>> len(t)                                                                # doctest: +SKIP
    500
    """
    return pd.concat(list(iter_tables(scenario, worlds, seed, chunk_worlds)), ignore_index=True)


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

    def run(self) -> pd.DataFrame:
        model = run_chunk(self.scenario, self.seed, self.chunk, self.chunk_worlds)
        table = outcome_table(model, world_offset=self.chunk * self.chunk_worlds)
        return table.iloc[: self.keep] if self.keep < self.chunk_worlds else table


def parallel_tables(scenario: Scenario, worlds: int, seed: int = 0, workers: int | None = None,
                    chunk_worlds: int = CHUNK_WORLDS) -> Iterator[pd.DataFrame]:
    """The tables of :func:`iter_tables`, computed by ``workers`` processes, yielded in chunk order.

    The same seed gives the same tables whatever the number of workers: each
    chunk has its own random stream, and results are put back in order.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from trucesim.run.executors import make_executor

    n_chunks = -(-worlds // chunk_worlds)
    tasks = (RunTask(scenario, seed, k, chunk_worlds, min(chunk_worlds, worlds - k * chunk_worlds))
             for k in range(n_chunks))
    waiting: dict[int, pd.DataFrame] = {}
    next_chunk = 0
    with make_executor(workers=workers) as ex:
        for result in ex.map(tasks):
            if result.error:
                raise RuntimeError(f"chunk {result.chunk} failed: {result.error}\n{result.traceback}")
            waiting[result.chunk] = pq.read_table(pa.BufferReader(result.data)).to_pandas()
            while next_chunk in waiting:
                yield waiting.pop(next_chunk)
                next_chunk += 1
