"""Figures of a run (or of a sweep's worlds): deal day and releases, coalition seats, every outcome.

* :func:`distributions` -- the deal day and the hostages released;
* :func:`seats` -- coalition seats kept against the majority, across worlds;
* :func:`outcome_bars` -- the probability of every outcome, for one or several runs.

Every function takes per-world outcome tables and returns a matplotlib Figure.

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"deal": [True, False, True, False], "deal_day": [3, np.nan, 10, np.nan],
...                    "hostages_released": [33, 0, 40, 0]})
>>> fig = outcome_bars(df, ["deal"], scenario="toy")
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['deal signed and ratified']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from trucesim.analysis.labels import outcome_label, outcome_names
from trucesim.analysis.probability import summary_table
from trucesim.analysis.results import majority, seats_kept
from trucesim.config.paramdoc import side_label
from trucesim.plots.style import (
    CYCLE,
    OKABE_ITO,
    actor_labels,
    finish,
    new_figure,
    scenario_name,
    subtitle,
)


# --------------------------------------------------------------------------------------
# distributions of the deal day and of hostages released
# --------------------------------------------------------------------------------------
def distributions(df: pd.DataFrame, *, scenario=None, title: str | None = None) -> Figure:
    """Distributions of the day a deal is signed and of the hostages released, over the worlds with a deal.

    Returns
    -------
    Figure
        Two panels: histogram of ``deal_day`` (weekly bins, days after the
        framework was tabled) and of ``hostages_released``, each with its median.
    """
    deal = df["deal"].to_numpy(bool)
    n, k = len(df), int(deal.sum())
    fig, axes = new_figure((11, 4.8), 1, 2)
    a1, a2 = axes[0]
    if k == 0:
        for a in (a1, a2):
            a.text(0.5, 0.5, "no deal in any world", ha="center", va="center", transform=a.transAxes)
    else:
        days = df.loc[deal, "deal_day"].to_numpy(float)
        edges = np.arange(0, max(7, np.nanmax(days) + 8), 7)
        a1.hist(days, bins=edges, weights=np.full(days.size, 100.0 / k), color=OKABE_ITO["blue"], edgecolor="white")
        med = float(np.median(days))
        a1.axvline(med, color=OKABE_ITO["orange"], lw=2.5, ls="--", label=f"median: day {med:g}")
        a1.legend(fontsize=9)
        rel = df.loc[deal, "hostages_released"].to_numpy(float)
        top = int(np.nanmax(rel)) if rel.size else 1
        width = max(1, int(np.ceil((top + 1) / 40)))
        a2.hist(
            rel,
            bins=np.arange(0, top + width + 1, width) - 0.5 * (width == 1),
            weights=np.full(rel.size, 100.0 / k),
            color=OKABE_ITO["bluish_green"],
            edgecolor="white",
        )
        medr = float(np.median(rel))
        a2.axvline(medr, color=OKABE_ITO["orange"], lw=2.5, ls="--", label=f"median: {medr:g} released")
        a2.legend(fontsize=9)
    a1.set_xlabel("deal day  [days after the framework was tabled]")
    a1.set_ylabel("share of worlds with a deal  [%]")
    a1.set_title("When the deal is signed", fontsize=11)
    a2.set_xlabel("hostages released  [people, over the pause and any permanent end]")
    a2.set_ylabel("share of worlds with a deal  [%]")
    a2.set_title("Hostages released", fontsize=11)
    for a in (a1, a2):
        a.grid(True, axis="y", color="#eeeeee")
    share = f"deal in {k:,} of {n:,} worlds ({100 * k / max(n, 1):.1f}%)"
    finish(
        fig,
        title or "Deal day and hostages released",
        subtitle(scenario_name(scenario, df), n, share),
        note="Worlds without a deal release no hostage and are left out of both panels.",
    )
    return fig


# --------------------------------------------------------------------------------------
# coalition seats
# --------------------------------------------------------------------------------------
def seats(df: pd.DataFrame, scenario, *, title: str | None = None) -> Figure:
    """Coalition seats kept in each world, against the majority the government needs.

    Parameters
    ----------
    df : DataFrame
        One row per world with the ``exit_<party>`` columns.
    scenario : Scenario
        For the parties' seats, the majority (``context.knesset_majority``) and the labels.

    Returns
    -------
    Figure
        One bar per number of seats kept (share of worlds), coloured by whether
        it keeps the majority, and a dashed line at the majority.
    """
    kept = seats_kept(df, scenario).to_numpy()
    maj = majority(df, scenario)
    maj_value = float(np.median(maj))
    total_seats = float(scenario.value("context.knesset_seats"))
    labels = actor_labels(scenario)
    parties = scenario.actors_of("coalition_party")
    n = len(df)
    values, counts = np.unique(kept, return_counts=True)
    share = 100.0 * counts / max(n, 1)
    fig, axes = new_figure((9.5, 5.6))
    ax = axes[0, 0]
    pos = np.arange(values.size)  # one evenly spaced bar per number of seats kept
    ok = values >= maj_value
    colours = np.where(ok, OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"])
    bars = ax.bar(pos, share, width=0.7, color=colours, edgecolor="black", linewidth=0.6)
    for b, o in zip(bars, ok):
        if not o:
            b.set_hatch("//")
    line_x = (np.flatnonzero(ok)[0] - 0.5) if ok.any() else values.size - 0.5
    ax.axvline(line_x, color="black", ls="--", lw=1.5)
    ax.text(
        line_x,
        0.98,
        f"majority: {maj_value:g} of {total_seats:g} seats  ",
        transform=ax.get_xaxis_transform(),
        ha="right",
        va="top",
        fontsize=9,
    )
    # which partners quit, for each bar
    exits = {p: (df[f"exit_{p}"].to_numpy(bool) if f"exit_{p}" in df.columns else np.zeros(n, bool)) for p in parties}
    ticks = []
    for x, v, s in zip(pos, values, share):
        sel = np.flatnonzero(kept == v)[:5000]
        combos = pd.Series(
            [" + ".join(labels.get(p, p) for p in parties if exits[p][i]) or "no partner quits" for i in sel]
        )
        top = combos.value_counts().index[0]
        quit_text = top if top == "no partner quits" else f"{top} quit"
        ticks.append(f"{v:g} seats\n" + quit_text.replace(" + ", " +\n"))
        ax.annotate(f"{s:.1f}%", (x, s), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=9)
    ax.set_xticks(pos, ticks, fontsize=8)
    ax.set_ylim(0, min(100, max(share) * 1.15 + 1))
    ax.set_xlim(-0.7, values.size - 0.3)
    ax.set_xlabel(
        f"coalition seats kept after the deal vote  [seats of {total_seats:g}; bars: most common partners quitting]"
    )
    ax.set_ylabel("share of worlds  [%]")
    ax.grid(True, axis="y", color="#eeeeee")
    fell = float(df["government_fell"].mean()) if "government_fell" in df.columns else np.nan
    net = float(df["safety_net_used"].mean()) if "safety_net_used" in df.columns else 0.0
    handles = [
        Patch(facecolor=OKABE_ITO["bluish_green"], edgecolor="black", label="keeps the majority"),
        Patch(
            facecolor=OKABE_ITO["vermillion"],
            edgecolor="black",
            hatch="//",
            label="below the majority (falls unless a safety net holds)",
        ),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=9)
    gov = side_label(scenario, "government") if hasattr(scenario, "actors_of") else "the government"
    extra = f"{gov} falls in {100 * fell:.1f}% of worlds" if np.isfinite(fell) else ""
    if net > 0:
        extra += f"; opposition safety net used in {100 * net:.1f}%"
    finish(
        fig,
        title or "Coalition seats kept against the majority",
        subtitle(scenario_name(scenario, df), n, extra),
        note="Partners can only quit over a deal put to a vote; worlds without one keep every seat.",
    )
    return fig


# --------------------------------------------------------------------------------------
# every outcome, one or several runs
# --------------------------------------------------------------------------------------
def outcome_bars(
    tables: pd.DataFrame | Mapping[str, pd.DataFrame],
    outcomes: Sequence[str] | None = None,
    *,
    scenario=None,
    level: float = 0.95,
    title: str | None = None,
) -> Figure:
    """Probability of each outcome with Wilson intervals, for one run or several side by side.

    Parameters
    ----------
    tables : DataFrame or mapping of name to DataFrame
        Per-world outcome tables; a mapping compares runs (e.g. scenarios).
    outcomes : sequence of str, optional
        Default: every yes/no outcome of the first table.

    Returns
    -------
    Figure
        Horizontal bars, one group per outcome, one bar per run.
    """
    if isinstance(tables, pd.DataFrame):
        tables = {scenario_name(scenario, tables): tables}
    names = list(tables)
    first = tables[names[0]]
    outcomes = (
        list(outcomes)
        if outcomes is not None
        else [o for o in outcome_names(first) if o not in ("collapsed", "deal_by_first_deadline")]
    )
    labels = actor_labels(scenario)
    k = len(names)
    fig, axes = new_figure((9.5, 1.4 + 0.32 * len(outcomes) * max(k, 1.6)))
    ax = axes[0, 0]
    h = 0.8 / k
    for j, name in enumerate(names):
        t = summary_table(tables[name], outcomes, labels, level)
        yv = np.arange(len(outcomes))[::-1] + (k - 1) / 2 * h - j * h
        p = t["p"].to_numpy() * 100
        err = np.vstack([p - t["p_lo"].to_numpy() * 100, t["p_hi"].to_numpy() * 100 - p])
        ax.barh(
            yv,
            p,
            height=h * 0.92,
            color=CYCLE[j % len(CYCLE)],
            label=f"{name} ({len(tables[name]):,} worlds)",
            xerr=err,
            error_kw=dict(ecolor="black", capsize=2, lw=0.8),
        )
        for yy, pp in zip(yv, p):
            ax.text(min(pp, 100) + 1.5, yy, f"{pp:.1f}%", va="center", fontsize=7.5)
    ax.set_yticks(np.arange(len(outcomes))[::-1], [outcome_label(o, labels) for o in outcomes], fontsize=9)
    ax.set_xlim(0, 112)
    ax.set_xlabel("probability  [% of worlds]")
    ax.grid(True, axis="x", color="#eeeeee")
    ax.legend(loc="lower right", fontsize=8.5)
    worlds = sum(len(t) for t in tables.values())
    sub = subtitle(names[0], worlds) if k == 1 else f"{k} runs: {', '.join(names)}  ·  {worlds:,} worlds in all"
    finish(
        fig,
        title or "What happens across worlds",
        sub,
        note=f"Whiskers: {int(level * 100)}% Wilson intervals. 'Accepts' = at least one proposal.",
    )
    return fig


# --------------------------------------------------------------------------------------
# scenarios compared on the same worlds
# --------------------------------------------------------------------------------------
__all__ = ["distributions", "outcome_bars", "seats"]
