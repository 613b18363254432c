"""``trucesim report SCENARIO...``: the page of a scenario run and of scenarios compared on the same worlds."""

from __future__ import annotations

import base64
import html
import re

from trucesim.analysis.compare import figure_label, flatten
from trucesim.analysis.compare_groups import row_label
from trucesim.config.scenario import load_scenario
from trucesim.report.scenario import ScenarioRun, build_scenario_report
from trucesim.run.blockers import gate_labels
from trucesim.run.metrics import Summary
from trucesim.run.simulate import simulate

from .conftest import BASELINE, NOVEMBER, ROOT, assert_one_line_error, cli

PNG = b"\x89PNG\r\n\x1a\n"


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def _self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r'(src|href)="(?!data:)', page), "the page refers to an outside file"
    assert all(img[:8] == PNG for img in _images(page))


def test_report_of_one_scenario(tmp_path):
    out = tmp_path / "april.html"
    cli("report", "april-2024", "--worlds", 400, "--seed", 2, "--dpi", 40, "--out", out, check=True)
    page = out.read_text()
    _self_contained(page)
    s = load_scenario(BASELINE)
    table = simulate(s, 400, seed=2)
    summary = Summary(s, 2).add(table).result()
    for name in flatten(summary):  # every summary figure, with its label (how the talks ended in run's words)
        ending = name.split(".")[0] in ("end_reasons", "blockers")
        label = row_label(name, gate_labels(s)) if ending else figure_label(name, s.labels)
        assert html.escape(label) in page, name
    for section in ("Summary", "How the talks ended", "Deal day and hostages released", "Coalition seats"):
        assert section in page
    assert len(_images(page)) == 4  # every outcome, distributions, seats, story
    deal = table["deal"].to_numpy(bool)
    world = int(table["world"][deal.argmax()]) if deal.any() else 0
    assert f"One world&#x27;s story: world {world} of april-2024" in page
    assert f"--trace {world}" in page and f"world {world}, day by day" in page
    # the per-world categories in the words of trucesim run (not the codes walked_away, hamas_refused)
    assert "the mediators walked away" in page and "Hamas refused the text" in page
    # the story as trucesim run --trace tells it, its verdict included
    told = cli("run", "april-2024", "--worlds", 400, "--seed", 2, "--trace", world, check=True).stdout
    verdict = next(line for line in told.splitlines() if line.startswith("verdict: "))
    assert html.escape(verdict) in page


def test_report_of_a_comparison(tmp_path):
    out = tmp_path / "cmp.html"
    cli("report", BASELINE, NOVEMBER, "--worlds", 300, "--dpi", 40, "--out", out, check=True)
    page = out.read_text()
    _self_contained(page)
    assert "Comparison" in page and "difference: november-2023" in page and "pts [" in page
    assert "<h2>april-2024</h2>" in page and "<h2>november-2023</h2>" in page
    assert len(_images(page)) == 1 + 2 * 3  # side-by-side bars; per scenario: distributions, seats, story


def test_blockers_and_end_reasons_are_shown_whatever_they_hold(tmp_path):
    """The model revision's summary keys appear without code naming their items."""
    s = load_scenario(BASELINE)
    table = simulate(s, 200, seed=1)
    summary = Summary(s, 1).add(table).result()
    summary["blockers"] = {"hamas_refused": 0.6, "some_new_gate": 0.4}
    summary["end_reasons"] = {"deal": 0.1, "walked_away": 0.9}
    run = ScenarioRun("x", s, table, summary, story_world=None)
    page = build_scenario_report([run], seed=1, dpi=30)
    assert "some new gate" in page and "60.0%" in page  # in trucesim run's words, a new gate by its name
    assert "the mediators walked away" in page and "<td>walked away</td>" not in page
    assert "names no blockers" not in page
    plain = build_scenario_report([ScenarioRun("x", s, table, Summary(s, 1).add(table).result())], seed=1, dpi=30)
    assert "Hamas refused the text" in plain and "hamas refused" not in plain and "names no blockers" not in plain
    older = {k: v for k, v in summary.items() if k not in ("blockers", "end_reasons")}  # a summary without them
    assert "names no blockers" in build_scenario_report([ScenarioRun("x", s, table, older)], seed=1, dpi=30)


def test_report_errors(tmp_path):
    html = tmp_path / "r.html"
    assert_one_line_error(cli("report", "no-such-thing", "--out", html), "no-such-thing", "trucesim list")
    exp = ROOT / "experiments" / "prisoners-vs-us-pressure.toml"
    assert_one_line_error(cli("report", exp, "--out", html), "experiment file", "trucesim sweep")
    assert_one_line_error(cli("report", "april-2024", "--bins", 3, "--out", html), "--bins")
    assert_one_line_error(cli("report", tmp_path, "--worlds", 10, "--out", html), "--worlds", "scenarios")
    html.write_text("keep")
    assert_one_line_error(cli("report", "april-2024", "--out", html), "--force")
    assert html.read_text() == "keep"


def test_compare_gives_the_same_numbers_with_one_or_two_workers():
    """More than one chunk (10,001 worlds), run in this process or in two worker processes: the same
    comparison (``report`` simulates its scenarios through the same function)."""
    common = ("--worlds", 10_001, "--seed", 3, "--format", "json")
    one = cli("compare", BASELINE, NOVEMBER, *common, "--workers", 1, check=True).stdout
    assert one == cli("compare", BASELINE, NOVEMBER, *common, "--workers", 2, check=True).stdout
