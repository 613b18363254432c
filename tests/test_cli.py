"""`trucesim run` and the command line: in this process, and a few checks through a new interpreter."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from trucesim.config.terms import TERM_NAMES

from .conftest import BASELINE, ROOT, assert_one_line_error, cli, run_cli

JSON_KEYS = [
    "scenario",
    "worlds",
    "seed",
    "p_deal",
    "p_deal_ci",
    "p_deal_first_text",
    "p_accept",
    "p_accept_first",
    "end_reasons",
    "blockers",
    "acceptances_near_deadline",
    "p_exit",
    "p_promise",
    "p_government_falls",
    "p_pause_completed",
    "p_permanent",
    "deal_day",
    "hostages_released_mean",
    "hostages_died_mean",
    "remains_released_mean",
    "signed_terms_mean",
]


def test_text_summary():
    proc = run_cli("run", BASELINE, "--worlds", 2000, check=True)  # `python -m trucesim`, exit status 0
    out = proc.stdout
    for fragment in [
        "april-2024",
        "2,000 worlds",
        "not a forecast",
        "deal signed and ratified",
        "95% CI",
        "Hamas accepted a proposal",
        "Israel's government accepted a proposal",
        "Otzma Yehudit",
        "government falls",
        "pause completed",
        "permanent end",
        "hostages released",
        "deal day",
    ]:
        assert fragment in out, fragment


def test_json_keys_exactly():
    proc = cli("run", BASELINE, "--worlds", 2000, "--seed", 4, "--format", "json", check=True)
    d = json.loads(proc.stdout)
    assert list(d) == JSON_KEYS
    assert d["worlds"] == 2000 and d["seed"] == 4 and d["scenario"] == "april-2024"
    assert set(d["p_accept"]) == {"israel", "hamas"}
    assert set(d["p_exit"]) == {"coalition_core", "religious_zionism", "otzma_yehudit"}
    lo, hi = d["p_deal_ci"]
    assert lo <= d["p_deal"] <= hi
    assert set(d["deal_day"]) == {"median", "p10", "p90"}
    assert len(d["signed_terms_mean"]) == len(TERM_NAMES)


def test_out_parquet_and_csv(tmp_path):
    pq = tmp_path / "w.parquet"
    cli("run", BASELINE, "--worlds", 1500, "--out", pq, check=True)
    t = pd.read_parquet(pq)
    assert len(t) == 1500 and {"deal", "deal_day", "exit_otzma_yehudit", "terms_withdrawal"} <= set(t.columns)
    csv = tmp_path / "w.csv"
    cli("run", BASELINE, "--worlds", 1500, "--out", csv, check=True)
    c = pd.read_csv(csv)
    assert len(c) == 1500 and (c["deal"].to_numpy() == t["deal"].to_numpy()).all()
    assert not list(tmp_path.glob(".*.tmp"))


def test_trace_narrative():
    proc = cli("run", BASELINE, "--worlds", 100, "--trace", 5, check=True)
    assert "world 5, day by day:" in proc.stdout
    assert "mediators table proposal 1" in proc.stdout
    j = cli("run", BASELINE, "--worlds", 100, "--trace", 5, "--format", "json", check=True)
    json.loads(j.stdout)
    assert "world 5, day by day:" in j.stderr


def test_trace_is_the_story_of_trace_world(baseline):
    from trucesim.report.text import format_trace, verdict
    from trucesim.run.simulate import trace_world

    proc = cli("run", BASELINE, "--worlds", 100, "--trace", 5, "--seed", 2, check=True)
    events, row = trace_world(baseline, 5, seed=2)
    expected = format_trace(5, events, baseline.labels)
    sides = {"government": "Israel's government", "armed_group": "Hamas"}
    assert proc.stdout.endswith(expected + "\n" + verdict(row, {**baseline.labels, **sides}) + "\n")
    assert len(expected.splitlines()) == len(events) + 1 and row["world"] == 5


def test_bad_options_are_one_line_errors(tmp_path):
    assert_one_line_error(cli("run", BASELINE, "--worlds", 10, "--trace", 10), "--trace 10", "below --worlds")
    keep = tmp_path / "keep.txt"
    keep.write_text("precious")
    assert_one_line_error(cli("run", BASELINE, "--worlds", 10, "--out", keep), ".parquet or .csv", "'.txt'")
    assert keep.read_text() == "precious"
    assert_one_line_error(cli("run", BASELINE, "--worlds", 10, "--out", tmp_path / "no" / "x.csv"), "does not exist")
    assert_one_line_error(
        cli("run", BASELINE, "--worlds", "many"),
        "--worlds",
        "expected a whole number",
        "found 'many'",
        "trucesim run --help",
    )
    assert_one_line_error(cli("run"), "required: SCENARIO")
    assert_one_line_error(run_cli("rn"), "invalid choice: 'rn'")  # the exit status a shell sees


def test_help_teaches():
    top = cli("--help", check=True).stdout
    assert "run" in top and "check" in top and "not forecasts" in top
    run = cli("run", "--help", check=True).stdout
    for opt in ["--worlds", "--seed", "--format", "--out", "--trace", "examples:"]:
        assert opt in run


@pytest.mark.parametrize(
    "command",
    [
        ["run", BASELINE, "--worlds", 10, "--out", "{d}/w.parquet"],
        ["plot", BASELINE, "--kind", "days", "--worlds", 10, "--out", "{d}/f.png"],
        ["compare", BASELINE, BASELINE, "--worlds", 10, "--out", "{d}/c.png"],
        ["report", BASELINE, "--worlds", 10, "--out", "{d}/r.html"],
        ["backtest", "--worlds", 10, "--out", "{d}/s.png"],
    ],
    ids=lambda c: c[0],
)
def test_a_directory_that_refuses_new_files_fails_before_any_work(tmp_path, monkeypatch, command):
    """Every command writing one file tries to create it first (as root a permission bit does not tell).

    The directory's refusal is played by ``os.open`` failing for the probe's temporary name, and any
    simulation fails the test: the one-line error shows the check came before the work.
    """
    import os

    real_open = os.open

    def refusing(path, flags, *args, **kwargs):
        if Path(path).parent == tmp_path and flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)

    def no_work(*args, **kwargs):
        raise AssertionError("simulated before checking --out")

    monkeypatch.setattr("trucesim.model.model.TruceModel.__init__", no_work)  # any simulation fails the test
    argv = [str(a).format(d=tmp_path) for a in command]
    line = assert_one_line_error(cli(*argv), f"cannot write in {tmp_path}: Permission denied")
    assert line.startswith(f"trucesim: error: --out {tmp_path}/")
    assert list(tmp_path.iterdir()) == []


def test_console_script_is_installed():
    exe = shutil.which("trucesim") or str(Path(sys.executable).parent / "trucesim")
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.startswith("trucesim ")


def test_a_directory_named_as_out_fails_before_simulating(tmp_path):
    # (a directory that refuses new files: test_a_directory_that_refuses_new_files_fails_before_any_work,
    # which plays the refusal, since as root a permission bit refuses nothing)
    d = tmp_path / "d.parquet"
    d.mkdir()
    assert_one_line_error(cli("run", BASELINE, "--worlds", 10, "--out", d), "expected a file name, found a directory")
