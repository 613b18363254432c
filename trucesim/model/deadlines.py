"""Deadlines as commitments: bounded study time, and consequences the sides foresee.

Schelling (1960): a deadline binds only if missing it has consequences both
sides can foresee.  Roth, Murnighan and Schoumaker (1988) found agreements
bunched just before deadlines: conceding early costs a side the better terms
it might still get, conceding at the deadline avoids what follows it.  Here:

* **Study time is bounded by the deadline**: each side answers on
  ``min(tabling day + its study days, deadline day)``.
* **Holding out**: on its answer day, before the deadline, a side accepts only
  if the text is worth it after what it gives up by accepting early: the better
  terms a revision toward its own counter-proposal would bring
  (:meth:`~trucesim.model.agents.Principal.holding_value`; the round's uniform
  against the logit of its decision gap less that value).  Otherwise it holds its
  answer until the deadline.
* **At the deadline** a side still holding out decides again, with the same
  uniform, adding the *stakes* of the deadline to its gap: what it expects to
  lose when the deadline passes.  For the government: the rise of the
  mediators' pressure on it (their ``leverage_step`` times ``sensitivity_us``)
  and its ``deadline_cost`` (the public blame of letting a deadline pass).  For
  the armed group: the rise of the mediators' pressure on it (times
  ``sensitivity_mediators``), the offensive it expects if the talks fail (the
  chance that the offensive starts before the next text, times its military
  effect ``offensive_military_pressure`` times ``sensitivity_military``) and its
  ``deadline_cost``.  Stakes only ever add to the gap, so a side that would
  accept early also accepts at the deadline.
* A deadline that passes without both acceptances is missed: the mediators'
  leverage grows and the talks count as failed (the offensive may start).

An acceptance counts as *at* the deadline when it is given on the deadline's day
(the last day of the round): with a 48-hour deadline, answers on the second day
are at it, those of the first day are not.

Examples
--------
>>> answer_day(np.array([10, 10]), np.array([1, 5]), np.array([12, 12])).tolist()
[11, 12]
>>> near_deadline(np.array([12.0, 12.0]), np.array([11, 12])).tolist()
[0.0, 1.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from trucesim.model.agents import ArmedGroup, Government
    from trucesim.model.pressures import MediatorPressure
    from trucesim.model.situation import Situation
    from trucesim.model.talks import Talks

#: an acceptance this many days or fewer before its round's deadline counts as "near" it: on its day
NEAR_DAYS = 0


def answer_day(tabled: np.ndarray | int, study: np.ndarray, deadline: np.ndarray) -> np.ndarray:
    """The day a side answers: after its study days, but no later than the deadline."""
    return np.minimum(tabled + study, deadline).astype(np.int32)


def near_deadline(deadline: np.ndarray, day: np.ndarray | int) -> np.ndarray:
    """Whether answers given on ``day`` fall on the last day of the round, the day of ``deadline``."""
    return ((deadline - day) <= NEAR_DAYS).astype(float)


def government_stakes(gov: Government, mediators: MediatorPressure, idx: np.ndarray) -> np.ndarray:
    """What the government expects to lose when a deadline passes in worlds ``idx`` [utility]."""
    step = mediators.terms["government"][1][idx]
    return gov.deadline_cost[idx] + gov.sens_us[idx] * step


def armed_group_stakes(
    ag: ArmedGroup, gov: Government, mediators: MediatorPressure, talks: Talks, situation: Situation, idx: np.ndarray
) -> np.ndarray:
    """What the armed group expects to lose when a deadline passes in worlds ``idx`` [utility].

    The offensive it expects before the next text: the mean wait for a revised text (``talks``'s
    revision days) at the government's daily chance of launching it.
    """
    step = mediators.terms["armed_group"][1][idx]
    wait = (talks.revision_min[idx] + talks.revision_max[idx]) / 2.0
    offensive_soon = (1.0 - (1.0 - gov.offensive_daily[idx]) ** np.maximum(wait, 1.0)) * ~gov.offensive[idx]
    threat = offensive_soon * situation.off_military[idx] * ag.sens_military[idx]
    return ag.deadline_cost[idx] + ag.sens_mediators[idx] * step + threat
