"""The browser app (``trucesim app``): its model entry point, its figures, and the page in a real browser.

The browser test opens ``trucesim app`` (started once per test process on a free
port of 127.0.0.1: ``app_server`` in tests/browser.py), drives Debian's chromium
through Playwright (its executable path: Playwright's own browser download is not
used), checks the charts have content, Step, a slider with Reset, the scenario
select and the console, and saves screenshots to the test's temporary directory.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from .browser import CANVAS_INK, CHROMIUM_ARGS, _chromium, _need
from .conftest import BASELINE, SCENARIOS, assert_one_line_error, cli

# --- controls, model entry point, figures: no browser ---------------------------------------------


def test_every_control_moves_one_scenario_value(baseline):
    from trucesim.app.controls import CONTROLS, apply_changes
    from trucesim.config.terms import TERM_NAMES

    assert {c.key for c in CONTROLS if c.section == "terms"} == set(TERM_NAMES)
    same, rows = apply_changes(baseline, {c.name: 0 for c in CONTROLS})
    assert same.values == baseline.values and rows == []
    for c in CONTROLS:
        changed, rows = apply_changes(baseline, {c.name: c.step})
        key = c.scenario_key(baseline)
        assert [r.key for r in rows] == [key]
        moved = [k for k in baseline.values if changed.values[k] != baseline.values[k]]
        assert moved == [key], c.name


def test_changes_are_clipped_to_the_range_and_shift_distributions():
    from trucesim.app.controls import apply_changes
    from trucesim.config.distributions import Dist
    from trucesim.config.scenario import load_scenario

    base = load_scenario(BASELINE)
    s, rows = apply_changes(base, {"us_pressure": 0.9, "pause_days": -100, "safety_net_seats": 40})
    assert s.value("context.us_pressure") == 1.0 and s.value("terms.pause_days") == 0
    assert s.value("actors.opposition.safety_net_seats") == s.value("actors.opposition.seats")  # no more than it holds
    uncertain = load_scenario(SCENARIOS / "april-2024-uncertain.toml")
    s, rows = apply_changes(uncertain, {"us_pressure": 0.1})
    d = s.values["context.us_pressure"]
    assert isinstance(d, Dist) and (d.args["low"], d.args["high"]) == pytest.approx((0.4, 0.9))
    assert rows[0].uncertain and rows[0].after == pytest.approx(0.65)
    # shifted past the range, each world's draw is cut to it: "now (mean)" is the mean the worlds draw
    # (uniform 0.8-1.3 cut at 1: 0.96), not the shifted distribution's mean cut (1.0)
    s, rows = apply_changes(uncertain, {"us_pressure": 0.5})
    from trucesim.model.model import TruceModel

    drawn = TruceModel(s, 2000, rng=0).situation.us0
    assert rows[0].after == pytest.approx(0.96, abs=1e-6) and drawn.mean() == pytest.approx(0.96, abs=0.01)
    with pytest.raises(KeyError, match="unknown control"):
        apply_changes(base, {"nosuch": 1})


def test_the_model_takes_plain_keywords_and_mesa_reset_rebuilds_it():
    """The trap: a constructor argument named `scenario` (or **kwargs) gets Mesa's own Scenario on Reset."""
    _need("solara")
    from mesa.visualization.solara_viz import _build_model_init_kwargs  # Reset's own code

    from trucesim.app.controls import CONTROL_NAMES
    from trucesim.app.entry import TruceAppModel

    params = inspect.signature(TruceAppModel.__init__).parameters
    assert "scenario" not in params
    assert not any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in params.values())
    assert set(CONTROL_NAMES) <= set(params)
    m = TruceAppModel(worlds=1000, seed=2)
    controls = {
        "scenario_dir": str(SCENARIOS),
        "scenario_name": "april-2024-safety-net",
        "worlds": 1000,
        "seed": 2,
        "story_world": 5,
        "us_pressure": 0.25,
    }
    kwargs = _build_model_init_kwargs(m, controls, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    assert kwargs == controls
    m2 = type(m)(**kwargs)
    assert m2.scenario_spec.name == "april-2024-safety-net" and m2.story_world == 5
    assert m2.settings.changes == (("us_pressure", 0.25),)


def test_the_model_stops_at_the_horizon_where_the_summary_says():
    from trucesim.app import results
    from trucesim.app.entry import TruceAppModel

    m = TruceAppModel(worlds=2000, seed=4, prisoners_per_hostage=-10, story_world=3)
    while m.running:
        m.step()
    assert m.day == m.horizon
    assert results.summary(m.settings)["p_deal"] == pytest.approx(float(m.deal.mean()))
    series = m.datacollector.get_model_vars_dataframe()
    assert len(series) == m.horizon + 1
    assert series["government_accepted"].iloc[-1] == pytest.approx(m.government.accepted_any.mean())
    assert m.trace and {e.world for e in m.trace} == {3}
    for _ in range(30):  # Mesa's Step with a render interval runs days whatever `running` says
        m.step()
    assert (m.day, m.time, len(m.datacollector.get_model_vars_dataframe())) == (m.horizon, m.horizon, m.horizon + 1)


def test_the_first_scenario_is_the_shipped_one_from_any_directory(tmp_path, monkeypatch):
    from trucesim.app import catalogue
    from trucesim.app.page import app_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(catalogue.ENV_SCENARIO, raising=False)
    config = app_config()
    assert config.first == "april-2024" and (Path(config.folder) / "april-2024.toml").is_file()


def test_at_ten_thousand_worlds_the_app_gives_the_numbers_of_trucesim_run():
    from trucesim.app import results
    from trucesim.app.entry import Settings
    from trucesim.run.metrics import summarize
    from trucesim.run.simulate import simulate

    s = Settings(str(SCENARIOS), "april-2024", 10_000, 7)
    scenario, _ = s.scenario()
    assert results.summary(s) == summarize(simulate(scenario, 10_000, seed=7), scenario, 7)


def test_comparison_and_reasons():
    from trucesim.app import results
    from trucesim.app.entry import Settings
    from trucesim.run.stats import paired_difference_ci, proportion_ci

    shipped = Settings(str(SCENARIOS), "april-2024", 2000, 1)
    c = results.comparison(shipped)
    assert c.difference == 0 and (c.gained, c.lost) == (0, 0) and c.ci[0] < 0 < c.ci[1]
    # a full withdrawal, the armed group's demand: about 5 points more deals on the same 2,000 worlds,
    # paired world by world as trucesim compare pairs them
    more = results.comparison(Settings(str(SCENARIOS), "april-2024", 2000, 1, (("withdrawal", 1.0),)))
    assert more.shipped == c.shipped and more.difference > 0 and more.ci[0] > 0
    assert more.difference == pytest.approx((more.gained - more.lost) / 2000)
    assert more.ci == paired_difference_ci(more.gained, more.lost, 2000)
    why = results.reasons(shipped)
    ended = why["How the talks ended"]
    assert sum(sh.k for sh in ended) == 2000
    assert ended[0].label == "a deal was signed and ratified" and ended[0].k == c.shipped.k
    assert ended[0].ci == proportion_ci(ended[0].k, 2000)
    assert [sh.label for sh in why["Who accepted a proposal"]] == ["Israel's government", "Hamas"]
    stopped = why["What stopped the last round (worlds without a deal)"]
    assert sum(sh.k for sh in stopped) == 2000 - c.shipped.k
    # the main gate of April 2024 is Hamas's: it refuses the text, or counters for want of hostages
    assert stopped[0].label in ("Hamas refused the text", "Hamas countered: it held fewer hostages than the text named")


def test_charts_read_collected_series():
    from trucesim.app.charts import N_CHARTS, chart_specs, line_option
    from trucesim.app.entry import TruceAppModel

    m = TruceAppModel(worlds=1000)
    m.step()
    specs = chart_specs({"government": "G", "armed_group": "A"})
    assert len(specs) == N_CHARTS
    for spec in specs:
        option = line_option(spec, m.datacollector.model_vars, m.horizon)
        assert [s["name"] for s in option["series"]] == [label for _, label in spec.series]
        assert all(len(s["data"]) == 2 for s in option["series"])
        assert all(np.isfinite(v) for s in option["series"] for _, v in s["data"])


def test_catalogue_lists_the_shipped_scenarios_and_skips_broken_files(tmp_path):
    from trucesim.app import catalogue

    names, problems = catalogue.scenario_names(SCENARIOS)
    assert names == sorted(p.stem for p in SCENARIOS.glob("*.toml")) and problems == {}
    shutil.copy(BASELINE, tmp_path / "good.toml")
    (tmp_path / "bad.toml").write_text("[meta]\nname = 3\n")
    names, problems = catalogue.scenario_names(tmp_path)
    assert names == ["good"] and list(problems) == ["bad.toml"]


def test_cli_app_errors_are_one_line():
    assert_one_line_error(cli("app", "nosuch.toml"), "nosuch.toml")
    assert_one_line_error(cli("app", "--port", "70000"), "--port")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = cli("app", "--port", busy.getsockname()[1])
    assert_one_line_error(proc)
    assert "cannot listen" in proc.stderr or "app' extra" in proc.stderr
    help_text = cli("app", "--help", check=True).stdout
    for fragment in ("--port", "--host", "Reset", "as shipped", "not forecasts"):
        assert fragment in help_text


# --- the page in a real browser ---------------------------------------------------------------------

#: true once the result panel says the charts are at day N or later
DAY_AT_LEAST = """() => {
    const m = document.body.innerText.match(/charts are at day (\\d+) of/);
    return m !== null && parseInt(m[1]) >= N;
}"""


def _text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def _choose_scenario(page, name: str) -> None:
    page.locator(".v-select", has=page.locator("label", has_text="Scenario")).click()
    page.locator(".v-menu__content:visible .v-list-item", has_text=re.compile(f"^{re.escape(name)}$")).click()


def test_the_app_in_a_real_browser(app_server, tmp_path):
    sync_api = _need("playwright.sync_api")
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.set_default_timeout(60_000)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(app_server.url)

            # the charts render, with content
            page.wait_for_selector(".trucesim-p-deal")
            page.wait_for_function("document.querySelectorAll('.trucesim-chart canvas').length >= 4")
            page.wait_for_function(f"({CANVAS_INK})().every(n => n > 2000)")
            page.screenshot(path=tmp_path / "1-loaded.png", full_page=True)
            p_shipped = _text(page, ".trucesim-p-deal")
            assert re.fullmatch(r"P\(deal\) = \d+\.\d%", p_shipped), p_shipped
            assert "day 0 of 180" in page.content()

            # Step advances the day
            page.get_by_role("button", name="Step").click()
            page.wait_for_function("document.body.innerText.includes('day 1 of 180')")
            page.screenshot(path=tmp_path / "2-step.png", full_page=True)

            # the scenario select switches scenarios (on Reset, like every control)
            _choose_scenario(page, "november-2023")
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function("document.body.innerText.includes('Result at the horizon: november-2023')")
            page.wait_for_function(f"({CANVAS_INK})().every(n => n > 2000)")
            page.screenshot(path=tmp_path / "3-scenario.png", full_page=True)

            # back to the first scenario: a slider (US pressure) and Reset change the summary's P(deal)
            _choose_scenario(page, "april-2024")
            slider = page.locator(".v-input", has=page.locator("label", has_text="Δ US pressure")).locator(".v-slider")
            slider.scroll_into_view_if_needed()
            box = slider.bounding_box()
            page.mouse.click(box["x"] + 0.97 * box["width"], box["y"] + box["height"] / 2)
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function("document.querySelector('.trucesim-changes') !== null")
            assert "Result at the horizon: april-2024\n" in page.locator("body").inner_text()
            assert "US pressure" in _text(page, ".trucesim-changes")
            p_changed = _text(page, ".trucesim-p-deal")
            assert p_changed != p_shipped, p_changed
            assert "points" in _text(page, ".trucesim-difference")
            pct = p_changed.split("= ")[1]
            page.wait_for_function(f"document.querySelector('.trucesim-shares').innerText.includes('{pct}')")

            # Play runs day after day (and the summary stays that of the horizon)
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(DAY_AT_LEAST.replace("N", "40"))
            page.get_by_role("button", name="❚❚").click()
            assert _text(page, ".trucesim-p-deal") == p_changed
            page.wait_for_function(f"({CANVAS_INK})().every(n => n > 2000)")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=tmp_path / "4-played.png")
            if os.environ.get("TRUCESIM_APP_SCREENSHOT"):  # the README's picture: see docs/app.md
                shutil.copy(tmp_path / "4-played.png", os.environ["TRUCESIM_APP_SCREENSHOT"])
        finally:
            browser.close()
    assert not errors, errors
