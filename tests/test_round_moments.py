"""What a round may set: the terms and the context of its moment, not the sides' preferences
(issue 20).  The calibration file names the rounds in time order; every round keeps the base's
preferences, reservations, sensitivities and rationality (November 2023's too, since its base
no longer sets Hamas's weights for that moment); a round with a party that holds no seats does
not observe ``exits``.  No model outcome is asserted here."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from tests.conftest import BASELINE, ROOT
from tests.test_rounds import CALIBRATION, ROUNDS, _own_values
from trucesim.config.calibration import load_calibration
from trucesim.config.params import KIND_PARAMS
from trucesim.config.scenario import load_scenario
from trucesim.config.tomlio import read_toml

#: a side's keys that describe the moment rather than the side: whether an offensive is already under way
MOMENT_KEYS = ("offensive_daily_prob",)
MONTHS = {m: i for i, m in enumerate(calendar.month_name[1:], start=1)}


def month_of(stem: str) -> dt.date:
    """The month a round is named for: ``"march-2025"`` -> 2025-03-01.

    >>> month_of("october-2024")
    datetime.date(2024, 10, 1)
    """
    month, year = stem.rsplit("-", 1)
    return dt.date(int(year), MONTHS[month.capitalize()], 1)


def test_the_calibration_file_names_the_rounds_in_time_order():
    stems = [r.path.stem for r in load_calibration(ROOT / "calibration" / "joint.toml").rounds]
    assert stems == sorted(stems, key=month_of)
    assert sorted(stems) == sorted(p.stem for p in ROUNDS)


def test_month_of_orders_rounds_across_years():
    assert month_of("december-2023") < month_of("april-2024") < month_of("march-2025")
    with pytest.raises(KeyError):
        month_of("spring-2024")


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASELINE)


@pytest.mark.parametrize("path", ROUNDS, ids=lambda p: p.stem)
def test_a_round_keeps_the_sides_preferences_of_the_base(path, base):
    s = load_scenario(path)
    own = _own_values(read_toml(path, str(path)))
    for side in s.actors_of("government") + s.actors_of("armed_group"):
        for key in KIND_PARAMS[s.actors[side]]:
            if key in MOMENT_KEYS:
                continue
            full = f"actors.{side}.{key}"
            assert full not in own, f"{path.name}: sets {full}, a preference shared by every round"
            assert s.values[full] == base.values[full], f"{path.name}: {full} differs from the base's"


def test_the_preference_check_can_fail(tmp_path, base):
    bad = tmp_path / "bad-round.toml"
    bad.write_text(
        f'extends = "{BASELINE.as_posix()}"\n'
        '[actors.hamas]\nreservation = { value = 0.2, source = "assumption: calibrated to the outcome" }\n'
        '[observed]\ndeal = { value = false, source = "assumption: a test" }\n'
    )
    s = load_scenario(bad)
    assert "actors.hamas.reservation" in _own_values(read_toml(bad, str(bad)))
    assert s.values["actors.hamas.reservation"] != base.values["actors.hamas.reservation"]


@pytest.mark.parametrize("path", ROUNDS, ids=lambda p: p.stem)
def test_a_round_with_a_party_outside_the_coalition_does_not_observe_exits(path):
    s = load_scenario(path)
    empty = [a for a in s.actors_of("coalition_party") if s.value(f"actors.{a}.seats") == 0]
    if empty:  # a party with no seats can still "quit" in the model, which would mean nothing
        assert "exits" not in {f.fact for f in s.observed}, f"{path.name}: {empty} hold no seats"


@pytest.mark.parametrize("path", ROUNDS, ids=lambda p: p.stem)
def test_a_round_that_sets_its_own_terms_says_no_value_was_chosen_for_the_outcome(path):
    raw = read_toml(path, str(path))
    if raw.get("terms"):
        text = " ".join(line.lstrip("# ") for line in path.read_text().splitlines() if line.startswith("#"))
        assert "no value here was chosen to reproduce the outcome" in " ".join(text.split()), path.name


def test_the_new_rounds_of_issue_20_set_their_own_terms_and_context():
    for stem in CALIBRATION:
        if month_of(stem) in (month_of("november-2023"), month_of("april-2024")):
            continue  # these two take the terms of a shipped scenario of their moment
        raw = read_toml(ROOT / "scenarios" / "rounds" / f"{stem}.toml", stem)
        assert raw.get("terms") and raw.get("context"), stem
