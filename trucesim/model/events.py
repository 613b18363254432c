"""Structured trace events: what happened in a traced world, as data.

The model records each event of its traced world as an :class:`Event` (day,
world, actor, kind, values); the prose of ``trucesim run --trace`` and the
timeline figure are both rendered from these records, never parsed from text.

Kinds and their ``values`` (``actor`` is a scenario actor id, or ``None``):

==================  ===========  ==========================================================
kind                actor        values
==================  ===========  ==========================================================
``tabled``          None         ``round``, ``deadline`` (day), ``terms`` (name -> value)
``answer``          a side       ``round``, ``answer`` (accept/counter/reject),
                                 ``p`` (acceptance probability) or ``holds`` (living
                                 hostages in the agreed categories, when the demand
                                 exceeds them)
``deadline_missed`` None         --
``revised``         None         ``next_table_day``
``walked_away``     None         --
``offensive``       government   --
``side_payment``    a party      -- (it takes the promise that the war resumes after the pause)
``partner_quits``   a party      --
``safety_net``      opposition   --
``government_fell`` government   --
``vote_lost``       government   ``text`` (``permanent_end`` for the vote on the permanent
                                 end, else absent: the deal vote)
``signed``          None         ``pause_end`` (day)
``released``        armed group  ``total`` (hostages released so far)
``remains_returned`` armed group ``total`` (remains returned so far)
``hostage_deaths``  armed group  ``count``
``breach``          a side       --
``extended``        None         --
``phase_two_agreed`` None        --
``permanent_end``   None         ``how`` (``binding``: the deal's binding end holds;
                                 ``agreed``: ratified after the pause), ``all_released``
                                 (the hostages still held went free), ``held`` (living
                                 hostages still held after it)
``no_permanent_end`` None        --
==================  ===========  ==========================================================

Examples
--------
>>> e = Event(2, 7, "hamas", "answer", {"round": 1, "answer": "reject", "p": 0.12})
>>> render(e, {"hamas": "Hamas"})
'Hamas rejects proposal 1 (acceptance probability 0.12)'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "tabled",
    "answer",
    "deadline_missed",
    "revised",
    "walked_away",
    "offensive",
    "side_payment",
    "partner_quits",
    "safety_net",
    "government_fell",
    "vote_lost",
    "signed",
    "released",
    "remains_returned",
    "hostage_deaths",
    "breach",
    "extended",
    "phase_two_agreed",
    "permanent_end",
    "no_permanent_end",
)
_VERBS = {"accept": "accepts", "counter": "counters", "reject": "rejects"}


@dataclass(frozen=True)
class Event:
    """One event of a traced world: on ``day`` (days after tabling), ``actor`` did ``kind``."""

    day: int
    world: int
    actor: str | None
    kind: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """A plain dict (for JSON): ``day``, ``world``, ``actor``, ``kind`` and the values."""
        return {"day": self.day, "world": self.world, "actor": self.actor, "kind": self.kind, **self.values}


def describe_terms(terms: Mapping[str, float]) -> str:
    """One line of terms, e.g. ``pause_days=42, hostages_released=40, ...``."""
    return ", ".join(f"{name}={v:g}" for name, v in terms.items())


def render(event: Event, labels: Mapping[str, str] | None = None) -> str:
    """The event as one sentence of the day-by-day story, actors named by ``labels``."""
    labels = labels or {}
    v = event.values
    who = labels.get(event.actor, event.actor) if event.actor else ""
    k = event.kind
    if k == "tabled":
        return f"mediators table proposal {v['round']} (deadline day {v['deadline']}): {describe_terms(v['terms'])}"
    if k == "answer":
        why = (
            f"cannot meet the demand as written: holds {v['holds']} living hostages in the agreed categories"
            if "holds" in v
            else f"acceptance probability {v['p']:.2f}"
        )
        return f"{who} {_VERBS[v['answer']]} proposal {v['round']} ({why})"
    if k == "deadline_missed":
        return "the deadline passes without an agreement"
    if k == "revised":
        return f"the mediators revise the terms; the next proposal is due on day {v['next_table_day']}"
    if k == "walked_away":
        return "the mediators walk away"
    if k == "offensive":
        return f"{who} launches the Rafah offensive"
    if k == "side_payment":
        return f"{who} is promised that the war resumes after the pause, and stays"
    if k == "vote_lost":
        if v.get("text") == "permanent_end":
            return "the vote on the permanent end is lost"
        return "the deal vote is lost; the text goes back to the mediators"
    if k == "remains_returned":
        return f"remains returned: {v['total']} so far"
    if k == "phase_two_agreed":
        return "both sides accept the text of a permanent end; the government takes it home"
    if k == "partner_quits":
        return f"{who} quits the coalition over the deal"
    if k == "safety_net":
        return "the opposition's safety net carries the vote"
    if k == "government_fell":
        return "the government loses its majority and falls; the deal is not ratified"
    if k == "signed":
        return f"deal signed and ratified; pause until day {v['pause_end']}"
    if k == "released":
        return f"hostages released: {v['total']} so far"
    if k == "hostage_deaths":
        n = v["count"]
        return f"{n} hostage{'' if n == 1 else 's'} reported dead in captivity"
    if k == "breach":
        return f"the pause is breached by {who}; war resumes"
    if k == "extended":
        return "the pause is extended by a day for more releases"
    if k == "permanent_end":
        return _permanent_end(v)
    if k == "no_permanent_end":
        return "no agreement on a permanent end; the war resumes after the pause"
    raise ValueError(f"unknown event kind {k!r}; expected one of {', '.join(KINDS)}")


def _permanent_end(v: Mapping[str, Any]) -> str:
    """The sentence of a permanent end: how it came, and whether the hostages still held went free."""
    how = v.get("how")
    if how == "binding":
        text = "the deal's binding end of the war holds after the pause: the war is over"
    elif how == "agreed":
        text = "the permanent end is ratified: the war is over"
    else:
        text = "a permanent end of the war"
    if v.get("all_released"):
        return f"{text}; the hostages and remains still held are released"
    held = v.get("held")
    if held:
        hostages = f"{held} living hostage{'' if held == 1 else 's'}"
        return f"{text}; {hostages} still held (the deal does not release them all)"
    return text


def render_story(events: list[Event], labels: Mapping[str, str] | None = None) -> list[tuple[int, str]]:
    """``(day, sentence)`` for each event, in order."""
    return [(e.day, render(e, labels)) for e in events]
