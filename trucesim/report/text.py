"""The terminal text of ``trucesim run``: the summary as readable lines or JSON, and a world's story.

:func:`format_text` and :func:`to_json` present the dict of
:func:`trucesim.run.metrics.summarize`; :func:`format_trace` the day-by-day
events of one traced world (:func:`trucesim.run.simulate.trace_world`).
Actors are named by the scenario's labels.

Examples
--------
>>> from trucesim import load_scenario, simulate, summarize
>>> s = load_scenario("scenarios/april-2024.toml")                    # doctest: +SKIP
>>> print(format_text(summarize(simulate(s, 1000), s, 0), s))         # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from trucesim.model.events import Event, render_story
from trucesim.run.blockers import END_WORDS, gate_labels, gate_words


def to_json(summary: dict) -> str:
    """The summary as indented JSON."""
    return json.dumps(summary, indent=2)


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:5.1f}%"


def _shares(title: str, shares: Mapping[str, float | None], words, width: int) -> list[str]:
    """A titled block of shares, largest first, zero shares left out."""
    lines = ["", f"  {title}"]
    for key, v in sorted(shares.items(), key=lambda kv: -(kv[1] or 0.0)):
        if v:
            lines.append(f"    {words(key):<{width - 2}}{_pct(v)}")
    return lines


def format_text(summary: dict, scenario) -> str:
    """A readable report of a summary, for the terminal."""
    s = summary
    lo, hi = s["p_deal_ci"]
    gov = scenario.actors_of("government")[0]
    ag = scenario.actors_of("armed_group")[0]
    label = lambda a: scenario.labels.get(a, a)
    d = s["deal_day"]
    horizon = f"{scenario.value('protocol.horizon_days'):.0f}"
    rows = [
        ("deal signed and ratified", f"{_pct(s['p_deal'])}   95% CI {100 * lo:.1f}-{100 * hi:.1f}%"),
        ("  of which on the first text, as tabled", _pct(s["p_deal_first_text"])),
        (f"{label(gov)} accepted a proposal (any text, any round)", _pct(s["p_accept"][gov])),
        (f"{label(ag)} accepted a proposal (any text, any round)", _pct(s["p_accept"][ag])),
        (f"{label(gov)} accepted the first text", _pct(s["p_accept_first"][gov])),
        (f"{label(ag)} accepted the first text", _pct(s["p_accept_first"][ag])),
        ("acceptances on a deadline's last day", _pct(s["acceptances_near_deadline"])),
    ]
    rows += [(f"{label(p)} quits the coalition", _pct(v)) for p, v in s["p_exit"].items()]
    rows += [
        ("government falls (at any time, with or without a deal)", _pct(s["p_government_falls"])),
        ("pause completed", _pct(s["p_pause_completed"])),
        ("permanent end reached", _pct(s["p_permanent"])),
        (
            "deal day (days after tabling)",
            "no deal in any world"
            if d["median"] is None
            else f"median {d['median']:.0f}, 10-90%: {d['p10']:.0f}-{d['p90']:.0f}",
        ),
        ("hostages released (mean)", f"{s['hostages_released_mean']:6.1f}"),
        (f"hostages died in captivity by day {horizon} (mean)", f"{s['hostages_died_mean']:6.1f}"),
    ]
    width = max(len(r[0]) for r in rows) + 2
    lines = [
        f"trucesim: {s['scenario']} - {s['worlds']:,} worlds, seed {s['seed']}",
        "(an exploration of the scenario's stated assumptions, not a forecast)",
        "",
    ]
    lines += [f"  {name:<{width}}{value}" for name, value in rows]
    lines += _shares("how the talks ended (share of worlds)", s["end_reasons"], lambda k: END_WORDS.get(k, k), width)
    if s["p_deal"] is not None and s["p_deal"] < 1:
        words = lambda k: gate_words(k, gate_labels(scenario))
        lines += _shares("what stopped the last round (share of worlds without a deal)", s["blockers"], words, width)
    if s["p_deal"]:
        lines += ["", "  signed terms (mean over worlds with a deal)"]
        lines += [f"    {t:<{width - 2}}{v:10.2f}" for t, v in s["signed_terms_mean"].items()]
    return "\n".join(lines)


def _day(x) -> str:
    return f"day {float(x):.0f}"


def verdict(row: Mapping, labels: Mapping[str, str] | None = None) -> str:
    """One line saying how a world ended, from its outcome row (:func:`trucesim.run.outcomes.outcome_table`).

    ``labels`` names actors by id, and the sides of a breach by kind
    (``government``, ``armed_group``).

    Examples
    --------
    >>> verdict({"deal": False, "end_of_talks": "walked_away", "rounds": 3, "blocker": "hamas_refused"},
    ...         {"hamas": "Hamas"})
    'verdict: no deal - the mediators walked away after 3 rounds; the last round stopped because Hamas refused the text'
    >>> verdict({"deal": True, "deal_day": 12.0, "permanent": True, "collapsed": False})
    'verdict: a deal signed on day 12, then a permanent end of the war'
    """
    labels = labels or {}
    if not bool(row["deal"]):
        end, n = str(row["end_of_talks"]), int(row["rounds"])
        how = {
            "walked_away": f"the mediators walked away after {n} round{'' if n == 1 else 's'}",
            "government_fell": "the government fell",
            "horizon": "the talks were still going at the horizon",
        }.get(end, end)
        return f"verdict: no deal - {how}; the last round stopped because {gate_words(str(row['blocker']), labels)}"
    head = f"verdict: a deal signed on {_day(row['deal_day'])}"
    if bool(row["permanent"]):
        return f"{head}, then a permanent end of the war"
    if bool(row["collapsed"]):
        breach = str(row.get("breach_by", "none"))
        if breach != "none":
            who = labels.get(breach, breach.replace("_", " "))
            return f"{head}; the pause was breached by {who} on {_day(row['collapse_day'])}"
        return f"{head}; the war resumed after the pause, on {_day(row['collapse_day'])}"
    return f"{head}; the pause was still holding at the horizon"


def format_trace(world: int, events: list[Event], labels: Mapping[str, str] | None = None) -> str:
    """The day-by-day story of world ``world``: a heading, then one line per event.

    Examples
    --------
    >>> print(format_trace(7, [Event(0, 7, None, "walked_away")]))
    world 7, day by day:
      day   0  the mediators walk away
    """
    story = render_story(events, labels or {})
    return "\n".join([f"world {world}, day by day:"] + [f"  day {day:>3}  {text}" for day, text in story])


def trace_story(world: int, events: list[Event], row: Mapping, scenario) -> str:
    """World ``world``'s day-by-day story and its one-line verdict, as ``trucesim run --trace`` prints them.

    ``row`` is the world's outcome row (:func:`trucesim.run.outcomes.outcome_table`), ``scenario``
    its :class:`~trucesim.config.scenario.Scenario`: its actors' labels name them, and the sides of
    a breach are named by kind.
    """
    sides = {
        kind: scenario.labels.get(a, a) for kind in ("government", "armed_group") for a in scenario.actors_of(kind)
    }
    return format_trace(world, events, scenario.labels) + "\n" + verdict(row, {**scenario.labels, **sides})
