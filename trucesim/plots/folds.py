"""Each left-out round's mean Brier score in a leave-one-round-out validation: the model against the base rate.

One row per round scored (in the validation's order), then all of them together: the model's
mean Brier score over the round's facts (blue circle, its value above it) and the base-rate
forecaster's (vermillion square), joined by a line whose length is the gap; the coin's 0.25 is
the dashed line.  Lower is better.  The figure reads ``validation.json`` as ``trucesim
validate`` writes it; a round with no fact scored (a score of ``None``) is left out.

Examples
--------
>>> d = {"rounds": [{"name": "a", "totals": {"brier": 0.1}, "base_rate": {"brier": 0.2}},
...                 {"name": "b", "totals": {"brier": 0.3}, "base_rate": {"brier": 0.1}}],
...      "overall": {"brier": 0.2}, "base_rate": {"brier": 0.15}, "coin": {"brier": 0.25}}
>>> fig = folds_figure(d)
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['a', 'b', 'all left-out rounds']
>>> [t.get_text() for t in fig.axes[0].texts]
['0.100', '0.300', '0.200']
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
    rounds = [r for r in d["rounds"] if r["totals"]["brier"] is not None and r["base_rate"]["brier"] is not None]
    coin = d["coin"]["brier"]
    fig, axes = new_figure((7.5, 2.2 + 0.36 * (len(rounds) + 1)))
    ax = axes[0, 0]
    if not rounds or d["overall"]["brier"] is None:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no left-out fact was scored", ha="center", va="center", transform=ax.transAxes)
        return finish(fig, "Out of sample: each left-out round, the model against the base rate", subtitle)
    names = [r["name"] for r in rounds] + ["all left-out rounds"]
    model = np.array([r["totals"]["brier"] for r in rounds] + [d["overall"]["brier"]], dtype=float)
    base = np.array([r["base_rate"]["brier"] for r in rounds] + [d["base_rate"]["brier"]], dtype=float)
    y = np.arange(len(names))[::-1].astype(float)
    y[-1] -= 0.4  # all rounds together: set apart below the rounds
    ax.axvline(coin, color=GREY, lw=1.2, ls="--", label=f"coin ({coin:.2f})")
    if len(rounds) > 1:
        ax.axhline((y[-1] + y[-2]) / 2, color="#DDDDDD", lw=0.8)
    ax.hlines(y, np.minimum(model, base), np.maximum(model, base), color=GREY, lw=1.5, zorder=1)
    ax.scatter(base, y, marker="s", s=42, color=CYCLE[1], zorder=3, label="base rate (the other rounds' record)")
    ax.scatter(model, y, marker="o", s=48, color=CYCLE[0], zorder=4, label="model (fitted on the other rounds)")
    for yi, m in zip(y, model):
        ax.annotate(
            f"{m:.3f}", (m, yi), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7.5, color=CYCLE[0]
        )
    ax.set_yticks(y, names)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.set_ylim(y[-1] - 0.7, y[0] + 0.7)
    ax.set_xlim(0, max(0.3, float(np.max(np.r_[model, base])) + 0.05))
    ax.set_xlabel("mean Brier score over the round's facts (lower is better)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8, frameon=False)  # above the rows
    wins = int((model[:-1] < base[:-1]).sum())
    return finish(
        fig,
        "Out of sample: each left-out round, the model against the base rate",
        subtitle,
        note=f"The model scores better than the base rate on {wins} of {len(rounds)} rounds; over all their facts "
        f"{model[-1]:.3f} against {base[-1]:.3f}. Each round is scored with the values fitted on the other rounds only.",
    )


def write_folds(d: Mapping[str, Any], path: str | Path, subtitle: str = "", dpi: int = 150) -> Path:
    """Draw :func:`folds_figure` to ``path`` (.png, .svg or .pdf by its suffix), written whole or not at all."""
    return save_figure(folds_figure(d, subtitle), path, dpi=dpi)
