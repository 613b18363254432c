"""How far a particle's simulated facts lie from what happened: the distance every fit uses.

A particle's summary statistics are the shares of worlds that reproduce each observed fact
of each round (:mod:`trucesim.history.facts`); what happened is 1 for every fact, so the
distance is how far those shares fall short, averaged per round so that each round counts
the same, with the overlapping facts of a round counted once.

Examples
--------
>>> round_distances("brier", ["a:deal", "a:exits"], np.array([[0.5, 1.0], [1.0, 1.0]]), 100).tolist()
[0.125, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from trucesim.history.scores import brier, log_score

if TYPE_CHECKING:
    from trucesim.config.scenario import Scenario

#: the summary statistic saying whether a particle's values are consistent (:mod:`trucesim.history.consistency`)
CONSISTENT = "consistent reservations"
#: facts that are largely one outcome in a round: scored together, once (:func:`distance`)
OVERLAPPING = ("deal", "hostages_released", "permanent_end")
#: the distance of an inconsistent particle: above any score, so no tolerance of a fit's later generations admits it
INCONSISTENT = 10.0


def fact_scores(kind: str, p: np.ndarray, worlds: int) -> np.ndarray:
    """Each share's score as a distance (:mod:`trucesim.history.scores`): Brier, log, or ``1 - p`` for ``absolute``.

    >>> fact_scores("absolute", np.array([0.25, 1.0]), 100).tolist()
    [0.75, 0.0]
    """
    if kind == "brier":
        return brier(p)
    if kind == "log":
        return log_score(p, worlds)
    return 1.0 - np.asarray(p, dtype=float)


def round_distances(kind: str, names: Sequence[str], shares: np.ndarray, worlds: int) -> np.ndarray:
    """Each particle's distance on one round: ``shares`` is particles × the round's facts (named ``names``,
    ``round:fact``); each fact's :func:`fact_scores` averaged, with the facts of :data:`OVERLAPPING` (a deal,
    the hostages released, a permanent end: largely one outcome) counted once, as the mean of their scores.

    >>> round_distances("brier", ["a:deal", "a:permanent_end", "a:exits"], np.array([[0.5, 0.5, 1.0]]), 100).tolist()
    [0.125]
    """
    s = fact_scores(kind, np.atleast_2d(shares), worlds)
    together = [i for i, n in enumerate(names) if n.rsplit(":", 1)[-1] in OVERLAPPING]
    alone = [i for i in range(len(names)) if i not in together]
    parts = [s[:, alone]] + ([s[:, together].mean(axis=1, keepdims=True)] if together else [])
    return np.concatenate(parts, axis=1).mean(axis=1)


def fact_labels(rounds: Sequence[Scenario]) -> list[list[str]]:
    """Each round's observed facts as the fits name them, ``round:fact`` (one list per round)."""
    return [[f"{r.path.stem}:{o.key}" for o in r.observed] for r in rounds]


def distances_by_round(
    kind: str, labels: Sequence[Sequence[str]], shares: Sequence[np.ndarray], worlds: int
) -> np.ndarray:
    """Each particle's :func:`round_distances` on each round (particles × rounds); ``labels`` and ``shares``
    hold one entry per round, at least one (:func:`fact_labels`; particles × the round's facts)."""
    return np.column_stack([round_distances(kind, g, s, worlds) for g, s in zip(labels, shares, strict=True)])


def distance(kind: str, groups: list[list[str]], worlds: int) -> Callable[[dict, dict], float]:
    """The distance between a particle's fact shares and what happened (every fact observed: 1).

    ``groups`` lists each round's summary-statistic names (``round:fact``); each round's
    :func:`round_distances`, then their mean over rounds, so that each round counts the same.
    A particle outside the consistent values (:mod:`trucesim.history.consistency`) gets
    :data:`INCONSISTENT`.

    >>> d = distance("brier", [["a:deal"], ["b:deal", "b:exits"]], worlds=100)
    >>> d({"a:deal": 1.0, "b:deal": 0.5, "b:exits": 1.0}, {})
    0.0625
    """

    def d(x: dict, x0: dict) -> float:
        if x.get(CONSISTENT, 1.0) < 1.0:  # outside the consistent values: the truncated prior excludes it
            return INCONSISTENT
        rounds = [round_distances(kind, g, np.array([[x[name] for name in g]]), worlds)[0] for g in groups]
        return float(np.mean(rounds))

    return d
