"""Each left-out round's mean Brier score in a leave-one-round-out validation: the model against the base rate.

One row per round (in the validation's order), then all rounds together: the model's mean
Brier score over the round's facts (blue circle) and the base-rate forecaster's (vermillion
square), joined by a line whose length is the gap; the coin's 0.25 is the dashed line.  Lower
is better.  The figure reads ``validation.json`` as ``trucesim validate`` writes it.

Examples
--------
>>> d = {"rounds": [{"name": "a", "totals": {"brier": 0.1}, "base_rate": {"brier": 0.2}},
...                 {"name": "b", "totals": {"brier": 0.3}, "base_rate": {"brier": 0.1}}],
...      "overall": {"brier": 0.2}, "base_rate": {"brier": 0.15}, "coin": {"brier": 0.25}}
>>> fig = folds_figure(d)
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['a', 'b', 'all rounds']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trucesim.plots.style import CYCLE, GREY, finish, new_figure, save_figure


def folds_figure(d: Mapping[str, Any], subtitle: str = "") -> Figure:
    """The mean Brier score of each left-out round of ``d`` (a validation's JSON), model against base rate."""
    names = [r["name"] for r in d["rounds"]] + ["all rounds"]
    model = np.array([r["totals"]["brier"] for r in d["rounds"]] + [d["overall"]["brier"]], dtype=float)
    base = np.array([r["base_rate"]["brier"] for r in d["rounds"]] + [d["base_rate"]["brier"]], dtype=float)
    y = np.arange(len(names))[::-1].astype(float)
    y[-1] -= 0.4  # all rounds: set apart below the rounds
    fig, axes = new_figure((7.5, 1.6 + 0.36 * len(names)))
    ax = axes[0, 0]
    ax.axvline(d["coin"]["brier"], color=GREY, lw=1.2, ls="--", label=f"coin ({d['coin']['brier']:.2f})")
    ax.axhline((y[-1] + y[-2]) / 2, color="#DDDDDD", lw=0.8)
    ax.hlines(y, np.minimum(model, base), np.maximum(model, base), color=GREY, lw=1.5, zorder=1)
    ax.scatter(base, y, marker="s", s=42, color=CYCLE[1], zorder=3, label="base rate (the other rounds' record)")
    ax.scatter(model, y, marker="o", s=48, color=CYCLE[0], zorder=4, label="model (fitted on the other rounds)")
    better = model < base
    for yi, m, b in zip(y, model, base):  # the model's score, right of both markers
        ax.annotate(
            f"{m:.3f}",
            (max(m, b), yi),
            textcoords="offset points",
            xytext=(8, 0),
            va="center",
            fontsize=7.5,
            color=CYCLE[0],
        )
    ax.set_yticks(y, names)
    for label in ax.get_yticklabels()[-1:]:
        label.set_fontweight("bold")
    ax.set_xlim(0, max(0.3, float(np.nanmax(np.r_[model, base])) + 0.08))
    ax.set_xlabel("mean Brier score over the round's facts (lower is better)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False)
    wins = int(better[:-1].sum())
    return finish(
        fig,
        "Out of sample: each left-out round, the model against the base rate",
        subtitle,
        note=f"The model scores better than the base rate on {wins} of {len(model) - 1} rounds. "
        "Each round is scored with the values fitted on the other rounds only.",
    )


def write_folds(d: Mapping[str, Any], path: str | Path, subtitle: str = "", dpi: int = 150) -> Path:
    """Draw :func:`folds_figure` to ``path`` (.png, .svg or .pdf by its suffix), written whole or not at all."""
    return save_figure(folds_figure(d, subtitle), path, dpi=dpi)
