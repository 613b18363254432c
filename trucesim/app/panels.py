"""The app's panels (Solara components), each drawn from one model: charts, result, why no deal, story.

Every panel takes the live :class:`~trucesim.app.entry.TruceAppModel`;
Mesa's SolaraViz redraws them after each step and after Reset.  Figures about
the whole run come from :mod:`trucesim.app.results` (cached by the model's
settings), so a step redraws them without simulating again.
"""

from __future__ import annotations

from collections.abc import Mapping

import solara
from mesa.visualization.utils import update_counter
from solara.alias import rv

from trucesim.app import results, wording
from trucesim.app.charts import chart_specs, line_option
from trucesim.app.entry import TruceAppModel
from trucesim.model.events import render_story
from trucesim.plots import DISCLAIMER


def _cell(text: str, tag: str = "td", classes: str = "") -> solara.Element:
    return rv.Html(tag=tag, class_=classes, children=[text])


def _table(header: list[str], rows: list[list[str]], classes: str = "") -> solara.Element:
    """A dense table of text cells (built from elements, so no text is read as HTML)."""
    head = rv.Html(tag="thead", children=[rv.Html(tag="tr", children=[_cell(h, "th") for h in header])])
    body = rv.Html(tag="tbody", children=[rv.Html(tag="tr", children=[_cell(c) for c in row]) for row in rows])
    return rv.SimpleTable(dense=True, class_=classes, children=[head, body])


def side_labels(model: TruceAppModel) -> dict[str, str]:
    """``{"government": label, "armed_group": label}`` from the model's scenario."""
    s = model.scenario_spec
    return {kind: s.labels.get(s.actors_of(kind)[0], kind) for kind in ("government", "armed_group")}


@solara.component
def Chart(model: TruceAppModel, index: int):
    """Live chart number ``index`` of :func:`trucesim.app.charts.chart_specs`."""
    update_counter.get()  # redraw after each step
    spec = chart_specs(side_labels(model))[index]
    option = line_option(spec, model.datacollector.model_vars, model.horizon)
    with solara.Div(classes=["trucesim-chart"]):
        solara.FigureEcharts(option=option, attributes={"style": "height: 330px; width: 100%;"}, responsive=True)


# One component per chart, defined once: a component type made anew at each render would
# remount its chart, and the browser would draw into an element already gone.
@solara.component
def TalksChart(model: TruceAppModel):
    """Where the talks stand: shares of worlds negotiating, in a pause, at a permanent end, collapsed, ended."""
    Chart(model, 0)


@solara.component
def AcceptanceChart(model: TruceAppModel):
    """Each side's acceptance: the share of worlds where it has accepted a proposal so far."""
    Chart(model, 1)


@solara.component
def PressuresChart(model: TruceAppModel):
    """The pressures, means over worlds."""
    Chart(model, 2)


@solara.component
def HostagesChart(model: TruceAppModel):
    """Hostages living and released, means per world."""
    Chart(model, 3)


#: a panel fills its cell of Mesa's grid and scrolls inside it
CARD_STYLE = {"height": "100%", "overflow-y": "auto"}


def _line(text: str, classes: str = "") -> solara.Element:
    return rv.Html(tag="div", class_=classes, children=[text])


@solara.component
def ResultPanel(model: TruceAppModel):
    """P(deal) at the horizon with its interval, the comparison with the scenario as shipped, what was changed."""
    update_counter.get()
    s = model.settings
    summary = results.summary(s)
    cmp = results.comparison(s)
    with solara.Card(
        f"Result at the horizon: {model.scenario_spec.name}",
        margin=0,
        style=CARD_STYLE,
        classes=["trucesim-card"],
        subtitle=f"{s.worlds:,} worlds, seed {s.seed}; the charts are at day {model.day} of {model.horizon}"
        + ("" if model.running else " (the horizon: Reset starts again)"),
    ):
        with rv.Html(tag="div", class_="d-flex align-baseline"):
            rv.Html(
                tag="div",
                class_="trucesim-p-deal mr-3",
                style_="font-size: 1.5rem",
                children=[f"P(deal) = {wording.percent(summary['p_deal'])}"],
            )
            _line(wording.interval(summary["p_deal_ci"]))
        _line(f"a deal on the first text, as tabled: {wording.percent(summary['p_deal_first_text'])}")
        if model.changes:
            _line(
                f"As shipped: {wording.percent(cmp.shipped.p)}; your changes: {wording.points(cmp.difference)} "
                f"({wording.points_interval(cmp.ci)})",
                "trucesim-difference font-weight-medium my-1",
            )
            _table(
                ["what you changed", "as shipped", "now"],
                [
                    [
                        c.label
                        + (" (mean)" if c.uncertain else "")
                        + (" (already at its bound: no change)" if c.before == c.after else ""),
                        wording.number(c.before),
                        wording.number(c.after),
                    ]
                    for c in model.changes
                ],
                classes="trucesim-changes",
            )
        else:
            _line(
                "The scenario as shipped: every Δ slider was at 0 at the last Reset. Move one (a change "
                "from the scenario's value), then press Reset: moved sliders take effect on Reset.",
                "trucesim-difference my-1",
            )
        _table(
            ["at the horizon", "worlds"],
            [
                [
                    "government falls (at any time, with or without a deal)",
                    wording.percent(summary["p_government_falls"]),
                ],
                ["pause completed", wording.percent(summary["p_pause_completed"])],
                ["permanent end reached", wording.percent(summary["p_permanent"])],
                ["hostages released (mean per world)", f"{summary['hostages_released_mean']:.1f}"],
                ["hostages died in captivity (mean per world)", f"{summary['hostages_died_mean']:.1f}"],
            ],
        )
        _line(DISCLAIMER, "caption mt-1")


def _section(heading: str, columns: list[str], width: int = 3) -> solara.Element:
    """A heading row: the list's heading, then the names of the other columns; across the row if there are none."""
    if not columns:
        cell = rv.Html(tag="th", attributes={"colspan": str(width)}, class_="trucesim-section", children=[heading])
        return rv.Html(tag="tr", children=[cell])
    cells = [rv.Html(tag="th", class_="trucesim-section", children=[heading])]
    cells += [rv.Html(tag="th", children=[c]) for c in columns]
    return rv.Html(tag="tr", children=cells)


@solara.component
def SharesPanel(title: str, groups: Mapping[str, list[results.Share]]):
    """Titled lists of shares of worlds with their intervals, in one compact table that fits its card.

    One table, a heading row per list (the first also names the columns), so the lists'
    columns line up; rows are compact and their cells do not wrap (``SHARES_CSS`` of
    :mod:`trucesim.app.page`), so every row fits the card at the page's usual width.
    """
    rows: list[solara.Element] = []
    for i, (heading, shares) in enumerate(groups.items()):
        rows.append(_section(heading, ["share of worlds", "95% CI"] if i == 0 else []))
        for sh in shares:
            cells = [sh.label, wording.percent(sh.p), wording.interval(sh.ci).removeprefix("95% CI ")]
            rows.append(rv.Html(tag="tr", children=[_cell(c) for c in cells]))
    with solara.Card(title, margin=0, style=CARD_STYLE, classes=["trucesim-card", "trucesim-shares-card"]):
        rv.SimpleTable(dense=True, class_="trucesim-shares", children=[rv.Html(tag="tbody", children=rows)])


@solara.component
def WhyNoDeal(model: TruceAppModel):
    """Why there was no deal: how the talks ended and who accepted, at the horizon."""
    update_counter.get()
    SharesPanel("Why there was no deal", results.reasons(model.settings))


@solara.component
def Story(model: TruceAppModel):
    """One world's story so far, rendered from its structured trace events."""
    update_counter.get()
    lines = render_story(model.trace, model.scenario_spec.labels)
    with (
        solara.Card(
            f"The story of world {model.story_world}, so far",
            margin=0,
            style=CARD_STYLE,
            classes=["trucesim-card"],
            subtitle="choose the world with the 'Story of world' slider and press Reset",
        ),
        solara.Div(classes=["trucesim-story"]),
    ):
        if not lines:
            solara.Text("nothing has happened yet")
        for day, text in lines:
            solara.Div(children=[f"day {day:>3}  {text}"], style={"font-family": "monospace", "font-size": "13px"})
