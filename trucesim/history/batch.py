"""Many parameter sets at once: each round's fact shares for a batch of particles, in one vectorised run.

A fit evaluates thousands of parameter sets (particles).  Running each as its own small
model would spend most of the time on the model's fixed cost per simulated day, so a batch
of ``K`` particles is simulated as one model of ``K × worlds`` worlds, each block of
``worlds`` worlds with one particle's values (the model's per-world overrides, as a
sweep's design points use).  Tasks are cut by particle, never by the number of workers,
and each has its own random stream, so the same seed gives the same shares whatever
``--workers``.

Examples
--------
>>> from trucesim.config.scenario import load_scenario
>>> r = load_scenario("scenarios/rounds/april-2024.toml")
>>> shares = round_shares(r, ("actors.hamas.patience",), np.array([[0.1], [0.5]]), worlds=50, key=(0, 1))
>>> shares.shape          # particles × the round's observed facts
(2, 7)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from trucesim.config.scenario import Scenario
from trucesim.history.facts import world_hits
from trucesim.model.model import TruceModel
from trucesim.model.streams import Streams
from trucesim.run.outcomes import check_outcomes, outcome_table
from trucesim.run.simulate import free_model

#: about this many worlds per task: big enough to spread the model's fixed cost, small enough for memory
TASK_WORLDS = 20_000


def particle_overrides(
    scenario: Scenario, keys: Sequence[str], values: np.ndarray, worlds: int
) -> dict[str, np.ndarray]:
    """The model's per-world overrides for ``values`` (particles × ``keys``): each particle's values
    repeated over a block of ``worlds`` worlds, whole-number keys rounded.

    >>> from trucesim.config.scenario import load_scenario
    >>> r = load_scenario("scenarios/rounds/april-2024.toml")
    >>> particle_overrides(r, ("actors.hamas.patience",), np.array([[0.1], [0.5]]), 2)["actors.hamas.patience"].tolist()
    [0.1, 0.1, 0.5, 0.5]
    """
    out = {}
    for j, name in enumerate(keys):
        col = np.repeat(np.asarray(values[:, j], dtype=float), worlds)
        out[name] = np.round(col) if scenario.spec(name).integer else col
    return out


def round_shares(
    scenario: Scenario,
    keys: Sequence[str],
    values: np.ndarray,
    worlds: int,
    key: tuple[int, ...],
    shared: bool = True,
) -> np.ndarray:
    """The share of worlds reproducing each observed fact, for each particle: an array particles × facts.

    ``values`` is particles × keys; ``key`` names the random numbers
    (``SeedSequence(key[0], spawn_key=key[1:])``).  With ``shared`` the particles of one
    call share their worlds (world ``i`` of every particle has the same numbers), so their
    shares differ by their values, not by chance (common random numbers); without it every
    particle's worlds are its own (a posterior predictive run of one world per draw).
    """
    k = len(values)
    overrides = particle_overrides(scenario, keys, values, worlds)
    ids = np.tile(np.arange(worlds), k) if shared else np.arange(k * worlds)
    streams = Streams(np.random.SeedSequence(key[0], spawn_key=key[1:]), ids)
    model = TruceModel(scenario, k * worlds, rng=streams, overrides=overrides, collect=False).run()
    table = outcome_table(model)
    free_model(model)
    check_outcomes(table, f"{scenario.path.stem}, {k} particles")
    hits = world_hits(table, scenario.observed)
    return hits.reshape(k, worlds, -1).mean(axis=1)


@dataclass(frozen=True)
class ShareTask:
    """One task for :mod:`trucesim.run.executors`: :func:`round_shares` of some particles on one round."""

    scenario: Scenario
    keys: tuple[str, ...]
    values: np.ndarray
    worlds: int
    key: tuple[int, ...]
    shared: bool = True

    def run(self) -> np.ndarray:
        return round_shares(self.scenario, self.keys, self.values, self.worlds, self.key, self.shared)


def batch_tasks(
    rounds: Sequence[Scenario],
    keys: Sequence[str],
    values: np.ndarray,
    worlds: int,
    key: tuple[int, ...],
    shared: bool = True,
) -> list[ShareTask]:
    """The tasks that simulate ``values`` (particles × keys) on every round, about :data:`TASK_WORLDS` worlds each
    (``shared``: see :func:`round_shares`)."""
    per = max(1, TASK_WORLDS // worlds)
    tasks = []
    for i, r in enumerate(rounds):
        for start in range(0, len(values), per):
            part = values[start : start + per]
            tasks.append(ShareTask(r, tuple(keys), part, worlds, (*key, i, start), shared))
    return tasks


def batch_shares(
    executor,
    rounds: Sequence[Scenario],
    keys: Sequence[str],
    values: np.ndarray,
    worlds: int,
    key: tuple[int, ...],
    shared: bool = True,
    on_task: Callable[[int, int], None] | None = None,
) -> list[np.ndarray]:
    """For each round, its particles × facts shares, computed on ``executor`` (see :func:`batch_tasks`).

    ``on_task(done, tasks)`` is told as each task's shares come back (for a progress display).
    """
    from trucesim.run.executors import map_ordered

    tasks = batch_tasks(rounds, keys, values, worlds, key, shared)
    out: list[list[np.ndarray]] = [[] for _ in rounds]
    for done, (task, shares) in enumerate(zip(tasks, map_ordered(executor, tasks), strict=True), 1):
        out[task.key[-2]].append(shares)
        if on_task is not None:
            on_task(done, len(tasks))
    return [np.concatenate(parts) for parts in out]
