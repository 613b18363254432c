"""The one implementation of intervals and quantiles (trucesim.run.stats) gives SciPy's and numpy's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from trucesim.run.stats import (
    clustered_mean_ci,
    mean_ci,
    mean_ci_from_sums,
    paired_difference,
    paired_difference_ci,
    proportion_ci,
    weighted_quantiles,
    wilson_interval,
)


def _random_counts(seed: int, size: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 20_000, size)
    n[:10] = rng.integers(1, 12, 10)  # very small samples too
    k = (rng.random(size) * (n + 1)).astype(np.int64)
    k[:5], k[5:10] = 0, n[5:10]  # k = 0 and k = n
    return k, n


@pytest.mark.parametrize("level", [0.95, 0.9, 0.99])
def test_wilson_interval_is_scipys_exactly(level):
    k, n = _random_counts(int(level * 100))
    lo, hi = wilson_interval(k, n, level)
    for a, b, x, y in zip(k.tolist(), n.tolist(), lo.tolist(), hi.tolist()):
        ci = stats.binomtest(a, b).proportion_ci(confidence_level=level, method="wilson")
        assert (x, y) == (ci.low, ci.high), (a, b)


def test_proportion_ci_is_scipys_exactly():
    k, n = _random_counts(1, 100)
    for a, b in zip(k.tolist(), n.tolist()):
        ci = stats.binomtest(a, b).proportion_ci(method="wilson")
        assert proportion_ci(a, b) == (ci.low, ci.high)
    assert all(math.isnan(x) for x in proportion_ci(0, 0))


def test_wilson_interval_of_no_worlds_is_nan():
    lo, hi = wilson_interval([0, 3], [0, 10])
    assert math.isnan(lo[0]) and math.isnan(hi[0]) and not math.isnan(lo[1])


@pytest.mark.parametrize("seed", range(20))
def test_mean_ci_is_the_t_interval(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 3), int(rng.integers(2, 500)))
    expected = stats.t.interval(0.95, x.size - 1, loc=np.mean(x), scale=stats.sem(x))
    assert mean_ci(x) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    lo, hi = mean_ci(x, 0.8)
    assert (lo, hi) == pytest.approx(
        stats.t.interval(0.8, x.size - 1, loc=np.mean(x), scale=stats.sem(x)), rel=1e-12, abs=1e-12
    )


def test_mean_ci_edge_cases():
    assert all(math.isnan(v) for v in mean_ci(np.array([1.0])))
    assert mean_ci(np.array([2.0, 2.0, 2.0])) == (2.0, 2.0)


@pytest.mark.parametrize("seed", range(10))
def test_clustered_mean_ci_of_equal_groups_is_the_t_interval_of_their_means(seed):
    # with groups of one size the CR1 standard error is the standard error of the group means
    rng = np.random.default_rng(seed)
    g, n = int(rng.integers(2, 15)), int(rng.integers(1, 9))
    x = rng.normal(size=(g, n)) + rng.normal(size=(g, 1))
    groups = np.repeat(rng.permutation(g), n)  # any labels, in any order
    assert clustered_mean_ci(x.ravel(), groups) == pytest.approx(mean_ci(x.mean(axis=1)), rel=1e-9)


def test_clustered_mean_ci_covers_the_mean_of_correlated_groups_where_the_plain_interval_does_not():
    # 11 groups of 7 values sharing half their variance (a group effect): the plain t interval treats
    # 77 values as independent and is too narrow; the clustered one keeps about its 95%
    rng = np.random.default_rng(2026)
    groups = np.repeat(np.arange(11), 7)
    plain = clustered = 0
    reps = 2000
    for _ in range(reps):
        x = np.repeat(rng.normal(size=11), 7) + rng.normal(size=77)
        lo, hi = clustered_mean_ci(x, groups)
        clustered += lo <= 0 <= hi
        lo, hi = mean_ci(x)
        plain += lo <= 0 <= hi
    assert clustered / reps > 0.92, clustered / reps
    assert plain / reps < 0.85, plain / reps


@pytest.mark.parametrize("changed", [1, 3])
def test_the_paired_interval_of_a_probability_keeps_its_95_percent_where_few_worlds_change(changed):
    # 20,000 worlds of which `changed` are expected to gain the outcome (trucesim compare of a small
    # change): the t interval of the per-world differences is far too narrow (0.63 and 0.80 measured
    # over 4,000 comparisons), Tango's score interval keeps about its 95%
    rng = np.random.default_rng(11)
    n, reps = 20_000, 1000
    gained = rng.binomial(n, changed / n, reps)
    tango = t = 0
    for g in gained:
        lo, hi = paired_difference_ci(int(g), 0, n)
        tango += lo <= changed / n <= hi
        lo, hi = mean_ci_from_sums(n, g, g)
        t += lo <= changed / n <= hi  # NaN (no world changed) covers nothing
    assert tango / reps > 0.94, tango / reps
    if changed == 1:
        assert t / reps < 0.8, t / reps


def test_the_paired_interval_is_where_tangos_score_test_sits_on_its_critical_value():
    z = stats.norm.ppf(0.975)
    for b, c, n in [(40, 20, 160), (1, 7, 21), (6, 16, 161), (3, 0, 20_000)]:
        lo, hi = paired_difference_ci(b, c, n)
        for delta, want in ((lo, z), (hi, -z)):
            # the restricted maximum-likelihood share of worlds lost (Tango 1998, eq. 8), then the statistic
            big_b = -b - c + (2 * n - b + c) * delta
            q = (math.sqrt(big_b**2 + 8 * n * c * delta * (1 - delta)) - big_b) / (4 * n)
            score = (b - c - n * delta) / math.sqrt(n * (2 * q + delta * (1 - delta)))
            assert score == pytest.approx(want, abs=1e-6)
        assert lo < (b - c) / n < hi


def test_paired_interval_edge_cases():
    z2 = stats.norm.ppf(0.975) ** 2
    assert paired_difference_ci(0, 0, 100) == pytest.approx((-z2 / (100 + z2), z2 / (100 + z2)), abs=1e-12)
    assert paired_difference_ci(5, 0, 5)[1] == 1.0 and paired_difference_ci(0, 5, 5)[0] == -1.0
    assert all(math.isnan(v) for v in paired_difference_ci(0, 0, 0))
    a, b = np.array([0, 1, 1, 0, 1]), np.array([1, 1, 0, 0, 1])
    assert paired_difference(a, b, yes_no=True)[1:] == paired_difference_ci(1, 1, 5)
    assert paired_difference(a, b, yes_no=False)[1:] == mean_ci(b - a)  # a mean of 0/1 values keeps its t interval
    x, y = np.array([0.0, 2.0, 5.0]), np.array([1.0, 2.0, 7.0])
    assert paired_difference(x, y, yes_no=False) == (1.0, *mean_ci(y - x))


def test_clustered_mean_ci_edge_cases():
    assert all(math.isnan(v) for v in clustered_mean_ci(np.array([1.0, 2.0]), np.array([3, 3])))
    assert clustered_mean_ci(np.array([2.0, 2.0, 2.0]), np.array([0, 1, 1])) == (2.0, 2.0)


QS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


@pytest.mark.parametrize("seed", range(30))
def test_weighted_quantiles_are_np_quantile_of_the_sample(seed):
    rng = np.random.default_rng(seed)
    sample = rng.choice(rng.normal(50, 20, int(rng.integers(1, 40))), int(rng.integers(1, 3000)))
    values, counts = np.unique(sample, return_counts=True)
    got = weighted_quantiles(values, counts, QS)
    assert got == [float(np.quantile(sample, q)) for q in QS]  # exactly: the same interpolation
    days = rng.integers(0, 180, int(rng.integers(1, 500))).astype(float)
    values, counts = np.unique(days, return_counts=True)
    assert weighted_quantiles(values, counts, QS) == [float(np.quantile(days, q)) for q in QS]
