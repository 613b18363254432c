"""Run a scenario over any number of worlds, in fixed-size chunks with their own random streams.

Chunk ``k`` always simulates ``chunk_worlds`` worlds with the random stream
``SeedSequence(seed, spawn_key=(k,))``, whatever the total: so memory stays
bounded, the same seed gives the same worlds, and asking for more worlds never
changes the first ones (a short last chunk is simulated in full and cut).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from .model import TruceModel
from .outcomes import outcome_table
from .scenario import Scenario

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
    """The outcome table of ``worlds`` worlds (see :func:`trucesim.outcomes.outcome_table`).

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> t = simulate(load_scenario("scenarios/april-2024.toml"), 500, seed=1)  # doctest: +SKIP
    >>> len(t)                                                                # doctest: +SKIP
    500
    """
    return pd.concat(list(iter_tables(scenario, worlds, seed, chunk_worlds)), ignore_index=True)
