"""PRIM boxes of a sweep as a figure: :func:`prim_plot`.

Each box found by :func:`trucesim.analysis.discovery.prim_boxes` is drawn as
the limits of its restricted factors within their sampled ranges, headed by
its coverage, density and mass; with the peeling trajectory, a second panel
shows the coverage-density trade-off and the box chosen.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from trucesim.analysis.discovery import prim_boxes
>>> rng = np.random.default_rng(3)
>>> x = pd.DataFrame(rng.uniform(0, 1, (1500, 2)), columns=["terms.prisoners_per_hostage", "context.us_pressure"])
>>> boxes, trajectory = prim_boxes(x, x["terms.prisoners_per_hostage"] > 0.5, return_trajectory=True)
>>> fig = prim_plot(boxes, trajectory, scenario="toy", worlds=1500)
>>> len(fig.axes)  # the boxes, the peeling trajectory and its colour bar
3
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from trucesim.analysis.labels import outcome_label
from trucesim.plots.style import CYCLE, actor_labels, factor_label, finish, new_figure, scenario_name

if TYPE_CHECKING:
    from trucesim.config.scenario import Scenario

__all__ = ["prim_plot"]


def prim_plot(
    boxes: pd.DataFrame,
    trajectory: pd.DataFrame | None = None,
    *,
    scenario: Scenario | str | None = None,
    worlds: int | None = None,
    outcome: str = "deal",
    title: str | None = None,
) -> Figure:
    """PRIM boxes: the limits of each restricted factor within its range, with coverage and density.

    Parameters
    ----------
    boxes : DataFrame
        As returned by :func:`trucesim.analysis.discovery.prim_boxes`.
    trajectory : DataFrame, optional
        The peeling trajectories (``return_trajectory=True``): adds a
        coverage-density panel with the chosen box marked.
    scenario : Scenario or str, optional
        For its name and its labels of factors and actors.
    worlds : int, optional
        The worlds the boxes were found in, named on the figure.
    outcome : str
        The yes/no outcome the boxes are for (default: ``deal``), named in the title and caption.
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Figure
    """
    ids = list(dict.fromkeys(boxes["box"]))
    rows = boxes.dropna(subset=["factor"])
    n_rows = max(len(rows), 1)
    ncols = 2 if trajectory is not None else 1
    fig, axes = new_figure(
        (12 if ncols == 2 else 8.5, 2.0 + 0.5 * n_rows + 0.3 * len(ids)),
        1,
        ncols,
        width_ratios=[2, 1] if ncols == 2 else None,
    )
    first = boxes.iloc[0]
    base_rate = (first["hits"] / first["coverage"]) / (first["cases"] / first["mass"]) if len(boxes) else np.nan
    _draw_box_limits(axes[0, 0], boxes, rows, ids, scenario)
    if trajectory is not None:
        _draw_peeling(fig, axes[0, 1], trajectory, ids)
    labels = actor_labels(scenario)
    finish(
        fig,
        title or f"Where '{outcome_label(outcome, labels)}' is most likely: PRIM boxes",
        "  ·  ".join(
            [f"scenario {scenario_name(scenario)}"]
            + ([f"{int(worlds):,} worlds"] if worlds else [])
            + ([f"cases of interest: {100 * base_rate:.1f}% of all"] if np.isfinite(base_rate) else [])
        ),
        note=f"PRIM (EMA Workbench) finds boxes of factor values where '{outcome_label(outcome, labels)}' is "
        f"frequent. Coverage: of all worlds where '{outcome_label(outcome, labels)}', the share inside the box "
        "(how much of the outcome the box accounts for). Density: of the worlds inside the box, the share "
        "where it happens (how reliable the box is). Mass: the box's share of all worlds.",
    )
    return fig


def _draw_box_limits(
    ax: Axes, boxes: pd.DataFrame, rows: pd.DataFrame, ids: Sequence, scenario: Scenario | str | None
) -> None:
    """Each box's heading (coverage, density, mass [%]), then one bar per restricted factor: its limits in its range.

    The factor's sampled range is drawn grey from 0 to 1; the box's limits on
    it in the box's colour, with their values.  ``rows`` are the rows of
    ``boxes`` that name a factor, ``ids`` the boxes in order.
    """
    y: float = 0
    yt: list[float] = []
    yl: list[str] = []
    for j, b in enumerate(ids):
        part = rows[rows["box"] == b]
        colour = CYCLE[j % len(CYCLE)]
        first = boxes[boxes["box"] == b].iloc[0]
        ax.text(
            0,
            y - 0.1,
            f"box {b}: coverage {100 * first['coverage']:.0f}%, density "
            f"{100 * first['density']:.0f}%, mass {100 * first['mass']:.0f}%",
            fontsize=9,
            fontweight="bold",
            va="bottom",
            color=colour,
        )
        y += 0.6
        for _, r in part.iterrows():
            span = r["range_high"] - r["range_low"] or 1.0
            a, bb = (r["low"] - r["range_low"]) / span, (r["high"] - r["range_low"]) / span
            ax.plot([0, 1], [y, y], color="#cccccc", lw=6, solid_capstyle="butt")
            ax.plot([a, bb], [y, y], color=colour, lw=6, solid_capstyle="butt")
            ax.text(a, y - 0.2, f"{r['low']:.3g}", ha="left", fontsize=7.5, va="bottom")
            ax.text(bb, y - 0.2, f"{r['high']:.3g}", ha="right", fontsize=7.5, va="bottom")
            yt.append(y)
            yl.append(textwrap.fill(factor_label(r["factor"], scenario), 40))
            y += 1
        y += 0.3
    ax.set_yticks(yt, yl, fontsize=8.5)
    ax.set_ylim(y, -0.5)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("position in the factor's sampled range  [0 = lowest, 1 = highest]")
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])


def _draw_peeling(fig: Figure, ax: Axes, trajectory: pd.DataFrame, ids: Sequence) -> None:
    """Each box's peeling trajectory: coverage against density, coloured by restricted factors, chosen box ringed."""
    for j, b in enumerate(ids):
        t = trajectory[trajectory["box"] == b]
        peel = t[t["kind"] == "peel"] if "kind" in t.columns else t
        ax.plot(peel["coverage"], peel["density"], "-", color=CYCLE[j % len(CYCLE)], lw=1, alpha=0.6)
        sc = ax.scatter(
            t["coverage"],
            t["density"],
            c=t["res_dim"],
            cmap="viridis",
            s=14,
            zorder=3,
            vmin=0,
            vmax=max(1, int(trajectory["res_dim"].max())),
        )
        c = t[t["chosen"]]
        ax.scatter(
            c["coverage"],
            c["density"],
            s=160,
            facecolors="none",
            edgecolors=CYCLE[j % len(CYCLE)],
            linewidths=2,
            zorder=4,
            label=f"box {b} chosen",
        )
    cb = fig.colorbar(sc, ax=ax, label="restricted factors")
    cb.set_ticks(np.arange(0, int(trajectory["res_dim"].max()) + 1).tolist())
    ax.set_xlabel("coverage  [share of all cases of interest]")
    ax.set_ylabel("density  [share of the box's cases]")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, min(1.02, float(trajectory["density"].max()) * 1.15 + 0.01))
    ax.grid(True, color="#eeeeee")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title("peeling trajectory", fontsize=10)
