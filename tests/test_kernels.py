"""The compiled kernels (trucesim.model.kernels) compute what the numpy forms they replace compute.

``fall_paths`` is checked bit for bit against the path-by-path sum in ``tests/test_speed_exact.py``
(through :meth:`Coalition.fall_probability`); the utility kernel sums term by term where numpy's
einsum may pair terms, so it is checked to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from trucesim.config.scenario import load_scenario
from trucesim.config.terms import HOSTAGES, REMAINS, SCALES, normalise
from trucesim.model import kernels
from trucesim.model.acceptance import closeness_utility
from trucesim.model.hostages import whole_exchange
from trucesim.model.model import TruceModel

from .conftest import SCENARIOS


@pytest.mark.parametrize("name", ["april-2024.toml", "april-2024-uncertain.toml"])
def test_utility_kernel_is_the_numpy_utility(name):
    m = TruceModel(load_scenario(SCENARIOS / name), 3_000, rng=2)
    for _ in range(40):  # deaths, releases and revisions under way
        m.step()
    ag = m.armed_group
    idx = np.flatnonzero(np.arange(m.n_worlds) % 3 != 1)
    rng = np.random.default_rng(0)
    terms = m.terms[idx] * rng.uniform(0.5, 1.5, (idx.size, 1))  # other texts too, some beyond the scales
    for side in (m.government, ag):
        x = normalise(*whole_exchange(ag, terms, idx))
        ideal = side.ideal if side.ideal.shape[0] == 1 else side.ideal[idx]
        weights = side.weights if side.weights.shape[0] == 1 else side.weights[idx]
        expected = closeness_utility(x, ideal, weights, side.truce_value[idx])
        got = kernels.utility(
            terms, idx, SCALES, HOSTAGES, REMAINS, ag.released, ag.remains_released, ag.remains_held,
            ag.living0, side.ideal, side.weights, side.truce_value,
        )  # fmt: skip
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        assert not np.allclose(got, expected[::-1])  # the comparison can fail


def test_fall_paths_sums_the_paths_in_order():
    """Two partners of 5 seats in a coalition of 70 that needs 61, no net: only when both quit does it
    fall (the first quits as a non-pivotal partner, 0.1; then the second is pivotal, 0.4)."""
    one = np.ones(1)
    got = kernels.fall_paths(
        70 * one, 61 * one, 0 * one, 0 * one, one < 0,
        np.full((2, 1), 5.0), np.array([[0.1], [0.2]]), np.array([[0.3], [0.4]]),
    )  # fmt: skip
    assert got[0] == pytest.approx(0.1 * 0.4)
    # with 64 seats the first is pivotal (59 < 61): it quits with 0.3, then any path with an exit falls
    got = kernels.fall_paths(
        64 * one, 61 * one, 0 * one, 0 * one, one < 0,
        np.full((2, 1), 5.0), np.array([[0.1], [0.2]]), np.array([[0.3], [0.4]]),
    )  # fmt: skip
    assert got[0] == pytest.approx(0.3 + 0.7 * 0.4)
