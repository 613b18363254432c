"""Relations between a scenario's keys that no single range can express, checked as a file is read.

A scenario's values are each checked against their own range as they are read
(:mod:`trucesim.config.scenario`); these checks look at several keys together, over every value
a world can draw (a distribution's whole support): no more dead hostages than held, no more held
than seized, an observed count some world can reach, a majority within the Knesset, study and
revision windows the right way round, a side with at least one weight that cannot be zero, seats
that add up, and the keys of one ``joint`` posterior group indexing the same particles.  An
experiment (:mod:`trucesim.sweep.experiment`) runs the same checks over its factors' extremes.

Examples
--------
>>> from trucesim.config.scenario import load_scenario
>>> from dataclasses import replace
>>> s = load_scenario("april-2024")
>>> check_consistency(s, "april-2024")  # a shipped scenario holds
>>> bad = replace(s, values={**s.values, "context.hostages_dead": 200.0})
>>> check_consistency(bad, "bad.toml")
Traceback (most recent call last):
...
trucesim.config.scenario_files.ScenarioError: bad.toml: context.hostages_dead: expected at most context.hostages_held (129), found 200
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from trucesim.config.distributions import Dist
from trucesim.config.observed import Observed, check_counts
from trucesim.config.params import SECTIONS, Param
from trucesim.config.scenario_files import ScenarioError
from trucesim.config.tomlio import shown_value


class Scenario(Protocol):
    """What these checks read of a :class:`trucesim.config.scenario.Scenario` (or an experiment's
    version of one, its factors' ranges in place of their values)."""

    @property
    def values(self) -> Mapping[str, float | Dist]: ...

    @property
    def observed(self) -> tuple[Observed, ...]: ...

    @property
    def origins(self) -> Mapping[str, str]: ...

    def spec(self, key: str) -> Param: ...

    def actors_of(self, kind: str) -> list[str]: ...


def _drawn(s: Scenario, key: str) -> tuple[float, float]:
    """The least and greatest value a world can draw for ``key``: a distribution's support within the
    key's range (the range truncates every draw; a normal with sd 0 draws its mean)."""
    v = s.values[key]
    if not isinstance(v, Dist):
        return v, v
    p = s.spec(key)
    lo, hi = max(v.support()[0], p.low), min(v.support()[1], p.high)
    if v.kind == "normal" and v.args["sd"] == 0:
        lo = hi = float(np.clip(v.args["mean"], lo, hi))
    return lo, hi


def _hi(s: Scenario, key: str) -> float:
    return _drawn(s, key)[1]


def _lo(s: Scenario, key: str) -> float:
    return _drawn(s, key)[0]


def _found(s: Scenario, key: str, hi: bool = True) -> str:
    """``key``'s greatest (``hi``) or least value as a message shows it, saying why where a normal without
    that bound reaches its range's end."""
    v, end = s.values[key], "high" if hi else "low"
    text = f"{_hi(s, key) if hi else _lo(s, key):g}"
    if isinstance(v, Dist) and v.kind == "normal" and v.args["sd"] > 0 and end not in v.args:
        text += f" (a normal without {end} reaches its range's end: give it a {end})"
    return text


def check_joint(s: Scenario, top: str) -> None:
    """The ``sample`` keys of one ``joint`` group index the same particles: as many values, the same weights."""
    first: dict[str, str] = {}
    for key in sorted(s.values):
        v = s.values[key]
        if not isinstance(v, Dist) or not v.joint:
            continue
        if v.joint not in first:
            first[v.joint] = key
            continue
        other = s.values[first[v.joint]]
        assert isinstance(other, Dist)
        if len(v.values) != len(other.values):
            raise ScenarioError(
                f"{top}: {key}: expected as many values as {first[v.joint]} ({len(other.values)}) in joint group "
                f"{shown_value(v.joint)}, found {len(v.values)}"
            )
        if not np.allclose(v.probabilities(), other.probabilities(), rtol=0, atol=1e-12):  # [1, 1] is no weights
            raise ScenarioError(
                f"{top}: {key}: expected the weights of {first[v.joint]} in joint group {shown_value(v.joint)} "
                f"(each world draws one particle for the group), found other weights"
            )


def check_consistency(s: Scenario, top: str) -> None:
    """Relations between keys that no single range can express."""
    check_joint(s, top)
    if _hi(s, "context.hostages_dead") > _lo(s, "context.hostages_held"):
        raise ScenarioError(
            f"{top}: context.hostages_dead: expected at most context.hostages_held "
            f"({_found(s, 'context.hostages_held', hi=False)}), found {_found(s, 'context.hostages_dead')}"
        )
    seized = "context.hostages_seized"  # 0 by default: not stated, and then no bound
    if (seized in s.origins or _hi(s, seized) > 0) and _hi(s, "context.hostages_held") > _lo(s, seized):
        raise ScenarioError(
            f"{top}: context.hostages_held: expected at most context.hostages_seized "
            f"({_found(s, seized, hi=False)}), found {_found(s, 'context.hostages_held')}"
        )
    try:  # an observed count no world of the round can reach
        check_counts(s.observed, top, _hi(s, "context.hostages_held"), _lo(s, "context.hostages_dead"))
    except ValueError as e:
        raise ScenarioError(str(e)) from None
    if _hi(s, "context.knesset_majority") > _lo(s, "context.knesset_seats"):
        raise ScenarioError(
            f"{top}: context.knesset_majority: expected at most context.knesset_seats, "
            f"found {_found(s, 'context.knesset_majority')}"
        )
    pairs = [("protocol.revision_days_min", "protocol.revision_days_max")]
    for a in s.actors_of("government") + s.actors_of("armed_group"):
        pairs.append((f"actors.{a}.study_days_min", f"actors.{a}.study_days_max"))
    for least, most in pairs:
        if _hi(s, least) > _lo(s, most):
            raise ScenarioError(
                f"{top}: {least}: expected at most {most} ({_found(s, most, hi=False)}), found {_found(s, least)}"
            )
    for a in s.actors_of("government") + s.actors_of("armed_group"):
        keys = [f"actors.{a}.weights.{t}" for t in SECTIONS["terms"]]
        if all(_hi(s, k) == 0 for k in keys):
            raise ScenarioError(f"{top}: actors.{a}.weights: expected at least one positive weight, found all zero")
        if all(_lo(s, k) <= 0 for k in keys):  # a world would draw all zero: NaN utilities, never a deal
            drawn = [k.rsplit(".", 1)[1] for k in keys if isinstance(s.values[k], Dist)]
            raise ScenarioError(
                f"{top}: actors.{a}.weights: expected at least one weight that cannot be zero, found weights "
                f"that can all be zero in a world ({', '.join(drawn)} drawn from a distribution reaching 0)"
            )
    seats = sum(_hi(s, f"actors.{a}.seats") for a in s.actors_of("coalition_party"))
    seats += sum(_hi(s, f"actors.{a}.seats") for a in s.actors_of("opposition"))
    if seats > _lo(s, "context.knesset_seats"):
        raise ScenarioError(
            f"{top}: actors: expected coalition and opposition seats to add up to at most "
            f"context.knesset_seats ({_found(s, 'context.knesset_seats', hi=False)}), found {seats:g}"
        )
    for a in s.actors_of("opposition"):
        if _hi(s, f"actors.{a}.safety_net_seats") > _lo(s, f"actors.{a}.seats"):
            raise ScenarioError(
                f"{top}: actors.{a}.safety_net_seats: expected at most actors.{a}.seats, "
                f"found {_found(s, f'actors.{a}.safety_net_seats')}"
            )
