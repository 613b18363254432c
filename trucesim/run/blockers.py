"""How a world's talks ended and what stopped its last round, in words (``trucesim run``, ``compare``, the app).

The blockers are the model's (``hamas_refused``, ``both_refused``, ``demand_infeasible``, ...);
sides are named by a scenario's labels.

Examples
--------
>>> gate_words("demand_infeasible", {"armed_group": "Hamas"})
'Hamas countered: it held fewer hostages than the text named'
"""

from __future__ import annotations

from collections.abc import Mapping

#: how the talks ended (the model's end reasons), in words
END_WORDS = {
    "deal": "a deal was signed and ratified",
    "walked_away": "the mediators walked away",
    "government_fell": "the government fell during the talks",
    "horizon": "still talking at the horizon",
}


def gate_labels(scenario) -> dict[str, str]:
    """The labels :func:`gate_words` names sides by: the scenario's actors', and ``armed_group`` for that side's actor."""
    ag = scenario.actors_of("armed_group")[0]
    return {**scenario.labels, "armed_group": scenario.labels.get(ag, ag)}


def gate_words(gate: str, labels: Mapping[str, str]) -> str:
    """A blocker of the summary in words, sides named by ``labels`` (by actor id; ``armed_group`` names that side).

    Examples
    --------
    >>> gate_words("hamas_refused", {"hamas": "Hamas"})
    'Hamas refused the text'
    >>> gate_words("vote_lost", {})
    'the deal vote was lost'
    >>> gate_words("demand_infeasible", {"armed_group": "Hamas"})
    'Hamas countered: it held fewer hostages than the text named'
    >>> gate_words("some_new_gate", {})
    'some new gate'
    """
    holder = labels.get("armed_group", "the armed group")
    fixed = {
        "both_refused": "both sides refused the text",
        "demand_infeasible": f"{holder} countered: it held fewer hostages than the text named",
        "partner_exit": "a partner quit and the government fell",
        "vote_lost": "the deal vote was lost",
        "unfinished": "no round had ended by the horizon",
    }
    if gate in fixed:
        return fixed[gate]
    if not gate.endswith("_refused"):  # a gate this version does not know: its name, in words
        return gate.replace("_", " ")
    actor = gate.removesuffix("_refused")
    return f"{labels.get(actor, actor)} refused the text"


__all__ = ["END_WORDS", "gate_labels", "gate_words"]
