"""Frictions a new user meets on the command line (issue 12) and scenario files that must fail cleanly (issue 13)."""

from __future__ import annotations

import argparse

import pytest

from .conftest import BASELINE, ROOT, assert_one_line_error, cli

EXPERIMENT = ROOT / "experiments" / "prisoners-vs-us-pressure.toml"


# --- issue 12 item 7: the wrong kind of file -----------------------------------------------


def test_an_experiment_given_to_run_says_to_use_sweep():
    line = assert_one_line_error(cli("run", EXPERIMENT), "found an experiment file", "trucesim sweep")
    assert "unknown key" not in line


def test_a_scenario_given_to_sweep_says_to_use_run():
    line = assert_one_line_error(cli("sweep", BASELINE, "--dry-run"), "found a scenario file", "trucesim run")
    assert "unknown key" not in line


def test_check_validates_each_file_as_its_kind(tmp_path):
    ok = cli("check", BASELINE, EXPERIMENT)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count(": ok (") == 2 and "experiment: 100 points" in ok.stdout
    bad = tmp_path / "exp.toml"
    bad.write_text(EXPERIMENT.read_text().replace("worlds_per_point = 10000", "worlds_per_point = 0"))
    bad.write_text(bad.read_text().replace('"../scenarios/', f'"{ROOT}/scenarios/'))
    assert_one_line_error(cli("check", bad), "worlds_per_point")


def test_check_validates_the_shipped_calibration_and_parameter_files(tmp_path):
    """Every shipped TOML file passes check, each as its kind; a bad key in either kind is one line."""
    ok = cli("check", ROOT / "scenarios" / "fitted" / "joint.toml", ROOT / "calibration" / "joint.toml")
    assert ok.returncode == 0, ok.stderr
    assert (
        "ok (parameter file: 15 values" in ok.stdout and "ok (calibration: 15 values fitted to 11 rounds)" in ok.stdout
    )
    params = tmp_path / "p.toml"
    params.write_text("[actors.hamas]\nreservaton = 0.5\n")
    assert_one_line_error(cli("check", params), "actors.hamas.reservaton", "did you mean 'actors.hamas.reservation'")
    params.write_text("[actors.hamas]\nreservation = 7\n")
    assert_one_line_error(cli("check", params), "actors.hamas.reservation", "found 7")
    # a value without a source is warned of, and with --strict fails the file, as in a scenario
    params.write_text('[actors.hamas]\nreservation = 0.5\n[context]\nus_pressure = { value = 0.5, source = "x" }\n')
    warned = cli("check", params)
    assert warned.returncode == 0 and "ok (parameter file: 2 values" in warned.stdout
    assert warned.stderr.splitlines() == [
        f'trucesim: warning: {params}: actors.hamas.reservation: no source (write {{ value = .., source = ".." }})'
    ]
    strict = cli("check", "--strict", params)
    assert strict.returncode == 2 and strict.stdout == "" and "trucesim: error:" in strict.stderr
    cal = tmp_path / "c.toml"
    cal.write_text('rounds = ["nowhere"]\npriors = "april-2024"\nfit = ["actors.hamas.reservation"]\n')
    assert_one_line_error(cli("check", cal), "rounds", "'nowhere'")


# --- issue 12 item 8: a misspelt actor id ---------------------------------------------------


def test_a_misspelt_actor_id_suggests_the_base_scenarios_actor(tmp_path):
    bad = tmp_path / "v.toml"
    bad.write_text(f'extends = "{BASELINE}"\n[actors.otzma_yehudt]\nexit_credibility = 0.5\n')
    line = assert_one_line_error(cli("check", bad), str(bad), "otzma_yehudt", "did you mean 'otzma_yehudit'?")
    assert "missing required key" not in line
    bad.write_text(f'extends = "{BASELINE}"\n[actors.otzma]\nexit_credibility = 0.5\n')  # a shortened id
    line = assert_one_line_error(cli("check", bad), "unknown actor 'otzma'", "did you mean 'otzma_yehudit'?")
    assert "missing required key" not in line


def test_a_new_actor_without_a_kind_still_says_kind_is_missing(tmp_path):
    bad = tmp_path / "v.toml"
    bad.write_text(f'extends = "{BASELINE}"\n[actors.jordan]\nleverage = 0.5\n')
    assert_one_line_error(cli("check", bad), "actors.jordan.kind: missing required key")


# --- issue 13 item 4: values that looked accepted ------------------------------------------


def test_a_quoted_dotted_key_is_refused_not_an_override(tmp_path):
    bad = tmp_path / "v.toml"
    bad.write_text(f'extends = "{BASELINE}"\n[actors.israel]\n"weights.pause_days" = {{value = 99}}\n')
    assert_one_line_error(cli("check", bad), str(bad), "weights.pause_days", "quoted key with a dot")


def test_meta_name_as_a_table_is_refused(tmp_path):
    for body in ['[meta.name]\nx = "y"\n', "[meta.name]\n", '[meta.name]\nvalue = "y"\n']:
        bad = tmp_path / "v.toml"
        bad.write_text(f'extends = "{BASELINE}"\n{body}')
        assert_one_line_error(cli("check", bad), f"{bad}: meta.name: expected a string", "found a table")


# --- issue 13 item 2: a side whose weights can all be zero ----------------------------------


def _only_weight(tmp_path, dist: str):
    from trucesim.config.terms import TERM_NAMES

    body = "\n".join(f"{t} = 0" for t in TERM_NAMES[1:])
    path = tmp_path / "w.toml"
    path.write_text(f'extends = "{BASELINE}"\n[actors.hamas.weights]\n{TERM_NAMES[0]} = {dist}\n{body}\n')
    return path


def test_weights_that_can_all_be_zero_are_refused(tmp_path):
    for dist in (
        '{ dist = "normal", mean = 0, sd = 0 }',
        '{ dist = "beta", a = 1e-300, b = 1 }',
        '{ dist = "uniform", low = 0, high = 1 }',
        "0",
    ):
        path = _only_weight(tmp_path, dist)
        assert_one_line_error(cli("check", path), str(path), "actors.hamas.weights", "zero")


def test_a_weight_that_cannot_be_zero_is_accepted(tmp_path):
    path = _only_weight(tmp_path, '{ dist = "uniform", low = 0.5, high = 1 }')
    assert cli("check", path).returncode == 0


# --- issue 13 items 7 and 8: reading scenario files never hangs, never a traceback ----------


def _extends(tmp_path, target: str, name: str = "x.toml"):
    path = tmp_path / name
    path.write_text(f'extends = "{target}"\n')
    return path


def test_a_chain_of_extends_deeper_than_64_is_one_line(tmp_path):
    _extends(tmp_path, BASELINE, "f0.toml")
    for i in range(1, 200):
        _extends(tmp_path, f"f{i - 1}.toml", f"f{i}.toml")
    assert_one_line_error(cli("check", tmp_path / "f199.toml"), "extends: expected a chain of at most 64 files")
    assert cli("check", tmp_path / "f60.toml").returncode == 0


def test_odd_extends_targets_are_one_line_errors(tmp_path):
    import os

    (tmp_path / "loop1.toml").symlink_to(tmp_path / "loop2.toml")
    (tmp_path / "loop2.toml").symlink_to(tmp_path / "loop1.toml")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "big.toml").write_text("# " + "x" * (5 << 20) + "\n")
    (tmp_path / "nul.toml").write_text('extends = "a\\u0000b.toml"\n')
    cases = {
        "loop1.toml": "Too many levels of symbolic links",
        "/dev/zero": "found a device or special file",
        "fifo": "found a FIFO",
        "big.toml": "at most 4 MiB",
    }
    for target, fragment in cases.items():
        assert_one_line_error(cli("check", _extends(tmp_path, target), timeout=60), fragment)
    assert_one_line_error(cli("check", tmp_path / "nul.toml", timeout=60), "NUL byte")
    assert_one_line_error(cli("run", tmp_path / "fifo", timeout=60), "found a FIFO")


def test_echoed_values_are_cut_and_control_characters_stripped(tmp_path):
    long = tmp_path / "long.toml"
    long.write_text(f'extends = "{BASELINE}"\n[context]\nus_pressure = "{"y" * 100_000}"\n' + "z" * 500 + " = 1\n")
    line = assert_one_line_error(cli("check", long), "context.us_pressure", "(100,000 characters)")
    assert len(line) < 300
    ctl = tmp_path / "ctl.toml"
    ctl.write_text(f'extends = "{BASELINE}"\n[context]\n"a\\u001b[2Jb" = 1\n')
    line = assert_one_line_error(cli("check", ctl), "unknown key")
    assert "\x1b" not in line
    label = tmp_path / "label.toml"
    label.write_text(f'extends = "{BASELINE}"\n[actors.hamas]\nlabel = "Ha\\u001b[2Jmas"\n')
    out = cli("run", label, "--worlds", 50, "--trace", 0, check=True)
    assert "\x1b" not in out.stdout and "Ha[2Jmas" in out.stdout


# --- issue 12 item 5: shipped scenarios by name, from any directory --------------------------


def test_list_prints_shipped_scenarios_and_experiments_with_descriptions():
    out = cli("list", cwd="/tmp", check=True).stdout
    assert "scenarios (" in out and "experiments (" in out
    assert "april-2024 " in out and "The six-week framework of April 2024" in out
    assert "prisoners-vs-us-pressure" in out and "Probability of a deal" in out


def test_a_shipped_scenario_runs_by_name_from_any_directory(tmp_path):
    out = cli("run", "april-2024", "--worlds", 100, "--format", "json", cwd="/tmp", check=True).stdout
    assert '"scenario": "april-2024"' in out
    assert cli("check", "prisoners-vs-us-pressure", cwd=tmp_path).returncode == 0
    assert_one_line_error(cli("run", "april-2025", cwd=tmp_path), "did you mean 'april-2024'?", "trucesim list")


def test_a_path_wins_over_a_shipped_name(tmp_path):
    (tmp_path / "april-2024").write_text(f'extends = "{BASELINE}"\n[meta]\nname = "mine"\n')
    out = cli("run", "april-2024", "--worlds", 100, "--format", "json", cwd=tmp_path, check=True).stdout
    assert '"scenario": "mine"' in out


def test_installed_layout_finds_the_shipped_files(tmp_path):
    """The wheel's layout (pyproject's package-dir): trucesim/scenarios and trucesim/experiments."""
    import shutil
    import sys

    shutil.copytree(ROOT / "trucesim", tmp_path / "site" / "trucesim", ignore=shutil.ignore_patterns("__pycache__"))
    for kind in ("scenarios", "experiments"):
        shutil.copytree(ROOT / kind, tmp_path / "site" / "trucesim" / kind)
    code = "from trucesim.config.shipped import shipped_dir as d; print(d('scenarios')); print(d('experiments'))"
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [str(tmp_path / "site" / "trucesim" / k) for k in ("scenarios", "experiments")]


def test_pyproject_ships_every_package_and_the_data():
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {"trucesim"} | {f"trucesim.{p.parent.name}" for p in (ROOT / "trucesim").glob("*/__init__.py")}
    data = {"trucesim.scenarios": "scenarios", "trucesim.scenarios.rounds": "scenarios/rounds"}
    data["trucesim.scenarios.fitted"] = "scenarios/fitted"
    data["trucesim.experiments"] = "experiments"
    data["trucesim.calibration"] = "calibration"
    assert set(conf["packages"]) == found | set(data)
    assert conf["package-dir"] == data
    assert conf["package-data"] == {key: ["*.toml"] for key in data}


# --- issue 12 item 6: consistent options --------------------------------------------------------


def test_design_takes_workers_and_still_accepts_jobs_hidden():
    help_text = cli("design", "--help", check=True).stdout
    assert "--workers N" in help_text and "--jobs" not in help_text
    from trucesim.cli import build_parser

    parser, _ = build_parser()
    base = ["design", str(BASELINE), "--vary", "pause_days=10..20", "--out", "o"]
    assert parser.parse_args([*base, "--workers", "2"]).workers == 2
    assert parser.parse_args([*base, "--jobs", "3"]).workers == 3
    assert parser.parse_args(base).workers is None  # all cores, as run and sweep


def test_commands_that_write_a_file_refuse_to_overwrite_without_force(tmp_path):
    out = tmp_path / "w.csv"
    out.write_text("keep me\n")
    assert_one_line_error(cli("run", BASELINE, "--worlds", 10, "--out", out), str(out), "--force")
    assert out.read_text() == "keep me\n"
    cli("run", BASELINE, "--worlds", 10, "--out", out, "--force", check=True)
    assert out.read_text().startswith("world")
    fig = tmp_path / "t.png"
    fig.write_text("keep me\n")
    assert_one_line_error(cli("plot", BASELINE, "--kind", "timeline", "--out", fig), "--force")
    assert fig.read_text() == "keep me\n"
    page = tmp_path / "r.html"
    page.write_text("keep me\n")
    assert_one_line_error(cli("report", tmp_path, "--out", page), "--force")
    for command in ("run", "plot", "report", "design"):
        assert "--force" in cli(command, "--help", check=True).stdout, command


def test_the_traced_world_has_one_name_on_run_and_plot_and_the_old_one_is_hidden():
    from trucesim.cli import build_parser

    parser, _ = build_parser()
    assert parser.parse_args(["run", str(BASELINE), "--trace", "4"]).trace == 4
    assert parser.parse_args(["plot", str(BASELINE), "--kind", "timeline", "--trace", "4"]).trace == 4
    assert parser.parse_args(["plot", str(BASELINE), "--kind", "timeline", "--world", "5"]).trace == 5
    assert parser.parse_args(["plot", str(BASELINE), "--kind", "timeline"]).trace == 0
    help_text = cli("plot", "--help", check=True).stdout
    assert "--trace K" in help_text and "--world " not in help_text


def test_worlds_dpi_and_workers_have_one_default_across_commands():
    from trucesim.cli import build_parser
    from trucesim.commands.common import DEFAULT_DPI, DEFAULT_WORLDS

    parser, _ = build_parser()
    run = parser.parse_args(["run", str(BASELINE)])
    plot = parser.parse_args(["plot", str(BASELINE), "--kind", "days"])
    design = parser.parse_args(["design", str(BASELINE), "--vary", "pause_days=10..20", "--out", "o"])
    assert run.worlds == plot.worlds == DEFAULT_WORLDS
    assert plot.dpi == design.dpi == DEFAULT_DPI
    assert run.workers is None and design.workers is None  # all cores, the same default


def test_a_usage_error_points_to_the_subcommands_help():
    for argv, hint in [
        (["run", BASELINE, "--worlds", "x"], "trucesim run --help"),
        (["sweep"], "trucesim sweep --help"),
        (["design", BASELINE], "trucesim design --help"),
        (["plot", BASELINE, "--bogus"], "trucesim plot --help"),
        (["list", "extra"], "trucesim list --help"),
        (["nosuch"], "trucesim --help"),
    ]:
        assert_one_line_error(cli(*argv), f"(see '{hint}')")


# --- issue 12 item 14 (files): licence and citation ---------------------------------------------


def test_license_and_citation_match_pyproject():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    text = (ROOT / "LICENSE").read_text()
    assert project["license"] == "MIT" and text.startswith("MIT License")
    assert "Copyright (c) 2026 trucesim contributors" in text
    cff = (ROOT / "CITATION.cff").read_text()
    assert "cff-version: 1.2.0" in cff and "license: MIT" in cff
    assert f'version: "{project["version"]}"' in cff
    yaml = pytest.importorskip("yaml")  # installed with dask
    meta = yaml.safe_load(cff)
    assert meta["authors"] == [{"name": "trucesim contributors"}] and meta["title"].startswith("trucesim")


# --- issue 12 item 15: start-up -----------------------------------------------------------------


@pytest.mark.parametrize(
    "argv,banned",
    [
        (["--help"], ("mesa", "matplotlib", "pandas", "numpy", "scipy")),
        (["run", "--help"], ("mesa", "matplotlib", "pandas", "numpy", "scipy")),
        (["check", str(BASELINE)], ("mesa", "matplotlib", "pandas", "scipy")),
        (["list"], ("mesa", "matplotlib", "pandas", "numpy", "scipy")),
    ],
)
def test_light_commands_do_not_import_the_heavy_libraries(argv, banned):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from trucesim.cli import main\n"
        "try:\n"
        f"    main({[str(a) for a in argv]!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES ")]
    assert line, proc.stderr
    loaded = set(line[0].split()[1:])
    assert not loaded & set(banned), (argv, sorted(loaded & set(banned)))


# --- issue 12 item 12: progress where no terminal is attached -----------------------------------


def test_commands_that_simulate_print_progress_lines_when_stderr_is_not_a_terminal(tmp_path, capsys, monkeypatch):
    import re

    from trucesim.cli import main
    from trucesim.commands import progress

    monkeypatch.setattr(progress, "LINE_INTERVAL", 0.0)  # a line at every update, not every 5 s
    line = re.compile(r"^(\S.*): (\w+) [\d,]+/[\d,]+, \d+%(, eta \w+|, done in \w+|, stopped after \w+)?$")

    def progress_lines(err: str, head: str) -> list[str]:
        return [ln for ln in err.splitlines() if ln.startswith(head) and line.match(ln)]

    assert main(["run", str(BASELINE), "--worlds", "20001", "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert len(progress_lines(err, "simulating: worlds")) >= 2, err

    exp = tmp_path / "e.toml"
    exp.write_text(
        f'scenario = "{BASELINE.as_posix()}"\nworlds_per_point = 20\n[design]\nkind = "grid"\n'
        '[factors."terms.prisoners_per_hostage"]\nlevels = [5, 30, 60]\n'
    )
    assert main(["sweep", str(exp), "--out", str(tmp_path / "s"), "--workers", "1", "--chunk-worlds", "20"]) == 0
    err = capsys.readouterr().err
    lines = progress_lines(err, "sweep: worlds")
    assert len(lines) >= 3 and lines[-1].endswith(tuple(f"done in {s}s" for s in range(100))), err
    # export writes one archive member at a time: minutes for a million worlds
    assert main(["export", str(tmp_path / "s"), "--out", str(tmp_path / "s.tar.gz")]) == 0
    lines = progress_lines(capsys.readouterr().err, "export s.tar.gz: files")
    assert len(lines) >= 3, lines

    argv = ["design", str(BASELINE), "--vary", "terms.hostages_released=10..50", "--worlds", "64", "--budget", "16"]
    assert main([*argv, "--grid", "3", "--out", str(tmp_path / "d")]) == 0
    out, err = capsys.readouterr()
    assert progress_lines(err, "design: screening"), err
    # (issue 12 item 10) the summary names the sides by the scenario's labels
    assert "acceptance of these terms at day 0: Israel's government" in out and ", Hamas " in out
    assert "armed group" not in out

    # the commands that simulate a scenario's worlds before drawing or comparing them
    for argv in (
        ["plot", str(BASELINE), "--kind", "seats", "--worlds", "20001", "--out", str(tmp_path / "p.png")],
        ["compare", str(BASELINE), str(BASELINE), "--worlds", "10001", "--workers", "1"],
        ["report", str(BASELINE), "--worlds", "20001", "--workers", "1", "--out", str(tmp_path / "r.html")],
    ):
        assert main(argv) == 0, argv
        err = capsys.readouterr().err
        assert len(progress_lines(err, "simulating: worlds")) >= 2, (argv[0], err)


# --- issue 12 item 13: notebooks ----------------------------------------------------------------


def test_jupyterlab_is_in_the_dev_extra_and_the_readme_says_how_to_open_the_notebooks():
    import tomllib

    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert any(d.split("=")[0].split(">")[0].strip() == "jupyterlab" for d in dev), dev
    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/jupyter lab notebooks/" in readme and "make test" in readme


# --- issue 12 item 11: plain words for parameters -----------------------------------------------


def test_the_sweep_summary_says_what_each_factor_column_is_in_plain_words(baseline):
    from types import SimpleNamespace

    from trucesim.report.sweep import _legend

    keys = [f"factor.{i}.x" for i in range(3)] + ["actors.hamas.reservation", "terms.pause_days"]
    text = _legend(keys, SimpleNamespace(scenario=baseline))
    assert "  actors.hamas.reservation = Hamas's worth of continuing the war [utility]" in text
    assert "  terms.pause_days = length of the halt to the fighting [days]" in text
    assert "  factor.0.x\n" in text  # a key of no parameter is shown as it is


# --- issue 12 item 10: a corner solution is said ------------------------------------------------


def test_best_terms_on_a_bound_of_vary_are_noted_with_a_wider_range_suggested(baseline):
    import numpy as np

    from trucesim.designer.outputs import bound_notes
    from trucesim.designer.space import make_space

    space = make_space(
        baseline,
        ["terms.hostages_released=30..50", "terms.prisoners_per_hostage=0..60", "terms.pause_days=10..40"],
        [],
        ["terms.pause_days <= 30"],
    )
    on, notes = bound_notes(space, np.array([30.0, 0.3, 30.0]))
    assert on == {
        "terms.hostages_released": "lower",
        "terms.prisoners_per_hostage": "lower",
        "terms.pause_days": "upper",
    }
    assert "widen the range, e.g. --vary terms.hostages_released=20..50" in notes[0]
    assert "the parameter's own limit: a corner solution" in notes[1]  # 0 prisoners per hostage is the floor
    assert "a --constraint sets (30)" in notes[2]
    assert bound_notes(space, np.array([40.0, 30.0, 20.0])) == ({}, [])


def test_the_apps_pressure_chart_names_the_summed_pressure_and_the_sides_by_label():
    from trucesim.app.charts import chart_specs

    specs = chart_specs({"government": "Gov of X", "armed_group": "Group Y"})
    pressures = dict(next(s for s in specs if s.title == "Pressures").series)
    assert pressures["pressure_on_government"] == "summed pressure on Gov of X (US and mediators)"
    assert pressures["military_pressure_mean"] == "military, on Group Y"


# --- issue 12 item 2: why a deal failed ------------------------------------------------------------------


def test_the_summary_says_how_talks_ended_and_what_stopped_them():
    out = cli("run", BASELINE, "--worlds", 2000, check=True).stdout
    assert "how the talks ended (share of worlds)" in out and "the mediators walked away" in out
    assert "what stopped the last round (share of worlds without a deal)" in out and "Hamas refused the text" in out


@pytest.mark.parametrize(
    "kind, words", [("first-deal", "verdict: a deal signed on day"), ("first-no-deal", "verdict: no deal")]
)
def test_trace_picks_a_world_by_kind_and_ends_with_a_verdict(kind, words):
    out = cli("run", BASELINE, "--worlds", 2000, "--trace", kind, check=True).stdout
    story = out[out.index("day by day:") :].splitlines()
    assert story[-1].startswith(words), story[-1]
    world = int(out[: out.index(", day by day:")].rsplit("world ", 1)[1])
    # the same world by number tells the same story
    again = cli("run", BASELINE, "--worlds", 2000, "--trace", world, check=True).stdout
    assert again[again.index("day by day:") :] == out[out.index("day by day:") :]


def test_a_bad_trace_value_is_one_line():
    assert_one_line_error(cli("run", BASELINE, "--trace", "first-dael"), "first-deal or first-no-deal", "first-dael")


def test_every_option_that_takes_a_value_names_it_in_the_help():
    """``--out DIR``, ``--seed S``: no option falls back to argparse's ``--out OUT`` (its name in capitals)."""
    import argparse

    from trucesim.cli import build_parser

    parser, _ = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bare = [
        f"{name} {a.option_strings[-1]}"
        for name, command in sub.choices.items()
        for a in command._actions
        if a.option_strings and a.nargs != 0 and a.metavar is None and a.choices is None and a.help != argparse.SUPPRESS
    ]
    assert bare == []


def test_a_value_out_of_range_states_the_range_once(tmp_path):
    bad = tmp_path / "v.toml"
    bad.write_text(f'extends = "{BASELINE}"\n[context]\nus_pressure = 1.7\n')
    line = assert_one_line_error(cli("check", bad), "context.us_pressure: expected a number in 0..1, found 1.7")
    assert line.count("0..1") == 1


def test_sweep_of_an_unknown_name_says_it_is_no_shipped_experiment(tmp_path):
    assert_one_line_error(
        cli("sweep", "nosuch", "--out", tmp_path / "r"), "nosuch: file not found, nor a shipped experiment"
    )
    assert_one_line_error(
        cli("sweep", "prisoners-vs-us-presure", "--out", tmp_path / "r"), "did you mean 'prisoners-vs-us-pressure'?"
    )
    assert not (tmp_path / "r").exists()


def test_every_commands_help_has_examples():
    """The README says 'trucesim COMMAND --help lists every option with examples': each command does."""
    from trucesim.cli import COMMANDS

    without = [name for name in COMMANDS if "examples:" not in cli(name, "--help", check=True).stdout]
    assert without == []


# --- sizes that cannot finish, files that cannot be read (an audit of bad input) -------------------


@pytest.mark.parametrize("command", ["run", "compare", "report", "design", "plot"])
def test_worlds_beyond_a_core_year_are_refused_at_once(command):
    """compare, report and design once started allocating and ran out of memory (or broke the pool)."""
    assert_one_line_error(cli(command, "april-2024", "--worlds", "99999999999999999999"), "--worlds", "one core-year")


def test_a_dpi_that_would_run_out_of_memory_is_refused_before_any_work(tmp_path):
    line = assert_one_line_error(
        cli("plot", "april-2024", "--kind", "days", "--dpi", "30000", "--out", tmp_path / "x.png"), "--dpi", "1,200"
    )
    assert "30,000" in line and not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(("grid", "words"), [("1", ">= 2"), ("20000", "<= 101")])
def test_design_grid_out_of_range_is_one_line(grid, words):
    vary = ("--vary", "terms.hostages_released=10..50")
    assert_one_line_error(cli("design", "april-2024", *vary, "--grid", grid), "--grid", words)


def test_an_option_before_the_command_says_where_options_go():
    assert_one_line_error(cli("--bogus"), "unrecognized option --bogus", "expected a COMMAND first")


def test_a_constraint_bound_of_nan_says_it_must_be_finite(tmp_path):
    vary = ("--vary", "terms.hostages_released=10..50", "--out", tmp_path / "d")
    line = assert_one_line_error(
        cli("design", "april-2024", *vary, "--constraint", "terms.hostages_released >= nan"), "finite number"
    )
    assert "two keys" not in line


def test_deeply_nested_toml_is_one_line_not_a_recursion_error(tmp_path):
    deep = tmp_path / "deep.toml"
    for depth, words in ((1000, "nested too deep to read"), (40, "nested more than 32 deep")):
        deep.write_text("x = " + "[" * depth + "]" * depth + "\n")
        assert_one_line_error(cli("check", deep), str(deep), words)


def test_a_byte_order_mark_is_no_error(tmp_path):
    """Some editors start a UTF-8 file with a byte-order mark; TOML readers differ, the file is the user's."""
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + f'extends = "{BASELINE}"\n'.encode())
    ok = cli("check", f)
    assert ok.returncode == 0 and ": ok (" in ok.stdout, ok.stderr


def test_an_out_path_under_a_file_says_the_file_is_no_directory(tmp_path):
    (tmp_path / "o.csv").write_text("mine\n")
    line = assert_one_line_error(
        cli("run", "april-2024", "--out", tmp_path / "o.csv" / "x.csv"), "is a file, not a directory"
    )
    assert "does not exist" not in line and (tmp_path / "o.csv").read_text() == "mine\n"


def test_every_commands_help_prose_fits_the_terminal(monkeypatch):
    """Descriptions were written as one long line a paragraph; on an 80-column terminal each prose line fits."""
    from trucesim.cli import build_parser

    monkeypatch.setenv("COLUMNS", "80")
    parser, _ = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name, command in commands.items():
        long = [ln for ln in command.format_help().splitlines() if len(ln) > 80 and ln[:1].strip()]
        assert not long, (name, long[0])


def test_the_docs_repository_paths_from_another_directory_name_the_shipped_file(tmp_path):
    """The docs write scenarios/april-2024.toml and experiments/sobol-main.toml (paths in the repository):
    from another directory, the error says the shipped name runs from anywhere."""
    for argv, name in (
        (("run", "scenarios/april-2024.toml"), "'april-2024'"),
        (("sweep", "experiments/sobol-main.toml", "--dry-run"), "'sobol-main'"),
    ):
        assert_one_line_error(
            cli(*argv, cwd=tmp_path), f"{argv[1]}: file not found", f"runs from any directory as {name}"
        )
    line = assert_one_line_error(cli("run", "scenarios/mine.toml", cwd=tmp_path), "scenarios/mine.toml: file not found")
    assert "shipped" not in line
