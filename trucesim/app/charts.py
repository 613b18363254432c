"""The app's live charts: model-level series of the DataCollector, drawn by ECharts in the browser.

Each chart is a list of series (DataCollector columns) with their legend
labels; :func:`line_option` turns the columns collected so far into an
ECharts option (plain data, a few kilobytes), which the browser draws on a
canvas.  Matplotlib, which Mesa's own plot component uses, renders a PNG on
the server at each redraw (about 0.1-0.3 s a chart here, see
``benchmarks/bench_app.py``) while the model steps in under 10 ms; ECharts
keeps the server's part of a redraw to well under a millisecond, so the
controls stay responsive while the model plays.

Examples
--------
>>> spec = ChartSpec("Where the talks stand", "share of worlds", (("negotiating", "negotiating"),), y_max=1)
>>> opt = line_option(spec, {"negotiating": [1.0, 0.5]}, horizon=180)
>>> opt["series"][0]["data"], opt["xAxis"]["max"]
([[0, 1.0], [1, 0.5]], 180)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trucesim.plots import CYCLE


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a title, the unit of its y axis, ``(column, legend label)`` pairs, and the top of the axis."""

    title: str
    unit: str
    series: tuple[tuple[str, str], ...]
    y_max: float | None = None


#: how many charts :func:`chart_specs` gives
N_CHARTS = 4


def chart_specs(labels: Mapping[str, str]) -> list[ChartSpec]:
    """The four live charts; ``labels`` names the sides: ``{"government": ..., "armed_group": ...}``."""
    return [
        ChartSpec(
            "Where the talks stand",
            "share of worlds",
            (
                ("negotiating", "negotiating"),
                ("in_pause", "in a pause"),
                ("permanent_end", "permanent end"),
                ("collapsed", "pause collapsed"),
                ("talks_ended", "talks ended without a deal"),
            ),
            y_max=1,
        ),
        ChartSpec(
            "Acceptance by side (a proposal accepted so far)",
            "share of worlds",
            (("government_accepted", labels["government"]), ("armed_group_accepted", labels["armed_group"])),
            y_max=1,
        ),
        ChartSpec(
            "Pressures",
            "mean over worlds, 0..1",
            (
                ("pressure_on_government", f"summed pressure on {labels['government']} (US and mediators)"),
                ("family_pressure_mean", "hostage families"),
                ("military_pressure_mean", f"military, on {labels['armed_group']}"),
                ("isolation_mean", "international isolation"),
                ("humanitarian_crisis", "humanitarian crisis"),
            ),
            y_max=1,
        ),
        ChartSpec(
            "Hostages",
            "mean per world",
            (("living_hostages", "living, still held"), ("hostages_released_mean", "released")),
        ),
    ]


def line_option(spec: ChartSpec, columns: Mapping[str, Sequence[float]], horizon: int) -> dict:
    """The ECharts option of one chart: one line per series over days ``0..len(column) - 1``.

    The x axis runs to the ``horizon`` from the start, so lines grow without
    the axis moving.
    """
    series = []
    for i, (column, label) in enumerate(spec.series):
        values = columns[column]
        series.append(
            {
                "type": "line",
                "name": label,
                "showSymbol": False,
                "color": CYCLE[i % len(CYCLE)],
                "data": [[day, round(float(v), 4)] for day, v in enumerate(values)],
            }
        )
    y_axis = {"type": "value", "name": spec.unit, "nameLocation": "middle", "nameGap": 40, "min": 0}
    if spec.y_max is not None:
        y_axis["max"] = spec.y_max
    return {
        "animation": False,
        "title": {"text": spec.title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 26, "type": "scroll"},
        "grid": {"top": 70, "left": 60, "right": 20, "bottom": 45},
        "xAxis": {"type": "value", "name": "day", "nameLocation": "middle", "nameGap": 25, "min": 0, "max": horizon},
        "yAxis": y_axis,
        "series": series,
    }
