"""trucesim validate: leave-one-round-out cross-validation, its base rate, its outputs and its errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from trucesim.cli import main
from trucesim.config.calibration import CalibrationError, load_calibration
from trucesim.config.observed import Observed
from trucesim.history.reliability import reliability
from trucesim.history.validate import (
    base_rate_p,
    check_folds,
    posterior_draws,
    same_value,
)
from trucesim.report.validation import by_fact_lines, format_validation

from .conftest import ROOT

ROUNDS = ROOT / "scenarios" / "rounds"
THREE = ("november-2023", "april-2024", "august-2024")
#: the tiniest fit that still runs pyabc for two generations: each fold takes a few seconds
TINY = """
rounds = [{rounds}]
priors = "april-2024-uncertain"
fit = ["actors.hamas.patience", "actors.israel.sensitivity_us"]
population = 100
generations = 6
worlds = 300

[prior]
"actors.israel.sensitivity_us" = {{ dist = "uniform", low = 0.1, high = 0.8 }}
"actors.hamas.patience" = {{ dist = "beta", a = 2, b = 5, low = 0, high = 0.6 }}

[quick]
population = 40

[validate]
population = 6
generations = 2
worlds = 20
predictive_worlds = 200
{extra}"""


def tiny(tmp_path, names=THREE, extra: str = "") -> str:
    """A calibration file over ``names`` (shipped rounds) with the tiny [validate] sizes; its path as text."""
    f = tmp_path / "tiny.toml"
    f.write_text(TINY.format(rounds=", ".join(f'"{(ROUNDS / n).with_suffix(".toml")}"' for n in names), extra=extra))
    return str(f)


def cli(capsys, *args) -> tuple[int, str, str]:
    """``trucesim ARGS`` in this process: (exit status, stdout, stderr); argparse's exits included."""
    try:
        rc = main([str(a) for a in args])
    except SystemExit as e:
        rc = int(e.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


# --------------------------------------------------------------------------- the base rate, by hand
def deal(v: bool) -> Observed:
    return Observed("deal", "deal", v, "")


def answer(side: str, v: str) -> Observed:
    return Observed(f"first_text.{side}", "first_text", v, "")


def released(n: float, tol: float = 0.0) -> Observed:
    return Observed("hostages_released", "hostages_released", float(n), "", tol)


def test_the_base_rate_is_the_share_of_other_rounds_that_observed_the_same_value():
    # four rounds; the first is left out: deal = false, hamas countered, 10 ± 2 released, no exits
    left = (deal(False), answer("hamas", "counter"), released(10, 2), Observed("exits", "exits", (), ""))
    others = [
        (deal(False), answer("hamas", "reject"), released(12)),  # 12 is within 10 ± 2
        (deal(True), answer("hamas", "counter"), released(50)),
        (deal(False), answer("israel", "accept")),  # observes no release and no Hamas answer
    ]
    p = [base_rate_p(f, others) for f in left]
    # deal: 2 of 3 were false; hamas: 1 of the 2 that observe it; released: 1 of 2; exits: nobody observes it
    assert p == pytest.approx([2 / 3, 1 / 2, 1 / 2, 0.5])
    assert base_rate_p(released(10, 1), others) == 0.0  # 12 is outside 10 ± 1
    assert base_rate_p(answer("israel", "accept"), others) == 1.0  # a side's fact counts that side only
    assert same_value(Observed("exits", "exits", ("a", "b"), ""), Observed("exits", "exits", ("b", "a"), ""))
    assert not same_value(deal(False), answer("hamas", "counter"))


def test_the_posterior_predictive_draws_whole_particles_with_their_weights():
    """Each world takes one particle's values together (the joint posterior, not the marginals), as often as its weight."""
    particles = pd.DataFrame({"a": [0.1, 0.2, 0.3], "b": [1.0, 2.0, 3.0], "weight": [0.6, 0.3, 0.1]})
    draws = posterior_draws(particles, ["a", "b"], 20_000, np.random.default_rng(4))
    assert np.allclose(draws[:, 1], draws[:, 0] * 10)  # the pairs are kept: never a (0.1, 3.0)
    share = [(draws[:, 0] == a).mean() for a in (0.1, 0.2, 0.3)]
    assert share == pytest.approx([0.6, 0.3, 0.1], abs=0.015)


def test_the_reliability_table_counts_each_fact_twice_and_is_symmetric():
    p = np.array([0.95, 0.95, 0.65, 0.3, 0.05])
    t = reliability(p, bins=10)
    assert t["count"].sum() == 2 * len(p)
    top = t.iloc[9]  # 0.95 (happened) x2 and 1 - 0.05 (did not)
    assert top["count"] == 3 and top["observed"] == pytest.approx(2 / 3) and top["forecast"] == pytest.approx(0.95)
    # [0.3, 0.4): 0.3 happened, 1 - 0.65 did not; its mirror [0.6, 0.7]: 0.65 happened, 1 - 0.3 did not
    assert t["observed"].iloc[[3, 6]].tolist() == [0.5, 0.5] and t["count"].iloc[7] == 0
    assert t.iloc[0]["observed"] == pytest.approx(1 / 3)  # mirror of the top bin
    assert t["count"].tolist() == t["count"].tolist()[::-1]
    assert np.allclose(t["observed"], 1 - t["observed"].to_numpy()[::-1], equal_nan=True)


def test_forecasts_on_bin_edges_keep_the_reliability_table_symmetric():
    """1 - 0.8 is 0.19999999999999996 in floating point, and a forecast on an edge would otherwise put its
    complement on the far side of the mirror edge: each complement goes in the mirror bin of its forecast."""
    p = np.array([0.2, 0.8, 0.5, 0.1, 0.7, 0.35])
    t = reliability(p)
    assert t["count"].sum() == 12 and t["count"].tolist() == t["count"].tolist()[::-1]
    assert np.allclose(t["observed"], 1 - t["observed"].to_numpy()[::-1], equal_nan=True)
    assert np.allclose(t["forecast"], 1 - t["forecast"].to_numpy()[::-1], equal_nan=True)


# --------------------------------------------------------------------------- the sizes in the calibration file
def test_validate_sizes_come_from_the_validate_tables_over_the_file_and_quick_sizes(tmp_path):
    cal = load_calibration(tiny(tmp_path, extra="[validate.quick]\ngenerations = 1\n"))
    v, q = cal.validate_preset(), cal.validate_preset(quick=True)
    assert (v.population, v.generations, v.worlds, v.predictive_worlds) == (6, 2, 20, 200)
    assert (q.population, q.generations, q.worlds) == (40, 1, 300)  # [quick] then [validate.quick]
    assert q.predictive_worlds == 4000  # the default: [validate] is not applied under --quick
    shipped = load_calibration(ROOT / "calibration" / "joint.toml")
    # the default validates the shipped fit's very procedure: the same table, the same particles kept
    full, fast = shipped.validate_preset(), shipped.validate_preset(quick=True)
    assert (full.method, full.table, full.population, full.worlds) == ("table", 65536, 100, 100)
    assert (shipped.method, shipped.table, shipped.population, shipped.worlds) == ("table", 65536, 100, 100)
    assert fast.table < full.table and fast.population <= full.population


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[validate.quick]\npopulaton = 3\n", "validate.quick.populaton: unknown key (did you mean 'population'?)"),
        ("[validate.quick]\npredictive_worlds = 0\n", "validate.quick.predictive_worlds: expected a whole number >= 1"),
    ],
)
def test_a_bad_validate_table_is_one_line_naming_the_file_and_key(tmp_path, capsys, extra, message):
    path = tiny(tmp_path, extra=extra)
    with pytest.raises(CalibrationError) as e:
        load_calibration(path)
    assert message in str(e.value) and "tiny.toml" in str(e.value)
    rc, out, err = cli(capsys, "validate", path, "--out", tmp_path / "v")
    assert rc == 1 and out == "" and err.count("\n") == 1 and message in err
    assert not (tmp_path / "v").exists()


def test_a_validate_size_that_is_not_a_number_is_one_line(tmp_path):
    text = TINY.format(rounds='"april-2024"', extra="")
    f = tmp_path / "bad.toml"
    f.write_text(text.replace("\nworlds = 20\n", '\nworlds = "many"\n'))
    with pytest.raises(CalibrationError, match=r"bad.toml: validate.worlds: expected a whole number >= 1"):
        load_calibration(f)


# --------------------------------------------------------------------------- bad input on the command line
def test_fewer_than_three_rounds_or_an_unknown_fold_is_one_line(tmp_path, capsys):
    rc, out, err = cli(capsys, "validate", tiny(tmp_path, THREE[:2]), "--out", tmp_path / "v")
    assert rc == 1 and out == "" and err.count("\n") == 1
    assert "rounds: expected at least 3 rounds to leave one out at a time, found 2" in err
    rc, out, err = cli(capsys, "validate", tiny(tmp_path), "--fold", "april-2042", "--out", tmp_path / "v")
    assert rc == 1 and out == "" and err.count("\n") == 1
    assert "--fold april-2042: not a round of" in err and "did you mean 'april-2024'" in err
    rc, _, err = cli(capsys, "validate", "no-such-calibration")
    assert rc == 1 and err.count("\n") == 1 and "nor a shipped calibration" in err
    (tmp_path / "file").write_text("x")
    rc, _, err = cli(capsys, "validate", tiny(tmp_path), "--out", tmp_path / "file")
    assert rc == 1 and err.count("\n") == 1 and "expected a directory, found a file" in err
    assert not (tmp_path / "v").exists()
    cal = load_calibration(tiny(tmp_path))
    assert check_folds(cal, ["august-2024", "november-2023"]) == [2, 0]


def test_ctrl_c_says_interrupted_and_exits_130(tmp_path, capsys, monkeypatch):
    import trucesim.history.validate as v

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(v, "calibrate", stop)
    rc, out, err = cli(capsys, "validate", tiny(tmp_path), "--out", tmp_path / "v", "--workers", 1)
    assert rc == 130 and err.strip().endswith("trucesim: interrupted")


# --------------------------------------------------------------------------- a whole (tiny) validation
@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    """The tiny validation of three rounds through the command, in this process, as JSON."""
    pytest.importorskip("pyabc")
    tmp = tmp_path_factory.mktemp("validate")
    out = tmp / "v"
    rc = main(["validate", tiny(tmp), "--format", "json", "--out", str(out), "--workers", "1", "--seed", "5"])
    assert rc == 0
    return out


def test_each_fold_is_fitted_without_its_left_out_round(one_worker):
    d = json.loads((one_worker / "validation.json").read_text())
    assert [r["name"] for r in d["rounds"]] == list(THREE)
    for r in d["rounds"]:
        assert r["fitted_on"] == [n for n in THREE if n != r["name"]]
        # what the fold's fit simulated: the shares of the fitted rounds' facts, none of the left-out round's
        shares = pd.read_parquet(one_worker / f"fold-{r['name']}" / "shares.parquet")
        fitted = {c.split(":", 1)[0] for c in shares.columns if c != "weight"}
        assert fitted == set(r["fitted_on"])


def test_the_json_has_the_rounds_overall_coin_and_base_rate(one_worker):
    d = json.loads((one_worker / "validation.json").read_text())
    assert {"rounds", "overall", "coin", "base_rate"} <= set(d)
    r = d["rounds"][1]
    assert {"name", "facts", "totals", "base_rate", "coin"} <= set(r)
    assert {"fact", "observed", "p", "hit", "brier", "log", "base_rate"} <= set(r["facts"][0])
    assert d["overall"]["facts"] == sum(len(r["facts"]) for r in d["rounds"]) == 21
    assert d["coin"] == {"facts": 21, "hits": None, "brier": 0.25, "log": pytest.approx(np.log(2))}
    for r in d["rounds"]:
        for f in r["facts"]:
            assert 0 <= f["p"] <= 1 and f["brier"] == pytest.approx((1 - f["p"]) ** 2)
            assert f["hit"] == (f["p"] >= 0.5)
    # april-2024 released nobody; of the other two rounds november-2023 released 105, august-2024 nobody
    april = {f["fact"]: f for f in d["rounds"][1]["facts"]}
    assert april["hostages_released"]["base_rate"]["p"] == 0.5
    assert d["beats"]["coin"]["brier"] == (d["overall"]["brier"] < 0.25)
    # the model's mean scores minus the references', each with its interval clustered by round
    for ref in ("coin", "base_rate"):
        for score in ("brier", "log"):
            x = d["difference"][ref][score]
            assert x["mean"] == pytest.approx(d["overall"][score] - d[ref][score])
            assert x["low"] < x["mean"] < x["high"]


def check_by_fact(d: dict) -> None:
    """``by_fact`` rebuilt from the per-fact rows of ``rounds`` (model and base rate: facts, hits, Brier,
    log; the coin: 0.25, log 2 and no hits), its gaps adding up to the overall difference, and the text
    printing each kind's line."""
    rows = [f for r in d["rounds"] for f in r["facts"]]
    kinds = d["by_fact"]
    assert [k["fact"] for k in kinds] == list(dict.fromkeys(f["fact"] for f in rows))
    for k in kinds:
        mine = [f for f in rows if f["fact"] == k["fact"]]
        n = len(mine)
        for name, get in (("model", lambda f: f), ("base_rate", lambda f: f["base_rate"])):
            t = k[name]
            assert t["facts"] == n
            assert t["hits"] == sum(bool(get(f)["hit"]) for f in mine)
            assert t["brier"] == pytest.approx(np.mean([get(f)["brier"] for f in mine]))
            assert t["log"] == pytest.approx(np.mean([get(f)["log"] for f in mine]))
        assert k["coin"] == {"facts": n, "hits": None, "brier": 0.25, "log": pytest.approx(np.log(2))}
        assert k["brier_gap"] == pytest.approx(sum(f["brier"] - f["base_rate"]["brier"] for f in mine))
    n = d["overall"]["facts"]
    assert sum(k["brier_gap"] for k in kinds) / n == pytest.approx(d["overall"]["brier"] - d["base_rate"]["brier"])
    text = format_validation(d)
    for line in by_fact_lines(d)[2:]:
        assert line in text.split("By kind of fact", 1)[1].split("\n\n", 1)[0]


def test_the_kinds_of_fact_are_the_left_out_facts_by_key(one_worker):
    check_by_fact(json.loads((one_worker / "validation.json").read_text()))


def test_the_stored_validations_kinds_of_fact_are_its_facts_by_key():
    """The same, on the shipped fit's stored validation (docs/validation/validation.json): no simulation."""
    check_by_fact(json.loads((ROOT / "docs" / "validation" / "validation.json").read_text()))


def test_the_reliability_diagram_and_the_rounds_figure_are_written(one_worker):
    for name in ("reliability.png", "folds.png"):
        assert (one_worker / name).read_bytes()[:4] == b"\x89PNG", name
    assert not list(one_worker.glob(".*.tmp"))  # written whole (write_atomic)


def test_the_rounds_figure_shows_every_left_out_round_and_counts_the_models_wins():
    from trucesim.plots.folds import folds_figure

    d = json.loads((ROOT / "docs" / "validation" / "validation.json").read_text())
    fig = folds_figure(d)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [r["name"] for r in d["rounds"]] + ["all left-out rounds"]
    wins = sum(r["totals"]["brier"] < r["base_rate"]["brier"] for r in d["rounds"])
    assert any(f"better than the base rate on {wins} of {len(d['rounds'])} rounds" in t.get_text() for t in fig.texts)
    # each label sits above the model's own circle
    for text, r in zip(ax.texts, [*d["rounds"], {"totals": d["overall"]}], strict=True):
        assert text.get_text() == f"{r['totals']['brier']:.3f}" and text.xy[0] == r["totals"]["brier"]


def test_the_rounds_figure_leaves_out_a_round_without_scored_facts():
    from trucesim.plots.folds import folds_figure

    d = {
        "rounds": [
            {"name": "a", "totals": {"brier": 0.1}, "base_rate": {"brier": 0.2}},
            {"name": "b", "totals": {"brier": None}, "base_rate": {"brier": None}},
        ],
        "overall": {"brier": 0.1},
        "base_rate": {"brier": 0.2},
        "coin": {"brier": 0.25},
    }
    fig = folds_figure(d)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "all left-out rounds"]
    assert any("on 1 of 1 rounds" in t.get_text() for t in fig.texts)
    d["overall"]["brier"] = None
    d["rounds"] = d["rounds"][1:]
    assert any(t.get_text() == "no left-out fact was scored" for t in folds_figure(d).axes[0].texts)


def test_the_text_output_compares_the_model_with_the_coin_and_the_base_rate(one_worker, capsys):
    """A second call reads the finished folds back (no new fit) and prints the same numbers as text."""
    before = {p.name: p.stat().st_mtime_ns for p in one_worker.glob("fold-*/abc.db")}
    rc, out, err = cli(
        capsys, "validate", one_worker.parent / "tiny.toml", "--out", one_worker, "--workers", 1, "--seed", 5
    )
    assert rc == 0, err
    d = json.loads((one_worker / "validation.json").read_text())
    assert f"{d['overall']['brier']:.3f}" in out and "coin" in out and "base rate" in out
    assert "interval clustered by round (3 rounds)" in out
    for ref, label in (("coin", "the coin"), ("base_rate", "the base rate")):
        diff = d["difference"][ref]["brier"]
        assert f"Brier {diff['mean']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}]" in out, ref
        # the verdict printed is the one the numbers give
        said = "The model beats" if d["beats"][ref]["brier"] else "The model does not beat"
        assert f"{said} {label}" in out and f"mean Brier ({d['overall']['brier']:.3f} against " in out, ref
    assert out.count(" left out (fitted on ") == 3
    assert "fold 3/3: august-2024 left out" in err
    assert {p.name: p.stat().st_mtime_ns for p in one_worker.glob("fold-*/abc.db")} == before


def test_one_fold_prints_its_scores_and_says_it_has_no_interval(one_worker, tmp_path, capsys):
    """``--fold`` leaves out one round: no interval across rounds (one round), and the text still prints."""
    out_dir = tmp_path / "one"
    shutil.copytree(one_worker, out_dir)  # its finished fold is read back: no new fit
    name = THREE[1]
    rc, out, err = cli(
        capsys,
        "validate",
        one_worker.parent / "tiny.toml",
        "--out",
        out_dir,
        "--workers",
        1,
        "--seed",
        5,
        "--fold",
        name,
        "--force",  # it holds every fold: replacing them with one is refused without --force
    )
    assert rc == 0, err
    d = json.loads((out_dir / "validation.json").read_text())
    assert [r["name"] for r in d["rounds"]] == [name]
    assert d["difference"]["coin"]["brier"]["low"] is None
    assert f"{d['overall']['brier']:.3f}" in out and "within the rounds' noise" not in out
    assert "no interval: one round left out" in out and "on one round)" in out
    assert (out_dir / "folds.png").read_bytes()[:4] == b"\x89PNG"


def against(capsys, one_worker, out_dir, other, *extra) -> tuple[int, str, str]:
    """``trucesim validate`` of the tiny file into a copy of its finished folds (read back: no new fit),
    ``--against other``."""
    if not out_dir.exists():
        shutil.copytree(one_worker, out_dir)
    path = one_worker.parent / "tiny.toml"
    return cli(capsys, "validate", path, "--out", out_dir, "--workers", 1, "--seed", 5, *extra, "--against", other)


def test_against_another_validation_prints_this_one_minus_it_fact_by_fact(one_worker, tmp_path, capsys):
    """--against: two validations of the same rounds, paired fact by fact, clustered by round."""
    d = json.loads((one_worker / "validation.json").read_text())
    other = json.loads(json.dumps(d))
    for k, r in enumerate(other["rounds"]):
        for f in r["facts"]:  # the other forecaster worse by 0.05 x (round index + 1) on every fact
            f["brier"] += 0.05 * (k + 1)
    (tmp_path / "other.json").write_text(json.dumps(other))
    rc, out, err = against(capsys, one_worker, tmp_path / "v", tmp_path / "other.json")
    assert rc == 0, err
    a = json.loads((tmp_path / "v" / "validation.json").read_text())["against"]
    # the mean over facts: every round has 7 facts, so -(0.05 + 0.10 + 0.15) / 3
    assert a["brier"]["mean"] == pytest.approx(-0.10)
    assert a["brier"]["low"] < -0.10 < a["brier"]["high"]
    assert a["log"] == {"mean": 0.0, "low": 0.0, "high": 0.0} and a["rounds"] == 3
    assert "This validation minus" in out and "other.json" in out
    assert f"Brier -0.100 [{a['brier']['low']:+.3f}, {a['brier']['high']:+.3f}]" in out
    # per left-out round, the mean over its facts; per kind of fact, the sum over its facts
    assert [(r["name"], round(r["brier"], 9)) for r in a["by_round"]] == [
        (name, round(-0.05 * (k + 1), 9)) for k, name in enumerate(THREE)
    ]
    kinds = [f["fact"] for r in d["rounds"] for f in r["facts"]]
    for row in a["by_fact"]:
        shifts = [-0.05 * (k + 1) for k, r in enumerate(d["rounds"]) for f in r["facts"] if f["fact"] == row["fact"]]
        assert row["facts"] == kinds.count(row["fact"]) == len(shifts)
        assert row["brier"] == pytest.approx(sum(shifts)) and row["log"] == 0.0
    assert sum(r["facts"] for r in a["by_fact"]) == len(kinds)
    assert ["august-2024", "-0.150", "+0.000"] in [line.split() for line in out.splitlines()]
    assert "(summed over its facts)" in out
    # against itself, named by its output directory: nothing between them
    rc, out, err = against(capsys, one_worker, tmp_path / "v", one_worker, "--format", "json")
    assert rc == 0, err
    assert json.loads(out)["against"]["brier"] == {"mean": 0.0, "low": 0.0, "high": 0.0}


def _bad(d: dict, change) -> dict:
    """A copy of validation ``d`` with ``change(copy)`` applied."""
    other = json.loads(json.dumps(d))
    change(other)
    return other


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "none.json: expected a validation.json written by 'trucesim validate', found no such file"),
        ("{not json", "bad.json: expected a validation.json written by 'trucesim validate', cannot read it"),
        ("[1, 2]", "bad.json: rounds: expected the left-out rounds of a 'trucesim validate' run"),
        (
            lambda d: d.update(rounds=d["rounds"][:2]),
            "rounds: expected the rounds this validation leaves out (november",
        ),
        (lambda d: d["rounds"][1]["facts"][0].update(observed="else"), "rounds.april-2024.facts: expected the facts"),
        (lambda d: d["rounds"][1]["facts"].append("junk"), "rounds.april-2024.facts: expected the facts"),
        (
            lambda d: d["rounds"][2]["facts"][0].update(brier=float("nan")),
            "expected a finite number for each fact's brier",
        ),
        (lambda d: d["rounds"][2]["facts"][0].pop("log"), "expected a finite number for each fact's log"),
    ],
)
def test_against_a_bad_file_is_one_line_before_any_fit(one_worker, tmp_path, capsys, content, message):
    other = tmp_path / ("none.json" if content is None else "bad.json")
    if isinstance(content, str):
        other.write_text(content)
    elif content is not None:
        other.write_text(json.dumps(_bad(json.loads((one_worker / "validation.json").read_text()), content)))
    rc, out, err = cli(capsys, "validate", one_worker.parent / "tiny.toml", "--out", tmp_path / "v", "--against", other)
    assert rc == 1 and out == "" and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "v").exists()  # refused before any fit: nothing written


def test_against_a_directory_without_a_validation_is_one_line(one_worker, tmp_path, capsys):
    rc, out, err = cli(
        capsys, "validate", one_worker.parent / "tiny.toml", "--out", tmp_path / "v", "--against", tmp_path
    )
    assert rc == 1 and err.count("\n") == 1 and "validation.json: expected a validation.json" in err


def test_the_same_numbers_with_one_and_two_workers(one_worker, tmp_path):
    from trucesim.history.validate import to_dict, validate
    from trucesim.run.executors import make_executor

    cal = load_calibration(one_worker.parent / "tiny.toml").validate_preset()
    with make_executor(workers=2) as ex:
        two = to_dict(validate(cal, tmp_path / "two", seed=5, executor=ex))
    one = json.loads((one_worker / "validation.json").read_text())
    assert json.loads(json.dumps(two)) == one


@pytest.mark.slow
def test_a_validation_stopped_in_its_second_fold_resumes_with_the_same_numbers(one_worker, tmp_path):
    from trucesim.history.validate import to_dict, validate

    cal = load_calibration(one_worker.parent / "tiny.toml").validate_preset()
    seen: list[str] = []

    def start(k, n, name, fitted):
        seen.append(name)

    def stop(t, accepted, n, evaluations):
        if len(seen) == 2 and t == 1:  # within the second fold's second generation
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        validate(cal, tmp_path / "v", seed=5, on_fold_start=start, on_progress=stop)
    assert not (tmp_path / "v" / "validation.json").exists()
    resumed = to_dict(validate(cal, tmp_path / "v", seed=5))
    assert json.loads(json.dumps(resumed)) == json.loads((one_worker / "validation.json").read_text())
