"""What a fit found: weighted summaries of the posterior, and the parameter file scenarios use.

The particles of a fit (:mod:`trucesim.history.calibrate`) carry weights.  A
parameter file gives each fitted key a truncated normal with the posterior's weighted
mean and standard deviation, within the prior's range, so a run draws each world's values
from the fitted uncertainty.  Each key is drawn on its own: correlations between the
fitted values (the pairs figure shows them) are not carried into runs.

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"actors.hamas.patience": [0.1, 0.3], "weight": [0.5, 0.5]})
>>> summary(p, ["actors.hamas.patience"])[["mean", "sd"]].round(3).values.tolist()
[[0.2, 0.1]]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.distributions import Dist
from trucesim.run.files import write_atomic


def summary(particles: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per fitted key: weighted mean, sd, and the 5%, 50% and 95% quantiles."""
    w = particles["weight"].to_numpy(float)
    rows = []
    for k in keys:
        x = particles[k].to_numpy(float)
        mean = float(np.average(x, weights=w))
        sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
        q = np.quantile(x, [0.05, 0.5, 0.95], weights=w, method="inverted_cdf")  # weighted: numpy >= 2
        rows.append({"key": k, "mean": mean, "sd": sd, "q05": float(q[0]), "median": float(q[1]), "q95": float(q[2])})
    return pd.DataFrame(rows)


def fitted_dists(particles: pd.DataFrame, priors: dict[str, Dist], bounds: dict[str, tuple[float, float]]) -> dict:
    """Each key's truncated normal: the posterior's weighted mean and sd, within its prior's support."""
    out = {}
    for row in summary(particles, list(priors)).itertuples():
        lo, hi = priors[row.key].support()
        lo, hi = max(lo, bounds[row.key][0]), min(hi, bounds[row.key][1])
        out[row.key] = Dist("normal", {"mean": row.mean, "sd": max(row.sd, 1e-6), "low": lo, "high": hi})
    return out


def write_parameter_file(
    path: str | Path, particles: pd.DataFrame, priors: dict, bounds: dict, note: str, generations: int, epsilon: float
) -> Path:
    """Write the fit as a parameter file (``extends = ["base.toml", "this.toml"]``, or ``--fitted``); return its path."""
    dists = fitted_dists(particles, priors, bounds)
    tables: dict[str, list[str]] = {}
    for key, d in dists.items():
        table, name = key.rsplit(".", 1)
        a = d.args
        line = (
            f'{name} = {{ dist = "normal", mean = {a["mean"]:.4f}, sd = {a["sd"]:.4f}, low = {a["low"]:g}, '
            f'high = {a["high"]:g}, source = "fitted: {note}, {generations} generations, tolerance {epsilon:.4f}; '
            f'posterior mean and sd" }}'
        )
        tables.setdefault(table, []).append(line)
    text = [
        "# Fitted values written by `trucesim calibrate` (docs/validation.md); do not edit by hand: fit again.",
        f"# {note}: {len(particles)} particles after {generations} generations, tolerance {epsilon:.4f}.",
        "# Each key is a truncated normal with the posterior's weighted mean and sd, within its prior's range;",
        "# correlations between keys are not kept (see posterior.png and particles.parquet).",
        "",
    ]
    for table, lines in tables.items():
        text += [f"[{table}]", *lines, ""]
    write_atomic(path, "\n".join(text))
    return Path(path)
