"""Utility and acceptance: how a side weighs a proposal and answers it.

A side's utility of terms ``x`` (each normalised to ``[0, 1]``) is the weighted
mean closeness to its ideal point, plus the worth of a truce as such::

    U(x) = sum_k w_k (1 - |x_k - ideal_k|) / sum_k w_k + truce_value

It accepts with the logit (quantal response) probability

    P(accept) = 1 / (1 + exp(-lambda * gap)),   gap = U(x) - R(t)

where ``R(t)`` is its worth of continuing the war today (:mod:`trucesim.model.pressures`)
and ``lambda`` its rationality; the decision gap may carry more than ``U - R``
(the government's survival, :mod:`trucesim.model.coalition`), and a demand that
cannot be met as written has probability zero.  :func:`acceptance` is the one
place this logit is written: answers, the mediators' estimates, the permanent
end and the designer all call it (McKelvey and Palfrey 1995 on quantal response).

Examples
--------
>>> float(acceptance(np.array([4.0]), np.array([0.0]))[0])
0.5
>>> acceptance(np.array([4.0, 4.0]), np.array([0.5, 0.5]), np.array([True, False])).round(3).tolist()
[0.881, 0.0]
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

#: answers to a tabled proposal
PENDING, ACCEPT, COUNTER, REJECT = 0, 1, 2, 3
ANSWER_NAMES = {ACCEPT: "accept", COUNTER: "counter", REJECT: "reject"}


def closeness_utility(x: np.ndarray, ideal: np.ndarray, weights: np.ndarray, truce_value: np.ndarray) -> np.ndarray:
    """Utility of normalised terms ``x`` (worlds x terms) given ideal points and normalised weights.

    ``ideal`` and ``weights`` are per-world ``(n, 12)`` arrays or a single shared
    row ``(1, 12)``; ``truce_value`` is per world.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0]]); ideal = np.array([[1.0, 1.0]]); w = np.array([[0.5, 0.5]])
    >>> closeness_utility(x, ideal, w, np.array([0.1])).tolist()
    [0.6]
    """
    close = 1.0 - np.abs(x - ideal)
    # einsum, not BLAS (`close @ weights[0]`): BLAS rounds a row differently by its place in the
    # array, and a world's numbers must not depend on which other worlds share its model
    return np.einsum("ij,ij->i", close, np.broadcast_to(weights, close.shape)) + truce_value


def acceptance(rationality: np.ndarray, gap: np.ndarray, feasible: np.ndarray | None = None) -> np.ndarray:
    """Logit probability of accepting, ``expit(rationality * gap)``, zero where not ``feasible``.

    ``gap`` is the utility of the terms minus the side's reservation (utility units, per world);
    ``rationality`` the logit's slope (per utility unit): large is near-deterministic.

    >>> acceptance(np.array([2.0, 2.0, 50.0]), np.array([0.0, 1.0, -0.1]), np.array([True, False, True])).round(3).tolist()
    [0.5, 0.0, 0.007]
    """
    p = expit(rationality * gap)
    return p if feasible is None else p * feasible


def answer(p: np.ndarray, u: np.ndarray, counter_gap: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """ACCEPT where ``u < p``; else COUNTER where the side's own counter-proposal would clear its
    reservation (``counter_gap > 0``: it would accept its own counter more often than not) or the
    demand cannot be met as written; else REJECT (not even its counter is worth a truce to it).
    ``u`` are uniforms drawn once per round and answer.

    Examples
    --------
    >>> answer(np.array([0.9, 0.1, 0.1]), np.array([0.5, 0.5, 0.5]), np.array([0.0, 0.2, -0.1]),
    ...        np.ones(3, bool)).tolist()
    [1, 2, 3]
    """
    accept = u < p
    counter = ~accept & ((counter_gap > 0) | ~feasible)
    return np.where(accept, ACCEPT, np.where(counter, COUNTER, REJECT)).astype(np.int8)


def counter_proposal(terms: np.ndarray, ideal: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Terms moved ``step`` of the way from ``terms`` toward the raw ``ideal`` terms (same units).

    ``terms`` and ``ideal`` are worlds × terms; ``step`` (one share 0..1 per world) is how far.

    >>> counter_proposal(np.array([[20.0, 0.0]]), np.array([[60.0, 1.0]]), np.array([0.5])).tolist()
    [[40.0, 0.5]]
    """
    return terms + step[:, None] * (ideal - terms)
