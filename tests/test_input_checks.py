"""Input that no run could use is refused when the file is read, in one line naming the file and the keys.

Each test here was a defect: ``check`` passed the file and a later command failed late (after a whole
reference table was simulated), or not at all (a count no world can produce), or suggested values it
then refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import BASELINE, ROOT, assert_one_line_error, cli

ROUNDS = ROOT / "scenarios" / "rounds"

# --------------------------------------------------------------------------- calibration: population <= table
CALIBRATION = """
rounds = ["{rounds}/april-2024.toml"]
priors = "april-2024"
fit = ["actors.hamas.patience"]
method = "{method}"
worlds = 10
{sizes}

[prior]
"actors.hamas.patience" = {{ dist = "uniform", low = 0.1, high = 0.8 }}
"""


def calibration(tmp_path: Path, sizes: str, method: str = "table") -> Path:
    path = tmp_path / "cal.toml"
    path.write_text(CALIBRATION.format(rounds=ROUNDS.as_posix(), method=method, sizes=sizes))
    return path


@pytest.mark.parametrize(
    "sizes, fragments",
    [
        (
            "population = 100\ntable = 64",
            ["population: expected at most table = 64", "raise table or lower population", "found 100"],
        ),
        (  # the --quick preset: its population over the file's table
            "population = 10\ntable = 64\n[quick]\npopulation = 70",
            ["quick.population: expected at most table = 64", "found 70"],
        ),
        (  # trucesim validate --quick: the file's, then [quick], then [validate.quick]
            "population = 10\ntable = 640\n[quick]\ntable = 32\n[validate.quick]\npopulation = 40",
            ["validate.quick.population: expected at most quick.table = 32", "found 40"],
        ),
        (  # the default table
            "population = 30000",
            ["population: expected at most table = 20000 (the default;", "found 30000"],
        ),
        (  # the second stage keeps population of its draws too
            "population = 10\ntable = 640\nrefine = 5",
            ["population: expected at most refine = 5", "found 10"],
        ),
    ],
)
def test_a_population_larger_than_the_table_is_refused_when_the_file_is_read(tmp_path, sizes, fragments):
    from trucesim.config.calibration import CalibrationError, load_calibration

    path = calibration(tmp_path, sizes)
    with pytest.raises(CalibrationError) as e:
        load_calibration(path)
    assert str(e.value).startswith(f"{path}: ") and "\n" not in str(e.value)
    for f in fragments:
        assert f in str(e.value), (f, str(e.value))
    assert_one_line_error(cli("check", path), str(path), *fragments)


def test_calibrate_refuses_it_before_any_simulation(tmp_path):
    path = calibration(tmp_path, "population = 100\ntable = 64")
    out = tmp_path / "fit"
    proc = cli("calibrate", path, "--out", out, "--workers", "1", timeout=60)
    assert_one_line_error(proc, f"{path}: population: expected at most table = 64", "found 100")
    assert not out.exists()  # nothing simulated, nothing written


def test_sizes_a_fit_can_keep_still_pass(tmp_path):
    from trucesim.config.calibration import load_calibration

    assert load_calibration(calibration(tmp_path, "population = 64\ntable = 64")).population == 64
    # a fit by ABC-SMC has no reference table: its table size is not used
    assert load_calibration(calibration(tmp_path, "population = 100\ntable = 64", method="smc")).population == 100
    assert cli("check", ROOT / "calibration" / "joint.toml").returncode == 0


# --------------------------------------------------------------------------- hostages: held <= seized
def variant(tmp_path: Path, body: str, name: str = "v.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{body}')
    return path


def test_more_hostages_held_than_seized_is_refused(tmp_path):
    from trucesim.config.scenario import ScenarioError, load_scenario

    path = variant(tmp_path, "[context]\nhostages_held = 500\n")  # the baseline seized 250
    fragments = ("context.hostages_held: expected at most context.hostages_seized (250)", "found 500")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert all(f in str(e.value) for f in fragments), str(e.value)
    assert_one_line_error(cli("check", path), str(path), *fragments)
    assert_one_line_error(cli("run", path, "--worlds", 10, "--workers", 1), str(path), *fragments)
    # a distribution that can draw more held than seized, too
    drawn = variant(tmp_path, '[context]\nhostages_held = { dist = "uniform", low = 100, high = 300 }\n', "d.toml")
    assert_one_line_error(cli("check", drawn), "context.hostages_held", "found 300")
    # as many as were seized is possible
    assert load_scenario(variant(tmp_path, "[context]\nhostages_held = 250\n", "e.toml")).values[
        "context.hostages_held"
    ] == pytest.approx(250)


def test_an_experiment_sweeping_held_beyond_seized_is_refused(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(
        f'scenario = "{BASELINE.as_posix()}"\nworlds_per_point = 10\n[design]\nkind = "grid"\n'
        '[factors."context.hostages_held"]\nlevels = [100, 400]\n'
    )
    assert_one_line_error(
        cli("check", path), str(path), "factors: context.hostages_held: expected at most context.hostages_seized"
    )


@pytest.mark.parametrize(
    "fact, fragments",
    [
        (
            "hostages_released = 100000",
            [
                "observed.hostages_released: expected at most the living hostages held at day 0",
                "context.hostages_held - context.hostages_dead = 129 - 34 = 95",
                "found 100000",
            ],
        ),
        (
            "remains_released = { value = 130, tolerance = 0 }",
            ["observed.remains_released: expected at most the hostages held at day 0 (context.hostages_held = 129)"],
        ),
    ],
)
def test_an_observed_count_no_world_can_reach_is_refused(tmp_path, fact, fragments):
    path = variant(tmp_path, f"[observed]\ndeal = false\n{fact}\n")
    assert_one_line_error(cli("check", path), str(path), *fragments)
    assert_one_line_error(cli("backtest", path, "--worlds", 10, "--workers", 1), str(path), *fragments)


def test_observed_counts_the_context_allows_pass(tmp_path):
    from trucesim.config.scenario import load_scenario

    path = variant(tmp_path, "[observed]\nhostages_released = 95\nremains_released = 129\n")
    assert [o.value for o in load_scenario(path).observed] == [95.0, 129.0]


# --------------------------------------------------------------------------- Sobol: suggestions that pass
SOBOL = """
scenario = "{scenario}"
worlds_per_point = 1
[design]
kind = "sobol"
points = {points}
saltelli = {saltelli}
[factors."context.us_pressure"]
range = [0.2, 0.8]
[factors."terms.pause_days"]
range = [14, 42]
"""


@pytest.mark.parametrize(
    "points, saltelli, suggested",
    [
        ("1e12", "false", ["524288"]),
        ("1e12", "true", ["131072"]),  # 2 factors: 4 points per base point
        ("600000", "false", ["524288"]),
        ("600000", "true", ["131072"]),
        ("200000", "true", ["131072"]),
        ("100", "false", ["64", "128"]),
        ("100", "true", ["64", "128"]),
    ],
)
def test_sobol_points_suggested_are_accepted(tmp_path, points, saltelli, suggested):
    """Defect: points = 1e12 suggested 549755813888 or 1099511627776, both then refused (at most 1,000,000)."""
    from trucesim.sweep.experiment import ExperimentError, load_experiment

    path = tmp_path / "sobol.toml"
    text = SOBOL.format(scenario=BASELINE.as_posix(), saltelli=saltelli, points="{points}")
    path.write_text(text.format(points=points))
    with pytest.raises(ExperimentError) as e:
        load_experiment(path)
    msg = str(e.value)
    assert "design.points: expected a power of two" in msg and "\n" not in msg, msg
    said = msg.split("design.points: ", 1)[1].split(", found")[0]
    offered = re.findall(r"\d+", re.sub(r"at most [\d,]+ design points.*", "", said))
    assert offered == suggested, msg  # the values offered, and no other
    for s in suggested:  # each passes
        path.write_text(text.format(points=s))
        assert load_experiment(path).design.points == int(s)


def test_a_misspelt_fit_key_is_named_not_the_priors_right_one(tmp_path):
    cal = tmp_path / "c.toml"
    cal.write_text(
        'rounds = ["april-2024", "june-2025", "august-2024"]\npriors = "april-2024"\n'
        'fit = ["actors.israel.reservaton"]\n'
        '[prior."actors.israel.reservation"]\ndist = "uniform"\nlow = 0.3\nhigh = 1.0\n'
    )
    line = assert_one_line_error(
        cli("check", cal), "fit: 'actors.israel.reservaton': unknown key", "did you mean 'actors.israel.reservation'"
    )
    assert "prior." not in line
