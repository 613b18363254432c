"""The backtest: run each historical round and score the probability the model gave what happened.

For every observed fact of a round, the model's probability of it is the share of
worlds that reproduced it (:mod:`.facts`); its scores are the hit at 0.5, the Brier
score and the log score (:mod:`.scores`).  A round's scores are summed up per round
and over every round (:func:`totals`); :func:`scorecard` lays them out one row per fact.

Every round runs with the same seed, chunk by chunk (the chunks of
``trucesim run``), so the same seed gives the same numbers whatever the number of
workers, and a round scores as ``trucesim run ROUND --seed S`` simulates it.

Examples
--------
>>> from trucesim.history.rounds import load_round, round_paths
>>> r = score_round(load_round(round_paths(["april-2024"])[0]), worlds=300, seed=1)  # doctest: +SKIP
>>> scorecard([r]).columns.tolist()                                                   # doctest: +SKIP
['round', 'fact', 'observed', 'p', 'hit', 'brier', 'log']
>>> totals([r])["overall"]["facts"]                                                   # doctest: +SKIP
7
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.observed import Observed
from trucesim.config.scenario import Scenario
from trucesim.history.facts import world_hits
from trucesim.history.rounds import round_name
from trucesim.history.scores import COIN, brier, hit, log_score
from trucesim.run.chunks import CHUNK_WORLDS, RunError, check_size


@dataclass(frozen=True)
class RoundScore:
    """The model's probability of each observed fact of one round, and its scores.

    ``p[i]`` is the share of the ``worlds`` worlds (run with ``seed``) that reproduced
    ``facts[i]``; ``hit``, ``brier`` and ``log`` are arrays in the same order.

    Examples
    --------
    >>> r = RoundScore("toy", "toy.toml", (Observed("deal", "deal", False, ""),), np.array([0.8]), 1000, 0)
    >>> r.hit.tolist(), r.brier.round(2).tolist(), r.log.round(3).tolist()
    ([True], [0.04], [0.223])
    """

    name: str
    path: str
    facts: tuple[Observed, ...]
    p: np.ndarray = field(compare=False)
    worlds: int
    seed: int

    @property
    def hit(self) -> np.ndarray:
        """Whether the model's likelier outcome is what happened (``p >= 0.5``), per fact."""
        return hit(self.p)

    @property
    def brier(self) -> np.ndarray:
        """The Brier score ``(1 - p)**2`` per fact: 0 certain and right .. 1 certain and wrong."""
        return brier(self.p)

    @property
    def log(self) -> np.ndarray:
        """The log score ``-ln p`` per fact, in nats, ``p`` floored at half a world."""
        return log_score(self.p, self.worlds) + 0.0  # + 0.0: a certain fact scores 0, not -0


def score_rounds(
    rounds: Sequence[Scenario],
    worlds: int,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_worlds: int = CHUNK_WORLDS,
    on_round: Callable[[RoundScore], None] | None = None,
    force: bool | None = None,
) -> list[RoundScore]:
    """Score several rounds (scenarios with ``[observed]`` facts), their chunks run on one executor.

    ``workers`` and ``scheduler`` are those of ``trucesim sweep``
    (:func:`trucesim.run.executors.make_executor`; ``workers=1`` runs here, in this
    process).  ``on_round`` is called with each round's score as soon as it is done, in
    the rounds' order.  Only per-fact counts are kept: memory is that of one task (a group of chunks).

    Raises
    ------
    RunError
        One line: too many worlds, or a chunk that failed (which round, which chunk).
    """
    from trucesim.run.executors import TaskError, make_executor, map_ordered
    from trucesim.run.files import decode_table
    from trucesim.run.simulate import run_tasks
    from trucesim.run.workers import available_cores

    check_size(worlds, chunk_worlds, "--worlds")
    parts = 1 if workers == 1 and scheduler is None else (workers or available_cores())
    plan = [run_tasks(s, worlds, seed, chunk_worlds, parts) for s in rounds]
    owner = [(i, k) for i, tasks in enumerate(plan) for k in range(len(tasks))]
    flat = [t for tasks in plan for t in tasks]
    counts = [np.zeros(len(s.observed), dtype=np.int64) for s in rounds]
    seen = [0] * len(rounds)
    out: list[RoundScore] = []

    def add(j: int, table: pd.DataFrame) -> None:
        i, _ = owner[j]
        counts[i] += world_hits(table, rounds[i].observed).sum(axis=0)
        seen[i] += len(table)
        if owner[j][1] == len(plan[i]) - 1:  # the round's last task
            s = rounds[i]
            p = counts[i] / seen[i] if seen[i] else np.full(len(s.observed), np.nan)
            score = RoundScore(round_name(s.path), str(s.path), s.observed, p, seen[i], seed)
            out.append(score)
            if on_round is not None:
                on_round(score)

    if workers == 1 and scheduler is None:
        for j, task in enumerate(flat):
            add(j, task.table())
        return out
    with make_executor(workers=workers, scheduler=scheduler, tasks=len(flat), force=force) as ex:
        try:
            for j, data in enumerate(map_ordered(ex, flat)):
                add(j, decode_table(data))
        except TaskError as e:
            i, k = owner[e.index]
            raise RunError(
                f"round {round_name(rounds[i].path)}: {plan[i][k].label} failed: {e.error}; run the same command again "
                f"(the same seed gives the same numbers), or with --workers 1"
            ) from None
    return out


def score_round(
    scenario: Scenario, worlds: int, seed: int = 0, workers: int | None = None, chunk_worlds: int = CHUNK_WORLDS
) -> RoundScore:
    """Run one round (a scenario with ``[observed]`` facts) over ``worlds`` worlds and score each fact.

    The same worlds as ``trucesim run ROUND --worlds N --seed S``; the numbers do not
    depend on ``workers``.

    Examples
    --------
    >>> from trucesim.history.rounds import load_round, round_paths
    >>> r = score_round(load_round(round_paths(["april-2024"])[0]), 300, seed=1)  # doctest: +SKIP
    >>> [f.key for f in r.facts][:2], r.p.shape                                   # doctest: +SKIP
    (['deal', 'first_text.israel'], (7,))
    """
    return score_rounds([scenario], worlds, seed, workers=workers, chunk_worlds=chunk_worlds)[0]


def scorecard(scores: Sequence[RoundScore]) -> pd.DataFrame:
    """One row per observed fact of every round: round, fact key, what happened (text), p, hit, Brier, log.

    ``p`` is the model's probability of what happened (a share of worlds, 0..1); ``log`` is in nats.

    Examples
    --------
    >>> r = RoundScore("toy", "toy.toml", (Observed("deal", "deal", False, ""),), np.array([0.8]), 1000, 0)
    >>> scorecard([r]).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'round': 'toy', 'fact': 'deal', 'observed': 'false', 'p': 0.8, 'hit': True, 'brier': 0.03999999999999998,
     'log': 0.2231435513142097}
    """
    rows = [
        {
            "round": s.name,
            "fact": f.key,
            "observed": f.value_text(),
            "p": float(s.p[i]),
            "hit": bool(s.hit[i]),
            "brier": float(s.brier[i]),
            "log": float(s.log[i]),
        }
        for s in scores
        for i, f in enumerate(s.facts)
    ]
    return pd.DataFrame(rows, columns=["round", "fact", "observed", "p", "hit", "brier", "log"])


def _total(facts: int, hits: int, briers: np.ndarray, logs: np.ndarray) -> dict:
    mean = lambda x: float(np.mean(x)) if len(x) else None
    return {"facts": int(facts), "hits": int(hits), "brier": mean(briers), "log": mean(logs)}


def totals(scores: Sequence[RoundScore]) -> dict:
    """The scores summed up per round and over every fact of every round, as a plain dict (for JSON).

    ``{"rounds": {name: {"facts", "hits", "brier", "log"}}, "overall": {...}, "coin": {"brier", "log"}}``:
    the count of facts and of hits, the mean Brier score and the mean log score (nats);
    ``coin`` is the reference of a forecast giving every fact a half chance (lower is better).

    Examples
    --------
    >>> r = RoundScore("toy", "toy.toml", (Observed("deal", "deal", False, ""),), np.array([0.8]), 1000, 0)
    >>> t = totals([r])
    >>> t["overall"]["facts"], t["overall"]["hits"], round(t["overall"]["brier"], 2), t["coin"]["brier"]
    (1, 1, 0.04, 0.25)
    """
    rounds = {s.name: _total(len(s.facts), int(s.hit.sum()), s.brier, s.log) for s in scores}
    all_brier = np.concatenate([s.brier for s in scores]) if scores else np.zeros(0)
    all_log = np.concatenate([s.log for s in scores]) if scores else np.zeros(0)
    overall = _total(len(all_brier), sum(int(s.hit.sum()) for s in scores), all_brier, all_log)
    return {"rounds": rounds, "overall": overall, "coin": dict(COIN)}


def to_dict(scores: Sequence[RoundScore], fitted: str | Path | None = None) -> dict:
    """The whole backtest as a plain dict (what ``trucesim backtest --format json`` prints).

    Keys: ``worlds``, ``seed``, ``fitted`` (the parameter file applied, or None), ``rounds``
    (per round: ``round``, ``path``, ``facts`` with ``fact``, ``observed``, ``source``, ``p``,
    ``hit``, ``brier``, ``log``), and the :func:`totals` ``totals``.

    Examples
    --------
    >>> r = RoundScore("toy", "toy.toml", (Observed("deal", "deal", False, "news"),), np.array([0.8]), 1000, 0)
    >>> sorted(to_dict([r]))
    ['fitted', 'rounds', 'seed', 'totals', 'worlds']
    """
    card = scorecard(scores)
    rounds = []
    for s in scores:
        rows = card[card["round"] == s.name].drop(columns="round").to_dict("records")
        for row, f in zip(rows, s.facts, strict=True):
            row["source"] = f.source
        rounds.append({"round": s.name, "path": s.path, "worlds": s.worlds, "facts": rows})
    return {
        "worlds": scores[0].worlds if scores else 0,
        "seed": scores[0].seed if scores else 0,
        "fitted": None if fitted is None else str(fitted),
        "rounds": rounds,
        "totals": totals(scores),
    }


def fit_check(
    rounds: Sequence[Scenario], fitted: Path, seed: int, worlds: int, workers=None, scheduler=None
) -> tuple[dict, list[RoundScore], list[RoundScore]]:
    """Each round's facts scored before and after a fit: the rounds as files, then with the parameter
    file ``fitted`` applied (:func:`~trucesim.config.scenario.apply_parameter_file`), on the same
    ``worlds`` worlds per round and ``seed``.

    Returns what ``backtest.json`` holds (``worlds``, ``seed``, ``facts``: each ``round:fact``'s
    ``observed`` fact and its probabilities ``before`` and ``after``, shares of worlds; ``totals``
    before and after, as :func:`totals`), and the two lists of scores.
    """
    from trucesim.config.scenario import apply_parameter_file

    # one call, so one pool (or Dask cluster) for both: each round's worlds do not depend on the others
    fitted_rounds = [apply_parameter_file(r, fitted) for r in rounds]
    scores = score_rounds([*rounds, *fitted_rounds], worlds, seed, workers=workers, scheduler=scheduler)
    before, after = scores[: len(rounds)], scores[len(rounds) :]
    facts = {}
    for r, b, a in zip(rounds, before, after, strict=True):
        for o, pb, pa in zip(r.observed, b.p, a.p, strict=True):
            facts[f"{r.path.stem}:{o.key}"] = {"observed": o.shown(), "before": float(pb), "after": float(pa)}
    totals_ = {"before": totals(before), "after": totals(after)}
    return {"worlds": worlds, "seed": seed, "facts": facts, "totals": totals_}, before, after
