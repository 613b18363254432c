"""Compiled kernels for the model's hot loops (numba), each a function of arrays.

Each kernel computes, world by world in one compiled loop, what a chain of
numpy operations over all worlds computes: the same operations on each
number, in the same order, so the results are equal to the last bit (tests in
``tests/test_kernels.py`` compare them with the numpy forms they replace).
Kernels are compiled on first use and cached on disk (``cache=True``), so a
new process pays the compilation once per machine, not once per run.

Examples
--------
One partner of 10 seats in a coalition of 64 that needs 61, no safety net: if it
quits (probability 0.5 when pivotal) the government falls.

>>> fall_paths(np.array([64.0]), np.array([61.0]), np.array([0.0]), np.array([0.0]), np.array([False]),
...            np.array([[10.0]]), np.array([[0.2]]), np.array([[0.5]])).tolist()
[0.5]
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def fall_paths(
    seats: np.ndarray,
    majority: np.ndarray,
    net_seats: np.ndarray,
    net_cred: np.ndarray,
    net_covers: np.ndarray,
    party_seats: np.ndarray,
    base: np.ndarray,
    when_pivotal: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled; its Python twin is tested in tests/test_kernels.py
    """Chance that the government falls, summed over the safety net's two states and every path of decisions.

    Parameters
    ----------
    seats, majority, net_seats, net_cred : arrays (m,)
        Per world: the coalition's seats now, the seats a majority needs, the safety net's
        seats and its chance of holding (0..1).
    net_covers : bool array (m,)
        Per world, whether the net would replace every partner whose red line the deal
        crosses (:func:`trucesim.model.coalition.net_covers`): only there do the partners
        count on it when it holds; elsewhere they judge pivotality as if it did not.
    party_seats, base, when_pivotal : arrays (L, m)
        Per partner still deciding, in the order they decide: its seats, its chance of
        quitting when not pivotal and when pivotal (0..1).

    Returns
    -------
    array (m,)
        The probability that the seats left fall short of the majority (less the net's
        seats when it holds), summed over the paths with the net holding first, then
        failing; within each, the paths in the order of the decisions, quitting before
        staying (the order :meth:`trucesim.model.coalition.Coalition.fall_probability`
        sums them in).
    """
    m = seats.size
    parties = party_seats.shape[0]
    paths = 1 << parties
    out = np.zeros(m)
    for j in range(m):
        total = 0.0
        for net in range(2):
            if net == 0:
                short = majority[j] - net_seats[j]
                weight = net_cred[j]
                pivot = short if net_covers[j] else majority[j]
            else:
                short = majority[j]
                weight = 1.0 - net_cred[j]
                pivot = short
            for path in range(paths):
                # bit (parties - 1 - i) of `path` is 1 where partner i stays: path 0 quits at every step
                prob = 1.0
                left = seats[j]
                for i in range(parties):
                    after = left - party_seats[i, j]
                    q = when_pivotal[i, j] if after < pivot else base[i, j]
                    if (path >> (parties - 1 - i)) & 1:
                        prob = prob * (1.0 - q)
                    else:
                        prob = prob * q
                        left = after
                total += weight * prob * (1.0 if left < short else 0.0)
        out[j] = total
    return out


@njit(cache=True, nogil=True)
def utility(
    terms: np.ndarray,
    idx: np.ndarray,
    scales: np.ndarray,
    hostages: int,
    remains: int,
    released: np.ndarray,
    remains_released: np.ndarray,
    remains_held: np.ndarray,
    living0: np.ndarray,
    ideal: np.ndarray,
    weights: np.ndarray,
    truce_value: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled; tested against the numpy form in tests/test_kernels.py
    """A side's utility of raw ``terms`` (rows for worlds ``idx``), hostages and remains over the whole exchange.

    Per row: each term normalised (divided by its scale; the hostages, with those released
    before, by the living hostages of day 0; the remains, with those returned, by all the
    remains), clipped to 0..1, then ``sum_k weights_k (1 - |x_k - ideal_k|) + truce_value``.
    ``ideal`` and ``weights`` are per world (``(n, 12)``) or one shared row (``(1, 12)``);
    ``released``, ``remains_released``, ``remains_held``, ``living0`` and ``truce_value``
    are over all worlds.  The numbers of :meth:`trucesim.model.agents.Principal.utility`,
    summed term by term (so equal to it within rounding, not bit for bit).
    """
    m = idx.size
    k = terms.shape[1]
    out = np.empty(m)
    shared_ideal = ideal.shape[0] == 1
    shared_weights = weights.shape[0] == 1
    for j in range(m):
        w = idx[j]
        wi = 0 if shared_ideal else w
        ww = 0 if shared_weights else w
        total = 0.0
        for c in range(k):
            v = terms[j, c]
            if c == hostages:
                v = (v + released[w]) / max(living0[w], 1.0)
            elif c == remains:
                v = (v + remains_released[w]) / max(remains_held[w] + remains_released[w], 1.0)
            else:
                v = v / scales[c]
            v = min(max(v, 0.0), 1.0)
            total += weights[ww, c] * (1.0 - abs(v - ideal[wi, c]))
        out[j] = total + truce_value[w]
    return out


__all__ = ["fall_paths", "utility"]
