"""The one style of trucesim's figures: palette, disclaimer, figure scaffolding, factor labels.

Every figure names its units, its scenario and its number of worlds, uses a
colour-blind-safe palette (Okabe-Ito for categories, cividis for
probabilities) and carries the note that it explores stated assumptions and
is not a forecast.  A figure is built with :func:`new_figure` (or
:func:`own_axes` for a single panel that may go into a caller's axes) and
completed with :func:`finish` (title, subtitle, note and disclaimer).

Examples
--------
>>> fig, axes = new_figure((6, 4))
>>> _ = axes[0, 0].plot([0, 1], [0, 1], color=OKABE_ITO["blue"])
>>> fig = finish(fig, "A line", subtitle("toy", 1000))
>>> [t.get_text() for t in fig.texts][:2]
['A line', 'scenario toy  ·  1,000 worlds']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

#: Okabe and Ito's colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: the order in which categories (runs, boxes, series) take the palette's colours
CYCLE = [
    OKABE_ITO[k]
    for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "black", "yellow")
]
#: neutral grey for reference lines (0.5, axes) that carry no category
GREY = "#999999"
#: colour map of probabilities: perceptually uniform and readable with colour-vision deficiencies
CMAP = "cividis"
DISCLAIMER = "An exploration of the scenario's stated assumptions, not a forecast of the talks or advice."

_TOP_IN = 0.72  # inches kept at the top for the title and the subtitle
_BOTTOM_IN = 0.40  # inches kept at the bottom for the note


def factor_label(key: str, scenario=None, unit: bool = True) -> str:
    """Axis label of a factor: the parameter's plain words and unit, the actor named by the scenario's label.

    The words come from the parameter table (:func:`trucesim.config.paramdoc.plain_label`); a key
    that is no parameter is shown as it is.  ``unit=False`` leaves the unit out (for a title).

    Examples
    --------
    >>> factor_label("context.us_pressure")
    "United States pressure on Israel's government [0..1]"
    >>> factor_label("actors.a1.weights.withdrawal")
    "a1's weight on withdrawal of troops"
    >>> factor_label("point")
    'point'
    """
    from trucesim.config.paramdoc import plain_label

    return plain_label(key, getattr(scenario, "labels", None), getattr(scenario, "actors", None), unit=unit)


def scenario_name(scenario, df: pd.DataFrame | None = None) -> str:
    """The name a figure gives its scenario: a Scenario's name, a string as given, or ``df.attrs["scenario"]``."""
    if scenario is None and df is not None:
        scenario = df.attrs.get("scenario")
    if scenario is None:
        return "scenario not stated"
    return str(getattr(scenario, "name", scenario))


def actor_labels(scenario) -> Mapping[str, str]:
    """Actor id to label of a scenario (none for a scenario given by name: actors are then named by their ids)."""
    return dict(getattr(scenario, "labels", None) or {})


def new_canvas(figsize=(8, 5.5)) -> Figure:
    """An empty figure with room kept for :func:`finish`, laid out by matplotlib's constrained layout: add its axes
    yourself (:func:`new_figure` adds a grid of them; :func:`grid_canvas` is a fixed grid for many panels)."""
    h = figsize[1]
    bottom, top = _BOTTOM_IN / h, _TOP_IN / h
    return Figure(figsize=figsize, layout=ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom - top)))


def grid_canvas(size: float, n: int, *, margin=(0.85, 0.2, 0.75, 0.35), space: float = 0.12):
    """A square figure of ``size`` inches holding a fixed ``n`` × ``n`` grid, with room kept for :func:`finish`.

    ``margin`` is the room left, right, below and above the grid, in inches (below and above
    the title's and the note's); ``space`` is the gap between panels, as a share of a panel.
    For grids of many panels (a corner plot of fifteen values has 120), where the constrained
    layout of :func:`new_canvas` takes seconds to solve. Returns the figure and its grid.

    >>> fig, grid = grid_canvas(6.0, 3)
    >>> grid.get_geometry(), fig.get_layout_engine() is None
    ((3, 3), True)
    """
    left, right, bottom, top = margin
    h = size + 1.1
    fig = Figure(figsize=(size, h))
    grid = fig.add_gridspec(
        n,
        n,
        left=left / size,
        right=1 - right / size,
        bottom=(_BOTTOM_IN + bottom) / h,
        top=1 - (_TOP_IN + top) / h,
        wspace=space,
        hspace=space,
    )
    return fig, grid


def new_figure(figsize=(8, 5.5), nrows=1, ncols=1, **kw):
    """A figure with room kept for :func:`finish`, and its axes as a 2-D array (``subplots`` keywords in ``kw``)."""
    fig = new_canvas(figsize)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def finish(fig: Figure, title: str, subtitle: str, note: str | None = None) -> Figure:
    """Add the title, the subtitle and the note (followed by :data:`DISCLAIMER`) to a :func:`new_figure`."""
    h = fig.get_figheight()
    fig.text(0.5, 1 - 0.10 / h, title, ha="center", va="top", fontsize=13, fontweight="bold")
    fig.text(0.5, 1 - 0.42 / h, subtitle, ha="center", va="top", fontsize=9.5, color="#333333")
    text = DISCLAIMER if note is None else f"{note}  {DISCLAIMER}"
    fig.text(0.01, 0.04 / h, text, ha="left", va="bottom", fontsize=7.5, color="#555555", style="italic", wrap=True)
    return fig


def subtitle(name: str, worlds: int, *extra: str) -> str:
    """``scenario NAME  ·  N worlds  ·  extra...`` (empty extras left out)."""
    parts = [f"scenario {name}", f"{worlds:,} worlds", *[e for e in extra if e]]
    return "  ·  ".join(parts)


def own_axes(ax, figsize):
    """A new single-axes figure, or the figure of ``ax`` when one is given; and whether the figure is new."""
    if ax is None:
        fig, axes = new_figure(figsize)
        return fig, axes[0, 0], True
    return ax.figure, ax, False


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write a figure to ``path`` (PNG, SVG or PDF by its suffix; PNG without one), whole or not at all; return the path.

    Written through :func:`trucesim.run.files.write_atomic`: a failure leaves any file at ``path`` as it was.
    """
    from trucesim.run.files import write_atomic

    path = Path(path)
    kind = path.suffix.lower().lstrip(".") or "png"  # the temporary name's suffix is .tmp: say the format
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=kind))
    return path


__all__ = [
    "CMAP",
    "CYCLE",
    "DISCLAIMER",
    "GREY",
    "OKABE_ITO",
    "actor_labels",
    "factor_label",
    "finish",
    "new_figure",
    "own_axes",
    "save_figure",
    "scenario_name",
    "subtitle",
]
