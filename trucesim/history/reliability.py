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
    its complement (forecast ``1 - p``, observed 0).  So the table is symmetric around 0.5
    and a calibrated forecaster's frequencies lie on the diagonal.  Columns: ``low``,
    ``high`` (the bin's edges), ``count`` (events), ``forecast`` (their mean p) and
    ``observed`` (the share that happened); a bin without events has NaN means.

    >>> t = reliability(np.array([0.95, 0.85]), bins=2)
    >>> t[["count", "forecast", "observed"]].round(3).values.tolist()
    [[2.0, 0.1, 0.0], [2.0, 0.9, 1.0]]
    """
    p = np.asarray(p, dtype=float)
    f = np.concatenate([p, 1.0 - p])
    o = np.concatenate([np.ones_like(p), np.zeros_like(p)])
    edges = np.arange(bins + 1) / bins  # exact tenths: 0.3 falls in [0.3, 0.4), as a reader expects
    which = np.clip(np.digitize(f, edges[1:-1], right=False), 0, bins - 1)
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
