"""The talks: the single negotiating text, its rounds and deadlines, and what can be delivered.

One :class:`Talks` per model holds, per world (arrays of ``n_worlds``), the
state of the negotiation the mediators run (:mod:`trucesim.model.mediation`):
the text on the table, the world's status, the round and its deadline, when a
revised text is due, what the holding side last said it can deliver, how the
rounds ended; and the protocol's per-world values (``protocol.*`` parameters)
that govern the rounds.  Each side's answer to the current round is kept by
the side itself (:class:`~trucesim.model.agents.Principal`).

Examples
--------
>>> p = {f"protocol.{k}": 2.0 for k in PROTOCOL_KEYS} | {f"terms.{t}": 1.0 for t in TERM_NAMES}
>>> t = Talks.from_params(p, 3, deadline_days=2)
>>> t.terms.shape, t.round.tolist(), t.blocker.tolist()
((3, 12), [0, 0, 0], [7, 7, 7])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trucesim.config.terms import TERM_NAMES
from trucesim.model.columns import column

#: why the last round of a world without a deal failed; "unfinished": no round had failed by the horizon
BLOCKERS = (
    "none",
    "armed_group_refused",
    "government_refused",
    "both_refused",
    "demand_infeasible",
    "partner_exit",
    "vote_lost",
    "unfinished",
)
#: how the talks of a world ended (by the horizon: still under way or in a pause)
END_REASONS = ("deal", "walked_away", "government_fell", "horizon")
#: the ``protocol.*`` parameters the talks read (per world)
PROTOCOL_KEYS = (
    "max_rounds",
    "mediator_step",
    "revision_days_min",
    "revision_days_max",
    "walk_away_prob",
    "keep_acceptance_share",
)


@dataclass(eq=False)
class Talks:
    """The negotiation in every world: the text, rounds, deadlines and what can be delivered.

    Build it with :meth:`from_params`.  Days count from the tabling of the framework (day 0);
    ``-1`` marks a day not set.
    """

    terms: np.ndarray  #: the text on the table, raw terms, shape ``(n_worlds, 12)``
    max_rounds: np.ndarray  #: rounds after which the mediators walk away
    step_size: np.ndarray  #: share of the way toward a refusing side's counter-proposal a revision moves
    revision_min: np.ndarray  #: fewest days before a revised text is tabled
    revision_max: np.ndarray  #: most days before a revised text is tabled
    walk_away: np.ndarray  #: chance the mediators walk away after a failed round
    keep_share: np.ndarray  #: share of its acceptance chance a revision must leave the accepting side
    deadline_days: int  #: days from tabling to a round's deadline
    status: np.ndarray = field(init=False)  #: the model's NEGOTIATING, PAUSE, PERMANENT, COLLAPSED or ENDED
    round: np.ndarray = field(init=False)  #: texts tabled so far
    deadline_day: np.ndarray = field(init=False)  #: the current round's deadline
    next_table_day: np.ndarray = field(init=False)  #: day a revised text is due, -1 when none is
    deadlines_missed: np.ndarray = field(init=False)  #: rounds that missed their deadline (a lost vote is not one)
    talks_failed: np.ndarray = field(init=False)  #: a deadline has been missed once (the offensive may start)
    walked_away: np.ndarray = field(init=False)  #: the mediators walked away
    deliverable: np.ndarray = field(init=False)  #: living hostages the holding side last said it can deliver
    infeasible: np.ndarray = field(init=False)  #: its last answer: the text asks more than it holds
    votes_lost: np.ndarray = field(init=False)  #: agreed texts the government lost the vote on
    acceptances: np.ndarray = field(init=False)  #: acceptances by either side, all rounds
    acceptances_near_deadline: np.ndarray = field(init=False)  #: those near their round's deadline
    blocker: np.ndarray = field(init=False)  #: index in BLOCKERS of what stopped the last failed round
    end_reason: np.ndarray = field(init=False)  #: index in END_REASONS

    def __post_init__(self) -> None:
        n = len(self.terms)
        self.status = np.zeros(n, np.int8)
        self.round = np.zeros(n, np.int16)
        self.deadline_day = np.full(n, -1, np.int32)
        self.next_table_day = np.full(n, -1, np.int32)
        self.deadlines_missed = np.zeros(n, np.int16)
        self.talks_failed = np.zeros(n, bool)
        self.walked_away = np.zeros(n, bool)
        self.deliverable = np.full(n, np.inf)
        self.infeasible = np.zeros(n, bool)
        self.votes_lost = np.zeros(n, np.int16)
        self.acceptances = np.zeros(n, np.int16)
        self.acceptances_near_deadline = np.zeros(n, np.int16)
        self.blocker = np.full(n, BLOCKERS.index("unfinished"), np.int8)
        self.end_reason = np.full(n, END_REASONS.index("horizon"), np.int8)

    @classmethod
    def from_params(cls, p: dict[str, Any], n: int, deadline_days: int) -> Talks:
        """The talks before day 0 from drawn parameters ``p``: the scenario's text in every world."""

        def proto(k: str) -> np.ndarray:
            return column(p, f"protocol.{k}", n)

        return cls(
            terms=np.stack([column(p, f"terms.{t}", n) for t in TERM_NAMES], axis=1).astype(float),
            max_rounds=proto("max_rounds"),
            step_size=proto("mediator_step"),
            revision_min=proto("revision_days_min"),
            revision_max=proto("revision_days_max"),
            walk_away=proto("walk_away_prob"),
            keep_share=proto("keep_acceptance_share"),
            deadline_days=deadline_days,
        )


__all__ = ["BLOCKERS", "END_REASONS", "PROTOCOL_KEYS", "Talks"]
