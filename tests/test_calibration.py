"""Calibration against the known outcomes (docs/ODD.md, section 1): 20,000 worlds, fixed seed."""

from __future__ import annotations

import pytest

from trucesim.config.scenario import load_scenario
from trucesim.run.metrics import summarize
from trucesim.run.simulate import simulate

from .conftest import BASELINE, NOVEMBER

WORLDS = 20_000
SEED = 2024


@pytest.fixture(scope="module")
def november():
    s = load_scenario(NOVEMBER)
    return summarize(simulate(s, WORLDS, SEED), s, SEED)


@pytest.fixture(scope="module")
def april():
    s = load_scenario(BASELINE)
    return summarize(simulate(s, WORLDS, SEED), s, SEED)


def test_november_2023_pause_is_far_likelier_than_april_2024(november, april):
    # with the sides' preferences shared by every round (november-2023.toml no longer sets Hamas's
    # weights for that moment: issue 20), the fitted model signs it in about one world in eight,
    # more than twice April 2024's (the hand-set 80%, then three times April's under that moment's
    # own weights, yielded: docs/validation.md, "What yielded to the data")
    assert november["p_deal_ci"][0] >= 2 * april["p_deal_ci"][1]  # not just the point estimates
    # Hamas accepts a text in about one world in seven (0.14): the fit keeps the draws that refuse
    # most texts of the ten rounds that ended without a deal (the hand-set 0.4 yielded)
    assert november["p_accept"]["israel"] > 0.9 and november["p_accept"]["hamas"] > 0.1


def test_november_2023_releases_near_the_record(november):
    # 81 hostages were released under the November 2023 deal (105 with the foreign nationals freed alongside it); a deal of the model releases
    # a number of that order (50 in the first phase, more with extensions)
    assert 50 <= november["hostages_released_mean"] / november["p_deal"] <= 160


def test_april_2024_impasse(april):
    assert april["p_deal"] <= 0.25
    assert april["p_deal_ci"][1] <= 0.25
    assert april["p_accept"]["hamas"] < april["p_accept"]["israel"]


def test_april_2024_coalition_threats_matter(april):
    # far-right partners quit in some worlds; the core never does
    assert april["p_exit"]["coalition_core"] == 0
    assert april["p_exit"]["otzma_yehudit"] > 0 and april["p_exit"]["religious_zionism"] > 0
