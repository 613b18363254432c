"""The later phase as a commitment problem: what follows the pause.

Fearon (1995) and Walter (2002): wars outlast the bargains that could end
them because the sides cannot commit to keep them; third-party guarantees make
commitments credible.  At the end of a pause (after any extensions):

* **A pause-only deal** (``permanent_ceasefire`` 0) carries no agenda for a
  later phase: the war resumes.
* **A binding end of the war** (``permanent_ceasefire`` 1), ratified with the
  deal, sticks unless breached during the pause (guarantees lower the daily
  breach risk, :func:`trucesim.model.deal.pause_day`); with a ``release_all``
  clause of 1/2 or more, the hostages and remains still held are released.
* **Talks on a permanent end** (between 0 and 1) are negotiated during the
  pause and decided at its end, on the phase-two text: a permanent ceasefire,
  full withdrawal, the return north, every living hostage and all remains,
  with the security arrangements and disarmament the deal foresaw.  Each side
  weighs it against its worth of continuing the war, plus
  ``commitment_weight * guarantees * permanent_ceasefire`` of the signed deal
  (a guaranteed agenda binds both).  The government weighs its survival as in
  the first phase, and the two-level game is played again
  (:mod:`trucesim.model.coalition`) with the promises made to partners binding:
  a partner promised that the war resumes quits for certain over a permanent
  end that crosses its red lines.  Hostages are valued over the whole exchange
  (:func:`trucesim.model.hostages.whole_exchange`), so releasing the last of
  them keeps its worth to the government.  If either side refuses, or the
  government cannot carry the text, the war resumes.

Examples
--------
>>> PAUSE_ONLY, BINDING
(0.0, 1.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trucesim.config.terms import HOSTAGES, PAUSE, REMAINS, TERM_INDEX, TERMS
from trucesim.model.acceptance import acceptance

if TYPE_CHECKING:
    from trucesim.model.agents import ArmedGroup
    from trucesim.model.model import TruceModel

PAUSE_ONLY, BINDING = 0.0, 1.0
_PERMANENT = TERM_INDEX["permanent_ceasefire"]
_GUARANTEES = TERM_INDEX["guarantees"]
_RELEASE_ALL = TERM_INDEX["release_all"]
#: terms a permanent end settles in full; the security terms stay as the deal foresaw them
_SETTLED = [TERM_INDEX[k] for k in ("withdrawal", "permanent_ceasefire", "return_north", "release_all")]


def phase_two_text(ag: ArmedGroup, t: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The text of a permanent end in worlds ``idx``, from the signed terms ``t`` and what ``ag`` still holds."""
    t2 = t.copy()
    t2[:, _SETTLED] = 1.0
    t2[:, PAUSE] = TERMS[PAUSE].scale
    t2[:, HOSTAGES] = ag.living[idx]
    t2[:, REMAINS] = ag.remains_held[idx]
    return t2


def decide(m: TruceModel, idx: np.ndarray, t: np.ndarray, day: int) -> None:
    """The pause ends in worlds ``idx`` (signed terms ``t``): the war resumes, or a permanent end."""
    m.pause.pause_completed[idx] = True
    pc = t[:, _PERMANENT]
    binding = pc >= BINDING
    talks = (pc > PAUSE_ONLY) & ~binding
    done = idx[binding]
    if done.size:
        everyone = t[binding, _RELEASE_ALL] >= 0.5
        _permanent(m, done, everyone, "binding")
    resumes = [idx[pc <= PAUSE_ONLY]]
    sub, ts = idx[talks], t[talks]
    if sub.size:
        resumes.append(_negotiate(m, sub, ts))
    _war_resumes(m, np.concatenate(resumes), day)


def _negotiate(m: TruceModel, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Both sides decide on the phase-two text, then the government carries it home; returns worlds where the war resumes."""
    gov, ag = m.government, m.armed_group
    t2 = phase_two_text(ag, t, idx)
    bonus = m.pause.commitment[idx] * t[:, _GUARANTEES] * t[:, _PERMANENT]
    g_gap, _ = gov.decision_gap(t2, idx, binding=True)
    p_gov = acceptance(gov.rationality[idx], g_gap + bonus)
    p_ag = acceptance(ag.rationality[idx], ag.gap(t2, idx) + bonus)
    both = (m.streams.uniform(idx, gov.PHASE_TWO) < p_gov) & (m.streams.uniform(idx, ag.PHASE_TWO) < p_ag)
    agreed = idx[both]
    m.record(agreed, "phase_two_agreed")
    us = m.government.pressure(agreed)
    r = m.coalition.ratify(t2[both], agreed, us, m.streams, binding=True)
    for party, quits in zip(m.coalition.parties, r.quitters):
        m.record(agreed[quits], "partner_quits", party.actor_id)
    fell = agreed[r.fell]
    m.government.fell[fell] = True
    m.record(fell, "government_fell", gov.actor_id)
    m.record(agreed[r.vote_lost], "vote_lost", gov.actor_id, {"text": "permanent_end"})
    _permanent(m, agreed[r.ratified], np.ones(int(r.ratified.sum()), bool), "agreed")
    return np.concatenate([idx[~both], agreed[~r.ratified]])


def _permanent(m: TruceModel, idx: np.ndarray, everyone: np.ndarray, how: str) -> None:
    """A permanent end in worlds ``idx`` (``how``: the deal's ``binding`` end, or ``agreed`` in phase two);
    where ``everyone``, the hostages and remains still held go free."""
    ag = m.armed_group
    m.set_status(idx, m.PERMANENT)
    m.pause.permanent[idx] = True
    free = idx[everyone]
    ag.release(free, ag.living[free])
    ag.release_remains(free, ag.remains_held[free])
    m.record(
        idx,
        "permanent_end",
        None,
        lambda w: {"how": how, "all_released": bool(np.any(free == w)), "held": int(ag.living[w])},
    )


def _war_resumes(m: TruceModel, idx: np.ndarray, day: int) -> None:
    """The war resumes in worlds ``idx`` on ``day``: no permanent end."""
    m.set_status(idx, m.COLLAPSED)
    m.pause.collapse_day[idx] = day
    m.record(idx, "no_permanent_end")
