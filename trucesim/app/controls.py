"""The app's what-if controls: each one moves one scenario value up or down from the scenario as shipped.

A control is a *change* from the scenario, not an absolute value, so that the
scenario select keeps its meaning: with every control at 0 the model runs the
scenario exactly as shipped, whichever is selected, and the comparison panel
measures what the moved controls did.  A change is added to the scenario's
value and clipped to the parameter's range (an uncertain value, a
distribution, is shifted as a whole).

Controls cover the deal's terms (all twelve), the main pressures at day 0 and
the opposition's safety net.  A scenario without an opposition ignores the
safety-net controls.

Examples
--------
>>> from trucesim.config.scenario import load_scenario
>>> s = load_scenario("scenarios/april-2024.toml")
>>> changed, rows = apply_changes(s, {"us_pressure": 0.3, "prisoners_per_hostage": -8})
>>> round(changed.value("context.us_pressure"), 2), changed.value("terms.prisoners_per_hostage")
(0.8, 10.0)
>>> [(r.label, r.before, r.after) for r in rows][0]
('Prisoners per hostage', 18.0, 10.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from trucesim.config.distributions import Dist
from trucesim.config.scenario import Scenario
from trucesim.config.terms import TERMS


@dataclass(frozen=True)
class Control:
    """One what-if slider: a change of ``-span..+span`` (in the parameter's unit) to one scenario key.

    ``key`` is the dotted key below ``section`` (``terms``, ``context``) or,
    for ``section="opposition"``, below the scenario's opposition actor.
    """

    name: str  # keyword argument of the app's model
    label: str  # in the table of changes
    short: str  # beside the slider, which is narrow
    section: str
    key: str
    span: float
    step: float
    integer: bool = False

    def scenario_key(self, scenario: Scenario) -> str | None:
        """The full dotted key in ``scenario``, or None when the scenario has no such actor."""
        if self.section != "opposition":
            return f"{self.section}.{self.key}"
        opposition = scenario.actors_of("opposition")
        return f"actors.{opposition[0]}.{self.key}" if opposition else None


_TERM_LABELS = {  # (in the table of changes, beside the slider)
    "pause_days": ("Pause (days)", "pause, days"),
    "hostages_released": ("Hostages released in the first phase", "hostages released"),
    "prisoners_per_hostage": ("Prisoners per hostage", "prisoners per hostage"),
    "aid_trucks_per_day": ("Aid trucks per day", "aid trucks a day"),
    "return_north": ("Return to the north (0..1)", "return north"),
    "withdrawal": ("Withdrawal of troops (0..1)", "withdrawal"),
    "permanent_ceasefire": ("Permanent ceasefire (0..1)", "permanent ceasefire"),
    "guarantees": ("Guarantees (0..1)", "guarantees"),
    "remains_released": ("Remains returned in the first phase", "remains returned"),
    "release_all": ("Release of all hostages over the exchange (0..1)", "release all"),
    "security_arrangements": ("Security arrangements after the war (0..1)", "security arrangements"),
    "disarmament": ("Disarmament and governance after the war (0..1)", "disarmament"),
}
# how far each term's slider reaches either side of the scenario's value, and its step:
# about the distance between the April 2024 framework and either side's demands
_TERM_SPANS = {
    "pause_days": (60, 1),
    "hostages_released": (40, 1),
    "remains_released": (20, 1),
    "prisoners_per_hostage": (30, 1),
    "aid_trucks_per_day": (400, 25),
}


def _term_control(name: str, integer: bool) -> Control:
    label, short = _TERM_LABELS[name]
    span, step = _TERM_SPANS.get(name, (1.0, 0.05))
    return Control(name, label, short, "terms", name, span, step, integer=integer)


TERM_CONTROLS: tuple[Control, ...] = tuple(_term_control(t.name, t.integer) for t in TERMS)

PRESSURE_CONTROLS: tuple[Control, ...] = (
    Control(
        "us_pressure",
        "US pressure on the government at day 0 (0..1)",
        "US pressure",
        "context",
        "us_pressure",
        0.5,
        0.05,
    ),
    Control(
        "family_pressure",
        "Hostage families' pressure at day 0 (0..1)",
        "families' pressure",
        "context",
        "family_pressure",
        0.5,
        0.05,
    ),
    Control(
        "military_pressure",
        "Military pressure on the armed group at day 0 (0..1)",
        "military pressure",
        "context",
        "military_pressure",
        0.5,
        0.05,
    ),
    Control(
        "humanitarian_crisis",
        "Humanitarian crisis at day 0 (0..1)",
        "humanitarian crisis",
        "context",
        "humanitarian_crisis",
        0.5,
        0.05,
    ),
    Control(
        "international_isolation",
        "International isolation at day 0 (0..1)",
        "isolation",
        "context",
        "international_isolation",
        0.5,
        0.05,
    ),
)

SAFETY_NET_CONTROLS: tuple[Control, ...] = (
    Control(
        "safety_net_credibility",
        "Opposition safety net: chance it holds (0..1)",
        "safety net holds",
        "opposition",
        "safety_net_credibility",
        1.0,
        0.05,
    ),
    Control(
        "safety_net_seats",
        "Opposition safety net: seats offered",
        "safety net seats",
        "opposition",
        "safety_net_seats",
        30,
        1,
        integer=True,
    ),
)

CONTROLS: tuple[Control, ...] = TERM_CONTROLS + PRESSURE_CONTROLS + SAFETY_NET_CONTROLS
CONTROL_NAMES: tuple[str, ...] = tuple(c.name for c in CONTROLS)


@dataclass(frozen=True)
class Change:
    """A value moved by a control, as shown to the user: ``before`` is the scenario's (a mean if uncertain)."""

    label: str
    key: str
    before: float
    after: float
    uncertain: bool = False


def _shift(dist: Dist, delta: float) -> Dist:
    """The same distribution moved by ``delta`` (its draws are then clipped to the parameter's range).

    A ``sample`` moves every value, keeping its weights and its joint group (its draws move with them).
    """
    if dist.kind == "sample":
        return replace(dist, values=tuple(x + delta for x in dist.values))
    args = dict(dist.args)
    if dist.kind == "beta":
        lo, hi = dist.support()
        args["low"], args["high"] = lo, hi
    for k in ("low", "high", "mode", "mean"):
        if k in args:
            args[k] += delta
    return Dist(dist.kind, args)


def _upper_bound(scenario: Scenario, control: Control, key: str) -> float:
    high = scenario.spec(key).high
    if control.key == "safety_net_seats":  # the net cannot offer more seats than the opposition holds
        high = min(high, scenario.value(key.rsplit(".", 1)[0] + ".seats"))
    return high


def drawn_mean(d: Dist, spec) -> float:
    """The mean of the values worlds draw from ``d`` for a key of ``spec``: each draw is truncated to the
    key's range (:meth:`Dist.ppf`), so a distribution shifted past it has a mean nearer the range than its own.

    >>> from trucesim.config.params import Param
    >>> round(drawn_mean(Dist("uniform", {"low": 0.8, "high": 1.3}), Param("x", 0.0, 1.0, 0.5, "", "")), 3)
    0.96
    """
    u = (np.arange(4096) + 0.5) / 4096  # a grid of quantiles: the mean of the draws, without sampling noise
    return float(np.mean(d.ppf(u, (spec.low, spec.high), spec.integer)))


def apply_changes(scenario: Scenario, changes: Mapping[str, float]) -> tuple[Scenario, list[Change]]:
    """The scenario with each control's change added; and the values that moved, in control order.

    ``changes`` maps control names (:data:`CONTROL_NAMES`) to changes; zeros
    and controls this scenario has no key for change nothing.

    Raises
    ------
    KeyError
        For a name that is not a control.
    """
    unknown = set(changes) - set(CONTROL_NAMES)
    if unknown:
        raise KeyError(f"unknown control {sorted(unknown)[0]!r}; expected one of {', '.join(CONTROL_NAMES)}")
    updates: dict[str, float | Dist] = {}
    rows: list[Change] = []
    for control in CONTROLS:
        delta = float(changes.get(control.name, 0.0))
        key = control.scenario_key(scenario)
        if delta == 0.0 or key is None:
            continue
        low, high = scenario.spec(key).low, _upper_bound(scenario, control, key)
        current = scenario.values[key]
        if isinstance(current, Dist):
            shifted = _shift(current, delta)
            updates[key] = shifted
            after = min(max(drawn_mean(shifted, scenario.spec(key)), low), high)
        else:
            after = min(max(current + delta, low), high)
            if control.integer:
                after = float(round(after))
            updates[key] = after
        rows.append(Change(control.label, key, scenario.value(key), after, isinstance(current, Dist)))
    return scenario.with_values(updates), rows
