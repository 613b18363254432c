"""Mediation: tabling proposals with deadlines, collecting answers, revising after a refusal.

The mediators (the United States, Egypt and Qatar) table the framework on day 0
with a deadline.  Each side answers once it has studied the text (its study
time is drawn per round), so the acceptance noise is drawn once per round and
answer.  A round with both answers in is resolved: both accepted -> the deal
goes to ratification (:mod:`trucesim.model.coalition`) and, if ratified, is
signed (:mod:`trucesim.model.deal`); otherwise the mediators may walk away
(after ``max_rounds`` or with a chance each round), or move the terms a step
toward the refusing side's counter-proposal, by the largest share of the step
(1, 1/2, 1/4 or none) that keeps the side that accepted likely to accept by
their noisy estimate (Raiffa 1982; Kydd 2003 on mediators as information
brokers).  A deadline that passes with answers missing counts as missed: the
mediators' leverage grows with each, and the talks count as failed (the
offensive may start).

Every function takes the model and works on index arrays of worlds.
"""

from __future__ import annotations

import numpy as np

from trucesim.config.terms import HOSTAGES, TERM_NAMES, TERMS
from trucesim.model import deal
from trucesim.model.acceptance import ACCEPT, ANSWER_NAMES, PENDING, acceptance

_INTEGER_TERMS = np.array([t.integer for t in TERMS])
#: shares of the mediators' step tried in turn when a revision must keep the accepting side likely
STEP_SHARES = np.array([1.0, 0.5, 0.25])


def table(m, idx: np.ndarray) -> None:
    """The mediators table the current terms in worlds ``idx`` today, with a deadline."""
    d = m.day
    m.round[idx] += 1
    m.deadline_day[idx] = d + m.deadline_days
    m.calendar.book("deadline", np.array(d + m.deadline_days), idx)
    m.next_table_day[idx] = -1
    m.gov_due[idx] = d + m.government.study_days(idx)
    m.ag_due[idx] = d + m.armed_group.study_days(idx)
    m.calendar.book("gov_answer", m.gov_due[idx], idx)
    m.calendar.book("ag_answer", m.ag_due[idx], idx)
    m.gov_answer[idx] = PENDING
    m.ag_answer[idx] = PENDING
    m.record(
        idx,
        "tabled",
        None,
        lambda w: {
            "round": int(m.round[w]),
            "deadline": int(m.deadline_day[w]),
            "terms": {name: float(v) for name, v in zip(TERM_NAMES, np.round(m.terms[w], 2))},
        },
    )


def table_due(m) -> None:
    """Table the revised proposals due today."""
    idx = m.calendar.take("table", m.day)
    idx = idx[(m.status[idx] == m.NEGOTIATING) & (m.next_table_day[idx] == m.day)]
    if idx.size:
        table(m, idx)


def collect_answers(m) -> np.ndarray:
    """Each side answers the proposals it has finished studying; returns the worlds that answered."""
    answered = []
    for side, kind, due, answer in (
        (m.government, "gov_answer", m.gov_due, m.gov_answer),
        (m.armed_group, "ag_answer", m.ag_due, m.ag_answer),
    ):
        idx = m.calendar.take(kind, m.day)
        idx = idx[(m.status[idx] == m.NEGOTIATING) & (answer[idx] == PENDING) & (due[idx] == m.day)]
        if idx.size:
            answer[idx] = side.answer(m.terms[idx], idx, m.day)
            answered.append(idx)
            m.record(
                idx,
                "answer",
                side.actor_id,
                lambda w, side=side, answer=answer: {
                    "round": int(m.round[w]),
                    "answer": ANSWER_NAMES[int(answer[w])],
                    **_why(m, side, w),
                },
            )
    if len(answered) < 2:
        return answered[0] if answered else np.zeros(0, np.intp)
    mark = np.zeros(m.n_worlds, bool)
    for a in answered:
        mark[a] = True
    return np.flatnonzero(mark)


def _why(m, side, w: int) -> dict:
    """For the trace: the side's acceptance probability, or what it holds when the demand exceeds it."""
    idx = np.array([w])
    if side is m.armed_group and m.terms[w, HOSTAGES] > side.available(idx)[0]:
        return {"holds": int(side.available(idx)[0])}
    return {"p": float(side.decision_probability(m.terms[idx], idx)[0])}


def resolve(m, idx: np.ndarray) -> None:
    """Rounds with both answers in: ratify and sign, or revise."""
    idx = idx[
        (m.status[idx] == m.NEGOTIATING)
        & (m.next_table_day[idx] == -1)
        & (m.gov_answer[idx] != PENDING)
        & (m.ag_answer[idx] != PENDING)
    ]
    if not idx.size:
        return
    both = (m.gov_answer[idx] == ACCEPT) & (m.ag_answer[idx] == ACCEPT)
    agreed, failed = idx[both], idx[~both]
    if agreed.size:
        ratified, fell, net_used, quitters = m.coalition.ratify(m.terms[agreed], agreed, m.rng)
        for party, quits in zip(m.coalition.parties, quitters):
            m.record(agreed[quits], "partner_quits", party.actor_id)
        opposition = m.coalition.opposition
        m.record(agreed[net_used], "safety_net", opposition.actor_id if opposition is not None else None)
        deal.sign(m, agreed[ratified])
        gone = agreed[fell]
        m.government.fell[gone] = True
        m.set_status(gone, m.ENDED)
        m.end_reason[gone] = m.END_REASONS.index("government_fell")
        m.record(gone, "government_fell", m.government.actor_id)
    if failed.size:
        revise(m, failed)


def revise(m, idx: np.ndarray) -> None:
    """After a failed round: walk away, or move the terms toward the refusing side's counter."""
    fail_talks(m, idx)
    stop = (m.round[idx] >= m.max_rounds[idx]) | (m.rng.random(idx.size) < m.walk_away[idx])
    gone = idx[stop]
    m.set_status(gone, m.ENDED)
    m.walked_away[gone] = True
    m.end_reason[gone] = m.END_REASONS.index("walked_away")
    m.record(gone, "walked_away")
    idx = idx[~stop]
    if not idx.size:
        return
    t = m.terms[idx]
    direction = np.zeros_like(t)
    g_refused = m.gov_answer[idx] != ACCEPT
    a_refused = m.ag_answer[idx] != ACCEPT
    direction += g_refused[:, None] * (m.government.counter_proposal(t, idx) - t)
    direction += a_refused[:, None] * (m.armed_group.counter_proposal(t, idx) - t)
    move = m.step_size[idx, None] * direction
    chosen = _keep_likely_share(m, idx, t, move, g_refused, a_refused)
    new = t + chosen[:, None] * move
    new[:, _INTEGER_TERMS] = np.round(new[:, _INTEGER_TERMS])
    m.terms[idx] = new
    lo, hi = m.revision_min[idx], m.revision_max[idx]
    wait = np.maximum(np.floor(lo + m.rng.random(idx.size) * (hi - lo + 1)), 1).astype(np.int32)
    m.next_table_day[idx] = m.day + wait
    m.calendar.book("table", m.next_table_day[idx], idx)
    m.record(idx, "revised", None, lambda w: {"next_table_day": int(m.next_table_day[w])})


def _keep_likely_share(m, idx, t, move, g_refused, a_refused) -> np.ndarray:
    """The largest share of ``move`` that keeps the side that accepted likely to accept.

    Judged by the mediators' noisy estimate of that side's acceptance
    (``min_estimated_acceptance``); all shares are judged in one batch.  The
    noise is drawn for both sides, in that order, whichever refused.
    """
    noise = {
        m.government: m.rng.normal(0.0, 1.0, idx.size) * m.mediator_pressure.noise["government"][idx],
        m.armed_group: m.rng.normal(0.0, 1.0, idx.size) * m.mediator_pressure.noise["armed_group"][idx],
    }
    ok = np.ones((STEP_SHARES.size, idx.size), bool)
    for side, refused in ((m.government, g_refused), (m.armed_group, a_refused)):
        sub = np.flatnonzero(~refused)
        if not sub.size:
            continue
        cand = (t[sub] + STEP_SHARES[:, None, None] * move[sub]).reshape(-1, t.shape[1])
        worlds = np.tile(idx[sub], STEP_SHARES.size)
        gap, feasible = side.decision_gap(cand, worlds)
        est = acceptance(side.rationality[worlds], gap + np.tile(noise[side][sub], STEP_SHARES.size), feasible)
        ok[:, sub] &= (est >= np.tile(m.min_estimate[idx[sub]], STEP_SHARES.size)).reshape(STEP_SHARES.size, -1)
    first_ok = np.argmax(ok, axis=0)
    return np.where(ok.any(axis=0), STEP_SHARES[first_ok], 0.0)


def deadline_passes(m, day: int) -> None:
    """A deadline falls due: rounds still unanswered count as missed; the mediators press harder."""
    idx = m.calendar.take("deadline", day)
    missed = (
        (m.status[idx] == m.NEGOTIATING)
        & (m.deadline_day[idx] == day)
        & (m.next_table_day[idx] == -1)
        & ((m.gov_answer[idx] == PENDING) | (m.ag_answer[idx] == PENDING))
    )
    idx = idx[missed]
    m.deadlines_missed[idx] += 1
    fail_talks(m, idx)
    m.record(idx, "deadline_missed")


def fail_talks(m, idx: np.ndarray) -> None:
    """Mark the talks of worlds ``idx`` as having failed once (the offensive may now start)."""
    first = idx[~m.talks_failed[idx]]
    m.talks_failed[first] = True
    m.refresh(first)
