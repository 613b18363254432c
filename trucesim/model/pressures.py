"""Pressures: what moves each side's worth of continuing the war, day by day.

The government's reservation value falls with US pressure (plus the other
mediators' leverage on it), the hostage families' pressure and international
isolation, and rises once the Rafah offensive runs.  Hamas's falls with military
pressure, the humanitarian crisis and the mediators' leverage, and rises with
Israel's isolation (its patience: the hope that "international pressure will
eventually bring about an end to the war") and with the share of living hostages
it still holds (its leverage).  All pressures are on a 0..1 scale; reservation
values are in units of utility.  On top of today's pressures, each side bears
the costs it has accumulated since the talks began (:mod:`trucesim.model.ripeness`),
which have no ceiling.

The situation itself moves daily: isolation grows with the civilian toll while
fighting goes on; the humanitarian crisis grows with hunger while fighting and
eases with the aid a signed deal lets in; the families' pressure grows while
hostages are held and with each reported death.

Examples
--------
Two mediators pressing the same side add up; with none, the pressure is zero:

>>> MediatorPressure.sum_of([np.array([0.1, 0.2]), np.array([0.3, 0.0])], [np.zeros(2)]).round(2).tolist()
[0.4, 0.2]
>>> MediatorPressure.sum_of([], [np.zeros(2)]).tolist()
[0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from trucesim.config.terms import TERM_INDEX, TERMS
from trucesim.model import ripeness

if TYPE_CHECKING:
    from trucesim.model.agents import ArmedGroup, Government, HostageFamilies, Mediator
    from trucesim.model.situation import Index, Situation
    from trucesim.model.talks import Talks

_AID = TERM_INDEX["aid_trucks_per_day"]
TARGETS = ("government", "armed_group")


class MediatorPressure:
    """The mediators' pressure on each target: ``leverage + step * missed deadlines + humanitarian * crisis``.

    Linear in missed deadlines and the crisis, so each target's total is one sum
    over the mediators pressing it; their estimate noise is the mean of theirs.
    """

    def __init__(self, mediators: Sequence[Mediator], n: int) -> None:
        self.terms = {}
        self.noise = {}
        for target in TARGETS:
            mine = [md for md in mediators if md.target == target]
            self.terms[target] = tuple(
                self.sum_of([getattr(md, a) for md in mine], [np.zeros(n)])
                for a in ("leverage", "step_per_deadline", "humanitarian")
            )
            sds = [md.noise for md in mine]
            self.noise[target] = np.mean(sds, axis=0) if sds else np.full(n, 0.1)

    @staticmethod
    def sum_of(arrays: list[np.ndarray], empty: list[np.ndarray]) -> np.ndarray:
        """Elementwise sum of ``arrays`` (``empty`` when there are none)."""
        return np.sum(arrays or empty, axis=0)

    def on(self, target: str, idx: Index, missed: np.ndarray, crisis: np.ndarray) -> np.ndarray:
        """Unclipped pressure on ``target`` in worlds ``idx``, given missed deadlines and the crisis there."""
        lev, step, hum = self.terms[target]
        return lev[idx] + step[idx] * missed + hum[idx] * crisis


def pressure_on_government(
    situation: Situation, gov: Government, mediators: MediatorPressure, talks: Talks, idx: Index
) -> np.ndarray:
    """US and other mediators' pressure on the government in worlds ``idx``, 0..1 (higher once the offensive runs)."""
    total = (
        situation.us0[idx]
        + situation.off_us[idx] * gov.offensive[idx]
        + mediators.on("government", idx, talks.deadlines_missed[idx], situation.crisis[idx])
    )
    return np.minimum(np.maximum(total, 0.0), 1.0)


def pressure_on_armed_group(situation: Situation, mediators: MediatorPressure, talks: Talks, idx: Index) -> np.ndarray:
    """Egyptian and Qatari (and other mediators') pressure on Hamas in worlds ``idx``, 0..1."""
    return np.minimum(
        np.maximum(mediators.on("armed_group", idx, talks.deadlines_missed[idx], situation.crisis[idx]), 0.0), 1.0
    )


def military_pressure(situation: Situation, offensive: np.ndarray, idx: Index) -> np.ndarray:
    """Military pressure on Hamas in worlds ``idx``, 0..1: higher where the Rafah offensive runs.

    ``offensive`` says whether it runs there (the government's ``offensive[idx]``).
    """
    return np.minimum(1.0, situation.military0[idx] + situation.off_military[idx] * offensive)


def family_pressure(situation: Situation, families: HostageFamilies | None, idx: Index) -> np.ndarray:
    """The hostage families' pressure on the government in worlds ``idx``, 0..1 (the context's, without families)."""
    return families.pressure[idx] if families is not None else situation.family0[idx]


def government_reservation(
    gov: Government,
    ag: ArmedGroup,
    families: HostageFamilies | None,
    situation: Situation,
    mediators: MediatorPressure,
    talks: Talks,
    idx: Index,
    us: np.ndarray | None = None,
) -> np.ndarray:
    """The government's worth of continuing the war today in worlds ``idx`` [utility].

    ``us`` is :func:`pressure_on_government` there, when the caller has it already.
    """
    sit = situation
    if us is None:
        us = pressure_on_government(sit, gov, mediators, talks, idx)
    return (
        gov.reservation0[idx]
        - gov.sens_us[idx] * us
        - gov.sens_family[idx] * family_pressure(sit, families, idx)
        - gov.sens_isolation[idx] * sit.isolation[idx]
        + gov.offensive_value[idx] * gov.offensive[idx]
        - ripeness.government_costs(gov, ag, sit, idx)
    )


def armed_group_reservation(
    ag: ArmedGroup, gov: Government, situation: Situation, mediators: MediatorPressure, talks: Talks, idx: Index
) -> np.ndarray:
    """Hamas's worth of continuing the war today in worlds ``idx`` [utility]."""
    sit = situation
    return (
        ag.reservation0[idx]
        - ag.sens_military[idx] * military_pressure(sit, gov.offensive[idx], idx)
        - ag.sens_humanitarian[idx] * sit.crisis[idx]
        - ag.sens_mediators[idx] * pressure_on_armed_group(sit, mediators, talks, idx)
        + ag.patience[idx] * sit.isolation[idx]
        + ag.leverage_value[idx] * ag.leverage(idx)
        - ripeness.armed_group_costs(ag, sit, idx)
    )


def situation_rates(
    situation: Situation, idx: np.ndarray, fight: np.ndarray, offensive: np.ndarray, aid: np.ndarray
) -> None:
    """Daily change of isolation and of the crisis in worlds ``idx`` (set on ``situation``).

    Isolation grows with the day's deaths in Gaza while fighting (more under the
    offensive); the crisis grows with hunger while fighting and eases with the
    signed aid (``aid``, trucks a day, NaN without a deal) during a pause or after a permanent end.
    """
    s = situation
    deaths = s.daily_deaths[idx] * np.where(offensive, s.off_deaths[idx], 1.0)
    s.iso_rate[idx] = s.iso_per_death[idx] * deaths * fight
    relief = s.relief[idx] * np.minimum(np.nan_to_num(aid) / TERMS[_AID].scale, 1.0)
    s.crisis_rate[idx] = np.where(fight, s.hunger[idx], -relief)
    ripeness.cost_rates(s, idx, fight, offensive, military_pressure(s, offensive, idx))


def advance_situation(situation: Situation) -> None:
    """One day of isolation and crisis in every world, at the rates of :func:`situation_rates`."""
    s = situation
    np.add(s.isolation, s.iso_rate, out=s.isolation)
    np.minimum(s.isolation, 1.0, out=s.isolation)
    np.add(s.crisis, s.crisis_rate, out=s.crisis)
    np.clip(s.crisis, 0.0, 1.0, out=s.crisis)
    ripeness.advance(s)


def advance_family_pressure(families: HostageFamilies, situation: Situation, ag: ArmedGroup) -> None:
    """One day of the families' pressure: it rises while hostages are held and with each reported death."""
    p = families.pressure
    p += families.growth * situation.hostages_held
    if ag.dying.size:
        p[ag.dying] += families.per_death[ag.dying] * ag.deaths
    np.minimum(p, 1.0, out=p)
