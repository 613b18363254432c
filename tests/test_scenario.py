"""Scenario files: loading, inheritance, distributions, provenance, and every validation error."""

from __future__ import annotations

import numpy as np
import pytest

from trucesim.config.distributions import Dist
from trucesim.config.scenario import ScenarioError, load_scenario

from .conftest import BASELINE, SCENARIOS, assert_one_line_error, cli


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def variant(tmp_path, body, name="v.toml"):
    """A file extending the baseline with ``body``."""
    return write(tmp_path, f'extends = "{BASELINE}"\n{body}', name)


def error_of(path) -> str:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


# --- loading ------------------------------------------------------------------------------


def test_baseline_values_and_sources(baseline):
    assert baseline.name == "april-2024"
    assert baseline.value("terms.pause_days") == 42
    assert baseline.value("context.hostages_held") == 129
    assert baseline.value("protocol.deadline_days") == 2
    assert "six-week" in baseline.sources["terms.pause_days"]
    assert baseline.actors["israel"] == "government"
    assert baseline.actors["hamas"] == "armed_group"
    assert baseline.targets == {"us": "government", "egypt": "armed_group", "qatar": "armed_group"}
    assert {"religious_zionism", "otzma_yehudit", "coalition_core"} <= set(baseline.actors_of("coalition_party"))


def test_defaults_are_filled_and_marked(baseline):
    # a key the file leaves out takes the documented default, marked as such
    assert baseline.sources["actors.coalition_core.red_lines.pause_days"] == "default"
    assert baseline.value("actors.coalition_core.red_lines.pause_days") == 365


def test_extends_deep_merges(tmp_path):
    p = variant(tmp_path, "[actors.otzma_yehudit]\nseats = 4\n[actors.otzma_yehudit.red_lines]\npause_days = 10\n")
    s = load_scenario(p)
    assert s.value("actors.otzma_yehudit.seats") == 4
    assert s.value("actors.otzma_yehudit.red_lines.pause_days") == 10
    # siblings of what changed are inherited
    assert s.value("actors.otzma_yehudit.office_value") == 0.6
    assert s.value("actors.otzma_yehudit.red_lines.permanent_ceasefire") == 0
    assert s.value("terms.pause_days") == 42


def test_extends_chain_relative_paths(tmp_path):
    write(tmp_path, f'extends = "{BASELINE}"\n[terms]\npause_days = 30\n', "a.toml")
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub, 'extends = "../a.toml"\n[terms]\naid_trucks_per_day = 500\n', "b.toml")
    s = load_scenario(sub / "b.toml")
    assert s.value("terms.pause_days") == 30 and s.value("terms.aid_trucks_per_day") == 500


def test_a_file_edited_between_two_reads_is_read_afresh_and_a_readers_changes_stay_its_own(tmp_path):
    """read_toml keeps parsed files by content: an edit (same size, same second) is seen, and a table
    a caller changes is not the one the next caller gets."""
    from trucesim.config.tomlio import read_toml

    p = variant(tmp_path, "[terms]\npause_days = 30\n")
    assert load_scenario(p).value("terms.pause_days") == 30
    p.write_text(p.read_text().replace("= 30", "= 31"))
    assert load_scenario(p).value("terms.pause_days") == 31
    first = read_toml(p, "v.toml")
    first["terms"]["pause_days"] = 99
    first.pop("extends")
    assert read_toml(p, "v.toml") == {"extends": str(BASELINE), "terms": {"pause_days": 31}}


def test_a_text_longer_than_the_kept_size_is_parsed_but_not_kept(tmp_path, monkeypatch):
    import trucesim.config.tomlio as tomlio

    p = variant(tmp_path, "[terms]\npause_days = 33\n")
    monkeypatch.setattr(tomlio, "MAX_KEPT", 10)
    looked_up = tomlio._parsed.cache_info().misses
    assert tomlio.read_toml(p, "v.toml")["terms"] == {"pause_days": 33}
    assert tomlio._parsed.cache_info().misses == looked_up  # parsed without the cache
    monkeypatch.undo()
    tomlio.read_toml(p, "v.toml")
    assert tomlio._parsed.cache_info().misses == looked_up + 1  # a text of this size is kept


def test_a_value_replaces_an_inherited_distribution(tmp_path):
    p = variant(tmp_path, "[context]\ncategory_share = 0.45\n")
    assert load_scenario(p).values["context.category_share"] == 0.45


def test_distributions_draw_within_bounds(tmp_path):
    p = variant(
        tmp_path,
        """
[context]
us_pressure = { dist = "uniform", low = 0.2, high = 0.4, source = "assumption" }
family_pressure = { dist = "normal", mean = 0.9, sd = 0.3 }
military_pressure = { dist = "triangular", low = 0.1, mode = 0.2, high = 0.6 }
humanitarian_crisis = { dist = "beta", a = 2, b = 3 }
[actors.otzma_yehudit]
seats = { dist = "uniform", low = 2, high = 6 }
""",
    )
    s = load_scenario(p)
    assert isinstance(s.values["context.us_pressure"], Dist)
    assert s.sources["context.us_pressure"] == "assumption"
    d = s.draw(np.random.default_rng(1), 20_000)
    assert d["context.us_pressure"].min() >= 0.2 and d["context.us_pressure"].max() <= 0.4
    fam = d["context.family_pressure"]
    assert fam.max() <= 1.0 and fam.min() >= 0.0  # truncated to the parameter's range
    assert abs(np.median(d["context.military_pressure"]) - 0.27) < 0.02
    assert abs(d["context.humanitarian_crisis"].mean() - 0.4) < 0.01
    seats = d["actors.otzma_yehudit.seats"]
    assert set(np.unique(seats)) <= {2.0, 3.0, 4.0, 5.0, 6.0}  # integer parameters get whole draws
    assert isinstance(d["terms.pause_days"], float)  # fixed values stay numbers


def test_draws_are_reproducible(baseline):
    a = baseline.draw(np.random.default_rng(5), 100)
    b = baseline.draw(np.random.default_rng(5), 100)
    assert np.array_equal(a["context.category_share"], b["context.category_share"])


def test_with_values_checks_range(baseline):
    s = baseline.with_values({"terms.pause_days": 10})
    assert s.value("terms.pause_days") == 10 and baseline.value("terms.pause_days") == 42
    with pytest.raises(ScenarioError, match="expected a number in 0..365"):
        baseline.with_values({"terms.pause_days": 1000})
    with pytest.raises(ScenarioError, match="did you mean 'terms.pause_days'"):
        baseline.with_values({"terms.pause_day": 3})


@pytest.mark.parametrize(
    "updates, message",
    [
        ({"terms.pause_days": 42.5}, "terms.pause_days: expected a whole number"),
        ({"protocol.deadline_days": Dist("uniform", {"low": 1.0, "high": 3.0})}, "expected one number for all worlds"),
        ({"context.hostages_dead": 200}, "context.hostages_dead: expected at most context.hostages_held"),
        ({"context.us_pressure": "0.5"}, "context.us_pressure: expected a number, found '0.5'"),
        ({"context.us_pressure": Dist("beta", {"a": -1.0, "b": 2.0})}, "context.us_pressure: a: expected a beta shape"),
    ],
)
def test_with_values_holds_values_to_what_a_file_may_write(baseline, updates, message):
    """The Python API took what a scenario file may not: a fraction of a day, a calendar that differs
    between worlds, more hostages dead than held, a string."""
    with pytest.raises(ScenarioError, match=message):
        baseline.with_values(updates)


def test_every_shipped_scenario_loads():
    files = sorted(SCENARIOS.glob("*.toml"))
    assert len(files) >= 5
    for f in files:
        load_scenario(f)


# --- validation errors: each one line naming file, key, expected and found -----------------


@pytest.mark.parametrize(
    "body, fragments",
    [
        ("[terms]\npause_dayz = 3\n", ["unknown key", "terms.pause_dayz", "did you mean 'terms.pause_days'"]),
        ("[actors.hamas]\nreservaton = 0.5\n", ["actors.hamas.reservaton", "did you mean 'actors.hamas.reservation'"]),
        ("[protocl]\nmax_rounds = 3\n", ["unknown key 'protocl'", "did you mean 'protocol'"]),
        ('[terms]\npause_days = "six weeks"\n', ["terms.pause_days", "expected a number", "found str 'six weeks'"]),
        ("[terms]\npause_days = true\n", ["terms.pause_days", "expected a number", "found bool"]),
        ("[terms]\nwithdrawal = 1.5\n", ["terms.withdrawal", "expected a number in 0..1", "found 1.5"]),
        ("[terms]\npause_days = 4.5\n", ["terms.pause_days", "expected a whole number", "found 4.5"]),
        ("[context]\nus_pressure = nan\n", ["context.us_pressure", "expected a finite number", "found nan"]),
        ("[context]\nus_pressure = inf\n", ["context.us_pressure", "expected a finite number", "found inf"]),
        (
            '[context]\nus_pressure = { dist = "uniform", low = 0.8, high = 0.2 }\n',
            ["context.us_pressure", "low: expected low <= high", "found low=0.8 > high=0.2"],
        ),
        (
            '[context]\nus_pressure = { dist = "uniform", low = 0.5, high = 1.5 }\n',
            ["context.us_pressure", "expected a distribution within 0..1", "found 0.5..1.5"],
        ),
        (
            '[context]\nus_pressure = { dist = "gamma", k = 2 }\n',
            ["context.us_pressure", "dist: expected one of uniform, normal, triangular, beta", "found 'gamma'"],
        ),
        (
            '[context]\nus_pressure = { dist = "uniform", low = 0.1 }\n',
            ["context.us_pressure", "high: expected a number (required by a uniform distribution)"],
        ),
        (
            '[context]\nus_pressure = { dist = "normal", mean = 0.5, sd = -1 }\n',
            ["sd: expected a standard deviation >= 0"],
        ),
        (
            '[context]\nus_pressure = { dist = "triangular", low = 0.1, mode = 0.9, high = 0.5 }\n',
            ["mode: expected low <= mode <= high"],
        ),
        (
            '[context]\nus_pressure = { dist = "beta", a = 2, b = -1 }\n',
            ["context.us_pressure", "b: expected a beta shape parameter > 0", "found -1"],
        ),
        (  # one bound past the other's default: the draws would fall outside the stated bound
            '[actors.hamas]\nstudy_days_max = { dist = "beta", a = 2, b = 2, low = 5 }\n',
            ["actors.hamas.study_days_max", "low: expected low <= high", "found low=5 > high=1"],
        ),
        (
            '[actors.hamas]\nreservation = { dist = "beta", a = 2, b = 2, high = -0.5 }\n',
            ["actors.hamas.reservation", "high: expected low <= high", "found low=0 > high=-0.5"],
        ),
        ('[context]\nus_pressure = { value = 0.5, sorce = "x" }\n', ["unknown key 'sorce'", "did you mean 'source'"]),
        ("[context]\nus_pressure = { value = 0.5, source = 3 }\n", ["context.us_pressure.source", "expected a string"]),
        (
            '[protocol]\nhorizon_days = { dist = "uniform", low = 90, high = 120 }\n',
            ["protocol.horizon_days", "expected one number for all worlds"],
        ),
        (
            '[actors.israel]\nkind = "goverment"\n',
            ["actors.israel.kind", "expected one of government", "found 'goverment'"],
        ),
        (
            '[actors.us]\ntarget = "hamas"\n',
            ["actors.us.target", "expected one of government, armed_group", "found 'hamas'"],
        ),
        ('[actors.israel]\ntarget = "government"\n', ["actors.israel.target", "only mediators have a target"]),
        ("[actors.newparty]\nseats = 4\n", ["actors.newparty.kind", "missing required key"]),
        ('[actors.newparty]\nkind = "coalition_party"\n', ["actors.newparty.seats", "missing required key"]),
        ('[actors.us2]\nkind = "mediator"\n', ["actors.us2.target", "missing required key"]),
        (
            '[actors.hamas2]\nkind = "armed_group"\nreservation = 0.5\n',
            ["actors: expected exactly one actor of kind 'armed_group', found 2"],
        ),
        ("[context]\nhostages_dead = 200\n", ["context.hostages_dead", "expected at most context.hostages_held"]),
        ("[actors.opposition]\nsafety_net_seats = 60\n", ["actors.opposition.safety_net_seats", "expected at most"]),
        ("[actors.otzma_yehudit]\nseats = 20\n", ["expected coalition and opposition seats to add up to at most"]),
        (
            "[actors.hamas]\nstudy_days_min = 12\n",
            ["actors.hamas.study_days_min", "expected at most actors.hamas.study_days_max"],
        ),
        ('[meta]\nnme = "x"\n', ["meta.nme", "did you mean 'meta.name'"]),
        ('[meta]\ndate = "2024-02-31"\n', ["meta.date: expected a date YYYY-MM or YYYY-MM-DD", "'2024-02-31'"]),
        (
            '[actors.""]\nkind = "coalition_party"\nseats = 0\n',
            ["expected an actor id (such as hamas), found an empty"],
        ),
        ("terms = 5\n[context]\nus_pressure = 0.5\n", ["terms: expected a table [terms], found 5"]),
        # a key is matched within its own table: sharing "terms." or "meta." makes no suggestion
        ("[terms]\nbar = 1\n", ["terms.bar: unknown key"]),
        # the key itself, written under another table
        ("[terms]\nus_pressure = 0.5\n", ["terms.us_pressure: unknown key", "did you mean 'context.us_pressure'"]),
        ('[meta]\nauthor = "x"\n', ["meta.author: unknown key"]),
        ("extends = 3\n", ["extends: expected a path or a list of paths (strings)"]),
    ],
)
def test_validation_errors(tmp_path, body, fragments):
    if body.startswith("extends"):
        p = write(tmp_path, body)
    else:
        p = variant(tmp_path, body)
    msg = error_of(p)
    if "did you mean" not in " ".join(fragments):
        assert "did you mean" not in msg, msg
    assert msg.startswith(str(p)), msg  # names the file that holds the problem
    for f in fragments:
        assert f in msg, (f, msg)


def test_an_empty_table_header_sets_nothing(tmp_path):
    """A header whose lines are commented out left an empty table that replaced the base's whole table
    ('terms: unknown key'); it now sets nothing, while an empty value or a new actor without keys is refused."""
    base = load_scenario(BASELINE)
    for header in ("[terms]\n# pause_days = 30\n", "[meta]\n", "[actors.hamas]\n", "[actors.hamas.weights]\n"):
        s = load_scenario(variant(tmp_path, header + '[context]\nus_pressure = { value = 0.8, source = "a" }\n'))
        assert s.values == base.with_values({"context.us_pressure": 0.8}).values, header
    assert "expected a number" in error_of(variant(tmp_path, "[context]\nus_pressure = {}\n"))
    assert load_scenario(variant(tmp_path, "[actors.newid]\n")).actors == base.actors  # a header of nothing
    # a parameter file too (backtest --fitted, check): the header of a commented-out value sets nothing
    from trucesim.config.scenario import apply_parameter_file

    params = write(tmp_path, "[actors.hamas]\n# reservation = 0.3\n[context]\nus_pressure = 0.5\n", "p.toml")
    assert apply_parameter_file(base, params).values == base.with_values({"context.us_pressure": 0.5}).values
    empty = write(tmp_path, "[actors.hamas]\n# reservation = 0.3\n", "e.toml")
    with pytest.raises(ScenarioError, match="found only empty tables"):
        apply_parameter_file(base, empty)


def test_missing_required_key_in_a_standalone_file(tmp_path):
    text = BASELINE.read_text().replace("pause_days = { value = 42", "# removed", 1)
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("# removed"))
    p = write(tmp_path, text)
    msg = error_of(p)
    assert "terms.pause_days: missing required key" in msg


def test_error_names_the_file_that_set_the_bad_key(tmp_path):
    base = variant(tmp_path, "[terms]\nwithdrawal = 7\n", "base.toml")
    child = write(tmp_path, 'extends = "base.toml"\n[terms]\npause_days = 3\n', "child.toml")
    msg = error_of(child)
    assert msg.startswith(str(base)) and "terms.withdrawal" in msg


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "nope.toml") == f"{tmp_path / 'nope.toml'}: file not found"


def test_missing_extended_file(tmp_path):
    p = write(tmp_path, 'extends = "gone.toml"\n')
    err = error_of(p)  # the variant, its extends key and the path tried
    assert f"{p}: extends:" in err and f"no file {tmp_path / 'gone.toml'}" in err


def test_invalid_toml(tmp_path):
    msg = error_of(write(tmp_path, "[terms\npause_days = 3\n"))
    assert "invalid TOML" in msg


def test_cycle_in_extends(tmp_path):
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    msg = error_of(tmp_path / "a.toml")
    assert "extends: expected a chain without cycles, found a.toml -> b.toml -> a.toml" in msg


def test_check_command(tmp_path):
    ok = cli("check", BASELINE, SCENARIOS / "november-2023.toml")
    assert ok.returncode == 0 and ok.stdout.count(": ok (") == 2
    bad = variant(tmp_path, "[terms]\npause_dayz = 3\n")
    proc = cli("check", bad)
    assert_one_line_error(proc, str(bad), "terms.pause_dayz", "did you mean")


def test_run_with_a_bad_scenario_is_one_line(tmp_path):
    bad = variant(tmp_path, "[context]\nus_pressure = 2\n")
    assert_one_line_error(
        cli("run", bad, "--worlds", 10), "context.us_pressure", "expected a number in 0..1", "found 2"
    )
    assert_one_line_error(cli("run", tmp_path / "missing.toml"), "file not found")


@pytest.mark.parametrize(
    "body, fragments",
    [
        ('meta = "x"\n', ["meta", "expected a table [meta]"]),
        ("[terms]\npause_days = {}\n", ["terms.pause_days", "expected a number, { value = .., source = .. }"]),
        ('[terms]\npause_days = { source = "a" }\n', ["terms.pause_days.source", "unknown key"]),
        ("[context]\nus_pressure = { dist = [1] }\n", ["context.us_pressure", "dist: expected one of uniform"]),
        (
            '[context]\nus_pressure = { dist = "normal", mean = 0.5, sd = 0.1, low = 2 }\n',
            ["context.us_pressure", "expected low <= mean <= high within 0..1", "found 2 <= 0.5"],
        ),
    ],
)
def test_malformed_values_are_one_line(tmp_path, body, fragments):
    msg = error_of(variant(tmp_path, body))
    for f in fragments:
        assert f in msg, (f, msg)


def test_a_file_that_is_not_text(tmp_path):
    p = tmp_path / "bin.toml"
    p.write_bytes(b"[terms]\npause_days = 4\n# \xff\xfe\n")
    assert "expected a UTF-8 text file" in error_of(p)


def test_a_plain_normal_is_held_to_the_keys_range_in_the_checks_across_keys(tmp_path):
    """A normal without bounds is truncated to its key's range (ODD), so a check across keys reads that
    range's end, not infinity, and says why; with the bound given it passes."""
    bad = variant(tmp_path, '[context]\nhostages_dead = { dist = "normal", mean = 34, sd = 1, source = "a" }\n')
    msg = error_of(bad)
    assert "expected at most context.hostages_held (129), found 1000 (a normal without high" in msg, msg
    assert "inf" not in msg
    ok = variant(tmp_path, '[context]\nhostages_dead = { dist = "normal", mean = 34, sd = 1, high = 60 }\n')
    assert load_scenario(ok).values["context.hostages_dead"].kind == "normal"
    ok = variant(tmp_path, '[actors.hamas]\nstudy_days_min = { dist = "normal", mean = 1, sd = 0 }\n')
    assert load_scenario(ok).values["actors.hamas.study_days_min"].kind == "normal"  # sd 0: its mean


def test_normal_bounds_at_a_single_point_draw_that_point(tmp_path):
    p = variant(tmp_path, '[context]\nus_pressure = { dist = "normal", mean = 1, sd = 0.1, low = 1 }\n')
    d = load_scenario(p).draw(np.random.default_rng(0), 100)
    assert np.isfinite(d["context.us_pressure"]).all() and (d["context.us_pressure"] == 1).all()
