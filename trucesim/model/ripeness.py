"""Ripeness: the costs each side has accumulated since the talks began.

Zartman's mutually hurting stalemate: a conflict is ripe for settlement when
both sides feel the war's costs mount with no prospect of escaping them by
escalation.  Pressures on a 0..1 scale (:mod:`trucesim.model.pressures`) say
how hard each side is pushed today; the costs here accumulate, without a
ceiling, so a side's worth of continuing the war keeps falling the longer it
lasts rather than stopping at a floor.  Losses and attrition accrue only while
the fighting goes on; the population's hardship accrues every day the
humanitarian crisis lasts, in a pause too (a pause eases the crisis itself,
through aid, rather than stopping its toll):

* the government: soldiers lost since day 0 (``context.soldiers_lost_per_day``
  while fighting, more under the offensive, like the toll), per 100 soldiers,
  times ``sensitivity_losses``; and hostages who died in captivity since day 0,
  as a share of the living hostages of day 0, times ``sensitivity_hostage_deaths``;
* the armed group: its military losses, months of fighting at full military
  pressure (each day of fighting adds ``military_pressure / 30``), times
  ``sensitivity_attrition``; and the hardship of its population, months of the
  humanitarian crisis at full severity (each day adds ``crisis / 30``), times
  ``sensitivity_hardship``.

All costs are in units of utility and are subtracted from the side's
reservation value (Zartman 2000, "Ripeness: the hurting stalemate and beyond").

Examples
--------
>>> DAYS_PER_MONTH
30.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from trucesim.model.agents import ArmedGroup, Government
    from trucesim.model.situation import Index, Situation

DAYS_PER_MONTH = 30.0


def cost_rates(
    situation: Situation, idx: np.ndarray, fight: np.ndarray, offensive: np.ndarray, military: np.ndarray
) -> None:
    """Daily rise of the soldiers lost and of the armed group's attrition in worlds ``idx`` (set on ``situation``).

    ``fight`` and ``offensive`` say whether the war and the offensive go on there; ``military`` is the
    military pressure on the armed group there (0..1).
    """
    s = situation
    s.losses_rate[idx] = s.soldiers_per_day[idx] * np.where(offensive, s.off_deaths[idx], 1.0) * fight
    s.attrition_rate[idx] = military / DAYS_PER_MONTH * fight


def advance(situation: Situation) -> None:
    """One day of accumulated costs in every world."""
    s = situation
    np.add(s.soldiers_lost, s.losses_rate, out=s.soldiers_lost)
    np.add(s.attrition, s.attrition_rate, out=s.attrition)
    s.hardship += s.crisis / DAYS_PER_MONTH


def government_costs(gov: Government, ag: ArmedGroup, situation: Situation, idx: Index) -> np.ndarray:
    """The government's accumulated costs of the war since day 0 in worlds ``idx`` [utility]."""
    return (
        gov.sens_losses[idx] * situation.soldiers_lost[idx] / 100.0
        + gov.sens_hostage_deaths[idx] * ag.died[idx] / ag.living0[idx]
    )


def armed_group_costs(ag: ArmedGroup, situation: Situation, idx: Index) -> np.ndarray:
    """The armed group's accumulated costs of the war since day 0 in worlds ``idx`` [utility]."""
    return ag.sens_attrition[idx] * situation.attrition[idx] + ag.sens_hardship[idx] * situation.hardship[idx]
