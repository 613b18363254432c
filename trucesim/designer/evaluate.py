"""Simulating candidates: per-world outcomes on common random numbers, and what is measured on them.

A candidate is a set of values of the varied keys.  :func:`simulate_candidate`
simulates it over ``worlds`` worlds; world ``i`` of every candidate has the
same addressed random numbers (:mod:`trucesim.model.streams`), and a varied key
replaces the scenario's value *after* the uncertain parameters are drawn, so
candidates differ only where their values change a decision (common random
numbers).  :data:`METRICS` summarises the per-world arrays (:func:`metric_ci`,
:func:`summarize_worlds`); :func:`day0_acceptance` gives each side's
probability of accepting the tabled terms at day 0 without simulating further;
:class:`Evaluator` simulates batches of candidates once each, in worker
processes if asked.

Examples
--------
>>> from trucesim import load_scenario
>>> s = load_scenario("scenarios/april-2024.toml")
>>> w = simulate_candidate(s, {"terms.prisoners_per_hostage": 20.0}, 200, seed=0, run=False)
>>> sorted(w), w["p_gov0"].shape
(['p_ag0', 'p_gov0'], (200,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trucesim.config.scenario import Scenario
from trucesim.designer.objectives import OBJECTIVES
from trucesim.designer.space import DesignError, DesignSpace
from trucesim.model.model import TruceModel
from trucesim.model.streams import Streams, run_streams
from trucesim.run.chunks import CHUNK_WORLDS, chunk_sizes
from trucesim.run.executors import Executor, ExecutorError, TaskError, check_options, make_executor, map_ordered
from trucesim.run.stats import mean_ci, proportion_ci
from trucesim.run.workers import available_cores

__all__ = [
    "METRICS",
    "Candidate",
    "CandidateTask",
    "Evaluator",
    "Metric",
    "check_workers",
    "day0_acceptance",
    "day0_acceptances",
    "metric_ci",
    "simulate_candidate",
    "summarize_worlds",
]


# --- what is measured ----------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """An outcome summarised over worlds: a share (``proportion``) or a mean count."""

    name: str
    label: str
    unit: str
    sense: int  # +1: more is better, -1: less is better
    kind: str  # "proportion" or "mean"
    column: str  # per-world array it summarises


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("p_deal", "probability of a deal", "share of worlds", +1, "proportion", "deal"),
        Metric(
            "p_deal_first_text",
            "probability of a deal on the first text, as tabled",
            "share of worlds",
            +1,
            "proportion",
            "deal_first",
        ),
        Metric("p_permanent", "probability of a permanent end", "share of worlds", +1, "proportion", "permanent"),
        Metric("hostages_released_mean", "hostages released", "hostages per world (mean)", +1, "mean", "released"),
        Metric("hostages_died_mean", "hostages who died in captivity", "hostages per world (mean)", -1, "mean", "died"),
        Metric("p_government_falls", "probability the government falls", "share of worlds", -1, "proportion", "fell"),
    ]
}


# --- simulating one candidate ---------------------------------------------------------


def _split(scenario: Scenario, values: dict[str, float]) -> tuple[Scenario, dict[str, float]]:
    """Keys that shape the calendar go into the scenario; the others are per-world overrides.

    An override replaces a value after the uncertain parameters are drawn, so
    every candidate's worlds start from the same draws (common random numbers).
    """
    calendar = {k: v for k, v in values.items() if not scenario.spec(k).per_world}
    per_world = {k: float(v) for k, v in values.items() if scenario.spec(k).per_world}
    return (scenario.with_values(calendar) if calendar else scenario), per_world


def _model_acceptance(model: TruceModel) -> tuple[np.ndarray, np.ndarray]:
    """Each side's probability of accepting the tabled terms today, as the model decides it (the agents'
    own ``decision_probability``: for the government, net of the chance that the deal brings it down;
    for the armed group, zero for terms it cannot meet)."""
    idx = np.arange(model.n_worlds)
    terms = model.terms.copy()
    return model.government.decision_probability(terms, idx), model.armed_group.decision_probability(terms, idx)


def simulate_candidate(
    scenario: Scenario, values: dict[str, float], worlds: int, seed: int, run: bool = True
) -> dict[str, np.ndarray]:
    """Simulate one candidate over ``worlds`` worlds; per-world arrays.

    World ``i`` has the same addressed random numbers (:mod:`trucesim.model.streams`) whatever
    the values, so all candidates share their worlds (common random numbers).
    Returns ``p_gov0`` and ``p_ag0`` (each side's probability of accepting the
    tabled terms at day 0) and, with ``run``, ``deal``, ``permanent``,
    ``released``, ``died`` and ``fell`` from the simulation to the horizon.
    """
    scen, overrides = _split(scenario, values)
    parts: dict[str, list] = {
        k: [] for k in ("p_gov0", "p_ag0", "deal", "deal_first", "permanent", "released", "died", "fell")
    }
    for k, n in enumerate(chunk_sizes(worlds, CHUNK_WORLDS)):
        model = TruceModel(scen, n, rng=run_streams(seed, k * CHUNK_WORLDS, n), overrides=overrides, collect=False)
        pg, pa = _model_acceptance(model)  # draws nothing from the model's stream
        parts["p_gov0"].append(pg.astype(np.float32))
        parts["p_ag0"].append(pa.astype(np.float32))
        if run:
            model.run()
            parts["deal"].append(model.deal.copy())
            parts["deal_first"].append(model.deal & (model.round == 1))
            parts["permanent"].append(model.permanent.copy())
            parts["released"].append(model.armed_group.released.astype(np.int32))
            parts["died"].append(model.armed_group.died.astype(np.int32))
            parts["fell"].append(model.government.fell.copy())
    return {k: np.concatenate(v) for k, v in parts.items() if v}


def metric_ci(name: str, worlds: dict[str, np.ndarray]) -> tuple[float, tuple[float, float]]:
    """A metric's value and 95% CI from per-world arrays: for a ``proportion`` metric the share of
    worlds (0..1) with a Wilson interval, otherwise the mean per world (in the metric's ``unit``, e.g.
    hostages) with Student's t interval.

    >>> v, (lo, hi) = metric_ci("p_deal", {"deal": np.array([True, False, False, True])})
    >>> v, round(lo, 3), round(hi, 3)
    (0.5, 0.15, 0.85)
    """
    m = METRICS[name]
    x = worlds[m.column]
    if m.kind == "proportion":
        k = int(np.sum(x))
        return k / x.size, proportion_ci(k, x.size)
    return float(np.mean(x)), mean_ci(x.astype(float))


def summarize_worlds(worlds: dict[str, np.ndarray]) -> dict[str, float]:
    """Every metric, with 95% CIs, and the mean day-0 acceptance of each side."""
    out: dict[str, float] = {}
    for name in METRICS:
        if METRICS[name].column not in worlds:
            continue
        v, (lo, hi) = metric_ci(name, worlds)
        out[name] = v
        if name in OBJECTIVES or name == "p_deal":
            out[f"{name}_lo"], out[f"{name}_hi"] = lo, hi
    out["p_government_accepts_day0"] = float(np.mean(worlds["p_gov0"]))
    out["p_armed_group_accepts_day0"] = float(np.mean(worlds["p_ag0"]))
    out["in_zone"] = bool(out["p_government_accepts_day0"] >= 0.5 and out["p_armed_group_accepts_day0"] >= 0.5)
    return out


def day0_acceptance(scenario: Scenario, values: dict[str, float], worlds: int, seed: int) -> dict[str, float]:
    """Each side's mean probability of accepting the tabled terms at day 0 (no simulation)."""
    w = simulate_candidate(scenario, values, worlds, seed, run=False)
    return _day0_means(w["p_gov0"], w["p_ag0"])


def _day0_means(pg: np.ndarray, pa: np.ndarray) -> dict[str, float]:
    pg, pa = pg.astype(float), pa.astype(float)
    return {
        "p_government_accepts": float(pg.mean()),
        "p_armed_group_accepts": float(pa.mean()),
        "p_both_accept": float(np.mean(pg * pa)),
    }


def day0_acceptances(
    scenario: Scenario, points: Sequence[dict[str, float]], worlds: int, seed: int, progress=None
) -> list[dict[str, float]]:
    """:func:`day0_acceptance` of each of ``points``, the same numbers, built together.

    A model costs some milliseconds to build whatever its size, and a zone of agreement
    asks for up to two thousand points: points that set the same keys and differ only in
    per-world values share one model, each a block of ``worlds`` worlds with the same
    world numbers (so the same draws) and its own values.  Points that change the
    calendar get models of their own, as do points of more than
    :data:`~trucesim.run.chunks.CHUNK_WORLDS` worlds.  ``progress`` (a tqdm-like bar, or
    None) is updated by the number of points each model answers.

    >>> from trucesim import load_scenario
    >>> s = load_scenario("scenarios/april-2024.toml")
    >>> pts = [{"terms.prisoners_per_hostage": v} for v in (10.0, 40.0)]
    >>> day0_acceptances(s, pts, 300, 0) == [day0_acceptance(s, v, 300, 0) for v in pts]
    True
    """
    if worlds > CHUNK_WORLDS:  # a point fills a model of its own: nothing to share
        out = []
        for values in points:
            out.append(day0_acceptance(scenario, values, worlds, seed))
            if progress is not None:
                progress.update(1)
        return out
    out = [{} for _ in points]
    groups: dict[tuple, list[int]] = {}  # by the keys set and the calendar's values
    for i, values in enumerate(points):
        calendar = tuple(sorted((k, v) for k, v in values.items() if not scenario.spec(k).per_world))
        groups.setdefault((frozenset(values), calendar), []).append(i)
    per_model = CHUNK_WORLDS // max(worlds, 1)
    for group in groups.values():
        scen, per_world = _split(scenario, points[group[0]])
        for start in range(0, len(group), per_model):
            batch = group[start : start + per_model]
            overrides = {k: np.repeat([float(points[i][k]) for i in batch], worlds) for k in per_world}
            streams = Streams(seed, np.tile(np.arange(worlds), len(batch)))
            model = TruceModel(scen, worlds * len(batch), rng=streams, overrides=overrides, collect=False)
            pg, pa = _model_acceptance(model)
            for b, i in enumerate(batch):
                block = slice(b * worlds, (b + 1) * worlds)
                out[i] = _day0_means(pg[block].astype(np.float32), pa[block].astype(np.float32))
            if progress is not None:
                progress.update(len(batch))
    return out


# --- evaluating candidates in batches -----------------------------------------------------


@dataclass
class Candidate:
    """One evaluated candidate: its values, how it was found, its metrics and per-world outcomes."""

    id: int
    x: np.ndarray
    stage: str
    metrics: dict[str, float]
    worlds: dict[str, np.ndarray] = field(repr=False)


@dataclass(frozen=True)
class CandidateTask:
    """One candidate to simulate, as a task of :mod:`trucesim.run.executors`.

    ``chunk`` is the candidate's position in its batch; :meth:`run` returns the
    per-world arrays of :func:`simulate_candidate` (results come back in task
    order through :func:`trucesim.run.executors.map_ordered`).
    """

    chunk: int
    scenario: Scenario
    values: dict[str, float]
    worlds: int
    seed: int

    def run(self) -> dict[str, np.ndarray]:
        return simulate_candidate(self.scenario, self.values, self.worlds, self.seed)


def check_workers(jobs: int | None) -> None:
    """Refuse ``--workers`` beyond what run and sweep allow (:func:`trucesim.run.executors.check_options`).

    Raises :class:`~trucesim.designer.space.DesignError` in one line, before any process starts.

    >>> check_workers(1)
    """
    try:
        check_options(jobs)
    except ExecutorError as e:
        raise DesignError(str(e)) from None


class Evaluator:
    """Evaluate batches of candidates on common random numbers, with a cache.

    Each distinct candidate (after snapping) is simulated once; ``records``
    keeps them in the order they were first evaluated.  ``jobs > 1`` spreads a
    batch over worker processes (:func:`trucesim.run.executors.make_executor`);
    the numbers do not depend on it.  Use it as a context manager, or call
    :meth:`close`, to stop the workers.

    Examples
    --------
    >>> ev = Evaluator(space, worlds=1000, seed=0)                # doctest: +SKIP
    >>> [c.metrics["p_deal"] for c in ev.evaluate([[20, 10], [40, 25]], "screen")]  # doctest: +SKIP
    """

    def __init__(self, space: DesignSpace, worlds: int, seed: int, jobs: int | None = 1, on_new=None):
        self.space = space
        self.worlds = int(worlds)
        self.seed = int(seed)
        self.jobs = available_cores() if jobs is None else max(1, int(jobs))  # None: all cores, as run
        check_workers(self.jobs)
        self.on_new = on_new
        self.records: list[Candidate] = []
        self._cache: dict[tuple, Candidate] = {}
        self._executors: dict[int, Executor] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for ex in self._executors.values():
            ex.close()
        self._executors.clear()

    def _simulate(self, tasks: list[CandidateTask]):
        # a single candidate is simulated here: starting worker processes would cost more
        workers = 1 if len(tasks) == 1 else self.jobs
        if workers not in self._executors:
            self._executors[workers] = make_executor(workers=workers)
        try:
            yield from map_ordered(self._executors[workers], tasks)
        except TaskError as e:
            self._executors.pop(workers).close()  # a failed pool cannot go on
            raise RuntimeError(f"simulating candidate {e.index} of a batch failed: {e.error}\n{e.traceback}") from None

    def evaluate(self, X, stage: str) -> list[Candidate]:
        """The candidates of the rows of ``X`` (snapped), simulating the ones not seen yet."""
        X = self.space.snap(X)
        keys = [tuple(row) for row in X]
        new, seen_new = [], set()
        for key, row in zip(keys, X):
            if key not in self._cache and key not in seen_new:
                seen_new.add(key)
                new.append(row)
        if new:
            assert self.space.feasible(np.array(new)).all(), "a candidate outside the design space"
            tasks = [
                CandidateTask(i, self.space.scenario, self.space.values(row), self.worlds, self.seed)
                for i, row in enumerate(new)
            ]
            for row, worlds in zip(new, self._simulate(tasks), strict=True):
                c = Candidate(len(self.records), row, stage, summarize_worlds(worlds), worlds)
                self.records.append(c)
                self._cache[tuple(row)] = c
                if self.on_new is not None:
                    self.on_new(c)
        return [self._cache[k] for k in keys]

    def values(self, X, metric: str, stage: str) -> np.ndarray:
        """The metric of each candidate (a batch objective for :func:`search`)."""
        return np.array([c.metrics[metric] for c in self.evaluate(X, stage)])

    def table(self, objective: str) -> pd.DataFrame:
        """Every evaluated candidate: ``candidate``, ``stage``, the varied keys, the metrics."""
        rows = []
        for c in self.records:
            row = {"candidate": c.id, "stage": c.stage}
            row.update(self.space.values(c.x))
            row["objective"] = c.metrics[objective]
            row.update(c.metrics)
            rows.append(row)
        return pd.DataFrame(rows)
