"""The backtest's scorecard as a figure: rounds × facts, each cell the probability the model gave what happened.

A cell is coloured from vermillion (0: no world reproduced what happened) through
a pale grey (0.5, a coin) to bluish green (1: every world did), Okabe-Ito colours of
:mod:`trucesim.plots.style`, with the probability written in it; a fact a round does
not observe is left blank.

Examples
--------
>>> import numpy as np
>>> from trucesim.config.observed import Observed
>>> from trucesim.history.backtest import RoundScore
>>> r = RoundScore("toy", "toy.toml", (Observed("deal", "deal", False, ""),), np.array([0.8]), 1000, 0)
>>> fig = scorecard_figure([r])
>>> fig.texts[0].get_text()
'Backtest: the probability the model gave what happened'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from trucesim.history.backtest import RoundScore, totals
from trucesim.plots.style import OKABE_ITO, finish, new_figure, save_figure

#: probability of what happened, 0 (vermillion: missed) .. 0.5 (pale grey: a coin) .. 1 (bluish green: reproduced)
SCORE_CMAP = LinearSegmentedColormap.from_list(
    "trucesim_score", [OKABE_ITO["vermillion"], "#F2F2F2", OKABE_ITO["bluish_green"]]
).with_extremes(bad="white")


def score_grid(scores: Sequence[RoundScore]) -> tuple[list[str], list[str], np.ndarray]:
    """Rounds, fact keys (in the order first observed) and the rounds × facts matrix of p (NaN: not observed).

    >>> from trucesim.config.observed import Observed
    >>> a = RoundScore("a", "a.toml", (Observed("deal", "deal", False, ""),), np.array([0.8]), 10, 0)
    >>> b = RoundScore("b", "b.toml", (Observed("exits", "exits", (), ""),), np.array([0.3]), 10, 0)
    >>> score_grid([a, b])[2].tolist()
    [[0.8, nan], [nan, 0.3]]
    """
    rounds = [s.name for s in scores]
    facts: list[str] = []
    for s in scores:
        facts += [f.key for f in s.facts if f.key not in facts]
    grid = np.full((len(rounds), len(facts)), np.nan)
    for i, s in enumerate(scores):
        for f, p in zip(s.facts, s.p, strict=True):
            grid[i, facts.index(f.key)] = p
    return rounds, facts, grid


def scorecard_figure(scores: Sequence[RoundScore], fitted: str | Path | None = None) -> Figure:
    """The scorecard figure of a backtest (a matplotlib ``Figure``, no pyplot state)."""
    rounds, facts, grid = score_grid(scores)
    width = min(16.0, max(6.5, 2.4 + 1.05 * len(facts)))
    height = 2.6 + 0.55 * max(len(rounds), 1)
    fig, axes = new_figure((width, height))
    ax = axes[0, 0]
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=SCORE_CMAP, vmin=0.0, vmax=1.0, aspect="auto")
    for i in range(len(rounds)):
        for j in range(len(facts)):
            p = grid[i, j]
            if np.isfinite(p):
                dark = p < 0.15 or p > 0.85
                ax.text(j, i, f"{p:.2f}", ha="center", va="center", fontsize=9, color="white" if dark else "black")
    t = totals(scores)["rounds"]
    ax.set_yticks(range(len(rounds)), [f"{r}\n{t[r]['hits']}/{t[r]['facts']} hits" for r in rounds], fontsize=9)
    ax.set_xticks(
        range(len(facts)), [f.replace("_", " ").replace(".", ": ") for f in facts], rotation=30, ha="right", fontsize=9
    )
    ax.set_xticks(np.arange(-0.5, len(facts)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rounds)), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("observed fact (blank: not observed in that round)")
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label("probability the model gave\nwhat happened (share of worlds)")
    bar.set_ticks([0, 0.25, 0.5, 0.75, 1.0])
    overall = totals(scores)["overall"]
    worlds = scores[0].worlds if scores else 0
    seed = scores[0].seed if scores else 0
    parts = [f"{len(rounds)} round{'s' if len(rounds) != 1 else ''}", f"{worlds:,} worlds each", f"seed {seed}"]
    if fitted is not None:
        parts.append(f"fitted values from {Path(fitted).name}")
    if overall["facts"]:
        parts.append(
            f"{overall['hits']}/{overall['facts']} hits, mean Brier {overall['brier']:.3f} (coin 0.250), "
            f"mean log {overall['log']:.3f} (coin 0.693)"
        )
    return finish(
        fig,
        "Backtest: the probability the model gave what happened",
        "  ·  ".join(parts),
        note="A hit: probability >= 0.5.",
    )


def write_scorecard(
    scores: Sequence[RoundScore], path: str | Path, dpi: int = 150, fitted: str | Path | None = None
) -> Path:
    """Draw the scorecard to ``path`` (.png, .svg or .pdf by its suffix), written whole or not at all."""
    return save_figure(scorecard_figure(scores, fitted), path, dpi=dpi)
