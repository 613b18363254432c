"""The probability a run gives each observed fact of a round.

Each world of a run either reproduces a fact or not; the share of worlds that do is
the model's probability of that fact.  Functions take an outcome table
(:func:`trucesim.run.outcomes.outcome_table`) and return arrays.

Examples
--------
>>> import pandas as pd
>>> from trucesim.config.observed import Observed
>>> t = pd.DataFrame({"deal": [True, False, False, False], "hostages_released": [40, 0, 0, 0]})
>>> hits(t, Observed("deal", "deal", False, "")).tolist()
[False, True, True, True]
>>> hits(t, Observed("hostages_released", "hostages_released", 0.0, "", 1.0)).mean()
np.float64(0.75)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trucesim.config.observed import Observed

#: the outcome column behind each fact that is one column (``{side}`` stands for a side's id)
COLUMNS = {
    "deal": "deal",
    "government_fell": "government_fell",
    "permanent_end": "permanent",
    "safety_net_used": "safety_net_used",
    "first_text": "{side}_first_answer",
    "accepted": "{side}_accepted",
    "hostages_released": "hostages_released",
    "remains_released": "remains_released",
}


def hits(table: pd.DataFrame, fact: Observed) -> np.ndarray:
    """One boolean per world: did that world reproduce the fact?"""
    if fact.fact == "exits":
        parties = [c.removeprefix("exit_") for c in table.columns if c.startswith("exit_")]
        ok = np.ones(len(table), dtype=bool)
        for p in parties:
            left = isinstance(fact.value, tuple) and p in fact.value
            ok &= table[f"exit_{p}"].to_numpy(dtype=bool) == left
        return ok
    column = COLUMNS[fact.fact].replace("{side}", fact.side or "")
    x = table[column]
    if fact.fact in ("hostages_released", "remains_released"):
        return np.abs(x.to_numpy(dtype=float) - float(fact.value)) <= fact.tolerance  # type: ignore[arg-type]
    if fact.fact == "first_text":
        return (x.astype(str) == fact.value).to_numpy()
    return x.to_numpy(dtype=bool) == fact.value


def world_hits(table: pd.DataFrame, facts: tuple[Observed, ...]) -> np.ndarray:
    """A boolean matrix, worlds × facts: which facts each world reproduced."""
    return np.column_stack([hits(table, f) for f in facts]) if facts else np.zeros((len(table), 0), bool)
