"""trucesim.plots: each figure draws what it promises, names its units, scenario and worlds."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection, QuadMesh
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure

from trucesim import analysis as an
from trucesim import plots
from trucesim.model.events import KINDS, Event, render_story

PX = "terms.prisoners_per_hostage"
US = "context.us_pressure"


def _texts(fig: Figure) -> str:
    """Every piece of text on a figure: titles, notes, labels, ticks, legends."""
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    return "\n".join(out)


def _png_ok(fig: Figure) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def _common(fig: Figure, scenario: str, worlds: int | None) -> None:
    text = _texts(fig)
    assert f"scenario {scenario}" in text
    if worlds is not None:
        assert f"{worlds:,} worlds" in text
    assert "not a forecast" in text
    _png_ok(fig)


@pytest.fixture(scope="module")
def grid_worlds():
    """A grid of 4 x 3 points whose deal probability crosses 0.5, with the model's columns."""
    rng = np.random.default_rng(0)
    n = 4 * 3 * 250
    px = np.repeat([5.0, 20.0, 35.0, 50.0], 3 * 250)
    us = np.tile(np.repeat([0.2, 0.5, 0.8], 250), 4)
    p_ag = px / 55
    p_gov = 0.3 + 0.7 * us
    df = pd.DataFrame({"point": np.repeat(np.arange(12), 250), PX: px, US: us})
    df["israel_accepted"] = rng.random(n) < p_gov
    df["hamas_accepted"] = rng.random(n) < p_ag
    df["deal"] = df.israel_accepted & df.hamas_accepted
    df["deal_day"] = np.where(df.deal, rng.integers(0, 120, n), np.nan)
    df["hostages_released"] = np.where(df.deal, rng.integers(20, 45, n), 0)
    df["exit_coalition_core"] = False
    df["exit_religious_zionism"] = df.deal & (rng.random(n) < 0.3)
    df["exit_otzma_yehudit"] = df.deal & (rng.random(n) < 0.3)
    kept = 64 - 7 * df.exit_religious_zionism - 6 * df.exit_otzma_yehudit
    df["safety_net_used"] = (kept < 61) & (rng.random(n) < 0.3)
    df["government_fell"] = (kept < 61) & ~df.safety_net_used
    df["permanent"] = df.deal & (rng.random(n) < 0.2)
    return df


# ------------------------------------------------------------------------------ heatmap
def test_heatmap_cells_labels_and_the_half_contour(grid_worlds):
    fig = plots.heatmap(grid_worlds, PX, US, scenario="toy")
    ax = fig.axes[0]
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1 and meshes[0].get_array().size == 4 * 3
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert len(contours) == 1 and list(contours[0].levels) == [0.5]
    # the parameter table's words and unit, not the dotted key (issue 12 item 11)
    assert ax.get_xlabel() == "Palestinian prisoners released for each hostage [prisoners per hostage]"
    assert ax.get_ylabel() == "United States pressure on Israel's government [0..1]"
    assert "P = 0.5" in _texts(fig)
    assert "% of worlds" in fig.axes[1].get_ylabel()  # the colour bar names its unit
    assert "250 worlds per cell" in _texts(fig)
    _common(fig, "toy", len(grid_worlds))


def test_heatmap_without_a_crossing_says_so_and_bins_continuous_factors(grid_worlds):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.uniform(0, 1, 3000), "b": rng.uniform(0, 10, 3000)})
    df["deal"] = rng.random(3000) < 0.1
    fig = plots.heatmap(df, "a", "b", bins=5, scenario="flat")
    ax = fig.axes[0]
    assert [c for c in ax.collections if isinstance(c, QuadMesh)][0].get_array().size == 25
    assert not [c for c in ax.collections if isinstance(c, ContourSet)]
    assert "no 0.5 contour" in _texts(fig)
    # no cell near 0.5: the colour scale stops above the highest cell, and says so
    assert "colour scale 0-20%" in fig.axes[1].get_ylabel() or "colour scale 0-30%" in fig.axes[1].get_ylabel()
    assert fig.axes[0].collections[0].get_clim() in ((0, 0.2), (0, 0.3))
    _common(fig, "flat", 3000)
    full = plots.heatmap(df, "a", "b", bins=5, vmax=1.0)
    assert full.axes[0].collections[0].get_clim() == (0, 1.0)


def _cells(shares: list[float], worlds: int = 8) -> pd.DataFrame:
    """Worlds of a 2 x 2 grid over factors a and b, each cell with its share of deals."""
    rows = []
    for (a, b), share in zip([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)], shares):
        rows += [{"a": a, "b": b, "deal": w < round(share * worlds)} for w in range(worlds)]
    return pd.DataFrame(rows)


def test_the_colour_scale_and_the_legend_at_the_edges_of_one_half():
    """A top cell of exactly 0.5 said 'P stays below 0.5 in every cell' on a 0-50% scale; a 0-20% scale
    labelled its 2.5% ticks '2%' and its 17.5% ones '18%'."""
    from trucesim.plots.sweeps import heatmap

    fig = heatmap(_cells([0.5, 0.0, 0.5, 0.5]), "a", "b", "deal")
    assert "P reaches 0.5 in some cells but does not cross it (no 0.5 contour)" in _texts(fig)
    assert "colour scale" not in fig.axes[1].get_ylabel()  # 0 to 100%
    fig = heatmap(_cells([0.375, 0.25, 0.0, 0.0]), "a", "b", "deal")  # a top just under 0.5: a 0-50% scale
    assert "colour scale 0-40%" in fig.axes[1].get_ylabel()
    fig = heatmap(_cells([0.45, 0.1, 0.2, 0.3], worlds=20), "a", "b", "deal")
    assert "colour scale 0-50%" in fig.axes[1].get_ylabel()
    fig = heatmap(_cells([0.125, 0.0, 0.0, 0.0]), "a", "b", "deal")
    assert "colour scale 0-20%" in fig.axes[1].get_ylabel()
    fig.canvas.draw()
    ticks = fig.axes[1].get_yticks()
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert any(round(100 * t, 6) % 1 for t in ticks), ticks  # some tick off a whole percent
    assert [float(x.rstrip("%")) for x in labels] == pytest.approx([100 * t for t in ticks])


def test_heatmap_of_a_side_and_into_given_axes(grid_worlds, baseline):
    fig = Figure()
    ax = fig.subplots()
    out = plots.heatmap(grid_worlds, PX, US, "hamas_accepted", scenario=baseline, ax=ax)
    assert out is fig
    assert "Hamas accepts a proposal" in fig.axes[-1].get_ylabel() or "Hamas" in ax.get_title()
    # a scenario given by name has no labels: the actor is named by its id
    fig = plots.heatmap(grid_worlds, PX, US, "hamas_accepted", scenario="toy")
    assert "hamas accepts a proposal" in fig.axes[1].get_ylabel()


# ------------------------------------------------------------------------------ curves
def test_acceptance_curves_one_line_and_band_per_outcome(grid_worlds, baseline):
    fig = plots.acceptance_curves(grid_worlds, US, scenario=baseline)
    ax = fig.axes[0]
    labels = [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert labels == ["Israel's government accepts a proposal", "Hamas accepts a proposal", "deal signed and ratified"]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 3
    gov = [ln for ln in ax.get_lines() if ln.get_label().startswith("Israel")][0]
    assert list(gov.get_xdata()) == [0.2, 0.5, 0.8]
    assert np.all(np.diff(gov.get_ydata()) > 0)  # the planted effect of US pressure
    assert ax.get_xlabel() == "United States pressure on Israel's government [0..1]"
    assert "share of worlds" in ax.get_ylabel()
    assert "1,000 worlds per level" in _texts(fig)
    _common(fig, "april-2024", len(grid_worlds))


# ------------------------------------------------------------------------------ Sobol' bars
def test_sobol_bars_say_when_samples_are_too_few_and_clip_a_negative_first_order():
    stable = pd.DataFrame(
        {
            "factor": [PX, US],
            "S1": [0.5, -0.03],
            "S1_lo": [0.45, -0.06],
            "S1_hi": [0.55, 0.0],
            "ST": [0.6, 0.3],
            "ST_lo": [0.55, 0.26],
            "ST_hi": [0.65, 0.34],
        }
    )
    fig = plots.sobol_bars(stable, scenario="toy", worlds=10_000, base_samples=1024)
    text = _texts(fig)
    assert "Too few samples" not in text
    assert "S1 -0.03 < 0: read as 0" in text and "sampling noise around 0" in text
    assert min(p.get_width() for p in fig.axes[0].patches) >= 0  # no bar drawn below 0
    few = plots.sobol_bars(stable, scenario="toy", worlds=10_000, base_samples=16)
    assert "Too few samples for stable indices: N = 16 base samples" in _texts(few)
    wide = stable.assign(ST_lo=[0.1, 0.0], ST_hi=[0.95, 0.7])
    assert "intervals wider than the indices for 2 of 2 factors" in _texts(plots.sobol_bars(wide, base_samples=1024))


def test_sobol_bars_two_bars_per_factor_with_intervals():
    ind = pd.DataFrame(
        {
            "factor": [PX, US, "terms.withdrawal"],
            "S1": [0.5, 0.2, 0.05],
            "S1_lo": [0.4, 0.1, -0.02],
            "S1_hi": [0.6, 0.3, 0.1],
            "ST": [0.6, 0.3, 0.1],
            "ST_lo": [0.5, 0.2, 0.0],
            "ST_hi": [0.7, 0.4, 0.2],
        }
    )
    fig = plots.sobol_bars(ind, scenario="toy", worlds=123_456, base_samples=512)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 3
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1].startswith("Palestinian prisoners")  # the largest total order on top, in plain words
    assert "Sobol' index" in ax.get_xlabel() and "variance" in ax.get_xlabel()
    assert "N = 512 base samples" in _texts(fig)
    from matplotlib.container import BarContainer, ErrorbarContainer

    assert sum(isinstance(c, BarContainer) for c in ax.containers) == 2
    assert sum(isinstance(c, ErrorbarContainer) for c in ax.containers) == 2
    _common(fig, "toy", 123_456)


# ------------------------------------------------------------------------------ distributions
def test_distributions_two_panels_with_medians(grid_worlds):
    fig = plots.distributions(grid_worlds, scenario="toy")
    a1, a2 = fig.axes
    assert "deal day" in a1.get_xlabel() and "days" in a1.get_xlabel()
    assert "hostages released" in a2.get_xlabel() and "people" in a2.get_xlabel()
    assert len(a1.patches) > 5 and len(a2.patches) > 5
    assert "median" in _texts(fig)
    share = 100 * np.array([p.get_height() for p in a1.patches]).sum()
    assert share == pytest.approx(100 * 100, rel=1e-6)  # the bars add up to 100% of the deals
    _common(fig, "toy", len(grid_worlds))


def test_distributions_without_any_deal(grid_worlds):
    df = grid_worlds.assign(deal=False)
    fig = plots.distributions(df, scenario="toy")
    assert "no deal in any world" in _texts(fig)


# ------------------------------------------------------------------------------ timeline
def test_timeline_of_a_traced_world(baseline):
    from trucesim.run.simulate import trace_world

    events, row = trace_world(baseline, 60, seed=0)
    assert all(isinstance(e, Event) for e in events)
    ev = plots.events_frame(events, baseline.labels)
    assert {"proposal", "deadline"} <= set(ev["kind"])
    fig = plots.timeline(events, scenario=baseline, world=60, seed=0)
    ax = fig.axes[0]
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    for lane in ("mediators", "deadlines", "Israel's government", "Hamas", "coalition", "deal", "hostages"):
        assert lane in lanes
    assert "day" in ax.get_xlabel() and "day 0" in ax.get_xlabel()
    assert ax.get_xlim()[1] >= baseline.value("protocol.horizon_days")
    assert "1 traced world (world 60)" in _texts(fig)
    _common(fig, "april-2024", None)


#: one event of every kind, as the model records them
EVENTS = [
    Event(0, 7, None, "tabled", {"round": 1, "deadline": 2, "terms": {"pause_days": 42.0, "hostages_released": 40.0}}),
    Event(2, 7, None, "deadline_missed", {}),
    Event(3, 7, "israel", "answer", {"round": 1, "answer": "accept", "p": 0.6134}),
    Event(7, 7, "hamas", "answer", {"round": 1, "answer": "counter", "p": 0.05}),
    Event(7, 7, "hamas", "answer", {"round": 2, "answer": "reject", "holds": 12}),
    Event(7, 7, None, "revised", {"next_table_day": 13}),
    Event(20, 7, "religious_zionism", "partner_quits", {}),
    Event(20, 7, "opposition", "safety_net", {}),
    Event(20, 7, None, "signed", {"pause_end": 62}),
    Event(27, 7, "hamas", "released", {"total": 5}),
    Event(28, 7, None, "extended", {}),
    Event(30, 7, "hamas", "breach", {}),
    Event(31, 7, "hamas", "hostage_deaths", {"count": 2}),
    Event(40, 7, "israel", "offensive", {}),
    Event(50, 7, None, "walked_away", {}),
    Event(60, 7, "israel", "government_fell", {}),
    Event(61, 7, None, "permanent_end", {}),
    Event(62, 7, None, "no_permanent_end", {}),
    Event(63, 7, "religious_zionism", "side_payment", {}),
    Event(64, 7, "israel", "vote_lost", {}),
    Event(65, 7, "hamas", "remains_returned", {"total": 3}),
    Event(66, 7, None, "phase_two_agreed", {}),
]


def test_events_frame_maps_every_kind_of_event(baseline):
    assert {e.kind for e in EVENTS} == set(KINDS)
    ev = plots.events_frame(EVENTS, baseline.labels)
    assert ev["kind"].tolist() == [
        "proposal",
        "deadline",
        "accepts",
        "counters",
        "rejects",
        "revision",
        "exit",
        "safety_net",
        "signed",
        "release",
        "extension",
        "breach",
        "death",
        "offensive",
        "walk_away",
        "fall",
        "permanent",
        "collapse",
        "payment",
        "vote_lost",
        "remains",
        "phase_two",
    ]
    assert ev["lane"].tolist()[:7] == [
        "mediators",
        "deadlines",
        "Israel's government",
        "Hamas",
        "Hamas",
        "mediators",
        "coalition",
    ]
    assert ev.loc[13, "lane"] == "Israel's government"  # the offensive, in the government's lane
    assert ev.loc[0, "value"] == 1 and ev.loc[2, "value"] == 0.6134 and ev.loc[8, "value"] == 62
    assert ev.loc[9, "value"] == 5 and ev.loc[12, "value"] == 2 and np.isnan(ev.loc[1, "value"])
    assert ev["text"].tolist() == [text for _, text in render_story(EVENTS, baseline.labels)]
    fig = plots.timeline(EVENTS[:13], scenario=baseline, world=7)
    assert "deal, then the pause is breached" in _texts(fig)
    assert "0.61" in _texts(fig) and "P1" in _texts(fig)


def test_timeline_lanes_come_from_the_scenario_or_the_events(baseline):
    lanes = lambda fig: [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # the government's lane and the armed group's first, named by the scenario's labels
    assert lanes(plots.timeline(EVENTS[:2], scenario=baseline))[:4] == [
        "mediators",
        "deadlines",
        "Israel's government",
        "Hamas",
    ]
    # a scenario given by name: the actors' lanes in order of appearance, named by their ids
    fig = plots.timeline(EVENTS, scenario="toy", world=7)
    assert lanes(fig) == ["mediators", "deadlines", "israel", "hamas", "coalition", "deal", "hostages"]
    assert "scenario toy" in _texts(fig)
    with pytest.raises(ValueError, match="unknown event kind 'gossip'"):
        plots.events_frame([Event(1, 0, None, "gossip", {})])


# ------------------------------------------------------------------------------ seats
def test_seats_against_the_majority(baseline, grid_worlds):
    fig = plots.seats(grid_worlds, baseline)
    ax = fig.axes[0]
    kept = an.seats_kept(grid_worlds, baseline)
    assert len(ax.patches) == kept.nunique() == 4
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(100)
    text = _texts(fig)
    assert "majority: 61 of 120 seats" in text
    assert "64 seats" in text and "51 seats" in text and "no partner quits" in text
    assert "seats of 120" in ax.get_xlabel()
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1
    _common(fig, "april-2024", len(grid_worlds))


# ------------------------------------------------------------------------------ outcome bars, PRIM
def test_outcome_bars_compare_runs(grid_worlds):
    other = grid_worlds.assign(deal=False)
    fig = plots.outcome_bars({"a": grid_worlds, "b": other}, ["deal", "hamas_accepted", "any_exit"])
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 3
    assert "a (3,000 worlds)" in _texts(fig) and "% of worlds" in ax.get_xlabel()
    _png_ok(fig)


def test_prim_plot_shows_boxes_and_trajectory():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(0, 1, (1500, 3)), columns=[PX, US, "terms.withdrawal"])
    y = (x[PX] > 0.5) & (x[US] > 0.4)
    boxes, traj = an.prim_boxes(x, y, return_trajectory=True)
    fig = plots.prim_plot(boxes, traj, scenario="toy", worlds=1500)
    assert len(fig.axes) == 3  # boxes, trajectory and its colour bar
    text = _texts(fig)
    assert "coverage" in text and "density" in text and "Palestinian prisoners" in text
    # the caption explains both measures in words, with the outcome named
    assert "Coverage: of all worlds where 'deal signed and ratified'" in text
    assert "Density: of the worlds inside the box" in text
    _common(fig, "toy", 1500)


def test_factor_labels_are_plain_words_with_units_and_the_scenarios_labels(baseline):
    assert plots.factor_label("terms.pause_days") == "length of the halt to the fighting [days]"
    assert plots.factor_label("actors.israel.reservation") == "israel's worth of continuing the war [utility]"
    assert (
        plots.factor_label("actors.israel.reservation", baseline)
        == "Israel's government: worth of continuing the war [utility]"
    )
    assert plots.factor_label("actors.hamas.reservation", baseline) == "Hamas's worth of continuing the war [utility]"
    assert plots.factor_label("actors.otzma_yehudit.seats", baseline) == "Otzma Yehudit's Knesset seats of the party"
    assert plots.factor_label("not.a.key") == "not.a.key"


def test_timeline_names_the_falling_government_by_the_scenarios_label(baseline):
    fell = [e for e in EVENTS if e.kind in ("tabled", "government_fell")]
    fig = plots.timeline(fell, scenario=baseline, world=7, seed=0)
    text = _texts(fig)
    assert "Israel's government falls" in text and "Israel's government falls over the deal" in text
    assert "government falls\n" not in text.replace("Israel's government falls", "")


def test_save_figure_writes_the_format_its_suffix_names_whole_or_not_at_all(tmp_path):

    from trucesim.plots.style import save_figure

    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    assert save_figure(fig, tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")
    assert save_figure(fig, tmp_path / "noext").read_bytes()[:4] == b"\x89PNG"  # no suffix: PNG
    (tmp_path / "kept.png").write_bytes(b"old")
    with pytest.raises(ValueError):
        save_figure(fig, tmp_path / "kept.png", dpi=-1)  # a failed write leaves the old file
    assert (tmp_path / "kept.png").read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == [
        "a.svg",
        "kept.png",
        "noext",
    ]


def test_the_posterior_figure_draws_the_lower_triangle_with_ticks_on_the_outer_panels():
    from trucesim.config.distributions import parse_dist
    from trucesim.plots.posterior import plot_posterior

    keys = ["actors.hamas.reservation", "actors.hamas.patience", "actors.israel.reservation"]
    rng = np.random.default_rng(3)
    particles = pd.DataFrame({k: rng.uniform(0.2, 0.8, 40) for k in keys} | {"weight": np.full(40, 1 / 40)})
    priors = {k: parse_dist({"dist": "uniform", "low": 0.0, "high": 1.0}, (0.0, 1.0)) for k in keys}
    fig = plot_posterior(particles, keys, priors, {k: (0.0, 1.0) for k in keys})
    axes = fig.axes
    assert len(axes) == 6  # 3 diagonal + 3 below it, none above
    grid = {(ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start): ax for ax in axes}
    assert set(grid) == {(i, j) for i in range(3) for j in range(i + 1)}
    fig.canvas.draw()

    def shows(ax, axis):
        labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
        return any(t.get_visible() and t.get_text() for t in labels)

    for (i, j), ax in grid.items():
        assert shows(ax, "x") == (i == 2), (i, j)  # the bottom row carries each column's scale
        assert shows(ax, "y") == (j == 0 and i > 0), (i, j)  # the first column each row's (not the densities)
    assert [grid[(i, i)].get_title() for i in range(3)] == [
        "hamas: reservation",
        "hamas: patience",
        "israel: reservation",
    ]
