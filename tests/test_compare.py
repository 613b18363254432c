"""``trucesim compare``: common random numbers, every summary figure, paired and independent intervals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from trucesim.analysis.compare import Comparison, figure_label, flatten
from trucesim.config.scenario import load_scenario
from trucesim.run import chunks
from trucesim.run.metrics import Summary, summarize
from trucesim.run.simulate import simulate
from trucesim.run.stats import difference_ci, mean_ci, paired_difference, paired_difference_ci, proportion_ci

from .conftest import BASELINE, NOVEMBER, SCENARIOS, assert_one_line_error, cli

US = SCENARIOS / "april-2024-us-pressure.toml"
WORLDS = 600


@pytest.fixture(scope="module")
def scen():
    return [load_scenario(BASELINE), load_scenario(US)]


@pytest.fixture(scope="module")
def tables(scen):
    return [simulate(s, WORLDS, seed=4, chunk_worlds=300) for s in scen]


def _compare(scen, tables, cut=300):
    c = Comparison(scen, ["a", "b"], seed=4)
    for start in range(0, len(tables[0]), cut):
        c.add([t.iloc[start : start + cut] for t in tables])
    return c.result()


def test_each_scenario_gets_the_numbers_of_its_own_run(scen, tables):
    """Common random numbers: the side-by-side values are those of ``trucesim run`` with the same seed."""
    r = _compare(scen, tables)
    for s, t, got in zip(scen, tables, r["summaries"]):
        assert got == summarize(t, s, 4)
    assert [f["figure"] for f in r["figures"]] == list(flatten(r["summaries"][0]))


def test_a_scenario_against_itself_differs_by_exactly_zero(scen, tables):
    """The same worlds twice: every paired difference is 0; a mean's interval is 0 too, a probability's the
    score interval of no world changed, ``z**2 / (n + z**2)`` either side (independent draws would differ)."""
    r = _compare([scen[0], scen[0]], [tables[0], tables[0]])
    paired = {f["figure"]: f["differences"][0] for f in r["figures"] if f["differences"][0]["method"] == "paired"}
    assert len(paired) >= 10
    assert all(d["diff"] == 0 for d in paired.values())
    z2 = 1.959963984540054**2
    for figure, d in paired.items():
        half = 0.0 if figure.endswith("_mean") else z2 / (WORLDS + z2)
        assert (d["lo"], d["hi"]) == pytest.approx((-half, half), abs=1e-6), figure  # written to 6 decimals


def test_paired_interval_is_tangos_for_a_probability_and_the_t_interval_for_a_mean(scen, tables):
    r = _compare(scen, tables)
    by = {f["figure"]: f for f in r["figures"]}
    for figure, col in (("p_deal", "deal"), ("hostages_released_mean", "hostages_released")):
        d = tables[1][col].to_numpy(float) - tables[0][col].to_numpy(float)
        got = by[figure]["differences"][0]
        assert got["method"] == "paired"
        assert got["diff"] == pytest.approx(d.mean(), abs=1e-6)
        want = paired_difference_ci(int((d > 0).sum()), int((d < 0).sum()), d.size) if col == "deal" else mean_ci(d)
        assert [got["lo"], got["hi"]] == pytest.approx(list(want), abs=1e-6)
    gov = scen[0].actors_of("government")[0]
    assert by[f"p_accept.{gov}"]["differences"][0]["method"] == "paired"
    assert by["deal_day.median"]["differences"][0]["method"] is None
    deal = by["p_deal"]
    k = int(tables[0]["deal"].sum())
    assert deal["ci"][0] == pytest.approx(list(proportion_ci(k, WORLDS)), abs=1e-6)


def test_new_summary_keys_are_compared_without_code_for_them(scen, tables, monkeypatch):
    """Keys the summary gains later (the model revision's end_reasons, blockers...) show up by themselves."""
    plain = Summary.result

    def result(self):
        r = plain(self)
        p = r["p_deal"]
        r["end_reasons"] = {"deal": p, "horizon": 1 - p}
        r["blockers"] = {"hamas_refused": 0.7 if self.scenario is scen[0] else 0.6}
        r["p_accept_first"] = {"x": 0.25}
        r["some_new_count"] = 3.0
        return r

    monkeypatch.setattr(Summary, "result", result)
    r = _compare(scen, tables)
    by = {f["figure"]: f for f in r["figures"]}
    assert {"end_reasons.deal", "blockers.hamas_refused", "p_accept_first.x", "some_new_count"} <= set(by)
    b = by["blockers.hamas_refused"]
    assert b["share"] and b["differences"][0]["method"] == "newcombe"
    n = [round(WORLDS * (1 - s["p_deal"])) for s in r["summaries"]]  # a share of the worlds without a deal
    assert [b["differences"][0]["lo"], b["differences"][0]["hi"]] == pytest.approx(
        list(difference_ci(0.7, n[0], 0.6, n[1])), abs=1e-6
    )
    assert by["some_new_count"]["differences"][0] == {"diff": 0.0, "lo": None, "hi": None, "method": None}
    assert figure_label("blockers.hamas_refused", {"hamas_refused": "x"}) == "no deal, stopped by: x"


def test_tables_of_different_worlds_are_refused(scen, tables):
    c = Comparison(scen, ["a", "b"], seed=4)
    with pytest.raises(ValueError, match="same worlds"):
        c.add([tables[0].iloc[:10], tables[1].iloc[10:20]])


def test_chunks_are_the_runs_chunks_whatever_the_workers(scen, monkeypatch):
    """The same chunk seeds as ``trucesim run`` of each scenario, in process or in a pool."""
    from trucesim.commands.compare import comparison_chunks

    monkeypatch.setattr(chunks, "CHUNK_WORLDS", 150)
    monkeypatch.setattr(chunks, "MODEL_WORLDS", 300)  # two chunks to a model: the groups are 300 and 100 worlds
    one = list(comparison_chunks(scen, 400, seed=2, workers=1))
    two = list(comparison_chunks(scen, 400, seed=2, workers=2))
    assert [[len(t) for t in row] for row in one] == [[300, 300], [100, 100]]
    for a, b in zip(one, two):
        for x, y in zip(a, b):
            pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True), check_categorical=False)
    for j, s in enumerate(scen):
        whole = pd.concat([row[j] for row in one], ignore_index=True)
        pd.testing.assert_frame_equal(whole, simulate(s, 400, seed=2, chunk_worlds=150))


def test_cli_table_json_and_figure(tmp_path):
    out = tmp_path / "cmp.png"
    proc = cli("compare", "april-2024", US, "--worlds", 400, "--seed", 1, "--out", out, check=True)
    assert "april-2024-us-pressure" in proc.stdout and "deal signed and ratified" in proc.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    j = json.loads(cli("compare", BASELINE, NOVEMBER, "--worlds", 400, "--format", "json", check=True).stdout)
    assert j["scenarios"] == ["april-2024", "november-2023"] and j["worlds"] == 400
    assert all(len(f["values"]) == 2 and len(f["differences"]) == 1 for f in j["figures"])
    assert np.isfinite(j["figures"][0]["differences"][0]["lo"])


def test_cli_errors_are_one_line_before_any_work(tmp_path):
    assert_one_line_error(cli("compare", "april-2024"), "at least two scenarios")
    assert_one_line_error(cli("compare", "april-2024", "no-such-scenario"), "no-such-scenario")
    assert_one_line_error(cli("compare", "april-2024", US, "--out", tmp_path / "x.txt"), "--out", ".png")
    existing = tmp_path / "old.png"
    existing.write_bytes(b"keep")
    assert_one_line_error(cli("compare", "april-2024", US, "--out", existing), "--force")
    assert existing.read_bytes() == b"keep"


def test_how_the_talks_ended_is_paired_and_its_deal_row_is_p_deals(scen, tables):
    """Shares of all worlds with a per-world column (end_of_talks) get the paired interval, as p_deal does:
    'a deal was signed' and p_deal are one figure, so they show one difference and one interval."""
    r = _compare(scen, tables)
    by = {f["figure"]: f for f in r["figures"]}
    assert by["end_reasons.deal"]["differences"][0] == by["p_deal"]["differences"][0]
    for reason in ("walked_away", "government_fell"):
        mine = (tables[1]["end_of_talks"] == reason).to_numpy(float)
        theirs = (tables[0]["end_of_talks"] == reason).to_numpy(float)
        got = by[f"end_reasons.{reason}"]["differences"][0]
        assert got["method"] == "paired"
        assert [got["diff"], got["lo"], got["hi"]] == pytest.approx(
            list(paired_difference(theirs, mine, yes_no=True)), abs=1e-6
        )


def test_the_legend_explains_the_independent_mark_only_when_a_row_carries_it(scen, tables):
    from trucesim.report.comparison import INDEPENDENT, format_comparison

    c = _compare(scen, tables)
    marked = f"  {INDEPENDENT} the interval is of two independent proportions"
    full = format_comparison(c)
    assert marked in full and f" {INDEPENDENT}\n" in full  # deal days and the like: some rows are independent
    main = format_comparison(c, only="main")
    assert marked not in main and f"unless marked {INDEPENDENT}" not in main
