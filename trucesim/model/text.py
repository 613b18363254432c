"""The single negotiating text: how the mediators revise it after a refusal.

Raiffa (1982) and Fisher's one-text procedure: the mediators keep one text and
revise it round by round; Kydd (2003): mediators matter as brokers of what each
side can accept and deliver.  After a failed round the mediators walk away
(after ``max_rounds``, or with ``walk_away_prob``), or revise:

* **Toward the refusing side.** The text moves ``mediator_step`` of the way
  toward the refusing side's counter-proposal (toward both when both refused).
* **Keeping the accepting side.** Of that move they table the largest share
  (1, 1/2, 1/4, 1/8) that keeps the side that accepted at least
  ``keep_acceptance_share`` of its chance of accepting the *current* text, by
  their noisy estimate; if no share passes they table the smallest, so a
  revision always moves when a side refuses.
* **What can be delivered.** The text never asks for more living hostages than
  the holding side last said it holds in the agreed categories
  (:attr:`deliverable`, learnt from its answers), nor more remains than it
  holds.

Examples
--------
>>> STEP_SHARES.tolist()
[1.0, 0.5, 0.25, 0.125]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trucesim.config.terms import HOSTAGES, REMAINS, TERMS
from trucesim.model.acceptance import acceptance

if TYPE_CHECKING:
    from trucesim.model.agents import ArmedGroup
    from trucesim.model.model import TruceModel
    from trucesim.model.talks import Talks

_INTEGER_TERMS = np.array([t.integer for t in TERMS])
#: shares of the mediators' step tried in turn; the last is tabled when none keeps the accepting side
STEP_SHARES = np.array([1.0, 0.5, 0.25, 0.125])


def learn_deliverable(talks: Talks, ag: ArmedGroup, idx: np.ndarray) -> None:
    """The holding side ``ag`` has answered in worlds ``idx``: the mediators learn what it can deliver."""
    talks.deliverable[idx] = ag.available(idx)


def keep_deliverable(talks: Talks, ag: ArmedGroup, idx: np.ndarray) -> None:
    """Before a text is tabled in worlds ``idx``: once the holding side has stated what it can deliver, it
    reports deaths too, so the text is cut to what it holds today."""
    known = idx[np.isfinite(talks.deliverable[idx])]
    if known.size:
        learn_deliverable(talks, ag, known)
        talks.terms[known] = deliverable_text(talks, ag, talks.terms[known], known)


def deliverable_text(talks: Talks, ag: ArmedGroup, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``terms`` (rows of worlds ``idx``) with hostages and remains cut to what the holding side ``ag``
    can deliver, as far as the talks know it."""
    out = terms.copy()
    out[:, HOSTAGES] = np.minimum(out[:, HOSTAGES], talks.deliverable[idx])
    out[:, REMAINS] = np.minimum(out[:, REMAINS], ag.remains_held[idx])
    return out


def revised(m: TruceModel, idx: np.ndarray, g_refused: np.ndarray, a_refused: np.ndarray) -> np.ndarray:
    """The next text in worlds ``idx`` after a round the sides marked by the masks refused."""
    t = np.take(m.talks.terms, idx, axis=0)  # faster than m.talks.terms[idx], the same rows
    direction = np.zeros_like(t)
    direction += g_refused[:, None] * (m.government.counter_proposal(t, idx) - t)
    direction += a_refused[:, None] * (m.armed_group.counter_proposal(t, idx) - t)
    move = m.talks.step_size[idx, None] * direction
    share = keep_likely_share(m, idx, t, move, g_refused, a_refused)
    new = deliverable_text(m.talks, m.armed_group, t + share[:, None] * move, idx)
    new[:, _INTEGER_TERMS] = np.round(new[:, _INTEGER_TERMS])
    return new


def keep_likely_share(
    m: TruceModel, idx: np.ndarray, t: np.ndarray, move: np.ndarray, g_refused: np.ndarray, a_refused: np.ndarray
) -> np.ndarray:
    """The largest share of ``move`` that keeps the side that accepted likely enough, relative to today's text.

    Judged by the mediators' noisy estimate of that side's acceptance (its
    noise addressed by side and round); all shares are judged in one batch.  When none passes, the smallest share.
    """
    noise = {
        m.government: m.streams.normal(idx, m.government.ESTIMATE, m.talks.round[idx])
        * m.mediator_pressure.noise["government"][idx],
        m.armed_group: m.streams.normal(idx, m.armed_group.ESTIMATE, m.talks.round[idx])
        * m.mediator_pressure.noise["armed_group"][idx],
    }
    k = STEP_SHARES.size
    ok = np.ones((k, idx.size), bool)
    for side, refused in ((m.government, g_refused), (m.armed_group, a_refused)):
        sub = np.flatnonzero(~refused)
        if not sub.size:
            continue
        worlds = idx[sub]
        cand = np.concatenate([t[sub], (t[sub] + STEP_SHARES[:, None, None] * move[sub]).reshape(-1, t.shape[1])])
        every = np.tile(worlds, k + 1)
        gap = side.candidate_gaps(cand, worlds, k + 1)
        est = acceptance(side.rationality[every], gap + np.tile(noise[side][sub], k + 1)).reshape(k + 1, -1)
        ok[:, sub] &= est[1:] >= m.talks.keep_share[worlds] * est[0]
    first_ok = np.argmax(ok, axis=0)
    return np.where(ok.any(axis=0), STEP_SHARES[first_ok], STEP_SHARES[-1])
