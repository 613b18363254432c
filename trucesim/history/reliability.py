"""The reliability table: forecasts of what happened binned against how often it happened.

:func:`reliability` is what ``trucesim validate`` stores (``reliability`` in ``validation.json``)
and what its diagram draws (:mod:`trucesim.plots.reliability`), for the model and the base rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: bins of the reliability diagram (equal widths over 0..1)
BINS = 10


def reliability(p: np.ndarray, bins: int = BINS) -> pd.DataFrame:
    """The reliability table of forecasts ``p`` of what happened: per bin of p, the observed frequency.

    Each fact counts twice, as a binary event: what happened (forecast ``p``, observed 1) and
    its complement (forecast ``1 - p``, observed 0), in the mirror bin of ``p``'s.  So the
    table is symmetric around 0.5 and a calibrated forecaster's frequencies lie on the
    diagonal.  ``p`` falls in ``[low, high)`` (0.3 in [0.3, 0.4), as a reader expects), so a
    complement on an edge goes in the mirror bin: 0.7 (of p = 0.3) in [0.6, 0.7].  Columns:
    ``low``, ``high`` (the bin's edges), ``count`` (events), ``forecast`` (their mean p) and
    ``observed`` (the share that happened); a bin without events has NaN means.

    >>> t = reliability(np.array([0.95, 0.85]), bins=2)
    >>> t[["count", "forecast", "observed"]].round(3).values.tolist()
    [[2.0, 0.1, 0.0], [2.0, 0.9, 1.0]]
    >>> reliability(np.array([0.2, 0.8]))["count"].tolist()   # 1 - 0.8 (in [0.1, 0.2]) mirrors 0.8 (in [0.8, 0.9))
    [0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    """
    p = np.asarray(p, dtype=float)
    f = np.concatenate([p, 1.0 - p])
    o = np.concatenate([np.ones_like(p), np.zeros_like(p)])
    edges = np.arange(bins + 1) / bins
    happened = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    # the complement's bin is the mirror of p's, not 1 - p binned again: 1 - 0.8 is 0.19999999999999996
    which = np.concatenate([happened, bins - 1 - happened])
    rows = []
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        rows.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "count": float(n),
                "forecast": float(f[m].mean()) if n else np.nan,
                "observed": float(o[m].mean()) if n else np.nan,
            }
        )
    return pd.DataFrame(rows)
