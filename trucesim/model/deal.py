"""The deal's lifecycle: signed -> pause (releases, a daily risk of breach) -> permanent end or collapse.

A signed deal starts a pause of ``pause_days``; hostages and remains are
released in instalments of ``instalment_days`` (at most what Hamas holds);
each day either side may breach the pause, with a daily chance that the
third-party guarantees lower (Fortna 2008).  At the pause's end the pause may be
extended a day at a time for more releases (as in November 2023), while Hamas
holds enough hostages in the categories and both sides accept the extension;
otherwise what the deal provides for the later phase follows
(:mod:`trucesim.model.phase_two`).

Every function takes the model (the deal's state is ``m.pause``, a
:class:`~trucesim.model.pause.Pause`) and works on index arrays of worlds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trucesim.config.terms import HOSTAGES, PAUSE, REMAINS, TERM_INDEX
from trucesim.model import phase_two, streams
from trucesim.model.pause import BREACH_BY_ARMED_GROUP, BREACH_BY_GOVERNMENT

if TYPE_CHECKING:
    from trucesim.model.model import TruceModel

_GUARANTEES = TERM_INDEX["guarantees"]


def sign(m: TruceModel, idx: np.ndarray) -> None:
    """Both sides accepted and the deal was ratified in worlds ``idx``: the pause begins today."""
    d = m.day
    m.pause.deal[idx] = True
    m.pause.deal_day[idx] = d
    m.talks.end_reason[idx] = m.END_REASONS.index("deal")
    m.pause.signed_terms[idx] = m.talks.terms[idx]
    m.set_status(idx, m.PAUSE)
    m.pause.pause_end[idx] = d + np.maximum(m.talks.terms[idx, PAUSE], 1).astype(np.int32)
    m.pause.hostages_due[idx] = np.minimum(m.talks.terms[idx, HOSTAGES], m.armed_group.living[idx])
    m.pause.remains_due[idx] = np.minimum(m.talks.terms[idx, REMAINS], m.armed_group.remains_held[idx])
    m.calendar.book("pause_end", m.pause.pause_end[idx], idx)
    m.record(idx, "signed", None, lambda w: {"pause_end": int(m.pause.pause_end[w])})


def pause_day(m: TruceModel) -> None:
    """A day of every pause under way: releases due by instalment, then a chance of breach."""
    idx = np.flatnonzero((m.talks.status == m.PAUSE) & (m.pause.deal_day < m.day))
    if not idx.size:
        return
    k = m.day - m.pause.deal_day[idx]
    length = m.pause.pause_end[idx] - m.pause.deal_day[idx]
    inst = m.pause.instalment[idx]
    n_inst = np.maximum(np.ceil(length / inst), 1)
    share = np.where(k >= length, 1.0, np.minimum(1.0, np.floor(k / inst) / n_inst))
    ag = m.armed_group
    owed = np.maximum(np.round(m.pause.hostages_due[idx] * share) - ag.released[idx], 0)
    owed_remains = np.maximum(np.round(m.pause.remains_due[idx] * share) - ag.remains_released[idx], 0)
    give = idx[owed > 0]
    if give.size:
        ag.release(give, owed[owed > 0])
        m.record(give, "released", ag.actor_id, lambda w: {"total": int(ag.released[w])})
    back = idx[owed_remains > 0]
    if back.size:
        ag.release_remains(back, owed_remains[owed_remains > 0])
        m.record(back, "remains_returned", ag.actor_id, lambda w: {"total": int(ag.remains_released[w])})
    g = m.pause.signed_terms[idx, _GUARANTEES]
    pg = m.government.breach_probability(g, idx)
    pa = m.armed_group.breach_probability(g, idx)
    u = m.streams.uniform(idx, streams.BREACH, m.day)
    by_gov = u < pg
    by_ag = ~by_gov & (u < pg + pa * (1 - pg))
    broken = by_gov | by_ag
    gone = idx[broken]
    m.set_status(gone, m.COLLAPSED)
    m.pause.collapse_day[gone] = m.day
    m.pause.breach_by[idx[by_gov]] = BREACH_BY_GOVERNMENT
    m.pause.breach_by[idx[by_ag]] = BREACH_BY_ARMED_GROUP
    m.record(
        gone,
        "breach",
        lambda w: (m.government if m.pause.breach_by[w] == BREACH_BY_GOVERNMENT else m.armed_group).actor_id,
    )


def pause_ends(m: TruceModel, day: int, idx: np.ndarray) -> None:
    """The pause booked to end on ``day`` in worlds ``idx`` ends: extend it a day, or decide on a permanent end."""
    idx = idx[(m.talks.status[idx] == m.PAUSE) & (m.pause.pause_end[idx] == day)]
    if not idx.size:
        return
    idx, t = _extend(m, idx)
    if idx.size:
        phase_two.decide(m, idx, t, day)


def _extend(m: TruceModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Extend the pause by a day where Hamas can release ``per_extension`` more and both accept.

    Returns the worlds not extended, with their signed terms.
    """
    t = np.take(m.pause.signed_terms, idx, axis=0)  # faster than signed_terms[idx], the same rows
    ag = m.armed_group
    can_extend = (m.pause.extensions[idx] < m.pause.extension_max[idx]) & (
        ag.available(idx) >= m.pause.per_extension[idx]
    )
    ext = t.copy()
    ext[:, PAUSE] = 1
    ext[:, HOSTAGES] = m.pause.per_extension[idx]
    ext[:, REMAINS] = 0
    p_ext = m.government.accept_probability(ext, idx) * ag.accept_probability(ext, idx)
    extend = can_extend & (m.streams.uniform(idx, streams.EXTENSION, m.day) < p_ext)
    more = idx[extend]
    m.pause.extensions[more] += 1
    m.pause.pause_end[more] += 1
    m.pause.hostages_due[more] += m.pause.per_extension[more].astype(np.int32)
    m.pause.signed_terms[more, PAUSE] += 1
    m.calendar.book("pause_end", m.pause.pause_end[more], more)
    m.record(more, "extended")
    return idx[~extend], t[~extend]
