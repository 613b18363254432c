"""Per-world outcome tables: one row per world of a finished model.

:func:`outcome_table` turns a finished :class:`~trucesim.model.model.TruceModel` into
one row per world; :mod:`trucesim.run.metrics` reduces any number of such rows to
the figures ``trucesim run`` prints and a sweep's ``points.parquet`` holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trucesim.config.terms import TERM_NAMES
from trucesim.model.model import END_REASONS, TruceModel

BREACH = ("none", "government", "armed_group")


def outcome_table(model: TruceModel, world_offset: int = 0) -> pd.DataFrame:
    """One row per world of a finished model.

    Columns: ``world``; ``deal``, ``deal_day``, ``deal_by_first_deadline``;
    ``rounds``, ``deadlines_missed``, ``end_of_talks``; for each side
    ``<id>_accepted``, ``<id>_first_accept_day``, ``<id>_counters``,
    ``<id>_rejections``; ``exit_<party>`` for each coalition party;
    ``government_fell``, ``safety_net_used``, ``offensive``, ``offensive_day``;
    ``hostages_released``, ``hostages_died``, ``hostages_living``;
    ``pause_completed``, ``permanent``, ``collapsed``, ``collapse_day``,
    ``breach_by``; ``terms_<term>`` (signed terms, NaN without a deal).
    Days count from the tabling of the framework (day 0).
    """
    m = model
    n = m.n_worlds
    gov, ag = m.government, m.armed_group
    cols: dict[str, object] = {
        "world": np.arange(world_offset, world_offset + n, dtype=np.int64),
        "deal": m.deal.copy(),
        "deal_day": m.deal_day.astype(np.float32),
        "deal_by_first_deadline": m.deal & (m.deal_day <= m.deadline_days),
        "rounds": m.round.copy(),
        "deadlines_missed": m.deadlines_missed.copy(),
        "end_of_talks": pd.Categorical.from_codes(m.end_reason, categories=list(END_REASONS)),
    }
    for side in (gov, ag):
        a = side.actor_id
        cols[f"{a}_accepted"] = side.accepted_any.copy()
        cols[f"{a}_first_accept_day"] = side.first_accept_day.astype(np.float32)
        cols[f"{a}_counters"] = side.counters.copy()
        cols[f"{a}_rejections"] = side.rejections.copy()
    for party in m.coalition.parties:
        cols[f"exit_{party.actor_id}"] = party.exited.copy()
    opp = m.coalition.opposition
    cols.update(
        {
            "government_fell": gov.fell.copy(),
            "safety_net_used": opp.net_used.copy() if opp is not None else np.zeros(n, bool),
            "offensive": gov.offensive.copy(),
            "offensive_day": gov.offensive_day.astype(np.float32),
            "hostages_released": ag.released.copy(),
            "hostages_died": ag.died.copy(),
            "hostages_living": ag.living.copy(),
            "pause_completed": m.pause_completed.copy(),
            "permanent": m.permanent.copy(),
            "collapsed": ~np.isnan(m.collapse_day),
            "collapse_day": m.collapse_day.astype(np.float32),
            "breach_by": pd.Categorical.from_codes(m.breach_by, categories=list(BREACH)),
        }
    )
    for j, t in enumerate(TERM_NAMES):
        cols[f"terms_{t}"] = m.signed_terms[:, j].astype(np.float32)
    return pd.DataFrame(cols)
