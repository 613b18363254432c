"""``trucesim design`` as read: the budget asked, ranges in words, one rule for a bound, a readable zone figure."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from trucesim.cli import main
from trucesim.config.scenario import load_scenario
from trucesim.designer.outputs import BOUND_RULE, bound_notes, range_words
from trucesim.designer.space import make_space
from trucesim.plots.designer import plot_zone

from .conftest import ROOT

SHARES = ["terms.permanent_ceasefire=0..1", "terms.guarantees=0..1"]


@pytest.fixture(scope="module")
def space():
    return make_space(load_scenario("april-2024"), SHARES, [], [])


def test_the_summary_reports_the_budget_asked_and_ranges_once(tmp_path, capsys):
    out = tmp_path / "d"
    argv = ["design", "april-2024", *[f"--vary={v}" for v in SHARES], "--worlds", "48", "--budget", "40"]
    assert main([*argv, "--grid", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    best = json.loads((out / "best.json").read_text())
    assert best["search"]["budget"] == 40  # what was asked, not the plan's 36
    assert best["search"]["planned"] <= 40 and best["search"]["search_simulations"] <= best["search"]["planned"]
    assert "--budget 40:" in text and "of budget" not in text
    assert f"at most {best['search']['planned']} simulations" in text
    assert text.count("(searched 0..1, a share)") == 2 and "share 0..1" not in text
    assert all(len(line) <= 120 for line in text.splitlines() if "--budget" in line)


def test_ranges_in_words():
    assert range_words(10, 50, "hostages") == "10..50 hostages"
    assert range_words(0, 0.5, "share 0..1") == "0..0.5, a share"
    assert range_words(14, 90, "days") == "14..90 days"


@pytest.mark.parametrize("value", [0.99, 0.991, 0.995, 1.0])
def test_one_rule_for_a_bound_whatever_the_rounding(space, value):
    on, notes = bound_notes(space, np.array([value, 0.5]))
    assert on == {"terms.permanent_ceasefire": "upper"} and len(notes) == 1
    assert "1%" in BOUND_RULE


def test_just_inside_the_rule_is_not_on_a_bound(space):
    on, _ = bound_notes(space, np.array([0.985, 0.015]))
    assert on == {}


def _zone(space, both_scale: float) -> pd.DataFrame:
    xs = np.linspace(0, 1, 5)
    gx, gy = np.meshgrid(xs, xs, indexing="ij")
    gov = 0.16 * (1 - 0.5 * gx.ravel())
    ag = 0.01 * (0.5 + gy.ravel())
    return pd.DataFrame(
        {
            space.keys[0]: gx.ravel(),
            space.keys[1]: gy.ravel(),
            "p_government_accepts": gov,
            "p_armed_group_accepts": ag,
            "p_both_accept": np.minimum(1.0, both_scale * gov * ag),
            "in_zone": np.zeros(gx.size, bool),
        }
    )


def _boxes(fig):
    FigureCanvasAgg(fig).draw()
    r = fig.canvas.get_renderer()
    return r, fig.bbox


def test_the_zone_figure_shows_the_variation_and_keeps_its_text_inside(space):
    zone = _zone(space, 1.0)
    fig = plot_zone(zone, space, 256, 0, best={space.keys[0]: 0.2, space.keys[1]: 0.3})
    mesh = fig.axes[0].collections[0]
    top = 100 * zone["p_both_accept"].max()
    assert top <= mesh.norm.vmax <= 2.5 * top  # the colours span the values there are, not 0..100%
    r, page = _boxes(fig)
    legend = fig.legends[0].get_window_extent(r)
    assert page.x0 <= legend.x0 and legend.x1 <= page.x1 and page.y0 <= legend.y0  # no swatch clipped
    ylabel = fig.axes[0].yaxis.label.get_window_extent(r)
    title = fig._suptitle.get_window_extent(r)
    assert ylabel.y1 < title.y0  # the y label stays below the title
    full = plot_zone(_zone(space, 300.0), space, 256, 0)  # values up to about 70%: the scale ends at 100%
    assert full.axes[0].collections[0].norm.vmax == 100


def test_best_toml_extends_a_shipped_scenario_by_name(tmp_path):
    """A design of a shipped scenario writes extends = "april-2024", so best.toml still runs when DIR moves."""
    import types

    from trucesim.designer.outputs import best_scenario_toml

    def best_for(path):
        space = types.SimpleNamespace(scenario=load_scenario(path), fixed_values=dict)
        best = {"terms": {"terms.hostages_released": 30}}
        return best_scenario_toml(
            types.SimpleNamespace(space=space, objective="p_deal", worlds=10, seed=0, best=best), tmp_path
        )

    assert 'extends = "april-2024"\n' in best_for(ROOT / "scenarios" / "april-2024.toml")
    own = tmp_path / "mine" / "own.toml"
    own.parent.mkdir()
    own.write_text(f'extends = "{ROOT / "scenarios" / "april-2024.toml"}"\n')
    assert 'extends = "mine/own.toml"\n' in best_for(own)
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "best.toml").write_text(best_for(ROOT / "scenarios" / "april-2024.toml"))
    assert load_scenario(moved / "best.toml").values["terms.hostages_released"] == 30


def test_the_scenario_as_tabled_is_shown_without_the_fixed_values(capsys):
    """--fix is part of the design, not of the scenario the best is compared with."""
    from trucesim.designer.probes import check_best

    fixed = make_space(load_scenario("april-2024"), ["terms.guarantees=0..1"], ["terms.permanent_ceasefire=1"], [])
    check = check_best(fixed, np.array([0.5]), "p_deal", worlds=400, seed=0)
    assert main(["run", "april-2024", "--worlds", "400", "--seed", "1", "--format", "json"]) == 0
    tabled = json.loads(capsys.readouterr().out)["p_deal"]
    assert check["scenario_value"] == pytest.approx(tabled, abs=1e-12)


def test_a_constrained_range_is_the_one_the_bound_rule_reads():
    space = make_space(
        load_scenario("april-2024"), ["terms.prisoners_per_hostage=0..60"], [], ["terms.prisoners_per_hostage <= 6"]
    )
    assert bound_notes(space, np.array([5.4]))[0] == {}  # 10% of the searched 0..6 below its end
    assert bound_notes(space, np.array([5.97]))[0] == {"terms.prisoners_per_hostage": "upper"}


def test_candidates_off_a_round_grid_are_written_as_simulated(tmp_path):
    out = tmp_path / "d"
    argv = ["design", "april-2024", "--vary=terms.withdrawal=0..1", "--constraint", "terms.withdrawal >= 0.12345"]
    assert main([*argv, "--worlds", "48", "--budget", "16", "--grid", "3", "--out", str(out)]) == 0
    written = pd.read_csv(out / "candidates.csv")["terms.withdrawal"].to_numpy()
    steps = (written - 0.12345) / 0.001  # the grid starts at the constraint's bound, in steps of 1/1000 of 0..1
    assert (written >= 0.12345 - 1e-12).all() and np.allclose(steps, np.round(steps), atol=1e-6)


def test_a_box_within_the_budget_asked_is_simulated_whole(tmp_path):
    out = tmp_path / "d"
    argv = ["design", "april-2024", "--vary=terms.pause_days=14..50", "--worlds", "32", "--budget", "40"]
    assert main([*argv, "--grid", "3", "--out", str(out)]) == 0  # 37 candidates; the plan would make 36
    stages = pd.read_csv(out / "candidates.csv")["stage"]
    assert (stages == "grid").sum() == 37
