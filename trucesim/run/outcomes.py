"""Per-world outcome tables: one row per world of a finished model.

:func:`outcome_table` turns a finished :class:`~trucesim.model.model.TruceModel` into
one row per world; :mod:`trucesim.run.metrics` reduces any number of such rows to
the figures ``trucesim run`` prints and a sweep's ``points.parquet`` holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trucesim.config.terms import TERM_NAMES
from trucesim.model.acceptance import ACCEPT, ANSWER_NAMES, PENDING
from trucesim.model.mediation import BLOCKERS
from trucesim.model.model import END_REASONS, TruceModel
from trucesim.model.pause import BREACHERS
from trucesim.run.chunks import RunError

BREACH = BREACHERS  # the categories of ``breach_by``, in the model's code order
#: first-text answers, indexed by their code in :mod:`trucesim.model.acceptance`: none (never answered),
#: accept, counter, reject
_FIRST_ANSWER_NAMES = {PENDING: "none", **ANSWER_NAMES}
FIRST_ANSWERS = tuple(_FIRST_ANSWER_NAMES[code] for code in range(len(_FIRST_ANSWER_NAMES)))
#: the blocker code of a world with a deal (no gate stopped it)
NO_BLOCKER = BLOCKERS.index("none")


def blocker_names(government: str, armed_group: str) -> list[str]:
    """The gates of :data:`~trucesim.model.mediation.BLOCKERS` named with the scenario's actor ids.

    Examples
    --------
    >>> blocker_names("gov", "group")[:4]
    ['none', 'group_refused', 'gov_refused', 'both_refused']
    """
    names = {"armed_group_refused": f"{armed_group}_refused", "government_refused": f"{government}_refused"}
    return [names.get(b, b) for b in BLOCKERS]


#: float columns that are NaN by design, and the boolean column saying when: NaN exactly where it is
#: false (a day that never came, terms never signed).  ``{side}`` stands for each side's id.  Any
#: other float column must never hold NaN; a new column that may, by design, must be listed here.
NAN_WHEN_NOT = {
    "deal_day": "deal",
    "terms_": "deal",
    "{side}_first_accept_day": "{side}_accepted",
    "{side}_last_accept_day": "{side}_accepted",
    "{side}_last_accept_deadline": "{side}_accepted",
    "offensive_day": "offensive",
    "collapse_day": "collapsed",
}


class OutcomeError(RunError):
    """A NaN or infinite value where an outcome table must hold a number: a bug, reported in one line."""


def _nan_allowed(table: pd.DataFrame, column: str) -> str | None:
    """The boolean column whose false rows may hold NaN in ``column``, or ``None``."""
    for pattern, flag in NAN_WHEN_NOT.items():
        if "{side}" in pattern:
            head, tail = pattern.split("{side}")
            if column.startswith(head) and column.endswith(tail) and len(column) > len(head) + len(tail):
                side = column[len(head) : len(column) - len(tail)]
                if flag.replace("{side}", side) in table.columns:
                    return flag.replace("{side}", side)
        elif column == pattern or (pattern.endswith("_") and column.startswith(pattern)):
            return flag
    return None


def check_outcomes(table: pd.DataFrame, where: str) -> None:
    """Raise :class:`OutcomeError` if a float column holds NaN where it must not, or an infinity.

    Called at the end of every chunk, so no NaN reaches a printed figure or a
    results file (a side whose utilities are NaN would otherwise show as a
    silent 0.0).  ``where`` names the chunk (``"chunk 3 (worlds 30000-39999)"``).
    A NaN is allowed only as :data:`NAN_WHEN_NOT` says.

    Examples
    --------
    >>> t = pd.DataFrame({"deal": [True, False], "deal_day": [3.0, float("nan")]})
    >>> check_outcomes(t, "chunk 0")
    >>> check_outcomes(t.assign(deal=[False, True]), "chunk 0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trucesim.run.outcomes.OutcomeError: chunk 0: column deal_day holds NaN where deal is true in 1 world(s) ...
    """
    for column in table.columns:
        values = table[column]
        if values.dtype.kind != "f":
            continue
        x = values.to_numpy()
        bad = np.isinf(x)
        what = "an infinite value"
        nan = np.isnan(x)
        flag = _nan_allowed(table, column)
        if not bad.any() and nan.any():
            if flag is None:
                bad, what = nan, "NaN"
            else:
                bad, what = nan & table[flag].to_numpy(dtype=bool), f"NaN where {flag} is true"
        if bad.any():
            first = int(table["world"].to_numpy()[bad][0]) if "world" in table.columns else int(np.flatnonzero(bad)[0])
            raise OutcomeError(
                f"{where}: column {column} holds {what} in {int(bad.sum())} world(s) (first: world {first}); "
                f"this is a bug in trucesim, not in your input: please report it with the scenario and seed"
            )


def outcome_table(model: TruceModel, world_offset: int = 0) -> pd.DataFrame:
    """One row per world of a finished model.

    Columns: ``world``; ``deal``, ``deal_day``, ``deal_by_first_deadline``, ``deal_first_text``;
    ``rounds``, ``deadlines_missed``, ``end_of_talks``, ``blocker`` (the gate
    that stopped the last round of a world without a deal, ``none`` with a
    deal), ``votes_lost``, ``acceptances`` and ``acceptances_near_deadline``
    (acceptances by either side, all rounds; those on the last day of their
    round's deadline); for each side ``<id>_accepted``,
    ``<id>_first_answer`` (to the first text: none, accept, counter, reject),
    ``<id>_accepted_first``, ``<id>_first_accept_day``,
    ``<id>_first_accept_round``, ``<id>_last_accept_round``,
    ``<id>_last_accept_day``, ``<id>_last_accept_deadline`` (0 or NaN when it
    never accepted), ``<id>_counters``, ``<id>_rejections``; for each coalition
    party ``exit_<party>`` and ``promise_<party>`` (it took a side payment);
    ``government_fell``, ``safety_net_used``, ``offensive``, ``offensive_day``,
    ``soldiers_lost`` (since day 0); ``hostages_released``, ``hostages_died``,
    ``hostages_living``, ``remains_released``; ``pause_completed``,
    ``permanent``, ``collapsed``, ``collapse_day``, ``breach_by``;
    ``terms_<term>`` (signed terms, NaN without a deal).  Days count from the
    tabling of the framework (day 0).
    """
    m = model
    n = m.n_worlds
    gov, ag, talks, pause = m.government, m.armed_group, m.talks, m.pause
    cols: dict[str, object] = {
        "world": np.arange(world_offset, world_offset + n, dtype=np.int64),
        "deal": pause.deal.copy(),
        "deal_day": pause.deal_day.astype(np.float32),
        "deal_by_first_deadline": pause.deal & (pause.deal_day <= talks.deadline_days),
        "deal_first_text": pause.deal & (talks.round == 1),  # the first text signed as tabled, never revised
        "rounds": talks.round.copy(),
        "deadlines_missed": talks.deadlines_missed.copy(),
        "end_of_talks": pd.Categorical.from_codes(talks.end_reason, categories=list(END_REASONS)),
        "blocker": pd.Categorical.from_codes(
            np.where(pause.deal, NO_BLOCKER, talks.blocker), categories=blocker_names(gov.actor_id, ag.actor_id)
        ),
        "votes_lost": talks.votes_lost.copy(),
        "acceptances": talks.acceptances.copy(),
        "acceptances_near_deadline": talks.acceptances_near_deadline.copy(),
    }
    for side in (gov, ag):
        a = side.actor_id
        cols[f"{a}_accepted"] = side.accepted_any.copy()
        cols[f"{a}_first_answer"] = pd.Categorical.from_codes(side.first_answer, categories=list(FIRST_ANSWERS))
        cols[f"{a}_accepted_first"] = side.first_answer == ACCEPT
        cols[f"{a}_first_accept_day"] = side.first_accept_day.astype(np.float32)
        cols[f"{a}_first_accept_round"] = side.first_accept_round.copy()
        cols[f"{a}_last_accept_round"] = side.last_accept_round.copy()
        cols[f"{a}_last_accept_day"] = side.last_accept_day.astype(np.float32)
        cols[f"{a}_last_accept_deadline"] = side.last_accept_deadline.astype(np.float32)
        cols[f"{a}_counters"] = side.counters.copy()
        cols[f"{a}_rejections"] = side.rejections.copy()
    for party in m.coalition.parties:
        cols[f"exit_{party.actor_id}"] = party.exited.copy()
        cols[f"promise_{party.actor_id}"] = party.promised.copy()
    opp = m.coalition.opposition
    cols.update(
        {
            "government_fell": gov.fell.copy(),
            "safety_net_used": opp.net_used.copy() if opp is not None else np.zeros(n, bool),
            "offensive": gov.offensive.copy(),
            "offensive_day": gov.offensive_day.astype(np.float32),
            "soldiers_lost": m.situation.soldiers_lost.astype(np.float32),
            "hostages_released": ag.released.copy(),
            "hostages_died": ag.died.copy(),
            "hostages_living": ag.living.copy(),
            "remains_released": ag.remains_released.copy(),
            "pause_completed": pause.pause_completed.copy(),
            "permanent": pause.permanent.copy(),
            "collapsed": ~np.isnan(pause.collapse_day),
            "collapse_day": pause.collapse_day.astype(np.float32),
            "breach_by": pd.Categorical.from_codes(pause.breach_by, categories=list(BREACH)),
        }
    )
    for j, t in enumerate(TERM_NAMES):
        cols[f"terms_{t}"] = pause.signed_terms[:, j].astype(np.float32)
    return pd.DataFrame(cols)
