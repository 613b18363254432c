"""Names and readable labels of the yes/no outcomes of a per-world table.

The outcome columns are those of :func:`trucesim.run.outcomes.outcome_table`:
fixed names (``deal``, ``government_fell``, ``permanent``, ...) and columns
named after the scenario's actors (``<id>_accepted`` for each side,
``exit_<party>`` for each coalition party).  Actors are named by a scenario's
``labels`` (actor id -> label); an actor without a label is named by its id.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame(columns=["deal", "gov_accepted", "ag_accepted", "exit_p1", "permanent"])
>>> outcome_names(df)
['deal', 'gov_accepted', 'ag_accepted', 'any_exit', 'exit_p1', 'permanent']
>>> outcome_label("exit_p1", {"p1": "Party One"})
'Party One quits the coalition'
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: yes/no outcomes of the per-world table worth charting, in display order
#: (``<id>_accepted`` and ``exit_<party>`` are found from the columns)
CORE_OUTCOMES = (
    "deal",
    "deal_by_first_deadline",
    "government_fell",
    "safety_net_used",
    "offensive",
    "pause_completed",
    "permanent",
    "collapsed",
)

#: labels of the outcomes whose names hold no actor id
FIXED_LABELS = {
    "deal": "deal signed and ratified",
    "deal_by_first_deadline": "deal by the first deadline",
    "government_fell": "government falls",
    "safety_net_used": "opposition safety net used",
    "offensive": "Rafah offensive launched",
    "pause_completed": "pause completed",
    "permanent": "permanent end reached",
    "collapsed": "pause collapsed, war resumed",
    "any_exit": "a coalition partner quits",
}


def acceptance_outcomes(df: pd.DataFrame) -> list[str]:
    """The ``<id>_accepted`` columns of a table, in column order.

    The outcome table (and a sweep's worlds) puts the government's first, then
    the armed group's.

    Examples
    --------
    >>> acceptance_outcomes(pd.DataFrame(columns=["deal", "gov_accepted", "ag_accepted"]))
    ['gov_accepted', 'ag_accepted']
    """
    return [c for c in df.columns if isinstance(c, str) and c.endswith("_accepted")]


def exit_outcomes(df: pd.DataFrame) -> list[str]:
    """The ``exit_<party>`` columns of a table, in column order."""
    return [c for c in df.columns if isinstance(c, str) and c.startswith("exit_")]


def outcome_names(df: pd.DataFrame) -> list[str]:
    """Every yes/no outcome :func:`~trucesim.analysis.probability.probability_by` can count in ``df``, in display order.

    ``any_exit`` (some coalition partner quits) is listed when there are ``exit_`` columns.

    Examples
    --------
    >>> outcome_names(pd.DataFrame(columns=["deal", "gov_accepted", "exit_a", "permanent"]))
    ['deal', 'gov_accepted', 'any_exit', 'exit_a', 'permanent']
    """
    exits = exit_outcomes(df)
    names = [c for c in ("deal", "deal_by_first_deadline") if c in df.columns]
    names += acceptance_outcomes(df)
    if exits:
        names += ["any_exit"] + exits
    names += [c for c in CORE_OUTCOMES[2:] if c in df.columns]
    return names


def outcome_label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """A readable label of an outcome column.

    Parameters
    ----------
    name : str
        An outcome name (``"deal"``, ``"hamas_accepted"``, ``"exit_otzma_yehudit"``, ...).
    labels : mapping, optional
        Actor id to label (a scenario's ``labels``); an actor without one is named by its id.

    Examples
    --------
    >>> outcome_label("hamas_accepted", {"hamas": "Hamas"})
    'Hamas accepts a proposal'
    >>> outcome_label("exit_otzma_yehudit")
    'otzma_yehudit quits the coalition'
    >>> outcome_label("government_fell")
    'government falls'
    """
    labels = labels or {}
    if name in FIXED_LABELS:
        return FIXED_LABELS[name]
    if name.endswith("_accepted"):
        actor = name[: -len("_accepted")]
        return f"{labels.get(actor, actor)} accepts a proposal"
    if name.startswith("exit_"):
        actor = name[len("exit_") :]
        return f"{labels.get(actor, actor)} quits the coalition"
    return name.replace("_", " ")


__all__ = ["CORE_OUTCOMES", "FIXED_LABELS", "acceptance_outcomes", "exit_outcomes", "outcome_label", "outcome_names"]
