"""The reliability diagram of a leave-one-round-out validation: forecast probability against observed frequency.

Every left-out fact counts twice, as what happened (forecast ``p``, observed) and as its
complement (forecast ``1 - p``, not observed): see
:func:`trucesim.history.reliability.reliability`.  Per bin of forecast probability, a marker
sits at the bin's mean forecast and the share of its events that happened, sized by
(and labelled with) the count of events; the diagonal is a calibrated forecaster.  The
model is drawn in blue and the base-rate forecaster in vermillion (Okabe-Ito); a coin is
the single point (0.5, 0.5).

Examples
--------
>>> import numpy as np
>>> fig = reliability_figure({"model": np.array([0.9, 0.7, 0.2]), "base rate": np.array([0.5, 1.0, 0.0])})
>>> fig.texts[0].get_text()
'Out of sample: how reliable are the probabilities?'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from trucesim.history.reliability import BINS, reliability
from trucesim.plots.style import CYCLE, GREY, finish, new_figure, save_figure


def reliability_figure(p: Mapping[str, np.ndarray], subtitle: str = "", bins: int = BINS) -> Figure:
    """The reliability diagram of each forecaster in ``p`` (name → every left-out fact's probability of what happened).

    The first forecaster is drawn with count labels; any others with markers only.
    """
    fig, axes = new_figure((7.0, 7.0))
    ax = axes[0, 0]
    ax.plot([0, 1], [0, 1], color=GREY, lw=1.2, ls="--", label="calibrated (diagonal)")
    for edge in (np.arange(bins + 1) / bins)[1:-1]:
        ax.axvline(edge, color="#EEEEEE", lw=0.8, zorder=0)
    markers = ("o", "s", "^", "D")
    for k, (name, probs) in enumerate(p.items()):
        table = reliability(np.asarray(probs, dtype=float), bins)
        table = table[table["count"] > 0]
        colour = CYCLE[k % len(CYCLE)]
        size = 30 + 170 * table["count"] / max(float(table["count"].max()), 1.0) if len(table) else 30
        n = len(np.asarray(probs))
        ax.plot(table["forecast"], table["observed"], color=colour, lw=1, alpha=0.6)
        ax.scatter(
            table["forecast"],
            table["observed"],
            s=size,
            color=colour,
            marker=markers[k % len(markers)],
            alpha=0.85,
            edgecolor="white",
            zorder=3,
            label=f"{name} ({n} facts)",
        )
        if k == 0:
            for row in table.itertuples():
                ax.annotate(
                    f"{row.count:.0f}",
                    (row.forecast, row.observed),
                    textcoords="offset points",
                    xytext=(7 if row.forecast < 0.9 else -14, -11),
                    fontsize=7.5,
                    color=colour,
                )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("forecast probability (mean of the bin)")
    ax.set_ylabel("observed frequency (share of the bin's events that happened)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8, frameon=False)
    return finish(
        fig,
        "Out of sample: how reliable are the probabilities?",
        subtitle,
        note=f"Each left-out fact counts twice: what happened (forecast p) and its complement (1 - p); "
        f"{bins} bins of equal width; numbers: events per bin of the first forecaster.",
    )


def write_reliability(
    p: Mapping[str, np.ndarray], path: str | Path, subtitle: str = "", dpi: int = 150, bins: int = BINS
) -> Path:
    """Draw :func:`reliability_figure` to ``path`` (.png, .svg or .pdf by its suffix), written whole or not at all."""
    return save_figure(reliability_figure(p, subtitle, bins), path, dpi=dpi)
