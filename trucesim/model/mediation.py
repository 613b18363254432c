"""Mediation: tabling texts with deadlines, collecting answers, resolving rounds.

The mediators (the United States, Egypt and Qatar) table the framework on day 0
with a deadline.  Each side answers on its answer day, bounded by the deadline,
and may hold out until the deadline (:mod:`trucesim.model.deadlines`); the
acceptance noise is drawn once per round and side, when the text is tabled.  A
round with both acceptances goes home for ratification
(:mod:`trucesim.model.coalition`) and, if ratified, is signed
(:mod:`trucesim.model.deal`).  A round that fails (a refusal at the deadline,
or a lost deal vote) is revised (:mod:`trucesim.model.text`); a ratification
that brings the government down ends the talks.

Every round that ends without a deal notes the gate that stopped it, in
:data:`BLOCKERS` order, so a run can say why there was no deal.

Every function orchestrates the model (``m``: the talks, both sides, the
calendar, the trace) and works on index arrays of worlds; each side's answer
to the round under way is kept on its agent (``due``, ``answer_state``,
``round_uniform``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trucesim.config.terms import TERM_NAMES
from trucesim.model import deadlines, deal, streams, text
from trucesim.model.acceptance import ACCEPT, ANSWER_NAMES, PENDING
from trucesim.model.talks import BLOCKERS

ARMED_GROUP_REFUSED, GOVERNMENT_REFUSED, BOTH_REFUSED, DEMAND_INFEASIBLE = (
    BLOCKERS.index(b) for b in ("armed_group_refused", "government_refused", "both_refused", "demand_infeasible")
)

if TYPE_CHECKING:
    from trucesim.model.agents import Principal
    from trucesim.model.model import TruceModel


def table(m: TruceModel, idx: np.ndarray) -> None:
    """The mediators table the current text in worlds ``idx`` today, with a deadline."""
    d = m.day
    text.keep_deliverable(m.talks, m.armed_group, idx)
    m.talks.round[idx] += 1
    m.talks.deadline_day[idx] = d + m.talks.deadline_days
    m.calendar.book("deadline", np.array(d + m.talks.deadline_days), idx)
    m.talks.next_table_day[idx] = -1
    rounds = m.talks.round[idx]
    sides = (m.government, m.armed_group)
    for side in sides:
        side.round_uniform[idx] = m.streams.uniform(idx, side.ANSWER, rounds)
    deadline = m.talks.deadline_day[idx]
    for side in sides:
        side.due[idx] = deadlines.answer_day(d, side.study_days(idx), deadline)
    for side in sides:
        m.calendar.book(side.answer_kind, side.due[idx], idx)
    for side in sides:
        side.answer_state[idx] = PENDING
    m.record(
        idx,
        "tabled",
        None,
        lambda w: {
            "round": int(m.talks.round[w]),
            "deadline": int(m.talks.deadline_day[w]),
            "terms": {name: float(v) for name, v in zip(TERM_NAMES, np.round(m.talks.terms[w], 2))},
        },
    )


def table_due(m: TruceModel) -> None:
    """Table the revised texts due today."""
    idx = m.calendar.take("table", m.day)
    idx = idx[(m.talks.status[idx] == m.NEGOTIATING) & (m.talks.next_table_day[idx] == m.day)]
    if idx.size:
        table(m, idx)


def _give(m: TruceModel, side: Principal, idx: np.ndarray, stakes: np.ndarray | float, final: bool) -> np.ndarray:
    """``side`` answers in worlds ``idx`` with ``stakes`` added (PENDING where it holds out, unless ``final``)."""
    terms = np.take(m.talks.terms, idx, axis=0)  # faster than m.talks.terms[idx], the same rows
    out = side.answer(terms, idx, m.day, side.round_uniform[idx], stakes, final)
    if side is m.armed_group:
        m.talks.infeasible[idx] = ~side.can_deliver(terms, idx)
        text.learn_deliverable(m.talks, m.armed_group, idx)
    return out


def collect_answers(m: TruceModel) -> np.ndarray:
    """Each side whose answer day is today accepts, or holds out until the deadline; returns the worlds with news."""
    news = []
    for side in (m.government, m.armed_group):
        answer = side.answer_state
        idx = m.calendar.take(side.answer_kind, m.day)
        idx = idx[(m.talks.status[idx] == m.NEGOTIATING) & (answer[idx] == PENDING) & (side.due[idx] == m.day)]
        if not idx.size:
            continue
        out = _give(m, side, idx, 0.0, final=False)
        yes = idx[out == ACCEPT]
        answer[yes] = ACCEPT
        news.append(yes)
        _record_answers(m, side, yes)
    return np.unique(np.concatenate(news)) if news else np.zeros(0, np.intp)


def deadline_passes(m: TruceModel, day: int, idx: np.ndarray) -> None:
    """A deadline booked for worlds ``idx`` falls due: the sides still holding out answer, with the deadline's
    stakes; rounds are resolved."""
    idx = idx[
        (m.talks.status[idx] == m.NEGOTIATING)
        & (m.talks.deadline_day[idx] == day)
        & (m.talks.next_table_day[idx] == -1)
    ]
    for side in (m.government, m.armed_group):
        late = idx[side.answer_state[idx] == PENDING]
        if late.size:
            side.answer_state[late] = _give(m, side, late, side.stakes(late), final=True)
            _record_answers(m, side, late)
    resolve(m, idx)


def _record_answers(m: TruceModel, side: Principal, idx: np.ndarray) -> None:
    """Trace the answers of ``side`` in worlds ``idx``."""
    answer = side.answer_state
    m.record(
        idx,
        "answer",
        side.actor_id,
        lambda w: {"round": int(m.talks.round[w]), "answer": ANSWER_NAMES[int(answer[w])], **_why(m, side, w)},
    )


def _why(m: TruceModel, side: Principal, w: int) -> dict[str, int | float]:
    """For the trace: the probability the side's answer was drawn with (the deadline's stakes or the
    cost of accepting early included), or what it holds when the demand exceeds it."""
    idx = np.array([w])
    if side is m.armed_group and not side.can_deliver(m.talks.terms[idx], idx)[0]:
        return {"holds": int(side.available(idx)[0])}
    return {"p": side.traced_p}


def resolve(m: TruceModel, idx: np.ndarray) -> None:
    """Rounds of worlds ``idx``: ratify and sign those both sides accepted; revise those past their deadline."""
    idx = idx[(m.talks.status[idx] == m.NEGOTIATING) & (m.talks.next_table_day[idx] == -1)]
    if not idx.size:
        return
    g_answer, a_answer = m.government.answer_state[idx], m.armed_group.answer_state[idx]
    both = (g_answer == ACCEPT) & (a_answer == ACCEPT)
    answered = (g_answer != PENDING) & (a_answer != PENDING)
    agreed, failed = idx[both], idx[answered & ~both]
    lost = np.zeros(0, np.intp)
    if agreed.size:
        lost = ratify(m, agreed)
    if failed.size:
        g_ref = m.government.answer_state[failed] != ACCEPT
        a_ref = m.armed_group.answer_state[failed] != ACCEPT
        gate = np.where(g_ref & a_ref, BOTH_REFUSED, np.where(a_ref, ARMED_GROUP_REFUSED, GOVERNMENT_REFUSED))
        m.talks.blocker[failed] = np.where(m.talks.infeasible[failed], DEMAND_INFEASIBLE, gate)
        revise(m, failed, g_ref, a_ref)
    if lost.size:
        m.talks.blocker[lost] = BLOCKERS.index("vote_lost")
        ones = np.ones(lost.size, bool)
        revise(m, lost, ones, ~ones, missed=False)


def ratify(m: TruceModel, idx: np.ndarray) -> np.ndarray:
    """Take the agreed text home in worlds ``idx``: sign it, or the government falls; returns worlds whose vote was lost."""
    r = m.coalition.ratify(m.talks.terms[idx], idx, m.government.pressure(idx), m.streams, m.talks.round[idx])
    for party, quits, took in zip(m.coalition.parties, r.quitters, r.promised):
        m.record(idx[took], "side_payment", party.actor_id)
        m.record(idx[quits], "partner_quits", party.actor_id)
    opposition = m.coalition.opposition
    m.record(idx[r.net_used], "safety_net", opposition.actor_id if opposition is not None else None)
    deal.sign(m, idx[r.ratified])
    gone = idx[r.fell]
    m.government.fell[gone] = True
    m.talks.blocker[gone] = BLOCKERS.index("partner_exit")
    m.set_status(gone, m.ENDED)
    m.talks.end_reason[gone] = m.END_REASONS.index("government_fell")
    m.record(gone, "government_fell", m.government.actor_id)
    lost = idx[r.vote_lost]
    m.talks.votes_lost[lost] += 1
    m.record(lost, "vote_lost", m.government.actor_id)
    return lost


def revise(m: TruceModel, idx: np.ndarray, g_refused: np.ndarray, a_refused: np.ndarray, missed: bool = True) -> None:
    """After a failed round: walk away, or table a revised text later.

    A round that missed its deadline (``missed``) raises the mediators' pressure and counts as failed
    talks (the offensive may follow); a deal vote lost on a text both sides accepted does neither.
    """
    if missed:
        m.talks.deadlines_missed[idx] += 1
        fail_talks(m, idx)
        m.record(idx, "deadline_missed")
    rounds = m.talks.round[idx]
    stop = (rounds >= m.talks.max_rounds[idx]) | (
        m.streams.uniform(idx, streams.WALK_AWAY, rounds) < m.talks.walk_away[idx]
    )
    gone = idx[stop]
    m.set_status(gone, m.ENDED)
    m.talks.walked_away[gone] = True
    m.talks.end_reason[gone] = m.END_REASONS.index("walked_away")
    m.record(gone, "walked_away")
    keep = ~stop
    idx = idx[keep]
    if not idx.size:
        return
    m.talks.terms[idx] = text.revised(m, idx, g_refused[keep], a_refused[keep])
    lo, hi = m.talks.revision_min[idx], m.talks.revision_max[idx]
    u = m.streams.uniform(idx, streams.REVISION_WAIT, m.talks.round[idx])
    wait = np.maximum(np.floor(lo + u * (hi - lo + 1)), 1).astype(np.int32)
    m.talks.next_table_day[idx] = m.day + wait
    m.calendar.book("table", m.talks.next_table_day[idx], idx)
    m.record(idx, "revised", None, lambda w: {"next_table_day": int(m.talks.next_table_day[w])})


def fail_talks(m: TruceModel, idx: np.ndarray) -> None:
    """Mark the talks of worlds ``idx`` as having failed once (the offensive may now start)."""
    first = idx[~m.talks.talks_failed[idx]]
    m.talks.talks_failed[first] = True
    m.refresh(first)


__all__ = ["BLOCKERS", "collect_answers", "deadline_passes", "resolve", "revise", "table", "table_due"]
