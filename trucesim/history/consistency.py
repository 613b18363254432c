"""Which parameter sets keep each side's worth of continuing the war within what a text can give.

A side's reservation value today, ``R(0)`` (its ``reservation`` with the day's pressures, its
patience and leverage: :mod:`trucesim.model.pressures`), is what it must be offered to accept.
The best utility a text can give it is ``1 + truce_value`` (every term at its ideal point,
:mod:`trucesim.model.acceptance`).  Unless a source says so, no side holds out for more than
any text could give (issue 20): a set of values whose ``R(0)`` lies at or above that best
utility in some calibration round would have the side refuse even a text meeting every demand it
states.  A fit keeps only parameter sets for which, in every round, each side's ``R(0)`` lies
below its best utility (mean over the worlds of the round's context): the prior, truncated to
the consistent values (:func:`trucesim.history.calibrate.distance` gives the others a distance
above any tolerance of a fit's later generations).

Examples
--------
>>> from trucesim.config.scenario import load_scenario
>>> r = load_scenario("scenarios/rounds/april-2024.toml")
>>> consistent([r], ("actors.hamas.reservation",), np.array([[0.6], [1.4]])).tolist()  # 1.4: the old hand-set value
[True, False]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trucesim.config.scenario import Scenario
from trucesim.history.batch import particle_overrides
from trucesim.model.model import TruceModel

#: worlds per round and parameter set over which R(0) is averaged (a round's context may be uncertain)
WORLDS = 16


def round_margins(rounds: Sequence[Scenario], keys: Sequence[str], values: np.ndarray) -> np.ndarray:
    """For each parameter set (a row of ``values``, columns ``keys``) and round, the smaller margin over the
    two sides of the best utility a text can give over the side's reservation at day 0 [utility]:
    an array parameter sets × rounds."""
    k = len(values)
    out = np.full((k, len(rounds)), np.inf)
    for j, r in enumerate(rounds):
        overrides = particle_overrides(r, keys, values, WORLDS)
        m = TruceModel(r, k * WORLDS, rng=0, overrides=overrides, collect=False)
        idx = np.arange(k * WORLDS)
        for side in (m.government, m.armed_group):
            margin = (1.0 + side.truce_value[idx]) - side.reservation(idx)
            out[:, j] = np.minimum(out[:, j], margin.reshape(k, WORLDS).mean(axis=1))
    return out


def consistent(rounds: Sequence[Scenario], keys: Sequence[str], values: np.ndarray) -> np.ndarray:
    """Whether each parameter set keeps both sides' day-0 reservation below their best utility in every round."""
    return (round_margins(rounds, keys, values) > 0.0).all(axis=1)
