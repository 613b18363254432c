"""``trucesim backtest``: the arithmetic of a round's scores, reproducibility, JSON, the figure, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .conftest import BASELINE, ROOT, assert_one_line_error, cli

WORLDS = 300

ROUND = """
extends = "{base}"

[meta]
name = "tiny-round"

[observed]
deal = {{ value = false, source = "test" }}
first_text.hamas = "counter"
accepted.israel = true
government_fell = false
exits = ["otzma_yehudit"]
hostages_released = {{ value = 0, tolerance = 2 }}
remains_released = {{ value = 129, tolerance = 0, source = "all 129 held returned as remains: no world does, p = 0" }}
"""


@pytest.fixture
def tiny_round(tmp_path):
    path = tmp_path / "tiny-round.toml"
    path.write_text(ROUND.format(base=BASELINE.as_posix()))
    return path


def _direct_p(table) -> list[float]:
    """The share of worlds reproducing each fact of ROUND, computed from the outcome columns by hand."""
    exits = table["exit_otzma_yehudit"] & ~table["exit_coalition_core"] & ~table["exit_religious_zionism"]
    return [
        float((~table["deal"]).mean()),
        float((table["hamas_first_answer"] == "counter").mean()),
        float(table["israel_accepted"].mean()),
        float((~table["government_fell"]).mean()),
        float(exits.mean()),
        float((table["hostages_released"] <= 2).mean()),
        float((table["remains_released"] == 129).mean()),
    ]


def test_the_scores_of_a_tiny_round_are_those_computed_from_its_outcome_table(tiny_round):
    from trucesim.history.backtest import score_round, scorecard, totals
    from trucesim.history.rounds import load_round
    from trucesim.run.simulate import simulate

    scenario = load_round(tiny_round)
    score = score_round(scenario, WORLDS, seed=5, workers=1)
    p = np.array(_direct_p(simulate(scenario, WORLDS, seed=5)))
    assert score.name == "tiny-round" and score.worlds == WORLDS and score.seed == 5
    assert [f.key for f in score.facts][:3] == ["deal", "first_text.hamas", "accepted.israel"]
    np.testing.assert_allclose(score.p, p)
    assert score.hit.tolist() == (p >= 0.5).tolist()
    np.testing.assert_allclose(score.brier, (1 - p) ** 2)
    np.testing.assert_allclose(score.log, -np.log(np.maximum(p, 0.5 / WORLDS)))
    assert score.p[-1] == 0 and score.log[-1] == pytest.approx(np.log(2 * WORLDS))  # the half-world floor
    card = scorecard([score])
    assert card.columns.tolist() == ["round", "fact", "observed", "p", "hit", "brier", "log"]
    assert card["observed"].tolist() == ["false", "counter", "true", "false", "[otzma_yehudit]", "0 ± 2", "129"]
    np.testing.assert_allclose(card["p"], p)
    t = totals([score])
    assert t["rounds"]["tiny-round"] == t["overall"]
    assert t["overall"]["facts"] == 7 and t["overall"]["hits"] == int((p >= 0.5).sum())
    assert t["overall"]["brier"] == pytest.approx(((1 - p) ** 2).mean())
    assert t["overall"]["log"] == pytest.approx(score.log.mean())
    assert t["coin"] == {"brier": 0.25, "log": pytest.approx(np.log(2))}


def test_several_chunks_and_rounds_give_the_same_scores_on_one_or_two_workers(tiny_round):
    from trucesim.history.backtest import score_round, score_rounds
    from trucesim.history.rounds import load_round, round_paths

    rounds = [load_round(tiny_round), load_round(round_paths(["november-2023"])[0])]
    seen = []
    one = score_rounds(rounds, 250, seed=2, workers=1, chunk_worlds=100)
    two = score_rounds(rounds, 250, seed=2, workers=2, chunk_worlds=100, on_round=lambda s: seen.append(s.name))
    assert seen == ["tiny-round", "november-2023"]
    for a, b in zip(one, two, strict=True):
        assert a == b  # name, path, facts, worlds, seed
        np.testing.assert_array_equal(a.p, b.p)
    alone = score_round(rounds[0], 250, seed=2, workers=1, chunk_worlds=100)
    np.testing.assert_array_equal(alone.p, one[0].p)  # a round scores the same alone or among others


def _json(*args):
    proc = cli("backtest", *args, "--worlds", WORLDS, "--format", "json", check=True)
    return json.loads(proc.stdout), proc.stderr


def test_cli_json_is_the_same_with_one_or_two_workers_and_has_its_keys(tiny_round):
    one, err = _json(tiny_round, "november-2023", "--seed", 4, "--workers", 1)
    two, _ = _json(tiny_round, "november-2023", "--seed", 4, "--workers", 2)
    assert one == two
    assert set(one) == {"worlds", "seed", "fitted", "rounds", "totals"}
    assert (one["worlds"], one["seed"], one["fitted"]) == (WORLDS, 4, None)
    assert [r["round"] for r in one["rounds"]] == ["tiny-round", "november-2023"]
    for r in one["rounds"]:
        assert set(r) == {"round", "path", "worlds", "facts"}
        for f in r["facts"]:
            assert set(f) == {"fact", "observed", "source", "p", "hit", "brier", "log"}
            assert 0 <= f["p"] <= 1 and f["hit"] == (f["p"] >= 0.5)
        assert f"round {r['round']}: {len(r['facts'])} facts" in err  # a progress line per round
    totals = one["totals"]
    assert set(totals) == {"rounds", "overall", "coin"}
    assert set(totals["rounds"]) == {"tiny-round", "november-2023"}
    assert totals["overall"]["facts"] == sum(len(r["facts"]) for r in one["rounds"])
    assert totals["rounds"]["tiny-round"]["facts"] == 7
    assert one["rounds"][0]["facts"][0]["source"] == "test"


def test_cli_text_scorecard_and_figure(tiny_round, tmp_path):
    out = tmp_path / "card.png"
    proc = cli("backtest", tiny_round, "april-2024", "--worlds", WORLDS, "--out", out, "--dpi", 50, check=True)
    text = proc.stdout
    assert text.startswith(f"Backtest of 2 rounds, {WORLDS} worlds each, seed 0")
    for needle in ("tiny-round", "april-2024", "remains_released", "129", "miss", "Totals", "all rounds", "coin"):
        assert needle in text, needle
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("*.tmp*"))  # written atomically: no temporary left
    out.write_bytes(b"keep")
    assert_one_line_error(cli("backtest", tiny_round, "--worlds", 10, "--out", out), "--force")
    assert out.read_bytes() == b"keep"


def test_the_figure_leaves_unobserved_cells_blank(tiny_round):
    from trucesim.config.observed import Observed
    from trucesim.history.backtest import RoundScore
    from trucesim.plots.scorecard import score_grid, scorecard_figure

    a = RoundScore("a", "a.toml", (Observed("deal", "deal", False, ""),), np.array([0.25]), 10, 0)
    b = RoundScore(
        "b",
        "b.toml",
        (Observed("exits", "exits", (), ""), Observed("deal", "deal", True, "")),
        np.array([0.5, 1.0]),
        10,
        0,
    )
    rounds, facts, grid = score_grid([a, b])
    assert rounds == ["a", "b"] and facts == ["deal", "exits"]
    assert grid[0, 0] == 0.25 and np.isnan(grid[0, 1]) and grid[1].tolist() == [1.0, 0.5]
    fig = scorecard_figure([a, b], fitted="fit.toml")
    cells = sorted(t.get_text() for t in fig.axes[0].texts)
    assert cells == ["0.25", "0.50", "1.00"]  # three numbers, no cell for the fact round a did not observe
    assert "fitted values from fit.toml" in " ".join(t.get_text() for t in fig.texts)


def test_a_scenario_without_observed_exits_1_naming_the_file():
    """Exit status 1, as every other input error (it was 2)."""
    proc = cli("backtest", BASELINE, "--worlds", 10)
    assert_one_line_error(proc, str(BASELINE), "observed: expected a table [observed]")
    assert proc.stdout == ""


def test_an_unknown_round_name_suggests_a_round():
    assert_one_line_error(cli("backtest", "novembre-2023"), "novembre-2023", "did you mean 'november-2023'?")


def test_fitted_values_are_applied_and_a_bad_key_is_one_line(tiny_round, tmp_path):
    from trucesim.config.scenario import apply_parameter_file
    from trucesim.history.backtest import score_round
    from trucesim.history.rounds import load_round

    bad = tmp_path / "bad.toml"
    bad.write_text("[actors.hamas]\nreservaton = 0.3\n")
    assert_one_line_error(cli("backtest", tiny_round, "--fitted", bad), str(bad), "did you mean")
    assert_one_line_error(cli("backtest", "--fitted", tmp_path / "none.toml"), "--fitted", "none.toml")
    good = tmp_path / "fit.toml"
    good.write_text("[actors.hamas]\nreservation = 0.2\n")
    data, _ = _json(tiny_round, "--fitted", good, "--workers", 1)
    assert data["fitted"] == str(good)
    expected = score_round(apply_parameter_file(load_round(tiny_round), good), WORLDS, seed=0, workers=1)
    assert [f["p"] for f in data["rounds"][0]["facts"]] == pytest.approx(expected.p.tolist())
    text = cli("backtest", tiny_round, "--fitted", good, "--worlds", 20, check=True).stdout
    assert f"with the values of {good} applied to every round" in text.splitlines()[0]


def test_two_rounds_of_one_name_are_refused(tmp_path):
    """The scorecard and the JSON's totals are keyed by a round's file name: two rounds named alike mixed their
    facts, and --format json failed with a traceback."""
    copy = tmp_path / "april-2024.toml"
    copy.write_text((ROOT / "scenarios" / "rounds" / "april-2024.toml").read_text())
    proc = cli("backtest", "april-2024", copy, "--worlds", 20, "--format", "json")
    assert_one_line_error(proc, f"{copy}: expected rounds of distinct names, found 'april-2024' twice")
    assert proc.stdout == ""


def test_a_fitted_file_is_held_to_the_checks_across_keys(tmp_path):
    """A parameter file that sets more hostages dead than the round holds was applied and scored; the same
    values through extends were refused. Now both are, in one line naming the parameter file."""
    bad = tmp_path / "params-bad.toml"
    bad.write_text("[context]\nhostages_dead = 200\n")
    proc = cli("backtest", "april-2024", "--worlds", 20, "--fitted", bad)
    assert_one_line_error(proc, f"{bad}: context.hostages_dead: expected at most context.hostages_held")
    assert proc.stdout == ""
    assert_one_line_error(cli("check", bad), f"{bad}: context.hostages_dead: expected at most")


def test_a_fitted_file_that_sets_no_value_is_refused(tiny_round, tmp_path):
    """An empty --fitted file was accepted, and the header then said its values were applied."""
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing fitted yet\n")
    proc = cli("backtest", tiny_round, "--fitted", empty, "--worlds", 10)
    assert_one_line_error(proc, f"{empty}: expected a parameter file that sets at least one value", "an empty file")
    assert proc.stdout == ""


def test_by_default_every_shipped_round_is_scored():
    from trucesim.config.shipped import shipped
    from trucesim.history.rounds import round_paths

    assert round_paths() == shipped("rounds") and len(round_paths()) >= 2
    assert round_paths([str(ROOT / "scenarios" / "rounds" / "april-2024.toml")])[0].name == "april-2024.toml"


def test_help_teaches():
    text = cli("backtest", "--help", check=True).stdout
    for needle in ("[observed]", "Brier", "log", "hit", "examples:", "--fitted", "--scheduler", "coin"):
        assert needle in text, needle
    assert "backtest" in cli("--help", check=True).stdout


def test_a_fitted_directory_is_called_a_directory(tmp_path):
    assert_one_line_error(
        cli("backtest", "april-2024", "--fitted", tmp_path), f"--fitted {tmp_path}", "found a directory"
    )
