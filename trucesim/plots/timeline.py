"""The day-by-day story of one traced world, as a figure: :func:`timeline`.

The story comes from the model's structured trace events
(:class:`trucesim.model.events.Event`), never from its prose:
:func:`events_frame` maps each event kind to a lane (an actor, the mediators,
the deadlines, the coalition, the deal, the hostages), a mark and a number;
the sentence of each event is :func:`trucesim.model.events.render`'s.

Examples
--------
>>> from trucesim.model.events import Event
>>> events = [Event(0, 7, None, "tabled", {"round": 1, "deadline": 2, "terms": {"pause_days": 42}}),
...           Event(2, 7, "gov", "answer", {"round": 1, "answer": "accept", "p": 0.61})]
>>> events_frame(events, {"gov": "The government"})[["day", "lane", "kind", "value"]].to_dict("records")
[{'day': 0, 'lane': 'mediators', 'kind': 'proposal', 'value': 1.0}, {'day': 2, 'lane': 'The government', 'kind': 'accepts', 'value': 0.61}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from trucesim.model.events import Event, render
from trucesim.plots.style import (
    OKABE_ITO,
    actor_labels,
    finish,
    new_figure,
    scenario_name,
)

if TYPE_CHECKING:
    from trucesim.config.scenario import Scenario

#: event kind -> (lane, or None for the acting actor's own lane; mark; key of the number in ``values``)
_MARKS = {
    "tabled": ("mediators", "proposal", "round"),
    "answer": (None, None, "p"),  # the mark is the answer: accepts, counters or rejects
    "deadline_missed": ("deadlines", "deadline", None),
    "revised": ("mediators", "revision", None),
    "walked_away": ("mediators", "walk_away", None),
    "offensive": (None, "offensive", None),
    "side_payment": ("coalition", "payment", None),
    "partner_quits": ("coalition", "exit", None),
    "vote_lost": ("coalition", "vote_lost", None),
    "safety_net": ("coalition", "safety_net", None),
    "government_fell": ("coalition", "fall", None),
    "signed": ("deal", "signed", "pause_end"),
    "extended": ("deal", "extension", None),
    "phase_two_agreed": ("deal", "phase_two", None),
    "breach": ("deal", "breach", None),
    "permanent_end": ("deal", "permanent", None),
    "no_permanent_end": ("deal", "collapse", None),
    "released": ("hostages", "release", "total"),
    "remains_returned": ("hostages", "remains", "total"),
    "hostage_deaths": ("hostages", "death", "count"),
}
_ANSWERS = {"accept": "accepts", "counter": "counters", "reject": "rejects"}
_FIXED_LANES = ("mediators", "deadlines", "coalition", "deal", "hostages")

_KIND_STYLE = {  # marker, colour, size, legend label
    "proposal": ("^", OKABE_ITO["black"], 80, "proposal tabled"),
    "revision": (".", "#777777", 60, "terms revised"),
    "walk_away": ("X", OKABE_ITO["vermillion"], 120, "mediators walk away"),
    "deadline": ("|", OKABE_ITO["reddish_purple"], 140, "deadline missed"),
    "accepts": ("o", OKABE_ITO["bluish_green"], 90, "accepts"),
    "counters": ("s", OKABE_ITO["orange"], 80, "counters"),
    "rejects": ("X", OKABE_ITO["vermillion"], 100, "rejects"),
    "offensive": ("*", OKABE_ITO["black"], 180, "Rafah offensive"),
    "payment": ("p", OKABE_ITO["orange"], 90, "side payment to a partner"),
    "exit": ("v", OKABE_ITO["reddish_purple"], 100, "partner quits"),
    "vote_lost": ("x", OKABE_ITO["reddish_purple"], 100, "deal vote lost"),
    "safety_net": ("P", OKABE_ITO["blue"], 100, "safety net carries vote"),
    "fall": ("X", OKABE_ITO["black"], 130, "government falls"),
    "signed": ("D", OKABE_ITO["blue"], 110, "deal signed"),
    "extension": ("+", OKABE_ITO["blue"], 90, "pause extended"),
    "breach": ("X", OKABE_ITO["vermillion"], 130, "pause breached"),
    "phase_two": ("h", OKABE_ITO["bluish_green"], 90, "permanent end agreed"),
    "permanent": ("*", OKABE_ITO["bluish_green"], 200, "permanent end"),
    "collapse": ("x", OKABE_ITO["vermillion"], 110, "war resumes"),
    "release": ("o", OKABE_ITO["sky_blue"], 70, "hostages released"),
    "remains": ("s", OKABE_ITO["sky_blue"], 60, "remains returned"),
    "death": ("x", "#666666", 45, "hostage death reported"),
}


def events_frame(events: Sequence[Event], labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The events of a traced world as a table, one row per event, for :func:`timeline`.

    Parameters
    ----------
    events : list of Event
        A traced world's events, in order.
    labels : mapping, optional
        Actor id to label (a scenario's ``labels``); an actor without one is named by its id.

    Returns
    -------
    DataFrame
        ``day``; ``actor`` (an id, or ``None``); ``lane`` (``mediators``,
        ``deadlines``, an actor's label for its answers and the offensive,
        ``coalition``, ``deal``, ``hostages``); ``kind`` (``proposal``,
        ``accepts``, ``counters``, ``rejects``, ``deadline``, ``revision``,
        ``walk_away``, ``offensive``, ``exit``, ``safety_net``, ``fall``,
        ``signed``, ``extension``, ``breach``, ``permanent``, ``collapse``,
        ``release``, ``death``); ``value`` (a proposal's round, an answer's
        acceptance probability, the day the pause ends, hostages released so
        far, deaths reported; NaN otherwise); ``text`` (the event's sentence).

    Raises
    ------
    ValueError
        For an event of a kind this table does not know.
    """
    labels = labels or {}
    rows = []
    for e in events:
        if e.kind not in _MARKS:
            raise ValueError(f"unknown event kind {e.kind!r}; expected one of {', '.join(_MARKS)}")
        lane, kind, key = _MARKS[e.kind]
        if lane is None and e.actor is not None:
            lane = labels.get(e.actor, e.actor)
        value = e.values.get(key, np.nan) if key else np.nan
        if e.kind == "answer":
            kind = _ANSWERS[e.values["answer"]]
            # a side that cannot meet the demand as written answers without a probability: NaN, no label
        rows.append((int(e.day), e.actor, lane, kind, float(value), render(e, labels)))
    return pd.DataFrame(rows, columns=["day", "actor", "lane", "kind", "value", "text"])


def _first_of(scenario, kind: str) -> list[str]:
    """The first actor of a kind in a scenario (none when the scenario is only a name)."""
    return scenario.actors_of(kind)[:1] if hasattr(scenario, "actors_of") else []


def timeline(
    events: Sequence[Event],
    *,
    scenario: Scenario | str | None = None,
    world: int | None = None,
    seed: int | None = None,
    horizon: int | None = None,
    title: str | None = None,
) -> Figure:
    """The day-by-day story of one traced world: proposals, answers, deadlines, exits, releases, breaches.

    Parameters
    ----------
    events : list of Event
        The structured events of one world (:class:`trucesim.model.events.Event`):
        the ``trace`` of a ``TruceModel(..., trace_world=K)`` that has run, or
        the first value of :func:`trucesim.run.simulate.trace_world`.
    scenario : Scenario or str, optional
        For its name, its actors' labels (the lanes of the government and of
        the armed group come first, then any other actor's) and its horizon.
    world, seed : int, optional
        Named on the figure.
    horizon : int, optional
        The last day drawn [days] (default: the scenario's horizon); at least
        one day past the last event.
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Figure
        One lane per actor or kind of event, days on the horizontal axis; the
        pause (if any) is shaded.
    """
    labels = actor_labels(scenario)
    ev = events_frame(events, labels)
    gov = next((labels.get(a, a) for a in _first_of(scenario, "government")), "the government")
    lanes = _lanes(ev, scenario, labels)
    ypos = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    horizon = _horizon(ev, scenario, horizon)
    fig, axes = new_figure((12, 5.8))
    ax = axes[0, 0]
    _shade_pauses(ax, ev, horizon, len(lanes) - 0.45)
    seen = _draw_marks(ax, ev, ypos)
    _label_marks(ax, ev, ypos)
    _lane_axes(ax, lanes, ypos, horizon)
    ax.legend(
        handles=_legend_handles(seen, gov), loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False
    )
    ending = _story_end(ev, gov)
    who = f"world {world}" if world is not None else "one world"
    run = f"seed {seed}" if seed is not None else ""
    finish(
        fig,
        title or f"The talks in {who}, day by day",
        "  ·  ".join(p for p in (f"scenario {scenario_name(scenario)}", f"1 traced world ({who})", run, ending) if p),
        note="Numbers above answers: the side's acceptance probability for that proposal (none where it could not "
        "meet the hostage demand as written).",
    )
    return fig


def _lanes(ev: pd.DataFrame, scenario: Scenario | str | None, labels: Mapping[str, str]) -> list[str]:
    """The lanes from top to bottom: mediators, deadlines, the two sides, any other actor, coalition, deal, hostages.

    The sides are the scenario's first government and first armed group, by
    their labels; any other actor with an event of its own follows them, in the
    order of its first event.
    """
    sides = [labels.get(a, a) for kind in ("government", "armed_group") for a in _first_of(scenario, kind)]
    others = [lane for lane in ev["lane"].unique() if lane not in _FIXED_LANES and lane not in sides]
    return ["mediators", "deadlines", *sides, *others, "coalition", "deal", "hostages"]


def _horizon(ev: pd.DataFrame, scenario: Scenario | str | None, horizon: int | None) -> int:
    """The last day drawn [days]: the horizon given, else the scenario's, and at least one past the last event."""
    if horizon is None and scenario is not None and hasattr(scenario, "value"):
        horizon = int(scenario.value("protocol.horizon_days"))
    last = int(ev["day"].max()) if len(ev) else 0
    return max(horizon or 0, last + 1)


def _shade_pauses(ax: Axes, ev: pd.DataFrame, horizon: int, label_y: float) -> None:
    """Shade each pause from its signature to its end, or to a breach, a collapse or a permanent end before it.

    A pause without an end day runs to ``horizon``; "pause" is written above it at height ``label_y``.
    """
    signed = ev[ev["kind"] == "signed"]
    for _, r in signed.iterrows():
        start = r["day"]
        end = r["value"] if np.isfinite(r["value"]) else horizon
        stop = ev[(ev["day"] >= start) & ev["kind"].isin(["breach", "collapse", "permanent"])]
        if len(stop):
            end = int(stop["day"].iloc[0])
        ax.axvspan(start, end, color=OKABE_ITO["sky_blue"], alpha=0.15, lw=0)
        ax.text(
            (start + end) / 2,
            label_y,
            "pause",
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=OKABE_ITO["blue"],
        )


def _draw_marks(ax: Axes, ev: pd.DataFrame, ypos: Mapping[str, int]) -> list[str]:
    """One mark per event, on its lane at its day, styled by its kind; the kinds drawn, in order of first event."""
    seen = []
    for kind, grp in ev.groupby("kind", sort=False):
        marker, colour, size, _ = _KIND_STYLE[kind]
        ys = grp["lane"].map(ypos).to_numpy(float)
        ax.scatter(
            grp["day"],
            ys,
            marker=marker,
            c=colour,
            s=size,
            zorder=3,
            linewidths=2 if marker in ("|", "x", "+") else 0.6,
            edgecolors="white" if marker not in ("|", "x", "+", ".") else None,
        )
        seen.append(kind)
    return seen


def _label_marks(ax: Axes, ev: pd.DataFrame, ypos: Mapping[str, int]) -> None:
    """The small labels above the marks: proposal rounds, acceptance probabilities, hostages released so far."""
    for _, r in ev.iterrows():
        label = _small_label(r)
        if label is not None:
            text, fontsize, colour = label
            ax.annotate(
                text,
                (r["day"], ypos[r["lane"]]),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=fontsize,
                color=colour,
            )


def _lane_axes(ax: Axes, lanes: Sequence[str], ypos: Mapping[str, int], horizon: int) -> None:
    """The lanes named on the vertical axis and ruled across, the days [-2, horizon + 2] on the horizontal one."""
    ax.set_yticks([ypos[lane] for lane in lanes], lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.2)
    ax.set_xlim(-2, horizon + 2)
    ax.set_xlabel("day  [days after the framework was tabled on day 0]")
    ax.grid(True, axis="x", color="#eeeeee")
    for y in range(len(lanes)):
        ax.axhline(y, color="#f0f0f0", lw=0.8, zorder=0)


def _legend_handles(seen: Sequence[str], gov: str) -> list[Line2D]:
    """A legend entry for each kind of mark drawn, in the order of ``_KIND_STYLE``; the fall names ``gov``."""
    return [
        Line2D(
            [],
            [],
            ls="none",
            marker=_KIND_STYLE[k][0],
            color=_KIND_STYLE[k][1],
            markersize=7,
            mew=2 if _KIND_STYLE[k][0] in ("|", "x", "+") else 1,
            label=f"{gov} falls" if k == "fall" else _KIND_STYLE[k][3],
        )
        for k in _KIND_STYLE
        if k in seen
    ]


def _story_end(ev: pd.DataFrame, gov: str = "the government") -> str:
    kinds = set(ev["kind"])
    if "permanent" in kinds:
        return "deal, then a permanent end"
    if "breach" in kinds:
        return "deal, then the pause is breached"
    if "collapse" in kinds:
        return "deal; war resumes after the pause"
    if "signed" in kinds:
        return "deal signed"
    if "fall" in kinds:
        return f"{gov} falls over the deal"
    if "walk_away" in kinds:
        return "no deal: the mediators walk away"
    return "no deal by the horizon"


__all__ = ["events_frame", "timeline"]


def _small_label(r) -> tuple[str, float, str] | None:
    """The text above an event's marker (round, acceptance probability, hostages released), if any."""
    if r["kind"] == "proposal":
        return f"P{int(r['value'])}", 7.5, "black"
    if r["kind"] in ("accepts", "counters", "rejects") and r["value"] < 1.0 + 1e-9:
        return f"{r['value']:.2f}", 7, "#333333"
    if r["kind"] == "release":
        return f"{int(r['value'])}", 7, "#333333"
    return None
