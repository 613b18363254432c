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

import numpy as np

from trucesim.config.terms import TERM_INDEX, TERMS
from trucesim.model import ripeness

_AID = TERM_INDEX["aid_trucks_per_day"]
TARGETS = ("government", "armed_group")


class MediatorPressure:
    """The mediators' pressure on each target: ``leverage + step * missed deadlines + humanitarian * crisis``.

    Linear in missed deadlines and the crisis, so each target's total is one sum
    over the mediators pressing it; their estimate noise is the mean of theirs.
    """

    def __init__(self, mediators: Sequence, n: int):
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

    def on(self, target: str, idx, missed: np.ndarray, crisis: np.ndarray) -> np.ndarray:
        """Unclipped pressure on ``target`` in worlds ``idx``, given missed deadlines and the crisis there."""
        lev, step, hum = self.terms[target]
        return lev[idx] + step[idx] * missed + hum[idx] * crisis


def pressure_on_government(m, idx) -> np.ndarray:
    """US and other mediators' pressure on the government, 0..1 (higher once the offensive runs)."""
    total = (
        m.us0[idx]
        + m.off_us[idx] * m.government.offensive[idx]
        + m.mediator_pressure.on("government", idx, m.deadlines_missed[idx], m.crisis[idx])
    )
    return np.minimum(np.maximum(total, 0.0), 1.0)


def pressure_on_armed_group(m, idx) -> np.ndarray:
    """Egyptian and Qatari (and other mediators') pressure on Hamas, 0..1."""
    return np.minimum(
        np.maximum(m.mediator_pressure.on("armed_group", idx, m.deadlines_missed[idx], m.crisis[idx]), 0.0), 1.0
    )


def military_pressure(m, idx) -> np.ndarray:
    """Military pressure on Hamas, 0..1: higher once the Rafah offensive runs."""
    return np.minimum(1.0, m.military0[idx] + m.off_military[idx] * m.government.offensive[idx])


def family_pressure(m, idx) -> np.ndarray:
    """The hostage families' pressure on the government, 0..1."""
    return m.families.pressure[idx] if m.families is not None else m.family0[idx]


def government_reservation(gov, m, idx, us: np.ndarray | None = None) -> np.ndarray:
    """The government's worth of continuing the war today in worlds ``idx`` [utility].

    ``us`` is :func:`pressure_on_government` there, when the caller has it already.
    """
    return (
        gov.reservation0[idx]
        - gov.sens_us[idx] * (pressure_on_government(m, idx) if us is None else us)
        - gov.sens_family[idx] * family_pressure(m, idx)
        - gov.sens_isolation[idx] * m.isolation[idx]
        + gov.offensive_value[idx] * gov.offensive[idx]
        - ripeness.government_costs(gov, m, idx)
    )


def armed_group_reservation(ag, m, idx) -> np.ndarray:
    """Hamas's worth of continuing the war today in worlds ``idx`` [utility]."""
    return (
        ag.reservation0[idx]
        - ag.sens_military[idx] * military_pressure(m, idx)
        - ag.sens_humanitarian[idx] * m.crisis[idx]
        - ag.sens_mediators[idx] * pressure_on_armed_group(m, idx)
        + ag.patience[idx] * m.isolation[idx]
        + ag.leverage_value[idx] * ag.leverage(idx)
        - ripeness.armed_group_costs(ag, m, idx)
    )


def situation_rates(m, idx: np.ndarray, fight: np.ndarray, offensive: np.ndarray) -> None:
    """Daily change of isolation and of the crisis in worlds ``idx`` (set on the model).

    Isolation grows with the day's deaths in Gaza while fighting (more under the
    offensive); the crisis grows with hunger while fighting and eases with the
    signed aid during a pause or after a permanent end.
    """
    deaths = m.daily_deaths[idx] * np.where(offensive, m.off_deaths[idx], 1.0)
    m.iso_rate[idx] = m.iso_per_death[idx] * deaths * fight
    aid = np.nan_to_num(m.signed_terms[idx, _AID])
    relief = m.relief[idx] * np.minimum(aid / TERMS[_AID].scale, 1.0)
    m.crisis_rate[idx] = np.where(fight, m.hunger[idx], -relief)
    ripeness.cost_rates(m, idx, fight, offensive, military_pressure(m, idx))


def advance_situation(m) -> None:
    """One day of isolation and crisis in every world, at the rates of :func:`situation_rates`."""
    np.add(m.isolation, m.iso_rate, out=m.isolation)
    np.minimum(m.isolation, 1.0, out=m.isolation)
    np.add(m.crisis, m.crisis_rate, out=m.crisis)
    np.clip(m.crisis, 0.0, 1.0, out=m.crisis)
    ripeness.advance(m)


def advance_family_pressure(families, m) -> None:
    """One day of the families' pressure: it rises while hostages are held and with each reported death."""
    p = families.pressure
    p += families.growth * m.hostages_held
    ag = m.armed_group
    if ag.dying.size:
        p[ag.dying] += families.per_death[ag.dying] * ag.deaths
    np.minimum(p, 1.0, out=p)
