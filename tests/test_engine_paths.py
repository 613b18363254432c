"""Paths the engine takes to save work change no outcome."""

from __future__ import annotations

import pandas as pd

from trucesim.config.scenario import load_scenario
from trucesim.model.model import TruceModel
from trucesim.run.outcomes import outcome_table

from .conftest import SCENARIOS


def test_a_model_without_daily_aggregates_has_the_same_outcomes():
    scenario = load_scenario(SCENARIOS / "april-2024-uncertain.toml")
    kept = TruceModel(scenario, 2_000, rng=3).run()
    skipped = TruceModel(scenario, 2_000, rng=3, collect=False).run()
    pd.testing.assert_frame_equal(outcome_table(skipped), outcome_table(kept), check_exact=True)
    assert len(kept.datacollector.get_model_vars_dataframe()) == kept.horizon + 1
    assert skipped.datacollector.get_model_vars_dataframe().empty
