"""The historical rounds (scenarios/rounds): they load, every value and fact is sourced, the
calibration set is complete, a bad ``[observed]`` table gets a one-line error, and ``list`` and
``check`` show rounds for what they are.  No model outcome number is asserted here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trucesim.config.scenario import ScenarioError, load_scenario
from trucesim.config.tomlio import read_toml

from .conftest import BASELINE, SCENARIOS, assert_one_line_error, cli

ROUNDS = sorted((SCENARIOS / "rounds").glob("*.toml"))
#: the calibration set (issues 10 and 20), in time order; other periods are kept out to test the model
#: out of sample, so no other round may be shipped
CALIBRATION = (
    "november-2023",
    "december-2023",
    "april-2024",
    "july-2024",
    "august-2024",
    "october-2024",
    "march-2025",
    "april-2025",
    "june-2025",
    "july-2025",
    "august-2025",
)
#: how a source must begin: a cited figure or record, or a stated assumption
SOURCED = re.compile(r"^(cited public (figure|record)s?|assumption)\b.*\S")
#: an actor's keys that are labels, not values
NOT_VALUES = ("kind", "label", "target")


def _own_values(raw: dict) -> dict[str, object]:
    """Every value a round file sets itself (not through ``extends``), by dotted key."""
    out: dict[str, object] = {}

    def walk(prefix: str, table: dict) -> None:
        for k, v in table.items():
            key = f"{prefix}.{k}"
            if isinstance(v, dict) and not ({"value", "dist"} & set(v)):
                walk(key, v)
            elif not (prefix.startswith("actors.") and prefix.count(".") == 1 and k in NOT_VALUES):
                out[key] = v

    for section in ("terms", "context", "protocol", "actors"):
        walk(section, raw.get(section, {}))
    return out


def test_the_eleven_calibration_rounds_and_no_other_are_shipped():
    stems = [p.stem for p in ROUNDS]
    assert len(CALIBRATION) == 11
    assert sorted(stems) == sorted(CALIBRATION), stems
    for p in ROUNDS:
        assert load_scenario(p).meta["name"] == f"round-{p.stem}"


@pytest.mark.parametrize("path", ROUNDS, ids=lambda p: p.stem)
def test_a_round_loads_and_every_fact_is_sourced(path):
    s = load_scenario(path)
    assert s.observed, f"{path.name}: no [observed] table"
    for fact in s.observed:
        assert fact.source != "not stated", f"{path.name}: {fact.key} has no source"
        assert SOURCED.match(fact.source), f"{path.name}: {fact.key}: {fact.source!r}"
    assert {"deal", "first_text"} <= {fact.fact for fact in s.observed}


@pytest.mark.parametrize("path", ROUNDS, ids=lambda p: p.stem)
def test_every_value_a_round_sets_is_sourced(path):
    raw = read_toml(path, str(path))
    assert raw.get("extends"), f"{path.name}: a round extends a base scenario"
    s = load_scenario(path)
    for key, v in _own_values(raw).items():
        assert isinstance(v, dict) and isinstance(v.get("source"), str), f"{path.name}: {key} has no source"
        assert SOURCED.match(v["source"]), f"{path.name}: {key}: {v['source']!r}"
        assert s.sources[key] == v["source"]  # the round's own value is the one the scenario holds


def test_the_walk_finds_an_unsourced_value(tmp_path):
    raw = {
        "terms": {"pause_days": 42, "withdrawal": {"value": 0.5, "source": "assumption: x"}},
        "actors": {"hamas": {"kind": "armed_group", "weights": {"pause_days": {"value": 1.0}}}},
    }
    assert _own_values(raw) == {
        "terms.pause_days": 42,
        "terms.withdrawal": {"value": 0.5, "source": "assumption: x"},
        "actors.hamas.weights.pause_days": {"value": 1.0},
    }


# --- a bad [observed] table: one line naming the file and the key --------------------------------

BAD = [
    ("dela = false", ["observed.dela", "unknown fact", "did you mean 'deal'?"]),
    ('deal = "no"', ["observed.deal", "expected true or false"]),
    ('deal = { value = 1, source = "x" }', ["observed.deal", "expected true or false"]),
    ('first_text.hamass = "accept"', ["observed.first_text.hamass", "did you mean 'hamas'?"]),
    ('first_text.hamas = "maybe"', ["observed.first_text.hamas", "accept, counter, reject, none", "'maybe'"]),
    ('first_text = "accept"', ["observed.first_text", "expected a table of sides"]),
    ('first_text = { value = "accept", source = "x" }', ["observed.first_text", "expected a table of sides"]),
    ('exits = ["otzma_yehudt"]', ["observed.exits", "'otzma_yehudt'", "did you mean 'otzma_yehudit'?"]),
    ('exits = ["likud"]', ["observed.exits", "expected coalition party ids (coalition_core, ", "'likud'"]),
    ('exits = "none"', ["observed.exits", "expected a list of coalition party ids"]),
    ("hostages_released = -1", ["observed.hostages_released", "expected a count", "-1"]),
    ('hostages_released = "many"', ["observed.hostages_released", "expected a count"]),
    ("hostages_released = { value = 5, tolerance = -2 }", ["observed.hostages_released.tolerance", ">= 0"]),
    ('hostages_released = { value = 5, tolerance = "x" }', ["observed.hostages_released.tolerance"]),
    ('deal = { value = false, sorce = "x" }', ["observed.deal", "'sorce'", "did you mean 'source'?"]),
    ("deal = { value = false, source = 3 }", ["observed.deal.source", "expected a string"]),
    ("", ["observed", "expected at least one fact"]),
]


def _round(tmp_path: Path, observed: str) -> Path:
    path = tmp_path / "bad-round.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n\n[observed]\n{observed}\n')
    return path


@pytest.mark.parametrize(("table", "fragments"), BAD, ids=[b[0] or "empty" for b in BAD])
def test_a_bad_observed_table_is_a_one_line_error(tmp_path, table, fragments):
    path = _round(tmp_path, table)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: observed"), message
    for f in fragments:
        assert f in message, (f, message)


def test_check_says_how_many_facts_a_round_observes():
    out = cli("check", *ROUNDS, BASELINE, check=True).stdout.splitlines()
    assert len(out) == len(ROUNDS) + 1
    for path, line in zip(ROUNDS, out):
        n = len(load_scenario(path).observed)
        assert line.startswith(f"{path}: ok (") and line.endswith(f"; a round observing {n} facts)"), line
    assert "observing" not in out[-1]  # a scenario with no [observed] table is not a round


def test_check_counts_a_single_fact_and_reports_a_bad_round(tmp_path):
    one = _round(tmp_path, 'deal = { value = false, source = "assumption: a test" }')
    assert cli("check", one, check=True).stdout.rstrip().endswith("; a round observing 1 fact)")
    assert_one_line_error(cli("check", _round(tmp_path, "dela = false")), "observed.dela", "did you mean 'deal'?")


def test_list_shows_the_rounds_as_a_third_group_with_their_descriptions():
    out = cli("list", cwd="/tmp", check=True).stdout
    groups = [line.split(" (")[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert groups == ["scenarios", "experiments", "rounds", "calibrations"]
    rounds = out.split("\nrounds (", 1)[1]
    for path in ROUNDS:
        description = " ".join(str(read_toml(path, str(path))["meta"]["description"]).split())
        assert re.search(rf"^  {re.escape(path.stem)} +{re.escape(description)}$", rounds, re.M), path.stem
    scenarios = out.split("\nexperiments (", 1)[0]
    assert "Calibration round" not in scenarios  # the rounds are not listed among the scenarios
