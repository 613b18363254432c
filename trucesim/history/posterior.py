"""What a fit found: weighted summaries of the posterior, and the parameter file scenarios use.

The particles of a fit (:mod:`trucesim.history.calibrate`) carry weights.  A
parameter file gives each fitted key a ``sample`` of the last generation's particles
(their values of that key, in particle order, and their weights), all in one ``joint``
group: each world draws one particle of the posterior, and every fitted key takes that
particle's value, so the correlations between the fitted values (the pairs figure
shows them) are carried into runs.

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


def _number(x: float, digits: int) -> str:
    """``x`` with ``digits`` significant digits, as a TOML number."""
    return f"{x:.{digits}g}"


def write_parameter_file(
    path: str | Path,
    particles: pd.DataFrame,
    priors: dict,
    bounds: dict,
    note: str,
    generations: int,
    epsilon: float,
    joint: str | None = None,
    how: str | None = None,
) -> Path:
    """Write the fit as a parameter file (``extends = ["base.toml", "this.toml"]``, or ``--fitted``); return its path.

    Each fitted key (``priors``' keys) is a ``sample`` of the particles' values (4 significant
    digits, within ``bounds``) with their weights (6 digits), in particle order, and ``joint``
    names their group: by default the calibration file's stem, the first item of ``note``
    (``"joint.toml, seed 0"`` gives ``joint``).  ``how`` says how the particles were found, if not
    after ``generations`` generations (a reference table's nearest draws).

    >>> import tempfile
    >>> p = pd.DataFrame({"actors.hamas.patience": [0.1, 0.3], "weight": [0.25, 0.75]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     text = write_parameter_file(Path(d) / "f.toml", p, {"actors.hamas.patience": None},
    ...                                 {"actors.hamas.patience": (0, 1)}, "joint.toml, seed 0", 3, 0.1).read_text()
    >>> print(text.splitlines()[-1][:90])
    patience = { dist = "sample", values = [0.1, 0.3], weights = [0.25, 0.75], joint = "joint"
    """
    keys = list(priors)
    if joint is None:
        joint = Path(note.split(",")[0].strip()).stem or "fit"
    w = particles["weight"].to_numpy(float)
    weights = ", ".join(_number(x, 6) for x in w / w.sum())
    found = how or f"{generations} generations"
    source = f"fitted: {note}, {found}, tolerance {epsilon:.4f}; the posterior's particles"
    tables: dict[str, list[str]] = {}
    for key in keys:
        table, name = key.rsplit(".", 1)
        lo, hi = bounds[key]
        x = np.clip(np.array([float(_number(v, 4)) for v in particles[key].to_numpy(float)]), lo, hi)
        values = ", ".join(_number(v, 4) for v in x)
        line = (
            f'{name} = {{ dist = "sample", values = [{values}], weights = [{weights}], joint = "{joint}", '
            f'source = "{source}" }}'
        )
        tables.setdefault(table, []).append(line)
    rows = summary(particles, keys)
    text = [
        "# Fitted values written by `trucesim calibrate` (docs/validation.md); do not edit by hand: fit again.",
        f"# {note}: {how or f'{len(particles)} particles after {generations} generations'}, tolerance {epsilon:.4f}.",
        "# Each world draws one particle of the posterior (with probability its weight): every key below",
        f'# is a sample of the particles\' values in one joint group ("{joint}"), so the keys keep their',
        "# correlations (see posterior.png and particles.parquet). The posterior's marginals:",
        *(f"#   {r.key}: mean {r.mean:.4g}, sd {r.sd:.4g}, 5%-95% {r.q05:.4g}..{r.q95:.4g}" for r in rows.itertuples()),
        "",
    ]
    for table, lines in tables.items():
        text += [f"[{table}]", *lines, ""]
    write_atomic(path, "\n".join(text))
    return Path(path)
