"""Intervals and quantiles over worlds: the one implementation of each, used by run, the designer,
history, analysis, the report and the app.

* :func:`wilson_interval`: Wilson score intervals of proportions, vectorised.  It is
  SciPy's formula (``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``)
  written for whole arrays, because a binomial test per design point takes seconds on
  a large design; ``tests/test_stats.py`` checks that it gives SciPy's numbers exactly.
* :func:`proportion_ci`: the same for one proportion, as two floats.
* :func:`mean_ci`: Student's t interval of a mean (``scipy.stats.t.interval``).
* :func:`clustered_mean_ci`: the same when the values come in correlated groups (the facts
  of one round), with a cluster-robust standard error.
* :func:`mean_ci_from_sums`: :func:`mean_ci` from a count, a sum and a sum of squares (a
  paired difference streamed chunk by chunk).
* :func:`paired_difference_ci`: the interval of a difference of two yes/no shares over the
  same worlds (Tango's score interval), and :func:`paired_difference`, a paired difference of
  two per-world arrays with its interval (Tango's for yes/no outcomes, Student's t for others).
* :func:`difference_ci`: the interval of a difference of two independent proportions
  (Newcombe's hybrid score method).
* :func:`weighted_quantiles`: ``np.quantile`` (linear interpolation) of a sample given as
  distinct values and their counts, so a streamed summary needs no sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def wilson_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals of the proportions ``k / n``, elementwise; NaN where ``n == 0``.

    Examples
    --------
    >>> lo, hi = wilson_interval([50, 0], [100, 20])
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([0.404, 0.0], [0.596, 0.161])
    """
    from scipy.special import ndtri

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        z = ndtri(0.5 + 0.5 * level)
        denom = 2 * (n + z**2)
        center = (2 * n * p + z**2) / denom
        delta = z / denom * np.sqrt(4 * n * p * (1 - p) + z**2)
        lo = np.where(k == 0, 0.0, center - delta)
        hi = np.where(k == n, 1.0, center + delta)
    empty = n <= 0
    return np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)


def proportion_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of one proportion ``k / n`` (NaN, NaN when ``n == 0``).

    Examples
    --------
    >>> [round(x, 3) for x in proportion_ci(50, 100)]
    [0.404, 0.596]
    """
    lo, hi = wilson_interval(k, n, level)
    return (float(lo), float(hi))


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student's t interval of the mean of ``x``; (NaN, NaN) below two values.

    Examples
    --------
    >>> [round(v, 3) for v in mean_ci(np.array([1.0, 2.0, 3.0]))]
    [-0.484, 4.484]
    """
    from scipy import stats

    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 2:
        return (math.nan, math.nan)
    m = float(np.mean(x))
    se = float(np.std(x, ddof=1)) / math.sqrt(n)
    if se == 0:
        return (m, m)
    lo, hi = stats.t.interval(level, n - 1, loc=m, scale=se)
    return (float(lo), float(hi))


def _cr1_variance(resid_sq: np.ndarray | float, clusters: np.ndarray | float, n: np.ndarray | float):
    """The cluster-robust (CR1) variance of a mean of ``n`` values in ``clusters`` clusters, from the sum
    over clusters of each cluster's summed residuals squared (Cameron and Miller 2015)."""
    return clusters / (clusters - 1) * resid_sq / n**2


def effective_worlds(k: np.ndarray, n: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """How many independent worlds each group of yes/no outcomes is worth, when its worlds come in clusters.

    ``k`` and ``n`` are the outcomes and worlds of each cluster (the worlds a sweep's points share:
    world ``r`` of every point has the same draws), ``group`` the group (0..``groups``-1) each
    cluster belongs to.  A group's worlds count ``n / deff``, with the design effect ``deff`` the
    cluster-robust (CR1) variance of its share over the binomial one (Kish 1965), at least 1.
    Wilson's interval on these worlds is Korn and Graubard's (1998) for proportions from clustered
    samples.  A group whose clusters are single worlds counts them all (Wilson's own interval), as
    does a share of 0 or 1 (it shows no clustering to measure); a group of one cluster counts one.

    Examples
    --------
    >>> k, n = np.array([1, 0, 1, 0]), np.array([1, 1, 1, 1])        # four worlds, one point
    >>> effective_worlds(k, n, np.zeros(4, int), 1).tolist()
    [4.0]
    >>> k, n = np.array([2, 0, 2, 0]), np.array([2, 2, 2, 2])        # two points, the same four worlds
    >>> effective_worlds(k, n, np.zeros(4, int), 1).round(2).tolist()
    [3.0]
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    total_k = np.bincount(group, weights=k, minlength=groups)
    total_n = np.bincount(group, weights=n, minlength=groups)
    clusters = np.bincount(group, minlength=groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = total_k / total_n
        resid_sq = np.bincount(group, weights=(k - p[group] * n) ** 2, minlength=groups)
        deff = np.maximum(_cr1_variance(resid_sq, clusters, total_n) / (p * (1 - p) / total_n), 1.0)
        measured = (p > 0) & (p < 1) & (clusters >= 2) & (total_n > clusters)
        out = np.where(measured, total_n / deff, np.where(clusters >= 2, total_n, clusters))
    return np.where(total_n > 0, out, 0.0)


def clustered_mean_ci(x: np.ndarray, groups: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Interval of the mean of ``x`` when its values come in correlated ``groups``.

    Values of one group (the facts of one round, which share its deal or not) are not
    independent, so the standard error is the cluster-robust one (CR1; Cameron and Miller
    2015): with residuals ``e = x - mean``, ``S_g`` their sum over group ``g``, ``N`` values
    and ``G`` groups, ``se^2 = G / (G - 1) * sum_g S_g^2 / N^2``; the interval is Student's t
    with ``G - 1`` degrees of freedom.  One value per group gives :func:`mean_ci`'s interval.
    (NaN, NaN) below two groups.

    Examples
    --------
    >>> [round(v, 3) for v in clustered_mean_ci(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 2]))]
    [-0.484, 4.484]
    >>> [round(v, 2) for v in clustered_mean_ci(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 1]))]
    [-10.21, 15.21]
    """
    from scipy import stats

    x = np.asarray(x, dtype=float)
    _, g = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = int(g.max()) + 1 if g.size else 0
    if n_groups < 2:
        return (math.nan, math.nan)
    m = float(x.mean())
    sums = np.bincount(g, weights=x - m, minlength=n_groups)
    se = math.sqrt(_cr1_variance(float(np.sum(sums * sums)), n_groups, x.size))
    if se == 0:
        return (m, m)
    lo, hi = stats.t.interval(level, n_groups - 1, loc=m, scale=se)
    return (float(lo), float(hi))


def _lerp(a, b, t):
    # numpy's linear interpolation (np.quantile, method="linear"), for exact agreement
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def weighted_quantiles(values: np.ndarray, counts: np.ndarray, qs: Sequence[float]) -> list[float]:
    """``np.quantile`` of the sorted ``values`` repeated ``counts`` times, at each of ``qs``.

    Examples
    --------
    >>> weighted_quantiles(np.array([1.0, 3.0]), np.array([2, 1]), [0.5]) == [float(np.quantile([1, 1, 3], 0.5))]
    True
    """
    n = int(counts.sum())
    cum = np.cumsum(counts)
    out = []
    for q in qs:
        pos = q * (n - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, n - 1)
        a = values[np.searchsorted(cum, lo, side="right")]
        b = values[np.searchsorted(cum, hi, side="right")]
        out.append(float(_lerp(np.float64(a), np.float64(b), pos - lo)))
    return out


def mean_ci_from_sums(n, total, total_sq, level: float = 0.95) -> tuple[float, float]:
    """Student's t interval of a mean given only ``n``, the sum and the sum of squares of the values.

    The same interval as :func:`mean_ci` over the values, for streamed data (a paired
    difference summed chunk by chunk); (NaN, NaN) below two values.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> [round(v, 3) for v in mean_ci_from_sums(3, x.sum(), (x * x).sum())]
    [-0.484, 4.484]
    """
    from scipy import stats

    n = int(n)
    if n < 2:
        return (math.nan, math.nan)
    m = float(total) / n
    var = max(0.0, (float(total_sq) - n * m * m) / (n - 1))
    se = math.sqrt(var / n)
    if se == 0:
        return (m, m)
    lo, hi = stats.t.interval(level, n - 1, loc=m, scale=se)
    return (float(lo), float(hi))


def paired_difference_ci(gained: int, lost: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Interval of a difference of two yes/no shares over the same ``n`` worlds (Tango's 1998 score interval).

    ``gained`` worlds have the outcome in the second variant only, ``lost`` in the first only;
    the difference is ``(gained - lost) / n``, in shares of worlds.  The interval is the set of
    differences that Tango's score test does not reject, so it stays honest where few worlds
    differ (none: an interval of width ``z**2 / (n + z**2)`` on each side, as Wilson's for no
    event), where the t interval of the per-world differences is far too narrow (about 63%
    coverage with one world of 20,000 changed).  Only the worlds that differ carry information;
    their count is ``gained + lost``.  (NaN, NaN) when ``n == 0``.

    Examples
    --------
    40 worlds gained and 20 lost of 160, and no world changed of 100:

    >>> [round(v, 4) for v in paired_difference_ci(40, 20, 160)]
    [0.0309, 0.2181]
    >>> [round(v, 4) for v in paired_difference_ci(0, 0, 100)]
    [-0.037, 0.037]
    """
    from scipy.optimize import brentq
    from scipy.special import ndtri

    if n <= 0:
        return (math.nan, math.nan)
    b, c, m = float(gained), float(lost), float(n)
    z = float(ndtri(0.5 + 0.5 * level))
    estimate = (b - c) / m

    def score(delta: float) -> float:
        # the restricted maximum-likelihood share of worlds lost, given the difference delta
        big_a, big_b, big_c = 2 * m, -b - c + (2 * m - b + c) * delta, -c * delta * (1 - delta)
        q = (math.sqrt(max(big_b * big_b - 4 * big_a * big_c, 0.0)) - big_b) / (2 * big_a)
        var, gap = m * (2 * q + delta * (1 - delta)), b - c - m * delta
        return 0.0 if gap == 0 else gap / math.sqrt(var) if var > 0 else math.copysign(math.inf, gap)

    edge = 1e-12
    lo = -1.0 if estimate <= -1 + edge else brentq(lambda d: score(d) - z, -1 + edge, estimate, xtol=1e-12)
    hi = 1.0 if estimate >= 1 - edge else brentq(lambda d: score(d) + z, estimate, 1 - edge, xtol=1e-12)
    return (float(lo), float(hi))


def paired_difference(a: np.ndarray, b: np.ndarray, yes_no: bool, level: float = 0.95) -> tuple[float, float, float]:
    """The mean per-world difference ``b - a`` over the same worlds, and its interval.

    ``yes_no``: the arrays are yes/no outcomes (0 or 1 per world), whose difference is one of two
    shares, with :func:`paired_difference_ci`'s interval; else they are counts or amounts, with
    Student's t interval of the differences (:func:`mean_ci`).  Said by the caller, not read off the
    values: a mean whose worlds all happen to hold 0 or 1 keeps its t interval.  Units: those of
    ``a`` and ``b`` (shares of worlds for yes/no outcomes).

    Examples
    --------
    >>> a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    >>> [round(v, 3) for v in paired_difference(a, b, yes_no=True)]
    [0.25, -0.362, 0.699]
    >>> [round(v, 3) for v in paired_difference(a, b, yes_no=False)]
    [0.25, -0.546, 1.046]
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = b - a
    if diff.size == 0:
        return (math.nan, math.nan, math.nan)
    if yes_no:
        lo, hi = paired_difference_ci(int((diff > 0).sum()), int((diff < 0).sum()), diff.size, level)
    else:
        lo, hi = mean_ci(diff, level)
    return (float(diff.mean()), lo, hi)


def difference_ci(p1: float, n1: int, p2: float, n2: int, level: float = 0.95) -> tuple[float, float]:
    """Interval of ``p2 - p1``, two independent proportions (Newcombe's hybrid score method, from Wilson intervals).

    Examples
    --------
    Newcombe's (1998) example 56/70 against 48/80:

    >>> [round(v, 4) for v in difference_ci(48 / 80, 80, 56 / 70, 70)]
    [0.0524, 0.3339]
    """
    if n1 <= 0 or n2 <= 0:
        return (math.nan, math.nan)
    lo1, hi1 = proportion_ci(round(p1 * n1), n1, level)
    lo2, hi2 = proportion_ci(round(p2 * n2), n2, level)
    d = p2 - p1
    return (d - math.sqrt((p2 - lo2) ** 2 + (hi1 - p1) ** 2), d + math.sqrt((hi2 - p2) ** 2 + (p1 - lo1) ** 2))
